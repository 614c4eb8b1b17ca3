"""LighterConnector: the Lighter venue for BaseConnector, signing with the official SDK's Go signer.

Writes are L2 transactions signed by `lighter.SignerClient` with nonces kept here (`TxSender`);
reads are REST with an auth token from the same signer; two supervised sockets to `/stream` carry
the order books (`order_book/{m}`, nonce-continuous, resubscribed on a gap) and the account
(`account_all_orders`, `account_all_trades`, `account_all_positions`, with the token).

sendTx answers only a tx_hash, so a submit waits (briefly) for the venue's first view of the order
— the stream, else a REST query by client order index — before it returns.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from decimal import Decimal
from typing import Any

import aiohttp

from xtb.connectors.base import BaseConnector, StreamReady
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.lighter import limits, mapping
from xtb.connectors.lighter.rest import ACCOUNT_NOT_FOUND, LighterRest
from xtb.connectors.lighter.signer import ORDER_EXPIRY_28_DAYS, LighterSigner, chain_id_for, credentials_int
from xtb.connectors.lighter.txs import TxSender
from xtb.connectors.orderbook import BookGap, LocalBook
from xtb.connectors.pacing import RateCard
from xtb.crypto.schnorr import public_key
from xtb.errors import (
    AuthError,
    ConfigError,
    ConnectionLost,
    ConnectorError,
    InvalidOrder,
    OrderNotFound,
    VenueProtocolError,
    VenueRejected,
)
from xtb.model import (
    Balance,
    Fill,
    MarketInfo,
    OrderRequest,
    OrderSnapshot,
    OrderState,
    OrderType,
    Position,
    Side,
    Source,
    TimeInForce,
    TopOfBook,
)
from xtb.orders.tracker import OrderTracker

log = logging.getLogger(__name__)

PROD_REST = "https://mainnet.zklighter.elliot.ai"
PROD_WS = "wss://mainnet.zklighter.elliot.ai/stream"
TYPE_LIMIT, TYPE_MARKET = 0, 1
TIF = {TimeInForce.IOC: 0, TimeInForce.GTC: 1, TimeInForce.POST_ONLY: 2}
ACCOUNT_CHANNELS = ("account_all_orders", "account_all_trades", "account_all_positions")
INACTIVE_PAGE = 100
TRADES_PAGE = 100  # the most `/api/v1/trades` lists in one answer
TOKEN_MARGIN_S = 120


class LighterConnector(BaseConnector):
    client_id_policy = ClientIdPolicy.int_range(1, 2**48 - 1)

    def __init__(self, config: ConnectorConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        extra = config.extra
        self.chain_id = chain_id_for(config.rest_url, extra.get("chain_id"))
        self.market_slippage = Decimal(str(extra.get("market_slippage", "0.05")))
        self.confirm_timeout = float(extra.get("confirm_timeout", 3.0))
        self.token_ttl = int(extra.get("auth_ttl", 3600))
        self.keepalive = float(extra.get("ws_keepalive", 20.0))
        self.skip_nonce = bool(extra.get("skip_nonce", False))
        self.account_index: int | None = None
        self.signer: LighterSigner | None = None
        self._rest: LighterRest | None = None
        self._txs: TxSender | None = None
        self.books: dict[str, LocalBook] = {s: LocalBook(s) for s in config.symbols}

    def _rate_card(self) -> RateCard:
        """`extra.rate_tier` when set; else every tier's budget until `accountLimits` names the tier."""
        tier = self.config.extra.get("rate_tier")
        try:
            return limits.rate_card(None if tier is None else str(tier))
        except ValueError as exc:
            raise ConfigError(f"{self.config.venue}: extra.rate_tier: {exc}") from None

    @property
    def rest(self) -> LighterRest:
        if self._rest is None:
            raise ConnectionLost("connector is not started", venue=self.venue)
        return self._rest

    @property
    def txs(self) -> TxSender:
        if self._txs is None:
            raise ConnectionLost("connector is not started", venue=self.venue)
        return self._txs

    def token(self) -> str:
        assert self.signer is not None
        return self.signer.auth_token(self.token_ttl)

    # ------------------------------------------------------------------ lifecycle hooks

    async def _on_start(self) -> None:
        # the account index identifies the account, it is not a secret: `identifiers:` in the venue file
        creds, extra = self.config.credentials, {**self.config.extra, **self.config.identifiers}
        if "api_private_key" not in creds:
            raise AuthError("missing credential 'api_private_key'", venue=self.venue)
        account = credentials_int(creds, extra, "account_index")
        if account is None or account <= 0:
            raise AuthError("missing or invalid credential 'account_index'", venue=self.venue)
        self.account_index = account
        known = limits.KNOWN_TIERS.get((self.config.rest_url, account))
        if known is not None and self.config.extra.get("rate_tier") is None:
            self.pacer.use(limits.rate_card(known))  # as this process last saw it; accountLimits confirms below
        self._rest = LighterRest(self.http, self.config.rest_url)
        status = await self.rest.get("/")
        if not isinstance(status, dict) or status.get("status") != 200:
            raise ConnectorError(f"venue status is {status!r}", venue=self.venue)
        key_index = credentials_int(creds, extra, "api_key_index")
        if key_index is None:
            key_index = await self._find_key_index(account)
        self.signer = LighterSigner(self.config.rest_url, account, key_index, creds["api_private_key"], self.chain_id)
        await self.signer.open()
        # the SDK's Go library fetches the key itself, on its own HTTP client: paced like ours
        await self._paced_elsewhere("GET", f"{self.config.rest_url.rstrip('/')}/api/v1/apikeys", self.signer.check)
        self._txs = TxSender(self.rest, account, key_index, skip_nonce=self.skip_nonce)
        account_limits = await self.rest.get("/api/v1/accountLimits", {"account_index": account}, token=self.token())
        self._take_tier(account_limits)

    def _take_tier(self, account_limits: Any) -> None:
        """Pace by the tier the venue reports for the account, unless `extra.rate_tier` says."""
        if self.config.extra.get("rate_tier") is not None:
            return
        reported = account_limits.get("user_tier") if isinstance(account_limits, dict) else None
        try:
            tier = limits.tier_name(reported)
        except ValueError:
            log.warning("accountLimits reports tier %r; pacing as %s", reported, limits.STANDARD)
            tier = limits.STANDARD
        log.info("pacing venue=%s by the %s tier", self.venue, tier)
        if self.account_index is not None:
            limits.KNOWN_TIERS[(self.config.rest_url, self.account_index)] = tier
        self.pacer.use(limits.rate_card(tier))

    async def _find_key_index(self, account: int) -> int:
        """The index under which our key is registered: the key index is not a secret, but it is
        one more setting to get wrong, so it is looked up by our public key when not configured."""
        raw = self.config.credentials["api_private_key"].reveal().removeprefix("0x")
        try:
            private = bytes.fromhex(raw)
            if len(private) != 40:
                raise ValueError("not 40 bytes")
            ours = public_key(int.from_bytes(private, "little")).hex()
        except ValueError:
            raise AuthError("api_private_key must be 0x + 80 hex characters", venue=self.venue) from None
        try:
            body = await self.rest.get("/api/v1/apikeys", {"account_index": account})
        except VenueRejected as exc:
            if exc.code != str(ACCOUNT_NOT_FOUND):
                raise
            raise AuthError(f"account {account} not found (check account_index): {exc}", venue=self.venue) from None
        for key in mapping.rows(mapping.get(body, "api_keys", "apikeys answer"), "api_keys"):
            if str(mapping.get(key, "public_key", "api key", "")).lower().removeprefix("0x") == ours:
                return mapping.integer(key.get("api_key_index"), "api_key_index", maximum=255)
        raise AuthError(f"no API key of account {account} matches api_private_key (run changePubKey)", venue=self.venue)

    async def _on_stop(self) -> None:
        if self.signer is not None:
            await self.signer.close()

    def stream_names(self) -> list[str]:
        return ["market", "account"] if self.config.symbols else ["account"]

    async def _run_stream(self, name: str, ready: StreamReady) -> None:
        async with self.http.ws_connect(self.config.ws_url, heartbeat=None) as ws:
            first = mapping.frame(await ws.receive_str(timeout=self.config.request_timeout))
            if first.get("type") != "connected":
                raise VenueProtocolError(
                    f"expected the connected greeting, got {mapping.clip(first)}", venue=self.venue
                )
            keepalive = asyncio.create_task(self._keepalive(ws), name=f"lighter-keepalive-{name}")
            try:
                if name == "account":
                    await self._run_account(ws, ready)
                else:
                    await self._run_market(ws, ready)
            finally:
                keepalive.cancel()

    async def _keepalive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """An application ping now and then: the venue closes sockets quiet for two minutes."""
        try:
            while not ws.closed:
                await asyncio.sleep(self.keepalive)
                await ws.send_str('{"type":"ping"}')
        except (ConnectionError, RuntimeError):  # the socket went away; the reader reports it
            return

    # ------------------------------------------------------------------ REST hooks

    def _market(self, symbol: str) -> MarketInfo:
        try:
            return self._markets[symbol]
        except KeyError:
            raise ConnectorError(f"unknown symbol {symbol!r}", venue=self.venue) from None

    def _symbol(self, market_index: Any) -> str | None:
        for info in self._markets.values():
            if info.venue_symbol == str(market_index):
                return info.symbol
        return None

    async def _load_markets(self) -> dict[str, MarketInfo]:
        body = await self.rest.get("/api/v1/orderBookDetails", {"filter": "perp"})
        rows = mapping.rows(mapping.field(body, "order_book_details", "orderBookDetails"), "order_book_details")
        markets = [mapping.parse_market(row) for row in rows]
        return {m.symbol: m for m in markets if m is not None}

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        market = self._market(symbol)
        body = await self.rest.get("/api/v1/orderBookOrders", {"market_id": market.venue_symbol, "limit": 250})
        return mapping.top_from_orders(symbol, body, self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        market = self._market(request.symbol)
        if request.time_in_force is TimeInForce.FOK:
            raise InvalidOrder("Lighter offers no fill-or-kill orders", venue=self.venue)
        base_amount = mapping.size_units(request.size, market)
        if request.order_type is OrderType.MARKET:
            book = await self.top_of_book(request.symbol)
            touch = book.far_touch(request.side)
            if touch is None:
                raise InvalidOrder(
                    f"no {request.side.opposite.value} side to take on {request.symbol}", venue=self.venue
                )
            price = mapping.protection_price(touch, request.side, self.market_slippage, market)
            order_type, tif, expiry = TYPE_MARKET, 0, 0
        else:
            assert request.price is not None
            price = mapping.price_units(request.price, market)
            tif = TIF[request.time_in_force]
            order_type, expiry = TYPE_LIMIT, 0 if tif == 0 else ORDER_EXPIRY_28_DAYS
        signer = self.signer
        assert signer is not None

        def sign(nonce: int, skip: bool) -> Any:
            return signer.create_order(  # a coroutine: the Go library signs on its own thread
                market_index=int(market.venue_symbol),
                client_order_index=int(request.client_id),
                base_amount=base_amount,
                price=price,
                is_ask=request.side is Side.SELL,
                order_type=order_type,
                time_in_force=tif,
                reduce_only=request.reduce_only,
                order_expiry=expiry,
                nonce=nonce,
                skip_nonce=skip,
            )

        tx_hash = await self.txs.send(sign)
        log.debug("order sent venue=%s cid=%s tx=%s", self.venue, request.client_id, tx_hash)
        return await self._confirm(request)

    async def _confirm(self, request: OrderRequest) -> OrderSnapshot | None:
        """Wait for the stream to report the order; else ask REST by client order index. None when
        neither knows it yet (it stays SUBMITTING for the streams and reconciliation)."""
        tracker = self.orders.find(request.client_id)
        if tracker is not None:
            try:
                await tracker.wait_for(lambda t: t.state is not OrderState.SUBMITTING, self.confirm_timeout)
                return None
            except TimeoutError:
                pass
        try:
            return await self._fetch_order(request.symbol, request.client_id, None)
        except OrderNotFound:
            log.warning("order %s not seen after its tx was accepted; re-syncing the nonce", request.client_id)
            self.txs.resync()  # a sequencer drop would leave our nonce ahead of the venue's
            return None

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        market = self._market(tracker.symbol)
        index = int(tracker.venue_id) if tracker.venue_id is not None else int(tracker.client_id)
        signer = self.signer
        assert signer is not None
        await self.txs.send(
            lambda nonce, skip: signer.cancel_order(
                market_index=int(market.venue_symbol), index=index, nonce=nonce, skip_nonce=skip
            )
        )
        return None  # the stream (or a query) confirms

    async def _cancel_all(self, symbol: str) -> int:
        market = self._market(symbol)
        count = len(await self._fetch_open_orders(symbol))
        signer = self.signer
        assert signer is not None
        await self.txs.send(
            lambda nonce, skip: signer.cancel_all(market_index=int(market.venue_symbol), nonce=nonce, skip_nonce=skip)
        )
        return count

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        market = self._market(symbol)
        if client_id is not None and client_id.isdigit():
            body = await self.rest.get(
                "/api/v1/accountOrders",
                {"account_index": self.account_index, "client_order_indexes": client_id},
                token=self.token(),
            )
            for order in mapping.rows(mapping.get(body, "orders", "accountOrders"), "orders"):
                if (
                    str(mapping.get(order, "market_index", "order")) == market.venue_symbol
                    and str(order.get("client_order_index")) == client_id
                ):
                    return mapping.parse_order(order, symbol, Source.REST)
        if venue_id is not None:
            for snap in await self._fetch_open_orders(symbol):
                if snap.venue_id == venue_id:
                    return snap
            params = {"account_index": self.account_index, "market_id": market.venue_symbol, "limit": INACTIVE_PAGE}
            body = await self.rest.get("/api/v1/accountInactiveOrders", params, token=self.token())
            for order in mapping.rows(mapping.get(body, "orders", "accountInactiveOrders"), "orders"):
                if str(mapping.get(order, "order_index", "order")) == venue_id:
                    return mapping.parse_order(order, symbol, Source.REST)
        raise OrderNotFound(f"order {venue_id or client_id} is unknown to {symbol}", venue=self.venue)

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        symbols = [symbol] if symbol is not None else list(self._markets)
        snaps = []
        for sym in symbols:
            market = self._market(sym)
            params = {"account_index": self.account_index, "market_id": market.venue_symbol}
            body = await self.rest.get("/api/v1/accountActiveOrders", params, token=self.token())
            orders = mapping.rows(mapping.get(body, "orders", "accountActiveOrders"), "orders")
            snaps += [mapping.parse_order(o, sym, Source.REST) for o in orders]
        return snaps

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        """The order's executions from the account's trade history, parsed as `account_all_trades`
        parses them (same trade id, ids, fee and liquidity), so the tracker counts each once.

        One request (weight 600 on the weighted tiers, one of the standard tier's 60 a minute):
        filtered to the order by `order_index` when its venue id is known; the answer is filtered
        again here, so a venue that ignored the filter would still give only this order's fills."""
        if venue_id is None and client_id is None:
            raise ValueError("_fetch_fills needs a client id or a venue id")
        market = self._market(symbol)
        params = {
            "account_index": self.account_index,
            "market_id": market.venue_symbol,
            "order_index": venue_id,
            "sort_by": "timestamp",
            "sort_dir": "desc",
            "limit": TRADES_PAGE,
        }
        body = await self.rest.get("/api/v1/trades", params, token=self.token())
        account = self.account_index
        assert account is not None
        fills = []
        for trade in mapping.rows(mapping.field(body, "trades", "trades answer"), "trades"):
            if str(mapping.field(trade, "market_id", "trade")) != market.venue_symbol:
                continue
            fills += mapping.parse_fills(trade, account, symbol, Source.REST)
        if venue_id is not None:
            return [f for f in fills if f.venue_id == venue_id]
        return [f for f in fills if f.client_id == client_id]

    async def _account(self) -> dict[str, Any]:
        body = await self.rest.get("/api/v1/account", {"by": "index", "value": self.account_index})
        accounts = mapping.rows(mapping.field(body, "accounts", "account answer"), "accounts")
        if not accounts:
            raise VenueProtocolError(f"account {self.account_index} not listed", venue=self.venue)
        return dict(mapping.obj(accounts[0], "account"))

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        account = await self._account()
        rows = mapping.rows(account.get("positions"), "positions")
        positions = [mapping.parse_position(p, Source.REST) for p in rows]
        return [p for p in positions if symbol is None or p.symbol == symbol]

    async def _fetch_balances(self) -> list[Balance]:
        return [mapping.parse_balance(await self._account())]

    # ------------------------------------------------------------------ streams

    async def _frames(self, ws: aiohttp.ClientWebSocketResponse) -> Any:
        """Parsed text frames; answers pings, turns error frames into errors."""
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                frame = mapping.frame(msg.data)
                kind = frame.get("type")
                if kind == "ping":
                    await ws.send_str('{"type":"pong"}')
                elif kind in ("pong", "unsubscribed"):
                    continue
                elif "error" in frame:
                    error = frame["error"]
                    if isinstance(error, dict) and error.get("code") == 30012:
                        raise AuthError(f"subscription refused: {error.get('message')}", venue=self.venue)
                    raise VenueProtocolError(f"stream error frame {mapping.clip(frame, 300)}", venue=self.venue)
                elif kind == "shutdown":
                    log.info("venue announced a shutdown venue=%s frame=%s", self.venue, frame)
                else:
                    yield frame
            elif msg.type is aiohttp.WSMsgType.ERROR:
                raise ConnectionLost(f"stream error: {ws.exception()!r}", venue=self.venue)
        raise ConnectionLost(f"stream closed (code {ws.close_code})", venue=self.venue)

    async def _run_market(self, ws: aiohttp.ClientWebSocketResponse, ready: StreamReady) -> None:
        waiting: set[str] = set()
        for symbol, book in self.books.items():
            book.reset()
            market = self._market(symbol)
            waiting.add(market.venue_symbol)
            await ws.send_str(json.dumps({"type": "subscribe", "channel": f"order_book/{market.venue_symbol}"}))
        live = False
        async for frame in self._frames(ws):
            name, _, market_id = str(frame.get("channel", "")).partition(":")
            symbol = self._symbol(market_id)
            if name != "order_book" or symbol is None or symbol not in self.books:
                continue
            book = self.books[symbol]
            order_book = mapping.field(frame, "order_book", "order_book frame")
            if str(frame.get("type")).startswith("subscribed/"):
                bids, asks, _, nonce = mapping.parse_book(order_book)  # read whole before the book is touched
                book.on_snapshot(bids, asks, nonce)
                self._publish_book(symbol)
                waiting.discard(market_id)
                if not waiting and not live:
                    live = True
                    ready()
                continue
            delta = mapping.book_delta(order_book)
            try:
                changed = book.on_delta(delta)
            except BookGap as gap:
                log.warning("book gap venue=%s symbol=%s %s; resubscribing", self.venue, symbol, gap)
                for kind in ("unsubscribe", "subscribe"):
                    await ws.send_str(json.dumps({"type": kind, "channel": f"order_book/{market_id}"}))
                continue
            if changed:
                self._publish_book(symbol)

    async def _run_account(self, ws: aiohttp.ClientWebSocketResponse, ready: StreamReady) -> None:
        """Subscribe the account channels with a token that has most of its life left, and come
        back (reconnect, resubscribe with a new token) shortly before it expires."""
        assert self.signer is not None
        token = self.signer.auth_token(self.token_ttl, min_left_s=self.token_ttl // 2)
        deadline = self.signer.token_deadline
        assert deadline is not None
        for name in ACCOUNT_CHANNELS:
            await ws.send_str(
                json.dumps({"type": "subscribe", "channel": f"{name}/{self.account_index}", "auth": token})
            )
        waiting = set(ACCOUNT_CHANNELS)
        lifetime = max(1.0, deadline - time.time() - min(TOKEN_MARGIN_S, self.token_ttl / 4))
        try:
            async with asyncio.timeout(lifetime):
                async for frame in self._frames(ws):
                    name = str(frame.get("channel", "")).partition(":")[0]
                    self._handle_account(name, frame)
                    if waiting and str(frame.get("type")).startswith("subscribed/"):
                        waiting.discard(name)
                        if not waiting:
                            ready()
        except TimeoutError:
            raise ConnectionLost("auth token about to expire: reconnecting with a new one", venue=self.venue) from None

    def _handle_account(self, name: str, frame: dict[str, Any]) -> None:
        """One account frame, read whole before any of it is applied: a bad entry refuses the frame
        (the stream reconnects and reconciles) instead of leaving half of it applied."""
        account = self.account_index
        assert account is not None
        if name == "account_all_trades":
            fills = [
                fill
                for symbol, trade in self._per_market(frame, "trades")
                for fill in mapping.parse_fills(trade, account, symbol, Source.WS)
            ]
            for fill in fills:
                self._on_fill(fill)
        elif name == "account_all_orders":
            snaps = [
                mapping.parse_order(order, symbol, Source.WS) for symbol, order in self._per_market(frame, "orders")
            ]
            for snap in snaps:
                self._on_order_update(snap)
        elif name == "account_all_positions":
            entries = mapping.obj(frame.get("positions") or {}, "positions").values()
            positions = [mapping.parse_position(entry, Source.WS) for entry in entries]
            for position in positions:
                if position.symbol in self._markets:
                    self._on_position(position)

    def _per_market(self, frame: dict[str, Any], key: str) -> list[tuple[str, Any]]:
        """(symbol, entry) of a `{market_id: [entry, ...]}` frame field, for the markets we know."""
        out = []
        for market_id, entries in mapping.obj(frame.get(key) or {}, key).items():
            symbol = self._symbol(market_id)
            if symbol is not None:
                out.extend((symbol, entry) for entry in mapping.rows(entries, key))
        return out

    def _publish_book(self, symbol: str) -> None:
        self._publish_local_book(self.books[symbol])
