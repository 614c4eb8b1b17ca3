"""AsterConnector: Aster USDT-M perpetuals on BaseConnector — the venue's REST hooks and the wiring.

V3 (wallet signatures) by default; `extra: {auth: v1}` in the venue file selects the legacy API key
+ HMAC (settings.py lists every `extra` key). Credentials: V3 `user` (the main wallet address) and
`signer_private_key` (the agent's key); V1 `api_key` and `api_secret`.

One-way position mode only: start-up reads the mode (from positionRisk's rows, else positionSide/dual)
and refuses hedge mode, where `reduceOnly` cannot be sent (spec §4.9).
"""

from __future__ import annotations

import functools
import logging
import string
from typing import Any

from xtb.connectors.aster import limits, mapping
from xtb.connectors.aster.auth import signer_for
from xtb.connectors.aster.error_codes import TABLE
from xtb.connectors.aster.rest import AsterRest
from xtb.connectors.aster.settings import AsterExtra
from xtb.connectors.aster.streams import AsterStreams
from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.paced_http import Connecting
from xtb.connectors.pacing import RateCard
from xtb.connectors.started_only import StartedOnly
from xtb.errors import ConnectorError
from xtb.model import Balance, Fill, MarketInfo, OrderRequest, OrderSnapshot, Position, TopOfBook
from xtb.orders.tracker import OrderTracker

log = logging.getLogger(__name__)

TRADES_PAGE = 1000  # the most rows userTrades answers at once
TRADES_WINDOW_MS = 7 * 86_400_000  # the longest startTime..endTime span userTrades takes
MAX_TRADE_PAGES = 8  # one page holds any order of ours; the bound keeps a busy account within budget
CLIENT_ID_ALPHABET = string.ascii_letters + string.digits + ".:/_-"  # ^[\.A-Z\:/a-z0-9_-]{1,36}$


class AsterConnector(BaseConnector):
    client_id_policy = ClientIdPolicy.string(36, CLIENT_ID_ALPHABET)
    errors = TABLE
    extra_type = AsterExtra
    ordered_books = True  # the real-time bookTicker beside the aggregated diff depth (streams.py)
    settings: AsterExtra
    rest = StartedOnly[AsterRest]()

    def __init__(self, config: ConnectorConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        user = config.credentials.get("user")
        if self.settings.auth == "v3" and user is not None:
            self.pacer.set_account(user.reveal().lower())  # a public address: ORDERS count per account

    def _rate_card(self) -> RateCard:
        return limits.RATE_CARD

    # ------------------------------------------------------------------------ lifecycle hooks

    async def _on_start(self) -> None:
        signer = signer_for(self.settings, self.config.credentials, self.config.environment)
        self.rest = AsterRest(self.http, self.config.rest_url, signer)
        await self.rest.sync_clock()
        # Signed, so it proves the keys; and its rows show the position mode. It weighs 5 where
        # positionSide/dual (spec §4.9 step 3) weighs 30: the mode is asked only when the rows do not tell.
        hedge = mapping.hedge_mode(await self.rest.request("GET", "positionRisk", security="USER_DATA"))
        if hedge is None:
            mode = await self.rest.request("GET", "positionSide/dual", security="USER_DATA")
            hedge = mode.get("dualSidePosition") if isinstance(mode, dict) else mode
        if hedge is not False:
            raise ConnectorError(f"hedge position mode is not supported (dualSidePosition: {hedge})", venue=self.venue)

    def _streams(self) -> AsterStreams:
        base, heartbeat = self.config.ws_url.rstrip("/"), self.settings.ws_heartbeat_s

        def open_socket(path: str) -> Connecting:
            return self.http.ws_connect(base + path, heartbeat=heartbeat)

        positions = functools.partial(self._fetch_positions, None)
        return AsterStreams(self.sink, open_socket, self.rest, self.settings, self.config.symbols, positions)

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
        params = mapping.order_params(request)
        order = await self.rest.request("POST", "order", params, security="TRADE", post_only=request.post_only)
        return mapping.parse_order(order)

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        params = mapping.order_ref(tracker.symbol, tracker.client_id, tracker.venue_id)
        return mapping.parse_order(await self.rest.request("DELETE", "order", params, security="TRADE"))

    async def _cancel_all(self, symbol: str) -> int:
        open_orders = await self._fetch_open_orders(symbol)
        await self.rest.request("DELETE", "allOpenOrders", {"symbol": symbol}, security="TRADE")
        return len(open_orders)

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        params = mapping.order_ref(symbol, client_id, venue_id)
        return mapping.parse_order(await self.rest.request("GET", "order", params, security="USER_DATA"))

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        """The order's executions from the account's trade list (`userTrades`, weight 5), parsed as
        the stream parses them so the trade ids match. The list is per symbol with no order filter
        (spec §4.3: symbol, time range, fromId, limit), so the order is read first (weight 1) for its
        id and the time it was placed; the rows from then to now are filtered by `orderId`."""
        order = await self._fetch_order(symbol, client_id, venue_id)
        start = mapping.created_ms(order.raw)
        end = min(max(self.rest.venue_ms(), start), start + TRADES_WINDOW_MS - 1)
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
