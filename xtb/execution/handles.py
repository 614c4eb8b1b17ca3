"""Order handles that strategies await or stream from.

`TrackingMarketOrder` wraps one tracker. `TrackingLimitOrder` is a chase made of several attempts
(one venue order each); its filled quantity is the sum over attempts, so a fill that races a cancel
is counted once, by the attempt it belongs to. A chase ends FILLED, or — when what is left after a
partial fill is smaller than the venue accepts — FINISHED_SHORT (policy "finish": `remaining` is
what did not fill) or TOPPED_UP (policy "top_up": `excess` is what filled beyond the size).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal

from xtb.change_signal import Changed
from xtb.errors import ExecutionError, WaitTimeout
from xtb.model import ZERO, OrderState, Side, Source
from xtb.orders.tracker import HistoryEntry, OrderTracker


class AttemptOutcome(enum.Enum):
    FILLED = "filled"
    REPRICED = "repriced"  # the touch moved away; cancelled to re-post
    INTERVAL = "interval"  # rested for the whole interval; cancelled to re-post
    TIMED_OUT = "timed_out"  # cancelled because the overall timeout ran out
    POST_ONLY_REJECTED = "post_only_rejected"  # refused (or cancelled by the venue) for crossing
    CANCELLED_BY_VENUE = "cancelled_by_venue"
    FAILED = "failed"
    SIZE_REACHED = "size_reached"  # a top-up cancelled once the chase had filled its size


@dataclass
class Attempt:
    """One venue order inside a tracking limit order. Timings come from the tracker's history."""

    tracker: OrderTracker
    price: Decimal
    outcome: AttemptOutcome | None = None
    cancel_sent_at: float | None = None
    top_up: bool = False  # posted at the venue's minimum, above the remainder (policy "top_up")

    @property
    def client_id(self) -> str:
        return self.tracker.client_id

    @property
    def size(self) -> Decimal:
        return self.tracker.size

    @property
    def filled(self) -> Decimal:
        return self.tracker.filled

    @property
    def submitted_at(self) -> float | None:
        return self.tracker.first_time(OrderState.SUBMITTING)

    @property
    def acked_at(self) -> float | None:
        for entry in self.tracker.history:
            if entry.source is not Source.LOCAL:
                return entry.at
        return None

    @property
    def cancelled_at(self) -> float | None:
        return self.tracker.first_time(OrderState.CANCELLED)

    @property
    def filled_at(self) -> float | None:
        return self.tracker.first_time(OrderState.FILLED)


class OrderHandle:
    """What a strategy holds: wait for the end, or stream updates as they happen."""

    @property
    def filled(self) -> Decimal:
        raise NotImplementedError

    @property
    def is_final(self) -> bool:
        raise NotImplementedError

    async def wait_final(self, timeout: float | None = None) -> OrderHandle:
        raise NotImplementedError


class TrackingMarketOrder(OrderHandle):
    def __init__(self, tracker: OrderTracker) -> None:
        self.tracker = tracker

    @property
    def filled(self) -> Decimal:
        return self.tracker.filled

    @property
    def is_final(self) -> bool:
        return self.tracker.is_terminal

    async def wait_final(self, timeout: float | None = None) -> TrackingMarketOrder:
        await self.tracker.wait_final(timeout)
        return self

    def updates(self) -> AsyncIterator[HistoryEntry]:
        return self.tracker.updates()


class TrackingStatus(enum.Enum):
    RUNNING = "running"
    FILLED = "filled"  # exactly the size
    FINISHED_SHORT = "finished_short"  # stopped with `remaining` unfilled: too small to post
    TOPPED_UP = "topped_up"  # the size and `excess` more: a minimum-size top-up filled past it
    TIMED_OUT = "timed_out"
    FAILED = "failed"


@dataclass(frozen=True)
class AttemptUpdate:
    """One change in one attempt, in the order the changes happened."""

    attempt: int  # index into `attempts`
    entry: HistoryEntry


@dataclass
class TrackingLimitOrder(OrderHandle):
    symbol: str
    side: Side
    size: Decimal
    attempts: list[Attempt] = field(default_factory=list)
    status: TrackingStatus = TrackingStatus.RUNNING
    error: BaseException | None = None
    note: str = ""  # why it ended as it did, when that is not plain (FINISHED_SHORT, TOPPED_UP)
    log: list[AttemptUpdate] = field(default_factory=list)
    _changed: Changed = field(default_factory=Changed, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def filled(self) -> Decimal:
        return sum((a.filled for a in self.attempts), ZERO)

    @property
    def remaining(self) -> Decimal:
        """What is still to fill (never negative)."""
        return max(self.size - self.filled, ZERO)

    @property
    def excess(self) -> Decimal:
        """What filled beyond the size (only a top-up does that); the caller's to trim."""
        return max(self.filled - self.size, ZERO)

    @property
    def is_final(self) -> bool:
        return self.status is not TrackingStatus.RUNNING

    @property
    def current(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    def add_attempt(self, tracker: OrderTracker, price: Decimal) -> Attempt:
        """Record a new venue order; its history so far and every later change join `log`."""
        attempt = Attempt(tracker, price)
        index = len(self.attempts)
        self.attempts.append(attempt)
        for entry in tracker.history:
            self.log.append(AttemptUpdate(index, entry))
        tracker.on_transition(self._listener(index))
        self._changed.notify()
        return attempt

    def finish(self, status: TrackingStatus, error: BaseException | None = None, note: str = "") -> None:
        self.status = status
        self.error = error
        self.note = note
        self._changed.notify()

    async def wait_final(self, timeout: float | None = None) -> TrackingLimitOrder:
        """Wait for the chase to end. Re-raises its failure (TrackingLimitTimeout, ...); an end that
        is not a failure (FILLED, FINISHED_SHORT, TOPPED_UP) returns, and `status` says which."""
        try:
            async with asyncio.timeout(timeout):
                while not self.is_final:
                    await self._changed.wait(self._changed.version)
        except TimeoutError:
            raise WaitTimeout(f"tracking limit {self.side.value} {self.size} {self.symbol} still running") from None
        if self.error is not None:
            raise self.error
        return self

    async def cancel(self) -> None:
        """Stop chasing. The running attempt is cancelled and confirmed by the chase itself."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if not self.is_final:
            self.finish(TrackingStatus.FAILED, ExecutionError("tracking limit cancelled by caller"))

    async def updates(self) -> AsyncIterator[AttemptUpdate]:
        """Every change of every attempt, from the start, until the chase ends."""
        index = 0
        while True:
            seen = self._changed.version
            while index < len(self.log):
                yield self.log[index]
                index += 1
            if self.is_final:
                return
            await self._changed.wait(seen)

    def _listener(self, index: int) -> Callable[[OrderTracker, HistoryEntry], None]:
        def on_transition(tracker: OrderTracker, entry: HistoryEntry) -> None:
            self.log.append(AttemptUpdate(index, entry))
            self._changed.notify()

        return on_transition
