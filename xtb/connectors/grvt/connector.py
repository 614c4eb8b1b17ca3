"""GrvtConnector: the GRVT venue for BaseConnector, on grvt-pysdk for host resolution and for what an
order signature is (its types, domain and scaling; `signing.py` hashes and signs with them).

Start-up (spec §4.11): clock offset from `/time`, API-key login, the sub-account (configured, from
the login answer, or the first of `get_sub_accounts`), perpetual instruments (hash and base decimals
for signing). The two JSON-RPC sockets are streams.py's.

`create_order` answers only an acknowledgement (`0x00`, PENDING). While it is in flight, stream
updates for its client id are held (inflight.py) and applied after it, so they follow the
acknowledgement. GRVT refuses a crossing post-only order only asynchronously (REJECTED /
FAIL_POST_ONLY): for a post-only order the submit waits for the venue's verdict and raises
PostOnlyWouldCross, as venues that refuse synchronously do.

A fill whose `v1.fill` message was lost comes back from `fill_history` (`_fetch_fills`) with the
stream's own trade id, whenever a REST view of the order shows more filled than the fills recorded.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from typing import Any

from pysdk.grvt_ccxt_env import GrvtWSEndpointType

from xtb.connectors import venue_clock
from xtb.connectors.base import AMBIGUOUS_ERRORS, BaseConnector
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.grvt import endpoints, limits, mapping, sdk
from xtb.connectors.grvt.errors import ERRORS
from xtb.connectors.grvt.inflight import Held, InflightOrders
from xtb.connectors.grvt.rest import GrvtRest
from xtb.connectors.grvt.session import GrvtSession
from xtb.connectors.grvt.settings import GrvtExtra
from xtb.connectors.grvt.signing import OrderSigner
from xtb.connectors.grvt.streams import GrvtStreams
from xtb.connectors.pacing import Cost, RateCard
from xtb.connectors.started_only import StartedOnly
from xtb.errors import (
    AuthError,
    ConfigError,
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
from xtb.secrets import Secret

log = logging.getLogger(__name__)

PERPETUAL = ["PERPETUAL"]
SIGNING_TIF = {TimeInForce.GTC: "GOOD_TILL_TIME", TimeInForce.POST_ONLY: "GOOD_TILL_TIME",
               TimeInForce.IOC: "IMMEDIATE_OR_CANCEL", TimeInForce.FOK: "FILL_OR_KILL"}  # fmt: skip
FILL_PAGE = 500  # fill_history rows a page (the venue's default; at most 1000)
FILL_PAGES = 4  # pages read back for one order's fills before giving up (the next REST view retries)


class GrvtConnector(BaseConnector):
    # GRVT asks API clients for ids in [2^63, 2^64 - 1]; they travel as decimal strings.
    client_id_policy = ClientIdPolicy.int_range(2**63, 2**64 - 1)
    errors = ERRORS
    extra_type = GrvtExtra
    settings: GrvtExtra
    env = StartedOnly[sdk.SdkEnv]()
    signer = StartedOnly[OrderSigner]()
    session = StartedOnly[GrvtSession]()
    rest = StartedOnly[GrvtRest]()

    def __init__(self, config: ConnectorConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.instruments: dict[str, sdk.InstrumentMeta] = {}
        self.sub_account_id = ""
        self.clock_offset_ms = 0
        self.inflight = InflightOrders(self.sink)
        self._nonces = random.SystemRandom()

    def _rate_card(self) -> RateCard:
        return limits.rate_card(self.settings.requests_per_second)

    # ------------------------------------------------------------------ lifecycle

    async def _on_start(self) -> None:
        api_key, private_key = credentials(self.config)
        hosts = sdk.Hosts.from_hosts(self.config.hosts, self.config.rest_url, self.config.ws_url)
        chain_id = self.settings.chain_id or sdk.CHAIN_BY_ENVIRONMENT.get(self.config.environment, 326)
        self.env = env = sdk.point_sdk_at(hosts, chain_id)
        self.signer = OrderSigner(env, private_key)
        self.session = GrvtSession(lambda: self.http, sdk.login_url(env), api_key)
        self.rest = GrvtRest(lambda: self.http, self.session, env)
        self.clock_offset_ms = await self._clock_offset_ms(f"{hosts.market_data}/time")
        await self.session.login()
        self.sub_account_id = await self._find_sub_account()

    async def _on_stop(self) -> None:
        if GrvtConnector.env.ready(self):
            sdk.release(self.env)

    def _streams(self) -> GrvtStreams:
        return GrvtStreams(
            self.sink,
            self.http,
            self.session,
            self.inflight,
            market_url=sdk.ws_url(self.env, GrvtWSEndpointType.MARKET_DATA_RPC_FULL),
            private_url=sdk.ws_url(self.env, GrvtWSEndpointType.TRADE_DATA_RPC_FULL),
            sub_account_id=self.sub_account_id,
            book_rate_ms=self.settings.book_rate_ms,
        )

    async def _clock_offset_ms(self, url: str) -> int:
        """Venue minus local time; 0 (the local clock signs) when `/time` does not say (§4.11: optional)."""

        async def ask(cost: Cost) -> int:
            async with self.http.get(url, prepaid=cost) as resp:
                return mapping.server_time(await resp.text())

        try:
            return await venue_clock.offset_ms(lambda: self.http.pace("GET", url), ask)
        except VenueProtocolError as exc:
            log.warning("grvt clock offset unknown, signing on the local clock: %s", exc)
            return 0

    async def _find_sub_account(self) -> str:
        if self.settings.sub_account_id is not None:
            return str(self.settings.sub_account_id)
        if self.session.sub_account_id:
            return self.session.sub_account_id
        answer = await self.rest.call(endpoints.SUB_ACCOUNTS)
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

    def _order_body(self, client_id: str | None, venue_id: str | None) -> dict[str, Any]:
        """One order by the venue's id when known, else by ours."""
        if venue_id is not None:
            return {"sub_account_id": self.sub_account_id, "order_id": venue_id}
        return {"sub_account_id": self.sub_account_id, "client_order_id": client_id}

    def _meta(self, symbol: str) -> sdk.InstrumentMeta:
        try:
            return self.instruments[symbol]
        except KeyError:
            raise ConnectorError(f"unknown instrument {symbol!r}", venue=self.venue) from None

    # ------------------------------------------------------------------ REST hooks

    async def _load_markets(self) -> dict[str, MarketInfo]:
        answer = await self.rest.call(endpoints.ALL_INSTRUMENTS, {"is_active": True})
        markets: dict[str, MarketInfo] = {}
        for info, meta in mapping.parse_instruments(answer):
            markets[info.symbol] = info
            self.instruments[info.symbol] = meta
        return markets

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        answer = await self.rest.call(endpoints.BOOK, {"instrument": symbol, "depth": 10})
        return mapping.top_from_book(symbol, mapping.result(answer, "book"), self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        cid = request.client_id
        held = self.inflight.hold(cid)
        try:
            body = self._signed_order(request)  # ~0.05 ms (signing.py): no thread hop
            answer = await self.rest.call(endpoints.CREATE_ORDER, body)
            result = answer.get("result") if isinstance(answer, dict) else None
            if not isinstance(result, Mapping):
                raise VenueRejected(f"create_order answered without a result: {answer!r}"[:300], venue=self.venue)
            ack = mapping.parse_order(result, Source.REST)
            tracker = self.orders.find(request.client_id, None)
            if not request.post_only or tracker is None:
                return ack
            self._apply(tracker, ack)  # the acknowledgement first, then what the venue decided
            return await self._post_only_verdict(request, held)
        finally:
            asyncio.get_running_loop().call_soon(self.inflight.release, cid)

    def _signed_order(self, request: OrderRequest) -> dict[str, Any]:
        market = request.order_type is OrderType.MARKET
        expiration = int((time.time() + self.clock_offset_ms / 1000 + self.settings.order_ttl_s) * 1_000_000_000)
        return self.signer.sign_order(
            sub_account_id=self.sub_account_id,
            instrument=self._meta(request.symbol), is_buy=request.side.sign > 0, size=request.size,
            limit_price=None if market else request.price, time_in_force=SIGNING_TIF[request.time_in_force],
            post_only=request.post_only, reduce_only=request.reduce_only, client_order_id=request.client_id,
            nonce=self._nonces.randrange(2**32), expiration_ns=expiration,
        )  # fmt: skip

    async def _post_only_verdict(self, request: OrderRequest, held: Held) -> OrderSnapshot | None:
        """The first state after PENDING (from the stream, else a query; None while still pending).
        Raises PostOnlyWouldCross on FAIL_POST_ONLY, VenueRejected on any other refusal."""
        verdict = await held.wait_verdict(self.settings.post_only_verdict_s)
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

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        mapping.ack(await self.rest.call(endpoints.CANCEL_ORDER, self._order_body(tracker.client_id, tracker.venue_id)))
        return None  # the ack only means "received": the outcome comes on the stream

    async def _cancel_all(self, symbol: str) -> int:
        live = await self._fetch_open_orders(symbol)
        mapping.ack(await self.rest.call(endpoints.CANCEL_ALL_ORDERS, self._account_body(symbol)))
        return len(live)

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        answer = await self.rest.call(endpoints.ORDER, self._order_body(client_id, venue_id))
        return mapping.parse_order(mapping.result(answer, "order"), Source.REST)

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        answer = await self.rest.call(endpoints.OPEN_ORDERS, self._account_body(symbol))
        snaps = [mapping.parse_order(row, Source.REST) for row in mapping.result(answer, "open_orders", list)]
        return [s for s in snaps if symbol is None or s.symbol == symbol]

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        answer = await self.rest.call(endpoints.POSITIONS, self._account_body(symbol))
        positions = [mapping.parse_position(row, Source.REST) for row in mapping.result(answer, "positions", list)]
        return [p for p in positions if symbol is None or p.symbol == symbol]

    async def _fetch_balances(self) -> list[Balance]:
        answer = await self.rest.call(endpoints.ACCOUNT_SUMMARY, {"sub_account_id": self.sub_account_id})
        return mapping.parse_balances(mapping.result(answer, "account_summary"))

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
            answer = await self.rest.call(endpoints.FILL_HISTORY, body)
            for row in mapping.result(answer, "fill_history", list):
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


def credentials(config: ConnectorConfig) -> tuple[Secret, Secret]:
    """The API key (it logs in) and its signing key, checked for shape before any request."""
    api_key = config.credentials.get("api_key")
    private_key = config.credentials.get("private_key")
    if api_key is None or private_key is None:
        raise AuthError("grvt needs the credentials 'api_key' and 'private_key'", venue=config.venue)
    key = private_key.reveal()
    if not (key.startswith("0x") and len(key) == 66 and all(c in "0123456789abcdefABCDEF" for c in key[2:])):
        raise AuthError("grvt private_key must be 0x followed by 64 hex digits", venue=config.venue)
    return api_key, private_key


def _same_order(fill: Fill, client_id: str | None, venue_id: str | None) -> bool:
    """Is `fill` an execution of that order? By client id first, as the stream's fills are routed
    (`OrderTable.find`), else by the venue's order id."""
    if client_id is not None and fill.client_id is not None:
        return fill.client_id == client_id
    return venue_id is not None and fill.venue_id == venue_id
