"""A small in-memory venue and a connector over it, for testing the runtime's own logic.

This is not a simulator (those speak real wire protocols over loopback, in `xtb.sim`). It runs the
BaseConnector hooks against an in-process book so tests can script exactly the races that matter:
a fill that beats a cancel, a post-only refusal, a lost response, a dropped stream.

The "stream" is an asyncio queue consumed by the connector's supervised stream task, so updates
arrive asynchronously, as they would over a socket.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from xtb.connectors.base import BaseConnector, StreamReady
from xtb.connectors.client_ids import ClientIdGenerator, ClientIdPolicy
from xtb.connectors.config import ConnectorConfig, ReconnectPolicy
from xtb.errors import AmbiguousOutcome, AuthError, OrderNotFound, PostOnlyWouldCross, RateLimited, VenueRejected
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
    TopOfBook,
)
from xtb.orders.tracker import OrderTracker

D = Decimal
SYMBOL = "BTC-PERP"
MARKET = MarketInfo(SYMBOL, tick_size=D("0.5"), step_size=D("0.001"), min_size=D("0.001"), min_notional=D("5"))


@dataclass
class FakeOrder:
    request: OrderRequest
    venue_id: str
    state: OrderState = OrderState.OPEN
    filled: Decimal = D(0)
    reason: str = ""

    def snapshot(self, source: Source) -> OrderSnapshot:
        return OrderSnapshot(
            symbol=self.request.symbol,
            state=self.state,
            source=source,
            client_id=self.request.client_id,
            venue_id=self.venue_id,
            side=self.request.side,
            size=self.request.size,
            price=self.request.price,
            filled=self.filled,
            venue_status=self.state.value,
            reason=self.reason,
        )


@dataclass
class FakeVenue:
    """The venue's truth: one market, our orders, our position, a touch set by the test."""

    bid: Decimal = D("100")
    ask: Decimal = D("101")
    position: Decimal = D(0)
    post_only_cross: str = "reject"  # reject (synchronous error) | cancel (accepted, then cancelled)
    refuse_reduce_only: bool = False
    orders: dict[str, FakeOrder] = field(default_factory=dict)
    stream: asyncio.Queue[object] = field(default_factory=asyncio.Queue)
    # scripted faults, consumed one per call
    submit_faults: list[str] = field(default_factory=list)  # "lost_response", "not_applied", "rate_limited"
    cancel_faults: list[str] = field(default_factory=list)  # fill_first, fill_half_first, lost_response, ignore
    drop_stream_kinds: set[str] = field(default_factory=set)  # e.g. {"fill", "order"}: not delivered
    stream_auth_fails: bool = False
    calls: list[str] = field(default_factory=list)
    trades: list[Fill] = field(default_factory=list)  # every execution, as the venue's trade history keeps it
    fill_history_reads: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _trades: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _resting_changed: asyncio.Event = field(default_factory=asyncio.Event)
    _calls_changed: asyncio.Event = field(default_factory=asyncio.Event)

    # -- test controls ---------------------------------------------------------------------

    def set_touch(self, bid: Decimal, ask: Decimal) -> None:
        self.bid, self.ask = bid, ask
        self._emit("book", TopOfBook(SYMBOL, bid, D(1), ask, D(1), Source.WS, 0.0))

    def resting(self) -> list[FakeOrder]:
        return [o for o in self.orders.values() if o.state in (OrderState.OPEN, OrderState.PARTIALLY_FILLED)]

    async def wait_resting(self, count: int = 1, timeout: float = 2.0, exclude: set[str] | None = None) -> FakeOrder:
        """Wait until an order rests that is not in `exclude` (venue ids); return the newest."""
        exclude = exclude or set()
        async with asyncio.timeout(timeout):
            while True:
                fresh = [o for o in self.resting() if o.venue_id not in exclude]
                if len(fresh) >= count:
                    return fresh[-1]
                self._resting_changed.clear()
                await self._resting_changed.wait()

    async def wait_calls(self, predicate: Callable[[list[str]], bool], timeout: float = 2.0) -> None:
        """Wait until the calls the venue received satisfy `predicate`."""
        async with asyncio.timeout(timeout):
            while not predicate(self.calls):
                self._calls_changed.clear()
                await self._calls_changed.wait()

    def _record(self, call: str) -> None:
        self.calls.append(call)
        self._calls_changed.set()

    def fill(self, venue_id: str, size: Decimal | None = None) -> Fill:
        """Someone takes our resting order (all of what is left, or `size`)."""
        order = self.orders[venue_id]
        assert order.state in (OrderState.OPEN, OrderState.PARTIALLY_FILLED), order.state
        size = size if size is not None else order.request.size - order.filled
        return self._execute(order, size, order.request.price or D(0))

    def disconnect(self) -> None:
        """Close the private stream, as a venue dropping the socket would."""
        self.stream.put_nowait(ConnectionResetError("venue closed the stream"))

    # -- venue behaviour (called by the connector hooks) -------------------------------------

    def submit(self, request: OrderRequest) -> FakeOrder:
        self._record(f"submit {request.client_id}")
        fault = self.submit_faults.pop(0) if self.submit_faults else ""
        if fault == "rate_limited":
            raise RateLimited("429 Too Many Requests", retry_after=0.05)
        if fault == "not_applied":
            raise AmbiguousOutcome("connection reset before the request was sent")
        order = FakeOrder(request, venue_id=str(next(self._ids)))
        if request.order_type is OrderType.LIMIT:
            assert request.price is not None
            crosses = request.price >= self.ask if request.side is Side.BUY else request.price <= self.bid
            if crosses and request.post_only:
                if self.post_only_cross == "reject":
                    raise PostOnlyWouldCross("Order would immediately match and take.", code="INVALID_ORDER")
                order.state, order.reason = OrderState.CANCELLED, "post-only would cross"
            self.orders[order.venue_id] = order
            self._emit("order", order.snapshot(Source.WS))
        else:
            if request.reduce_only and (self.refuse_reduce_only or self.position * request.side.sign >= 0):
                raise VenueRejected("reduce-only order would not reduce", code="REDUCE_ONLY")
            self.orders[order.venue_id] = order
            size = min(request.size, abs(self.position)) if request.reduce_only else request.size
            price = self.ask if request.side is Side.BUY else self.bid
            self._execute(order, size, price)
            if order.state is not OrderState.FILLED:
                order.state = OrderState.CANCELLED
                self._emit("order", order.snapshot(Source.WS))
        self._resting_changed.set()
        if fault == "lost_response":
            raise AmbiguousOutcome("response lost after the venue applied the order")
        return order

    def cancel(self, venue_id: str | None, client_id: str) -> FakeOrder:
        self._record(f"cancel {client_id}")
        order = self._find(venue_id, client_id)
        fault = self.cancel_faults.pop(0) if self.cancel_faults else ""
        if fault == "fill_first" and order.state in (OrderState.OPEN, OrderState.PARTIALLY_FILLED):
            self.fill(order.venue_id)
        if fault == "fill_half_first" and order.state in (OrderState.OPEN, OrderState.PARTIALLY_FILLED):
            self.fill(order.venue_id, MARKET.round_size((order.request.size - order.filled) / 2))
        if order.state not in (OrderState.OPEN, OrderState.PARTIALLY_FILLED):
            raise OrderNotFound(f"order {client_id} is not open")
        if fault == "ignore":
            return order  # acknowledged, never applied
        order.state = OrderState.CANCELLED
        self._emit("order", order.snapshot(Source.WS))
        if fault == "lost_response":
            raise AmbiguousOutcome("cancel response lost")
        return order

    def query(self, venue_id: str | None, client_id: str | None) -> FakeOrder:
        self._record(f"query {client_id}")
        return self._find(venue_id, client_id)

    # -- internals ----------------------------------------------------------------------------

    def _find(self, venue_id: str | None, client_id: str | None) -> FakeOrder:
        if venue_id is not None and venue_id in self.orders:
            return self.orders[venue_id]
        for order in self.orders.values():
            if order.request.client_id == client_id:
                return order
        raise OrderNotFound(f"unknown order {client_id or venue_id}")

    def _execute(self, order: FakeOrder, size: Decimal, price: Decimal) -> Fill:
        order.filled += size
        order.state = OrderState.FILLED if order.filled == order.request.size else OrderState.PARTIALLY_FILLED
        self.position += order.request.side.sign * size
        fill = Fill(
            trade_id=str(next(self._trades)),
            symbol=order.request.symbol,
            side=order.request.side,
            price=price,
            size=size,
            source=Source.WS,
            client_id=order.request.client_id,
            venue_id=order.venue_id,
        )
        self.trades.append(fill)
        self._emit("fill", fill)
        self._emit("order", order.snapshot(Source.WS))
        self._emit("position", Position(SYMBOL, self.position, Source.WS))
        return fill

    def _emit(self, kind: str, payload: object) -> None:
        if kind not in self.drop_stream_kinds:
            self.stream.put_nowait((kind, payload))


