"""GrvtConnector: the GRVT venue for BaseConnector, on grvt-pysdk for host resolution and for what an
order signature is (its types, domain and scaling; `signing.py` hashes and signs with them).

Start-up (spec §4.11): clock offset from `/time`, API-key login, the sub-account (configured, from
the login answer, or the first of `get_sub_accounts`), perpetual instruments (hash and base decimals
for signing). Two supervised JSON-RPC sockets: `market` (`v1.book.d` into a local book, resubscribed
on a sequence gap) and `private` (`v1.order`, `v1.fill`, `v1.position` for the sub-account, opened
with the session; a refused upgrade logs in again before the next attempt).

`create_order` answers only an acknowledgement (`0x00`, PENDING). While it is in flight, stream
updates for its client id are held and applied after it, so they follow the acknowledgement. GRVT
refuses a crossing post-only order only asynchronously (REJECTED / FAIL_POST_ONLY): for a post-only
order the submit waits for the venue's verdict and raises PostOnlyWouldCross, as venues that refuse
synchronously do.

A fill whose `v1.fill` message was lost comes back from `fill_history` (`_fetch_fills`) with the
stream's own trade id, whenever a REST view of the order shows more filled than the fills recorded.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from pysdk.grvt_ccxt_env import GrvtEndpointType, GrvtWSEndpointType

from xtb.connectors.base import AMBIGUOUS_ERRORS, BaseConnector, StreamReady
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.grvt import limits, mapping, sdk
from xtb.connectors.grvt.rest import GrvtRest
from xtb.connectors.grvt.session import GrvtSession
from xtb.connectors.grvt.signing import OrderSigner
from xtb.connectors.grvt.streams import RpcSocket, Seq
from xtb.connectors.orderbook import BookGap, Delta, LocalBook
from xtb.connectors.pacing import RateCard
from xtb.errors import (
    AuthError,
    ConfigError,
    ConnectionLost,
    ConnectorError,
    OrderNotFound,
    PostOnlyWouldCross,
    RateLimited,
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
    Source,
    TimeInForce,
    TopOfBook,
)
from xtb.orders.tracker import OrderTracker

log = logging.getLogger(__name__)

TD, MD = GrvtEndpointType.TRADE_DATA, GrvtEndpointType.MARKET_DATA
PERPETUAL = ["PERPETUAL"]
SIGNING_TIF = {TimeInForce.GTC: "GOOD_TILL_TIME", TimeInForce.POST_ONLY: "GOOD_TILL_TIME",
               TimeInForce.IOC: "IMMEDIATE_OR_CANCEL", TimeInForce.FOK: "FILL_OR_KILL"}  # fmt: skip
PRIVATE_STREAMS = ("v1.order", "v1.fill", "v1.position")
FILL_PAGE = 500  # fill_history rows a page (the venue's default; at most 1000)
FILL_PAGES = 4  # pages read back for one order's fills before giving up (the next REST view retries)


@dataclass
class _Inflight:
    """Stream updates for an order whose create call has not returned yet."""

    held: list[OrderSnapshot | Fill] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def verdict(self) -> OrderSnapshot | None:
        for item in self.held:
            if isinstance(item, OrderSnapshot) and item.state is not OrderState.SUBMITTING:
                return item
        return None


class GrvtConnector(BaseConnector):
    # GRVT asks API clients for ids in [2^63, 2^64 - 1]; they travel as decimal strings.
    client_id_policy = ClientIdPolicy.int_range(2**63, 2**64 - 1)

    def __init__(self, config: ConnectorConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.books: dict[str, LocalBook] = {s: LocalBook(s) for s in config.symbols}
        self.instruments: dict[str, sdk.InstrumentMeta] = {}
        self.env: sdk.SdkEnv | None = None
        self.signer: OrderSigner | None = None
        self._venue_session: GrvtSession | None = None
        self._rest: GrvtRest | None = None
        self.sub_account_id = ""
        self.clock_offset_s = 0.0
        self._inflight: dict[str, _Inflight] = {}
        self._nonces = random.SystemRandom()
        self.book_rate = int(config.extra.get("book_rate_ms", 50))
        self.order_ttl_s = float(config.extra.get("order_ttl_s", 86_400))
        self.verdict_s = float(config.extra.get("post_only_verdict_s", 2.0))

    def _rate_card(self) -> RateCard:
        rate = self.config.extra.get("requests_per_second", limits.DEFAULT_REQUESTS_PER_SECOND)
        if type(rate) is not int or rate < 1:
            raise ConfigError(f"{self.config.venue}: extra.requests_per_second must be a positive int, not {rate!r}")
        return limits.rate_card(rate)

    @property
    def rest(self) -> GrvtRest:
        if self._rest is None:
            raise ConnectionLost("connector is not started", venue=self.venue)
        return self._rest

    @property
    def session(self) -> GrvtSession:
        if self._venue_session is None:
            raise ConnectionLost("connector is not started", venue=self.venue)
        return self._venue_session

    def _url(self, host: GrvtEndpointType, route: str) -> str:
        assert self.env is not None
        return sdk.rest_url(self.env, host, route)

    # ------------------------------------------------------------------ lifecycle

    async def _on_start(self) -> None:
        config = self.config
        api_key = config.credentials.get("api_key")
        private_key = config.credentials.get("private_key")
        if api_key is None or private_key is None:
            raise AuthError("grvt needs the credentials 'api_key' and 'private_key'", venue=self.venue)
        key = private_key.reveal()
        if not (key.startswith("0x") and len(key) == 66 and all(c in "0123456789abcdefABCDEF" for c in key[2:])):
            raise AuthError("grvt private_key must be 0x followed by 64 hex digits", venue=self.venue)
        hosts = sdk.Hosts.from_hosts(config.hosts, config.rest_url, config.ws_url)
        chain_id = int(config.extra.get("chain_id", sdk.CHAIN_BY_ENVIRONMENT.get(config.environment, 326)))
        self.env = sdk.point_sdk_at(hosts, chain_id)
        self.signer = OrderSigner(self.env, private_key)
        self._venue_session = GrvtSession(lambda: self.http, sdk.login_url(self.env), api_key)
        self._rest = GrvtRest(lambda: self.http, self._venue_session)
        await self._sync_clock(hosts.market_data)
        await self.session.login()
        self.sub_account_id = await self._find_sub_account()

    async def _on_stop(self) -> None:
        if self.env is not None:
            sdk.release(self.env)

    async def _sync_clock(self, market_data: str) -> None:
        url = f"{market_data}/time"
        cost = await self.http.pace("GET", url)  # room under the limits before the clock starts
        before = time.time()
        async with self.http.get(url, prepaid=cost) as resp:
            text = await resp.text()
        after = time.time()
        body = mapping.document(text, "time answer")
        server_ms = body.get("server_time") if isinstance(body, dict) else None
        if isinstance(server_ms, int) and not isinstance(server_ms, bool):
            self.clock_offset_s = server_ms / 1000 - (before + after) / 2

    async def _find_sub_account(self) -> str:
        configured = self.config.extra.get("sub_account_id")
        if configured:
            return str(configured)
        if self.session.sub_account_id:
            return self.session.sub_account_id
        answer = await self.rest.call(self._url(TD, "get_sub_accounts"), {}, private=True)
        subs = answer.get("sub_account_ids") if isinstance(answer, dict) else None
        if not isinstance(subs, list) or not subs or not isinstance(subs[0], (str, int)):
            raise ConfigError("grvt: the API key has no trading sub-account; set extra.sub_account_id")
        return str(subs[0])

    def _account_body(self, symbol: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"sub_account_id": self.sub_account_id, "kind": PERPETUAL}
        if symbol is not None:
            meta = self._meta(symbol)
            body.update({"base": [meta.base], "quote": [meta.quote]})
        return body

    def _meta(self, symbol: str) -> sdk.InstrumentMeta:
        try:
            return self.instruments[symbol]
        except KeyError:
            raise ConnectorError(f"unknown instrument {symbol!r}", venue=self.venue) from None

    # ------------------------------------------------------------------ REST hooks

    async def _load_markets(self) -> dict[str, MarketInfo]:
        answer = await self.rest.call(self._url(MD, "all_instruments"), {"is_active": True})
        markets: dict[str, MarketInfo] = {}
        for info, meta in mapping.parse_instruments(answer):
            markets[info.symbol] = info
            self.instruments[info.symbol] = meta
        return markets

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        answer = await self.rest.call(self._url(MD, "book"), {"instrument": symbol, "depth": 10})
        return mapping.top_from_book(symbol, _result(answer, "book"), self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        cid = request.client_id
        inflight = self._inflight[cid] = _Inflight()
        try:
            body = self._signed_order(request)  # ~0.05 ms (signing.py): no thread hop
            answer = await self.rest.call(self._url(TD, "create_order"), body, private=True)
            result = answer.get("result") if isinstance(answer, dict) else None
            if not isinstance(result, Mapping):
                raise VenueRejected(f"create_order answered without a result: {answer!r}"[:300], venue=self.venue)
            ack = mapping.parse_order(result, Source.REST)
            tracker = self.orders.find(request.client_id, None)
            if not request.post_only or tracker is None:
                return ack
            self._apply(tracker, ack)  # the acknowledgement first, then what the venue decided
            return await self._post_only_verdict(request, inflight)
        finally:
            asyncio.get_running_loop().call_soon(self._release, cid)

    def _signed_order(self, request: OrderRequest) -> dict[str, Any]:
        assert self.signer is not None
        market = request.order_type is OrderType.MARKET
        expiration = int((time.time() + self.clock_offset_s + self.order_ttl_s) * 1_000_000_000)
        return self.signer.sign_order(
            sub_account_id=self.sub_account_id,
            instrument=self._meta(request.symbol), is_buy=request.side.sign > 0, size=request.size,
            limit_price=None if market else request.price, time_in_force=SIGNING_TIF[request.time_in_force],
            post_only=request.post_only, reduce_only=request.reduce_only, client_order_id=request.client_id,
            nonce=self._nonces.randrange(2**32), expiration_ns=expiration,
        )  # fmt: skip

    async def _post_only_verdict(self, request: OrderRequest, inflight: _Inflight) -> OrderSnapshot | None:
        """The first state after PENDING (from the stream, else a query; None while still pending).
        Raises PostOnlyWouldCross on FAIL_POST_ONLY, VenueRejected on any other refusal."""
        deadline = asyncio.get_running_loop().time() + self.verdict_s
        verdict = inflight.verdict()
        while verdict is None:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            inflight.changed.clear()
            try:
                async with asyncio.timeout(remaining):  # not wait_for: no task, no extra loop turn
                    await inflight.changed.wait()
            except TimeoutError:
                break
            verdict = inflight.verdict()
        if verdict is None:
            try:
                verdict = await self._fetch_order(request.symbol, request.client_id, None)
            except (OrderNotFound, RateLimited, *AMBIGUOUS_ERRORS) as exc:
                log.warning("no post-only verdict venue=%s cid=%s error=%r", self.venue, request.client_id, exc)
                return None  # the stream or reconciliation settles it
            if verdict.state is OrderState.SUBMITTING:
                return None
        if verdict.state is OrderState.FAILED:
            where = f"order {request.client_id} {verdict.venue_status} {verdict.reason}"
            if verdict.reason == mapping.POST_ONLY_REJECT:
                raise PostOnlyWouldCross(where, venue=self.venue, code=verdict.reason, reason=verdict.reason)
            raise VenueRejected(where, venue=self.venue, code=verdict.reason, reason=verdict.reason)
        return verdict

    def _release(self, client_id: str) -> None:
        inflight = self._inflight.pop(client_id, None)
        for item in inflight.held if inflight is not None else ():
            if isinstance(item, Fill):
                self._on_fill(item)
            else:
                self._on_order_update(item)

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        body: dict[str, Any] = {"sub_account_id": self.sub_account_id}
        if tracker.venue_id is not None:
            body["order_id"] = tracker.venue_id
        else:
            body["client_order_id"] = tracker.client_id
        _ack(await self.rest.call(self._url(TD, "cancel_order"), body, private=True), self.venue)
        return None  # the ack only means "received": the outcome comes on the stream

    async def _cancel_all(self, symbol: str) -> int:
        live = await self._fetch_open_orders(symbol)
        _ack(await self.rest.call(self._url(TD, "cancel_all_orders"), self._account_body(symbol), private=True),
             self.venue)  # fmt: skip
        return len(live)

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        body: dict[str, Any] = {"sub_account_id": self.sub_account_id}
        if venue_id is not None:
            body["order_id"] = venue_id
        else:
            body["client_order_id"] = client_id
        answer = await self.rest.call(self._url(TD, "order"), body, private=True)
        return mapping.parse_order(_result(answer, "order"), Source.REST)

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        answer = await self.rest.call(self._url(TD, "open_orders"), self._account_body(symbol), private=True)
        snaps = [mapping.parse_order(row, Source.REST) for row in _result(answer, "open_orders", list)]
        return [s for s in snaps if symbol is None or s.symbol == symbol]

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        answer = await self.rest.call(self._url(TD, "positions"), self._account_body(symbol), private=True)
        positions = [mapping.parse_position(row, Source.REST) for row in _result(answer, "positions", list)]
        return [p for p in positions if symbol is None or p.symbol == symbol]

    async def _fetch_balances(self) -> list[Balance]:
        body = {"sub_account_id": self.sub_account_id}
        answer = await self.rest.call(self._url(TD, "account_summary"), body, private=True)
        return mapping.parse_balances(_result(answer, "account_summary"))

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        """One order's executions from `fill_history` (§4.8), parsed as the `v1.fill` stream's are
        (same `trade_id`, so the tracker counts each once). The route filters by instrument only
        (`kind` / `base` / `quote`), so the order is picked out here, newest first, page by page with
        the venue's cursor until its fills add up to what the venue says it filled, the history
        ends, or `FILL_PAGES` pages (each one request under the rate card) are read."""
        if client_id is None and venue_id is None:
            raise ValueError("_fetch_fills needs a client id or a venue id")
        tracker = self.orders.find(client_id, venue_id)
        target = tracker.filled if tracker is not None else None
        body: dict[str, Any] = {**self._account_body(symbol), "limit": FILL_PAGE}
        found: dict[str, Fill] = {}
        for _ in range(FILL_PAGES):
            answer = await self.rest.call(self._url(TD, "fill_history"), body, private=True)
            for row in _result(answer, "fill_history", list):
                fill = mapping.parse_fill(row, Source.REST)
                if _same_order(fill, client_id, venue_id) and fill.symbol == symbol:
                    found.setdefault(fill.trade_id, fill)
            cursor = answer.get("next")
            if not cursor or not isinstance(cursor, str):
                break
            if target is not None and sum(f.size for f in found.values()) >= target:
                break
            body = {**body, "cursor": cursor}  # a cursor overrides the other filters (§4.0)
        return list(found.values())

    # ------------------------------------------------------------------ streams

    def stream_names(self) -> list[str]:
        return ["market", "private"] if self.config.symbols else ["private"]

    async def _run_stream(self, name: str, ready: StreamReady) -> None:
        if name == "market":
            await self._run_market(ready)
        else:
            await self._run_private(ready)

    async def _run_market(self, ready: StreamReady) -> None:
        assert self.env is not None
        url = sdk.ws_url(self.env, GrvtWSEndpointType.MARKET_DATA_RPC_FULL)
        async with self.http.ws_connect(url, heartbeat=20.0) as ws:
            sock = RpcSocket(ws)
            for book in self.books.values():
                book.reset()
            await sock.subscribe("v1.book.d", [f"{s}@{self.book_rate}" for s in self.books])
            live = False
            async for frame in sock.frames():
                if "error" in frame:
                    raise VenueProtocolError(f"market stream error {frame['error']!r}", venue=self.venue)
                if "feed" not in frame:
                    sock.reply(frame)
                    continue
                await self._on_book_frame(sock, frame)
                if not live and all(book.synced for book in self.books.values()):
                    live = True
                    ready()

    async def _on_book_frame(self, sock: RpcSocket, frame: Mapping[str, Any]) -> None:
        selector = str(frame.get("selector"))
        book = self.books.get(selector.partition("@")[0])
        if book is None or frame.get("stream") != "v1.book.d":
            return
        kind, seq = sock.sequence(frame)
        bids, asks = mapping.book_levels(mapping.field(frame, "feed", "book frame"))  # whole, before the book
        if kind is Seq.SNAPSHOT:
            book.reset()  # a fresh subscription numbers from 0 again: nothing buffered still applies
            book.on_snapshot(bids, asks, 0)
            self._publish_book(book)
            return
        try:
            if book.on_delta(Delta(seq, seq, bids, asks)):
                self._publish_book(book)
        except BookGap as gap:
            log.warning("book gap venue=%s %s; resubscribing %s", self.venue, gap, selector)
            await sock.resubscribe("v1.book.d", selector)

    def _publish_book(self, book: LocalBook) -> None:
        self._publish_local_book(book)

    async def _run_private(self, ready: StreamReady) -> None:
        assert self.env is not None
        await self.session.ensure()  # a session that expired while disconnected is renewed first
        url = sdk.ws_url(self.env, GrvtWSEndpointType.TRADE_DATA_RPC_FULL)
        try:
            ws = await self.http.ws_connect(url, headers=self.session.headers(), heartbeat=20.0)
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 401:
                self.session.invalidate()  # the next attempt logs in again
            raise ConnectionLost(f"private stream upgrade refused: {exc.status}", venue=self.venue) from None
        async with ws:
            sock = RpcSocket(ws)
            waiting = {await sock.subscribe(stream, [self.sub_account_id]) for stream in PRIVATE_STREAMS}
            async for frame in sock.frames():
                if "error" in frame:
                    self._private_error(frame)
                if "feed" not in frame:
                    if sock.reply(frame) is not None:
                        waiting.discard(int(frame["id"]))
                        if not waiting:
                            ready()
                    continue
                self._on_private_frame(sock, frame)

    def _private_error(self, frame: Mapping[str, Any]) -> None:
        error = frame.get("error") or {}
        code = error.get("code") if isinstance(error, dict) else None
        if code == 1000:
            self.session.invalidate()
            raise ConnectionLost("private stream: session refused (1000); logging in again", venue=self.venue)
        if code == 1001:
            raise AuthError(f"private stream: sub-account {self.sub_account_id} not authorised", venue=self.venue)
        raise VenueProtocolError(f"private stream error {error!r}", venue=self.venue)

    def _on_private_frame(self, sock: RpcSocket, frame: Mapping[str, Any]) -> None:
        kind, _ = sock.sequence(frame)
        if kind is Seq.DUPLICATE:
            return
        if kind is Seq.GAP:
            log.warning("private stream gap venue=%s stream=%s: reconciling", self.venue, frame.get("stream"))
            self._spawn(self._recover(), f"{self.venue}:recover")
        stream, feed = frame.get("stream"), mapping.field(frame, "feed", "private frame")
        if stream == "v1.order":
            snap = mapping.parse_order(feed, Source.WS)
            self._route(snap.client_id, snap)
        elif stream == "v1.fill":
            fill = mapping.parse_fill(feed, Source.WS)
            self._route(fill.client_id, fill)
        elif stream == "v1.position":
            self._on_position(mapping.parse_position(feed, Source.WS))

    def _route(self, client_id: str | None, item: OrderSnapshot | Fill) -> None:
        inflight = self._inflight.get(client_id or "")
        if inflight is not None:
            inflight.held.append(item)
            inflight.changed.set()
        elif isinstance(item, Fill):
            self._on_fill(item)
        else:
            self._on_order_update(item)

    async def _recover(self) -> None:
        """After a lost private message: orders and positions over REST (which recovers the fills
        of live orders), then the fills of ended orders whose fill messages fall short of what the
        venue said they filled (a lost fill of an order the stream then reported FILLED)."""
        await self.reconcile()
        for tracker in self.orders:
            await self._recover_fills(tracker)


def _same_order(fill: Fill, client_id: str | None, venue_id: str | None) -> bool:
    """Is `fill` an execution of that order? By client id first, as the stream's fills are routed
    (`OrderTable.find`), else by the venue's order id."""
    if client_id is not None and fill.client_id is not None:
        return fill.client_id == client_id
    return venue_id is not None and fill.venue_id == venue_id


def _result(answer: Any, route: str, kind: type = Mapping) -> Any:
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, kind):
        raise VenueProtocolError(f"{route} answered without a result: {str(answer)[:200]}", venue="grvt")
    return result


def _ack(answer: Any, venue: str) -> None:
    result = answer.get("result") if isinstance(answer, dict) else None
    ack = result.get("ack") if isinstance(result, dict) else None
    if ack not in (True, "true"):  # the docs show "true", the schema a boolean: both are an ack
        raise VenueProtocolError(f"expected an ack, got {str(answer)[:200]}", venue=venue)
