"""`BaseConnector`: everything venues share, so a venue module is only signing, mapping and parsing.

The base owns the lifecycle (REST session, supervised streams with backoff, resubscribe and REST
reconciliation after every reconnect), request pacing under the venue's published limits (every
REST request waits for room, see pacing.py, and is weighed in the transcript), the order registry,
client ids, event fan-out, debug logging of every transition, and the outcome policy: a refusal is
FAILED, an unknown outcome is settled by asking the venue about the client id, never guessed.

A venue subclass implements the `_`-prefixed hooks below and calls the `_on_*` methods from its
stream parsers.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import random
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import aiohttp
from yarl import URL

from xtb.change_signal import Changed
from xtb.clock import SYSTEM_CLOCK, Clock, loop_time
from xtb.connectors.books import BookKeeper
from xtb.connectors.client_ids import ClientIdGenerator, ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.error_table import ErrorTable
from xtb.connectors.extra import VenueExtra
from xtb.connectors.paced_http import PacedSession, RecordingWebSocket
from xtb.connectors.pacing import UNLIMITED, Pacer, RateCard, RequestUsage
from xtb.connectors.streams import StreamReady, VenueStreams
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    CancelNotConfirmed,
    ConnectionLost,
    ConnectorError,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
    VenueRejected,
    WaitTimeout,
)
from xtb.events import ConnectionState, ConnectionStatus, Event, EventBus, EventKind
from xtb.logs import debug_requested, enable_debug_logging
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
from xtb.orders.table import OrderTable
from xtb.orders.tracker import HistoryEntry, OrderTracker
from xtb.secrets import redact

if TYPE_CHECKING:
    from xtb.drift.recorder import ShapeRecorder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscriptEntry:
    at: float  # monotonic, on the connector's clock: when the request left (after any pacing wait)
    method: str
    url: str
    status: int | None  # None when the request failed without an answer
    latency_s: float
    error: str = ""
    weight: int = 0  # what the venue counts it as against its request limit (0: not a paced REST request)


# Transport failures after which a request may or may not have been applied by the venue.
AMBIGUOUS_ERRORS: tuple[type[BaseException], ...] = (AmbiguousOutcome, TimeoutError, aiohttp.ClientError)


class ConnectorSink:
    """The narrow `StreamSink` a venue's stream parsers write to (see streams.py): order updates,
    fills, positions, the books, and a request to recover what a lost message carried."""

    def __init__(self, connector: BaseConnector) -> None:
        self._connector = connector
        self.venue = connector.venue
        self.books = connector.books
        self.clock = connector.clock

    def order(self, snapshot: OrderSnapshot) -> None:
        self._connector._on_order_update(snapshot)

    def fill(self, fill: Fill) -> None:
        self._connector._on_fill(fill)

    def position(self, position: Position) -> None:
        self._connector._on_position(position)

    def recover(self, reason: str) -> None:
        self._connector._recover_in_background(reason)


class BaseConnector(abc.ABC):
    #: What the venue accepts as a client order id; a subclass must set this.
    client_id_policy: ClientIdPolicy
    #: The venue's error answers (error_table.py); the venue's REST client reads them with `errors.error(...)`.
    errors: ClassVar[ErrorTable | None] = None
    #: What the venue file's `extra:` may hold (the package's settings.py); read into `self.settings`.
    extra_type: ClassVar[type[VenueExtra] | None] = None
    #: A real-time best bid/offer beside the depth stream: tops carry update ids, never step back.
    ordered_books: ClassVar[bool] = False

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        bus: EventBus | None = None,
        clock: Clock = SYSTEM_CLOCK,
        client_ids: ClientIdGenerator | None = None,
    ) -> None:
        self.config = config
        self.venue = config.venue
        self.clock = clock
        self.bus = bus or EventBus()
        self._owns_bus = bus is None
        self.orders = OrderTable()
        # A generator shared across connectors keeps ids unique and under one run tag per session.
        self.client_ids = client_ids or ClientIdGenerator(self.client_id_policy)
        self.transcript: deque[TranscriptEntry] = deque(maxlen=2000)
        # set before `start` to record the shape of every answer and frame (xtb.drift.recorder)
        self.shape_recorder: ShapeRecorder | None = None
        self.foreign_orders: dict[str, OrderSnapshot] = {}  # orders the venue reports that we did not place
        # orders the venue listed open while this connector held them finished (see `track_listed`)
        self.disagreements: list[str] = []
        self.positions_rest: dict[str, Position] = {}
        self.positions_ws: dict[str, Position] = {}
        self.books_ws: dict[str, TopOfBook] = {}
        self.book_changed: dict[str, Changed] = {}
        self.settings = self.extra_type.parse(config.extra, config.venue) if self.extra_type is not None else None
        # the local books of the streamed symbols (books.py): continuity, re-seeding, top publication
        self.books = BookKeeper(config.venue, config.symbols, self._on_top_of_book, clock, ordered=self.ordered_books)
        self.sink = ConnectorSink(self)
        self._venue_streams: VenueStreams | None = None
        self.positions_changed = Changed()  # moves on every stream position update
        self.debug = debug_requested(config.debug)
        if self.debug:
            enable_debug_logging()
        self._markets: dict[str, MarketInfo] = {}
        self._http_session: aiohttp.ClientSession | None = None
        self._paced_session: PacedSession | None = None
        # every REST request waits for room under the venue's published limits (see pacing.py)
        self.pacer = Pacer(self._rate_card(), key=self._pacing_key(), clock=clock)
        self._stream_tasks: dict[str, asyncio.Task[None]] = {}
        self._stream_live: dict[str, bool] = {}
        self._streams_changed = Changed()
        self._background: set[asyncio.Task[None]] = set()
        self._rng = random.Random()
        self.stream_errors: list[str] = []  # every disconnect reason, for health checks and reports
        self.fatal_error: ConnectorError | None = None
        self.reconcile_count = 0
        self.reconciled = Changed()  # moves after every completed reconciliation
        self._started = False
        self._stopped = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(venue={self.venue!r}, rest={self.config.rest_url!r})"

    # ================================================================ venue hooks

    def _streams(self) -> VenueStreams | None:
        """The venue's sockets (its streams.py), built once the REST side is up: they receive
        `self.sink` and what they need to connect, never the connector. None: no streams."""
        return None

    def stream_names(self) -> list[str]:
        """Streams to keep alive (e.g. ["market", "account"]): the venue streams' names."""
        return self._venue_streams.names() if self._venue_streams is not None else []

    async def _run_stream(self, name: str, ready: StreamReady) -> None:
        """Connect, subscribe, call `ready()` once live, then parse messages until the connection
        ends (return) or fails (raise). The base reconnects with backoff and reconciles."""
        if self._venue_streams is None:
            raise NotImplementedError(f"{self.venue} declares stream {name!r} but does not run it")
        await self._venue_streams.run(name, ready)

    def _rate_card(self) -> RateCard:
        """The venue's published request limits and request costs (its package's `limits.py`).
        Called from `__init__`, so it may read `self.config` only. None known by default."""
        return UNLIMITED

    def _pacing_key(self) -> str:
        """Whose budget the requests spend: the venue and its REST host (a venue counts per IP or
        per account, so every connector of this process to that host shares it)."""
        url = URL(self.config.rest_url)
        return f"{self.venue}@{url.host}:{url.port}" if url.host else f"{self.venue}@{self.config.rest_url}"

    async def _on_start(self) -> None:  # noqa: B027 - optional hook
        """Venue start-up after the REST session exists (login, key checks). Raise AuthError on bad keys."""

    async def _on_stop(self) -> None:  # noqa: B027 - optional hook
        """Venue clean-up before the REST session closes."""

    @abc.abstractmethod
    async def _load_markets(self) -> dict[str, MarketInfo]: ...

    @abc.abstractmethod
    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook: ...

    @abc.abstractmethod
    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        """Send the order. Return the venue's ack as a snapshot (or None if it carries no state).
        Raise VenueRejected (definitive), RateLimited, or AmbiguousOutcome / a transport error."""

    @abc.abstractmethod
    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        """Cancel one order by venue id or client id. Raise OrderNotFound if the venue does not
        know it as open, VenueRejected if it refuses."""

    @abc.abstractmethod
    async def _cancel_all(self, symbol: str) -> int: ...

    @abc.abstractmethod
    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        """The venue's current view of one order, open or finished. Raise OrderNotFound if unknown."""

    @abc.abstractmethod
    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]: ...

    @abc.abstractmethod
    async def _fetch_positions(self, symbol: str | None) -> list[Position]: ...

    @abc.abstractmethod
    async def _fetch_balances(self) -> list[Balance]: ...

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        """Every execution of one order from the venue's REST trade history, each with the same
        `trade_id` its stream message carries (that id is what de-duplicates the two sources).

        How a fill whose stream message was lost comes back: the base calls it when a REST view of
        an order shows more filled than the fills recorded (`_recover_fills`). Without it a lost
        fill is never recorded and the conformance suite fails the connector ("fills add up")."""
        raise NotImplementedError(f"{self.venue}: the connector cannot read an order's fills over REST")

    # ================================================================ lifecycle

    @property
    def http(self) -> PacedSession:
        """The REST session: every request through it is paced, weighed and in the transcript."""
        if self._paced_session is None:
            raise ConnectionLost("connector is not started", venue=self.venue)
        return self._paced_session

    @property
    def request_usage(self) -> RequestUsage:
        """Requests sent so far and their total weight (and the time spent waiting for room)."""
        return self.pacer.usage

    async def start(self) -> None:
        """Open the REST session, run venue start-up, load markets and bring every stream live."""
        if self._started:
            return
        self._started = True
        timeout = aiohttp.ClientTimeout(total=self.config.request_timeout)
        self._http_session = aiohttp.ClientSession(timeout=timeout, ws_response_class=RecordingWebSocket)
        # aiohttp silently re-sends an idempotent request (GET, DELETE, ...) once when a reused
        # connection drops before the answer: a lost cancel response became a replayed signed
        # request (Aster: "Nonce Expired"). An unseen outcome is the connector's to settle.
        self._http_session._retry_connection = False
        self._paced_session = PacedSession(
            self._http_session,
            self.pacer,
            clock=self.clock,
            on_exchange=self._record_exchange,
            recorder=self.shape_recorder,
        )
        try:
            await self._on_start()
            self._markets = await self._load_markets()
            self._venue_streams = self._streams()
            for name in self.stream_names():
                self._stream_live[name] = False
                self._stream_tasks[name] = asyncio.create_task(self._supervise(name), name=f"{self.venue}:{name}")
            await self.wait_streams_live(self.config.start_timeout)
            await self._adopt_open_orders()
            if self.config.reconcile_interval is not None:
                self._spawn(self._reconcile_periodically(self.config.reconcile_interval), f"{self.venue}:reconcile")
        except BaseException:
            await self.stop()
            raise
        log.info(
            "connector started venue=%s markets=%d streams=%s", self.venue, len(self._markets), self.stream_names()
        )

    def _record_exchange(
        self, started: float, method: str, url: str, status: int | None, error: str, weight: int
    ) -> None:
        """Every request and socket upgrade of the session (method, redacted URL, status, latency,
        weight) goes into `transcript` (the session reports them, see paced_http.py)."""
        latency = self.clock.monotonic() - started
        self.transcript.append(TranscriptEntry(started, method, redact(url), status, latency, error, weight))

    async def stop(self) -> None:
        """Stop streams and close the session. Safe to call more than once; never cancels orders."""
        if self._stopped:
            return
        self._stopped = True
        tasks = list(self._stream_tasks.values()) + list(self._background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await self._on_stop()
        finally:
            if self._http_session is not None:
                await self._http_session.close()
            if self._owns_bus:
                await self.bus.close()
        log.info("connector stopped venue=%s", self.venue)

    async def __aenter__(self) -> BaseConnector:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def started(self) -> bool:
        """Started and not yet stopped (a failed start stops itself)."""
        return self._started and not self._stopped

    @property
    def streams_live(self) -> bool:
        return all(self._stream_live.values())

    async def wait_streams_live(self, timeout: float) -> None:
        deadline = loop_time() + timeout
        while not self.streams_live:
            if self.fatal_error is not None:
                raise self.fatal_error
            seen = self._streams_changed.version
            remaining = deadline - loop_time()
            if remaining <= 0 or not await self._streams_changed.wait(seen, remaining):
                down = [n for n, live in self._stream_live.items() if not live]
                last = self.stream_errors[-1] if self.stream_errors else "no error reported"
                raise ConnectionLost(f"streams {down} not live within {timeout}s (last: {last})", venue=self.venue)

    def health(self) -> dict[str, object]:
        """Stream states and recorded errors. Raises if the connector hit a fatal error."""
        if self.fatal_error is not None:
            raise self.fatal_error
        return {
            "venue": self.venue,
            "streams": dict(self._stream_live),
            "disconnects": len(self.stream_errors),
            "last_error": self.stream_errors[-1] if self.stream_errors else None,
            "reconciles": self.reconcile_count,
        }

    async def _supervise(self, name: str) -> None:
        """Keep one stream alive: reconnect with backoff, and reconcile over REST after each reconnect."""
        attempt = 0
        connected_before = False
        while not self._stopped:
            went_live = False

            def ready() -> None:
                nonlocal attempt, went_live, connected_before
                went_live = True
                attempt = 0
                self._set_stream_live(name, True)
                self._publish_connection(name, ConnectionState.CONNECTED)
                if connected_before:
                    self._spawn(self._reconcile_after_reconnect(name), f"{self.venue}:reconcile:{name}")
                connected_before = True

            state = ConnectionState.RECONNECTING if connected_before else ConnectionState.CONNECTING
            self._publish_connection(name, state, attempt)
            try:
                await self._run_stream(name, ready)
                error = "stream closed by the venue"
            except asyncio.CancelledError:
                self._set_stream_live(name, False)
                raise
            except AuthError as exc:
                self.fatal_error = exc
                self._set_stream_live(name, False)
                self._publish_connection(name, ConnectionState.CLOSED, attempt, str(exc))
                log.error("stream auth failed venue=%s stream=%s error=%s", self.venue, name, exc)
                self._streams_changed.notify()
                return
            except Exception as exc:
                error = redact(f"{type(exc).__name__}: {exc}")
            self._set_stream_live(name, False)
            self.stream_errors.append(f"{name}: {error}")
            if self._stopped:
                return
            attempt = 1 if went_live else attempt + 1
            delay = self.config.reconnect.delay(attempt, self._rng)
            log.warning(
                "stream down venue=%s stream=%s error=%s reconnect_in=%.2fs attempt=%d",
                self.venue,
                name,
                error,
                delay,
                attempt,
            )
            self._publish_connection(name, ConnectionState.DISCONNECTED, attempt, error)
            await asyncio.sleep(delay)

    def _set_stream_live(self, name: str, live: bool) -> None:
        if self._stream_live.get(name) != live:
            self._stream_live[name] = live
            self._streams_changed.notify()

    def _recover_in_background(self, reason: str) -> None:
        """A stream lost a private message: orders and positions over REST (which recovers the
        fills of live orders), then the fills of ended orders that fall short of what the venue
        said they filled (a lost fill of an order the stream then reported FILLED)."""
        log.warning("venue=%s %s: reconciling", self.venue, reason)
        self._spawn(self._recover_lost_messages(reason), f"{self.venue}:recover")

    async def _recover_lost_messages(self, reason: str) -> None:
        try:
            await self.reconcile()
            for tracker in list(self.orders):
                await self._recover_fills(tracker)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            message = redact(f"recovery after {reason} failed: {type(exc).__name__}: {exc}")
            self.stream_errors.append(message)
            log.error("venue=%s %s", self.venue, message)

    async def _reconcile_after_reconnect(self, stream: str) -> None:
        try:
            await self.reconcile()
        except Exception as exc:
            message = redact(f"reconcile after {stream} reconnect failed: {type(exc).__name__}: {exc}")
            self.stream_errors.append(message)
            log.error("venue=%s %s", self.venue, message)
            self._publish_connection(stream, ConnectionState.DISCONNECTED, 0, message)

    def _spawn(self, coro: object, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)  # type: ignore[arg-type]
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ================================================================ reconciliation

    async def reconcile(self) -> None:
        """Re-read open orders and positions over REST and apply them: what the streams may have
        missed while disconnected. Live orders the venue no longer lists are queried one by one.
        `reconcile_count` counts completed passes (and `reconciled` moves) only once all is applied."""
        symbols = sorted({t.symbol for t in self.orders.live()})
        listed: set[str] = set()
        # per symbol (the streamed ones and those of live orders): venues weigh an all-symbol list
        # heavily (Aster 40 against 1) or answer it with one request per market (Lighter)
        scope: list[str | None] = sorted(set(symbols) | set(self.config.symbols)) or [None]
        for symbol in scope:
            for snap in await self._fetch_open_orders(symbol):
                tracker = self._route_order(snap)
                if tracker is not None:
                    listed.add(tracker.client_id)
                    await self._recover_fills(tracker)
        for tracker in self.orders.live():
            if tracker.client_id in listed:
                continue
            try:
                await self.refresh_order(tracker)
            except OrderNotFound:
                log.warning("reconcile: order unknown to venue venue=%s cid=%s", self.venue, tracker.client_id)
        await self.get_positions()
        self.reconcile_count += 1
        self.reconciled.notify()
        log.info("reconciled venue=%s symbols=%s open=%d", self.venue, symbols, len(listed))

    async def _adopt_open_orders(self) -> int:
        """Reconciliation at start: adopt the venue's open orders that this run placed (`owns`) but
        this process does not track (a restarted connector), so they can be cancelled and confirmed.
        Orders of other runs stay in `foreign_orders`. Scoped to `config.symbols` when set."""
        adopted = 0
        listed: list[OrderSnapshot] = []
        for symbol in self.config.symbols or (None,):  # per symbol: venues weigh an all-symbol list heavily
            listed.extend(await self._fetch_open_orders(symbol))
        for snap in listed:
            if self.orders.find(snap.client_id, snap.venue_id) is not None:
                continue
            if snap.client_id is not None and self.owns(snap.client_id):
                tracker = self.adopt(snap)
                adopted += 1
                log.info(
                    "adopted open order at start venue=%s cid=%s state=%s",
                    self.venue,
                    tracker.client_id,
                    tracker.state.value,
                )
            else:
                self.foreign_orders[snap.venue_id or snap.client_id or "?"] = snap
        return adopted

    async def _reconcile_periodically(self, interval: float) -> None:
        """Re-read over REST each live order that has had no update for `interval` seconds: a lost
        stream message (a fill, a cancel) is found within about two intervals without a reconnect."""
        while True:
            await asyncio.sleep(interval / 2)  # a timer tick, not a wait for a condition
            now = self.clock.monotonic()
            for tracker in self.orders.live():
                if tracker.state is OrderState.SUBMITTING or now - tracker.last_update_at < interval:
                    continue  # a submit in flight is settled by the submit itself
                try:
                    await self.refresh_order(tracker)
                except OrderNotFound:
                    log.warning("periodic reconcile: order unknown venue=%s cid=%s", self.venue, tracker.client_id)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning(
                        "periodic reconcile failed venue=%s: %s", self.venue, redact(f"{type(exc).__name__}: {exc}")
                    )

    # ================================================================ market data

    async def get_market_info(self, symbol: str) -> MarketInfo:
        if symbol not in self._markets:
            self._markets = await self._load_markets()
        try:
            return self._markets[symbol]
        except KeyError:
            raise ConnectorError(f"unknown symbol {symbol!r}", venue=self.venue) from None

    async def get_price_size_decimals(self, symbol: str) -> tuple[int, int]:
        info = await self.get_market_info(symbol)
        assert info.price_decimals is not None and info.size_decimals is not None
        return info.price_decimals, info.size_decimals

    async def get_top_of_book(self, symbol: str, source: Source = Source.REST) -> TopOfBook:
        """Top of book from REST (a fresh request) or WS (the stream's latest view)."""
        if source is Source.REST:
            return await self._fetch_top_of_book(symbol)
        if source is Source.WS:
            try:
                return self.books_ws[symbol]
            except KeyError:
                raise ConnectorError(f"no stream book for {symbol} yet", venue=self.venue) from None
        raise ValueError(f"no top of book from {source}")

    async def top_of_book(self, symbol: str) -> TopOfBook:
        """The freshest top of book: the stream's view when there is one, else REST."""
        if symbol in self.books_ws:
            return self.books_ws[symbol]
        return await self._fetch_top_of_book(symbol)

    def book_changed_signal(self, symbol: str) -> Changed:
        """Moves every time the stream's top of book for `symbol` changes."""
        return self.book_changed.setdefault(symbol, Changed())

    def book_version(self, symbol: str) -> int:
        return self.book_changed_signal(symbol).version

    async def wait_book_change(self, symbol: str, seen: int, timeout: float | None) -> bool:
        """Wait until the stream's top of book for `symbol` changes after version `seen`."""
        return await self.book_changed_signal(symbol).wait(seen, timeout)

    # ================================================================ orders

    async def submit_limit_order(
        self,
        symbol: str,
        side: Side,
        size: Decimal,
        price: Decimal,
        *,
        post_only: bool = True,
        reduce_only: bool = False,
        time_in_force: TimeInForce = TimeInForce.GTC,
    ) -> OrderTracker:
        """Place a limit order (post-only by default). Returns its tracker once the venue answered."""
        tif = TimeInForce.POST_ONLY if post_only else time_in_force
        request = OrderRequest(symbol, side, size, OrderType.LIMIT, self.client_ids.next(), price, tif, reduce_only)
        return await self.submit(request)

    async def submit_market_order(
        self, symbol: str, side: Side, size: Decimal, *, reduce_only: bool = False
    ) -> OrderTracker:
        request = OrderRequest(
            symbol, side, size, OrderType.MARKET, self.client_ids.next(), None, TimeInForce.IOC, reduce_only
        )
        return await self.submit(request)

    async def submit(self, request: OrderRequest) -> OrderTracker:
        """Submit a prepared request and settle its outcome.

        A refusal marks the order FAILED and raises. A rate limit is waited out and retried (after
        checking by client id that the first try did not land). An unknown outcome is settled by
        querying the client id; if that cannot settle it, the order stays SUBMITTING for the
        streams or reconciliation, and AmbiguousOutcome is raised.
        """
        market = await self.get_market_info(request.symbol)
        tracker = self._track(request)
        problem = market.order_problem(request.size, request.price)
        if problem is not None:
            tracker.mark_failed(problem)
            raise self._with_tracker(InvalidOrder(problem, venue=self.venue), tracker)
        tracker.mark_submitting()
        retries = 0
        while True:
            try:
                ack = await self._submit(request)
            except VenueRejected as exc:
                tracker.mark_failed(exc.reason, Source.REST)
                exc.tracker = tracker
                raise
            except RateLimited as exc:
                if await self._settle(tracker, self.config.settle_interval):
                    return tracker
                retries += 1
                if retries > self.config.max_rate_limit_retries:
                    exc.tracker = tracker
                    raise
                wait = (
                    exc.retry_after if exc.retry_after is not None else self.config.reconnect.delay(retries, self._rng)
                )
                log.warning("rate limited venue=%s cid=%s retry_in=%.2fs", self.venue, request.client_id, wait)
                await asyncio.sleep(wait)
                continue
            except AMBIGUOUS_ERRORS as exc:
                log.warning("submit outcome unknown venue=%s cid=%s error=%r", self.venue, request.client_id, exc)
                if not await self._settle(tracker, self.config.settle_timeout):
                    raise self._with_tracker(
                        AmbiguousOutcome(
                            f"submit of {request.client_id} unresolved after {self.config.settle_timeout}s; "
                            "left SUBMITTING for reconciliation",
                            venue=self.venue,
                        ),
                        tracker,
                    ) from exc
                return tracker
            if ack is not None:
                self._apply(tracker, ack)
            return tracker

    async def cancel_order(self, tracker: OrderTracker, *, wait: float | None = None) -> OrderTracker:
        """Cancel one order and confirm it: returns once the order is terminal (cancelled, or filled
        by a racing fill). Raises CancelNotConfirmed if it is still live after `wait` seconds."""
        wait = self.config.cancel_wait if wait is None else wait
        if tracker.is_terminal:
            return tracker
        if tracker.state is not OrderState.SUBMITTING:
            tracker.mark_cancelling()
        try:
            ack = await self._cancel(tracker)
            if ack is not None:
                self._apply(tracker, ack)
        except OrderNotFound:
            # The venue has no open order by that id: it ended (filled, cancelled) or never existed.
            # Ask about it now; a stream may never send the final state this would wait for.
            log.info("cancel: venue has no open order venue=%s cid=%s; querying", self.venue, tracker.client_id)
            if await self._settled_by_query(tracker):
                return tracker
        except VenueRejected as exc:
            tracker.cancel_refused(exc.reason)
            exc.tracker = tracker
            raise
        except (RateLimited, *AMBIGUOUS_ERRORS) as exc:
            log.warning("cancel outcome unknown venue=%s cid=%s error=%r", self.venue, tracker.client_id, exc)
        try:
            await tracker.wait_final(wait)
            return tracker
        except WaitTimeout:
            pass
        try:
            await self.refresh_order(tracker)
        except OrderNotFound:
            if self._absence_proven(tracker):
                return tracker
            raise self._with_tracker(
                CancelNotConfirmed(f"venue does not know order {tracker.client_id}", venue=self.venue), tracker
            ) from None
        if not tracker.is_terminal:
            raise self._with_tracker(
                CancelNotConfirmed(
                    f"order {tracker.client_id} still {tracker.state.value} after {wait}s", venue=self.venue
                ),
                tracker,
            )
        return tracker

    async def _settled_by_query(self, tracker: OrderTracker) -> bool:
        """After a cancel answered "no such open order": True when one query settles the order
        (its final state, or its absence proven for a never-acknowledged submit)."""
        try:
            await self.refresh_order(tracker)
        except OrderNotFound:
            return self._absence_proven(tracker)  # if not: the wait below, then one more query, decide
        except (RateLimited, *AMBIGUOUS_ERRORS) as exc:
            log.warning("cancel query failed venue=%s cid=%s error=%r", self.venue, tracker.client_id, exc)
            return False
        return tracker.is_terminal

    @staticmethod
    def _absence_proven(tracker: OrderTracker) -> bool:
        """Never acknowledged, and unknown to both the cancel and the query by client id: the venue
        never had the order, so it is FAILED (True). Anything the venue ever reported is not settled
        by absence (False)."""
        if tracker.state is OrderState.SUBMITTING and not (tracker.views.keys() - {Source.LOCAL}):
            tracker.mark_failed("venue does not know the order (cancel and query by client id)", Source.REST)
            return True
        return False

    async def cancel_all(self, symbol: str) -> int:
        """Cancel every open order on `symbol` for the account. An explicit action, never a fallback."""
        count = await self._cancel_all(symbol)
        log.info("cancel_all venue=%s symbol=%s cancelled=%d", self.venue, symbol, count)
        return count

    async def get_order(
        self, symbol: str, *, client_id: str | None = None, venue_id: str | None = None
    ) -> OrderSnapshot:
        """The venue's REST view of one order; applied to its tracker when we track it."""
        if client_id is None and venue_id is None:
            raise ValueError("get_order needs a client id or a venue id")
        snap = await self._fetch_order(symbol, client_id, venue_id)
        tracker = self._route_order(snap)
        if tracker is not None:
            await self._recover_fills(tracker)
        return snap

    async def refresh_order(self, tracker: OrderTracker) -> OrderSnapshot:
        return await self.get_order(tracker.symbol, client_id=tracker.client_id, venue_id=tracker.venue_id)

    async def get_open_orders(self, symbol: str | None = None) -> list[OrderSnapshot]:
        snaps = await self._fetch_open_orders(symbol)
        for snap in snaps:
            tracker = self._route_order(snap)
            if tracker is not None:
                await self._recover_fills(tracker)
        return snaps

    async def get_positions(self, symbol: str | None = None) -> list[Position]:
        """Positions read from the venue over REST (the truth; the WS view is only a cache)."""
        positions = await self._fetch_positions(symbol)
        seen = set()
        for pos in positions:
            self.positions_rest[pos.symbol] = pos
            seen.add(pos.symbol)
        for sym in list(self.positions_rest):
            if sym not in seen and (symbol is None or sym == symbol):
                self.positions_rest[sym] = Position(sym, Decimal(0), Source.REST)
        return positions

    async def get_position(self, symbol: str) -> Position:
        """This symbol's position from REST; flat when the venue lists none."""
        for pos in await self.get_positions(symbol):
            if pos.symbol == symbol:
                return pos
        return Position(symbol, Decimal(0), Source.REST)

    async def get_balances(self) -> list[Balance]:
        return await self._fetch_balances()

    def adopt(self, snap: OrderSnapshot) -> OrderTracker:
        """Start tracking an order the venue reports but this process did not place (e.g. after a
        restart), so it can be cancelled and confirmed like our own."""
        existing = self.orders.find(snap.client_id, snap.venue_id)
        if existing is not None:
            return existing
        if snap.side is None or snap.size is None:
            raise ConnectorError(f"cannot adopt order {snap.venue_id or snap.client_id}: side or size missing")
        order_type = OrderType.LIMIT if snap.price is not None else OrderType.MARKET
        client_id = snap.client_id or f"venue:{snap.venue_id}"
        request = OrderRequest(snap.symbol, snap.side, snap.size, order_type, client_id, snap.price)
        tracker = self._track(request)
        tracker.mark_submitting()
        self._apply(tracker, snap)
        self.foreign_orders.pop(snap.venue_id or snap.client_id or "?", None)
        return tracker

    def track_listed(self, snap: OrderSnapshot) -> OrderTracker:
        """The tracker for an order the venue lists as open, so cleanup can cancel and confirm it.

        The venue is the truth: when this connector holds the order finished (it marked it FAILED
        or CANCELLED while the order still rests), the old tracker keeps its history, the
        disagreement is logged and kept in `disagreements`, and the order is tracked afresh —
        otherwise the cancel would return at once on the finished tracker and leave it resting."""
        existing = self.orders.find(snap.client_id, snap.venue_id)
        if existing is not None and existing.is_terminal:
            note = (
                f"the venue lists order {existing.client_id} open ({snap.state.value}) while the connector "
                f"holds it {existing.state.value}"
            )
            self.disagreements.append(note)
            log.error("venue=%s %s; tracking it afresh", self.venue, note)
            self.orders.discard(existing)
        return self.adopt(snap)

    def owns(self, client_id: str | None) -> bool:
        """Was this client id made by this run (so cleanup may touch the order)?"""
        return self.client_ids.owns(client_id)

    # ================================================================ stream callbacks

    def _on_order_update(self, snap: OrderSnapshot) -> OrderTracker | None:
        """A venue module calls this for every order message from a stream."""
        return self._route_order(snap)

    def _on_fill(self, fill: Fill) -> None:
        tracker = self.orders.find(fill.client_id, fill.venue_id)
        if tracker is None or fill.trade_id not in tracker.fills:  # a repeat (or a recovered one) is not news
            self.bus.publish(Event(EventKind.TRADE, self.venue, fill, self.clock.monotonic()))
        if tracker is None:
            log.debug("fill for an order we do not track venue=%s trade=%s", self.venue, fill.trade_id)
            return
        tracker.apply_fill(fill)

    def _on_position(self, position: Position) -> None:
        self.positions_ws[position.symbol] = position
        self.positions_changed.notify()
        self.bus.publish(Event(EventKind.POSITION, self.venue, position, self.clock.monotonic()))

    def _on_top_of_book(self, tob: TopOfBook) -> None:
        self.books_ws[tob.symbol] = tob
        self.book_changed_signal(tob.symbol).notify()
        self.bus.publish(Event(EventKind.BOOK, self.venue, tob, self.clock.monotonic()))

    # ================================================================ internals

    def _track(self, request: OrderRequest) -> OrderTracker:
        tracker = OrderTracker(request, venue=self.venue, clock=self.clock)
        tracker.on_transition(self._on_transition)
        self.orders.add(tracker)
        return tracker

    def _on_transition(self, tracker: OrderTracker, entry: HistoryEntry) -> None:
        if log.isEnabledFor(logging.DEBUG):  # the arguments are work even when the line is dropped
            log.debug(
                "order transition venue=%s cid=%s vid=%s %s -> %s source=%s filled=%s note=%s",
                self.venue,
                tracker.client_id,
                tracker.venue_id,
                entry.previous.value,
                entry.state.value,
                entry.source.value,
                entry.filled,
                entry.note,
            )
        self.bus.publish(Event(EventKind.ORDER, self.venue, (tracker, entry), entry.at))

    def _route_order(self, snap: OrderSnapshot) -> OrderTracker | None:
        tracker = self.orders.find(snap.client_id, snap.venue_id)
        if tracker is None:
            key = snap.venue_id or snap.client_id or "?"
            self.foreign_orders[key] = snap
            log.debug("update for an order we do not track venue=%s key=%s state=%s", self.venue, key, snap.state)
            return None
        self._apply(tracker, snap)
        return tracker

    def _apply(self, tracker: OrderTracker, snap: OrderSnapshot) -> None:
        self.orders.apply(tracker, snap)  # the order table binds the venue id when it first appears

    async def _recover_fills(self, tracker: OrderTracker) -> None:
        """When the venue says the order filled more than the fills recorded, read its fills over
        REST: a fill message lost on the stream comes back on the gap, not never. The tracker
        de-duplicates by trade id, so fills the stream delivers later (or already did) count once."""
        if tracker.fills_total >= tracker.filled:
            return
        try:
            fills = await self._fetch_fills(tracker.symbol, tracker.client_id, tracker.venue_id)
        except (OrderNotFound, RateLimited, *AMBIGUOUS_ERRORS) as exc:
            log.warning("fill recovery failed venue=%s cid=%s error=%r", self.venue, tracker.client_id, exc)
            return  # the next REST view of the order tries again
        for fill in fills:
            if fill.trade_id not in tracker.fills and tracker.apply_fill(fill):
                self.bus.publish(Event(EventKind.TRADE, self.venue, fill, self.clock.monotonic()))
        if tracker.fills_total < tracker.filled:
            log.warning(
                "fill recovery short venue=%s cid=%s filled=%s fills=%s",
                self.venue,
                tracker.client_id,
                tracker.filled,
                tracker.fills_total,
            )

    async def _settle(self, tracker: OrderTracker, within: float) -> bool:
        """Ask the venue about the client id until it knows the order, a stream settles it, or
        `within` seconds pass. True when the order's fate is known."""
        deadline = loop_time() + within
        while True:
            if tracker.state is not OrderState.SUBMITTING:
                return True
            try:
                await self.refresh_order(tracker)
                if tracker.state is not OrderState.SUBMITTING or tracker.views.get(Source.REST) is not None:
                    return True
            except OrderNotFound:
                pass
            except (RateLimited, *AMBIGUOUS_ERRORS) as exc:
                log.warning("settle query failed venue=%s cid=%s error=%r", self.venue, tracker.client_id, exc)
            remaining = deadline - loop_time()
            if remaining <= 0:
                return False
            try:
                await tracker.wait_for(
                    lambda t: t.state is not OrderState.SUBMITTING, min(remaining, self.config.settle_interval)
                )
            except WaitTimeout:
                pass

    def _publish_connection(self, stream: str, state: ConnectionState, attempt: int = 0, error: str = "") -> None:
        status = ConnectionStatus(stream, state, attempt, error)
        self.bus.publish(Event(EventKind.CONNECTION, self.venue, status, self.clock.monotonic()))

    @staticmethod
    def _with_tracker(exc: ConnectorError, tracker: OrderTracker) -> ConnectorError:
        exc.tracker = tracker
        return exc