class FakeConnector(BaseConnector):
    """BaseConnector hooks over a FakeVenue. Every hook yields to the loop once, like real I/O."""

    client_id_policy = ClientIdPolicy.int_range(0, 2**32 - 1)

    def __init__(self, venue: FakeVenue, *, client_ids: ClientIdGenerator | None = None, **config: object) -> None:
        settings: dict[str, object] = {
            "venue": "fake",
            "rest_url": "http://fake.invalid",
            "ws_url": "ws://fake.invalid",
            "cancel_wait": 1.0,
            "settle_timeout": 0.5,
            "settle_interval": 0.02,
            "start_timeout": 2.0,
            "reconnect": ReconnectPolicy(initial=0.01, maximum=0.05),
        }
        settings.update(config)
        super().__init__(ConnectorConfig(**settings), client_ids=client_ids)  # type: ignore[arg-type]
        self.fake = venue
        self.on_stream_message: Callable[[str, object], None] | None = None

    def stream_names(self) -> list[str]:
        return ["private"]

    async def _run_stream(self, name: str, ready: StreamReady) -> None:
        if self.fake.stream_auth_fails:
            raise AuthError("stream login refused", venue=self.venue)
        self.fake.set_touch(self.fake.bid, self.fake.ask)  # a fresh snapshot on every (re)subscribe
        ready()
        while True:
            message = await self.fake.stream.get()
            if isinstance(message, BaseException):
                raise message
            kind, payload = message  # type: ignore[misc]
            if kind == "book":
                self._on_top_of_book(payload)  # type: ignore[arg-type]
            elif kind == "order":
                self._on_order_update(payload)  # type: ignore[arg-type]
            elif kind == "fill":
                self._on_fill(payload)  # type: ignore[arg-type]
            elif kind == "position":
                self._on_position(payload)  # type: ignore[arg-type]

    async def _load_markets(self) -> dict[str, MarketInfo]:
        await asyncio.sleep(0)
        return {SYMBOL: MARKET}

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        await asyncio.sleep(0)
        return TopOfBook(symbol, self.fake.bid, D(1), self.fake.ask, D(1), Source.REST, self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        await asyncio.sleep(0)
        return self.fake.submit(request).snapshot(Source.REST)

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        await asyncio.sleep(0)
        order = self.fake.cancel(tracker.venue_id, tracker.client_id)
        return None if order.state is not OrderState.CANCELLED else order.snapshot(Source.REST)

    async def _cancel_all(self, symbol: str) -> int:
        await asyncio.sleep(0)
        open_orders = self.fake.resting()
        for order in open_orders:
            self.fake.cancel(order.venue_id, order.request.client_id)
        return len(open_orders)

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        await asyncio.sleep(0)
        return self.fake.query(venue_id, client_id).snapshot(Source.REST)

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        await asyncio.sleep(0)
        return [o.snapshot(Source.REST) for o in self.fake.resting()]

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        await asyncio.sleep(0)
        return [] if self.fake.position == 0 else [Position(SYMBOL, self.fake.position, Source.REST)]

    async def _fetch_balances(self) -> list[Balance]:
        return [Balance("USDC", D(10_000), D(10_000))]

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        await asyncio.sleep(0)
        self.fake.fill_history_reads += 1
        order = self.fake.query(venue_id, client_id)
        return [replace(f, source=Source.REST) for f in self.fake.trades if f.venue_id == order.venue_id]
