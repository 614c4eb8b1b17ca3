"""AsterConnector: Aster USDT-M perpetuals for BaseConnector (signing, mapping, parsing only).

V3 (wallet signatures) by default; `extra: {auth: v1}` in the venue file selects the legacy API key
+ HMAC. Credentials: V3 `user` (the main wallet address) and `signer_private_key` (the agent's
key); V1 `api_key` and `api_secret`. `extra` also takes `chain_id` (default 1666 on mainnet, 714
otherwise), `keepalive_s` (listen-key renewal, default 1800), `depth_speed` (`100ms`) and
`recv_window` (V1).

One-way position mode only: start-up reads the mode (from positionRisk's rows, else positionSide/dual)
and refuses hedge mode, where `reduceOnly` cannot be sent (spec §4.9).
"""

from __future__ import annotations

import logging
import string
import time
from typing import Any

from xtb.connectors.aster import limits, mapping
from xtb.connectors.aster.auth import MAINNET_CHAIN_ID, TESTNET_CHAIN_ID, V1Signer, V3Signer
from xtb.connectors.aster.rest import AsterRest
from xtb.connectors.aster.streams import MarketStream, UserStream
from xtb.connectors.base import BaseConnector, StreamReady
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.orderbook import LocalBook
from xtb.connectors.pacing import RateCard
from xtb.errors import AuthError, ConfigError, ConnectionLost, ConnectorError, OrderNotFound
from xtb.model import (
    Balance,
    Fill,
    MarketInfo,
    OrderRequest,
    OrderSnapshot,
    OrderType,
    Position,
    TimeInForce,
    TopOfBook,
)
from xtb.orders.tracker import OrderTracker

log = logging.getLogger(__name__)

PROD_REST = "https://fapi.asterdex.com"
PROD_WS = "wss://fstream.asterdex.com"
TESTNET_REST = "https://fapi.asterdex-testnet.com"
TESTNET_WS = "wss://fstream.asterdex-testnet.com"
TIME_IN_FORCE = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK", TimeInForce.POST_ONLY: "GTX"}
TRADES_PAGE = 1000  # the most rows userTrades answers at once
TRADES_WINDOW_MS = 7 * 86_400_000  # the longest startTime..endTime span userTrades takes
MAX_TRADE_PAGES = 8  # one page holds any order of ours; the bound keeps a busy account within budget
CLIENT_ID_ALPHABET = string.ascii_letters + string.digits + ".:/_-"  # ^[\.A-Z\:/a-z0-9_-]{1,36}$


def fmt(value: Any) -> str:
    """A plain decimal on the grid, no exponent ("0.01", "3000.1")."""
    return format(value.normalize(), "f")


class AsterConnector(BaseConnector):
    client_id_policy = ClientIdPolicy.string(36, CLIENT_ID_ALPHABET)

    def __init__(self, config: ConnectorConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        extra = config.extra
        self.auth_mode = str(extra.get("auth", "v3")).lower()
        if self.auth_mode not in ("v3", "v1"):
            raise ConfigError(f"{config.venue}: extra.auth must be v3 or v1, not {self.auth_mode!r}")
        default_chain = MAINNET_CHAIN_ID if config.environment == "mainnet" else TESTNET_CHAIN_ID
        self.chain_id = int(extra.get("chain_id", default_chain))
        self.keepalive = float(extra.get("keepalive_s", 1800))
        self.depth_speed = str(extra.get("depth_speed", "100ms"))
        self.ws_heartbeat = float(extra.get("ws_heartbeat_s", 30))
        self.recv_window = extra.get("recv_window")
        self.ws_base = config.ws_url.rstrip("/")
        self._rest: AsterRest | None = None
        self.books: dict[str, LocalBook] = {s: LocalBook(s) for s in config.symbols}
        self.market_stream = MarketStream(self)
        self.user_stream = UserStream(self)
        user = config.credentials.get("user")
        if self.auth_mode == "v3" and user is not None:
            self.pacer.set_account(user.reveal().lower())  # a public address: ORDERS count per account

    def _rate_card(self) -> RateCard:
        return limits.RATE_CARD

    @property
    def rest(self) -> AsterRest:
        if self._rest is None:
            raise ConnectionLost("connector is not started", venue=self.venue)
        return self._rest

    def _signer(self) -> V3Signer | V1Signer:
        creds = self.config.credentials
        if self.auth_mode == "v1":
            if "api_key" not in creds or "api_secret" not in creds:
                raise AuthError("V1 needs the credentials 'api_key' and 'api_secret'", venue=self.venue)
            window = int(self.recv_window) if self.recv_window else None
            return V1Signer(creds["api_key"], creds["api_secret"], window)
        if "user" not in creds or "signer_private_key" not in creds:
            raise AuthError("V3 needs the credentials 'user' and 'signer_private_key'", venue=self.venue)
        return V3Signer(creds["user"].reveal(), creds["signer_private_key"], self.chain_id)

    # ------------------------------------------------------------------------ lifecycle hooks

    async def _on_start(self) -> None:
        self._rest = AsterRest(self.http, self.config.rest_url, self._signer(), venue=self.venue)
        await self.rest.sync_clock()
        # Signed, so it proves the keys; and its rows show the position mode. It weighs 5 where
        # positionSide/dual (spec §4.9 step 3) weighs 30: the mode is asked only when the rows do not tell.
        hedge = mapping.hedge_mode(await self.rest.request("GET", "positionRisk", security="USER_DATA"))
        if hedge is None:
            mode = await self.rest.request("GET", "positionSide/dual", security="USER_DATA")
            hedge = mode.get("dualSidePosition") if isinstance(mode, dict) else mode
        if hedge is not False:
            raise ConnectorError(f"hedge position mode is not supported (dualSidePosition: {hedge})", venue=self.venue)

    def stream_names(self) -> list[str]:
        return ["market", "user"] if self.config.symbols else ["user"]

    async def _run_stream(self, name: str, ready: StreamReady) -> None:
        if name == "market":
            await self.market_stream.run(ready)
        else:
            await self.user_stream.run(ready)

    # ------------------------------------------------------------------------------ REST hooks

    async def _load_markets(self) -> dict[str, MarketInfo]:
        info = await self.rest.request("GET", "exchangeInfo")
        published = limits.published_limits(info)
        if published is not None and published != self.pacer.limits:
            log.info("pacing venue=%s by the published rate limits %s", self.venue, published)
            self.pacer.set_limits(published)
        return mapping.parse_markets(info)

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        ticker = await self.rest.request("GET", "ticker/bookTicker", {"symbol": symbol})
        return mapping.parse_book_ticker(ticker, self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        params: dict[str, Any] = {
            "symbol": request.symbol,
            "side": mapping.SIDE_NAMES[request.side],
            "type": "LIMIT" if request.order_type is OrderType.LIMIT else "MARKET",
        }
        if request.order_type is OrderType.LIMIT:
            params["timeInForce"] = TIME_IN_FORCE[request.time_in_force]
        params["quantity"] = fmt(request.size)
        if request.order_type is OrderType.LIMIT:
            assert request.price is not None
            params["price"] = fmt(request.price)
        if request.reduce_only:
            params["reduceOnly"] = "true"
        params["newClientOrderId"] = request.client_id
        params["newOrderRespType"] = "RESULT"
        order = await self.rest.request("POST", "order", params, security="TRADE", post_only=request.post_only)
        return mapping.parse_order(order)

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        params: dict[str, Any] = {"symbol": tracker.symbol}
        if tracker.venue_id is not None:
            params["orderId"] = tracker.venue_id
        else:
            params["origClientOrderId"] = tracker.client_id
        return mapping.parse_order(await self.rest.request("DELETE", "order", params, security="TRADE"))

    async def _cancel_all(self, symbol: str) -> int:
        open_orders = await self._fetch_open_orders(symbol)
        await self.rest.request("DELETE", "allOpenOrders", {"symbol": symbol}, security="TRADE")
        return len(open_orders)

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        params: dict[str, Any] = {"symbol": symbol}
        if venue_id is not None:
            params["orderId"] = venue_id
        elif client_id is not None:
            params["origClientOrderId"] = client_id
        else:
            raise OrderNotFound("no id to query", venue=self.venue)
        return mapping.parse_order(await self.rest.request("GET", "order", params, security="USER_DATA"))

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        """The order's executions from the account's trade list (`userTrades`, weight 5), parsed as
        the stream parses them so the trade ids match. The list is per symbol with no order filter
        (spec §4.3: symbol, time range, fromId, limit), so the order is read first (weight 1) for its
        id and the time it was placed; the rows from then to now are filtered by `orderId`."""
        order = await self._fetch_order(symbol, client_id, venue_id)
        start = mapping.created_ms(order.raw)
        now = int(time.time() * 1000) + self.rest.clock_offset_ms
        end = min(max(now, start), start + TRADES_WINDOW_MS - 1)
        fills: dict[str, Fill] = {}
        windows = [(start, end)]
        for _ in range(MAX_TRADE_PAGES):
            if not windows:
                break
            low, high = windows.pop()
            params = {"symbol": symbol, "startTime": low, "endTime": high, "limit": TRADES_PAGE}
            answer = await self.rest.request("GET", "userTrades", params, security="USER_DATA")
            page = [mapping.parse_user_trade(row, order.client_id) for row in mapping.rows(answer, "userTrades")]
            fills.update((f.trade_id, f) for f in page if f.venue_id == order.venue_id)
            if sum(f.size for f in fills.values()) >= order.filled:
                break
            if len(page) >= TRADES_PAGE and low < high:
                # a full page may be either end of the window (the docs do not say which): halve it
                middle = (low + high) // 2
                windows += [(middle + 1, high), (low, middle)]
        return list(fills.values())

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        params = {"symbol": symbol} if symbol else None
        orders = await self.rest.request("GET", "openOrders", params, security="USER_DATA")
        return [mapping.parse_order(o) for o in mapping.rows(orders, "openOrders")]

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        params = {"symbol": symbol} if symbol else None
        return mapping.parse_position_risk(await self.rest.request("GET", "positionRisk", params, security="USER_DATA"))

    async def _fetch_balances(self) -> list[Balance]:
        return mapping.parse_balances(await self.rest.request("GET", "balance", security="USER_DATA"))
