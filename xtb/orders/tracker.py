"""The order state machine: one explicit transition table, and a tracker per order that applies it.

Every update (a venue snapshot, a fill, a local action) carries its source and is stamped with a
monotonic time. An update that would break a rule is not applied; it is recorded as an anomaly.
The tracker keeps the latest view from each source so REST and WS can be compared, and the full
history so a report can draw the order's timeline.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal

from xtb.change_signal import Changed
from xtb.clock import SYSTEM_CLOCK, Clock, loop_time
from xtb.errors import WaitTimeout
from xtb.model import ZERO, Fill, OrderRequest, OrderSnapshot, OrderState, Source

S = OrderState

# The whole state machine. A same-state update is not an edge: it is a no-op, or, for
# PARTIALLY_FILLED, progress in the filled quantity.
TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    S.NEW: frozenset({S.SUBMITTING, S.FAILED}),
    S.SUBMITTING: frozenset({S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.FAILED, S.CANCELLING}),
    # OPEN → FAILED: a venue that acknowledges and then refuses (e.g. reduce-only that cannot reduce).
    S.OPEN: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELLING, S.CANCELLED, S.FAILED}),
    S.PARTIALLY_FILLED: frozenset({S.FILLED, S.CANCELLING, S.CANCELLED}),
    # CANCELLING → OPEN / PARTIALLY_FILLED: the cancel was refused; → FILLED: a fill raced the cancel.
    S.CANCELLING: frozenset({S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED}),
    S.FILLED: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}


def is_legal(current: OrderState, new: OrderState) -> bool:
    return new in TRANSITIONS[current]


class AnomalyKind(enum.Enum):
    ILLEGAL_TRANSITION = "illegal_transition"  # a contradiction, e.g. FILLED → CANCELLED
    STALE_UPDATE = "stale_update"  # an earlier state arriving late (a lagging source, reordering)
    FILLED_REGRESSION = "filled_regression"  # cumulative filled went down (stale or reordered)
    OVERFILL = "overfill"  # filled beyond the order size
    INCONSISTENT = "inconsistent"  # a snapshot that contradicts itself (FILLED short of size, ...)
    WRONG_ORDER = "wrong_order"  # an update for another order (client id / venue id mismatch)
    LATE_FILL = "late_fill"  # a fill that moved the filled quantity of a terminal order


# Refused because they are old news, not because anyone contradicted anyone: a source that lags
# (the REST answer after the stream's fill, a reordered message). Recorded, but not a failure.
STALE_KINDS = frozenset({AnomalyKind.STALE_UPDATE, AnomalyKind.FILLED_REGRESSION})

# How far along its life an order is; an update for an earlier stage with no new fill is stale.
_STAGE = {S.NEW: 0, S.SUBMITTING: 1, S.OPEN: 2, S.PARTIALLY_FILLED: 3, S.CANCELLING: 3}


@dataclass(frozen=True)
class Anomaly:
    kind: AnomalyKind
    source: Source
    at: float
    detail: str
    state: OrderState  # the tracker's state when the update arrived

    @property
    def stale(self) -> bool:
        return self.kind in STALE_KINDS


@dataclass(frozen=True)
class HistoryEntry:
    """One applied change. `at` is monotonic and never decreases within a tracker."""

    at: float
    source: Source
    state: OrderState
    previous: OrderState
    filled: Decimal
    note: str = ""
    filled_stated: bool = False  # the venue's order report stated this filled size (not a local move or a sum of fills)


class OrderTracker:
    """Tracks one order through the state machine. Apply methods are synchronous and never raise
    for a bad update (they record an anomaly); waiting methods are async."""

    def __init__(self, request: OrderRequest, *, venue: str = "", clock: Clock = SYSTEM_CLOCK) -> None:
        self.request = request
        self.venue = venue
        self.venue_id: str | None = None
        self._clock = clock
        self._state = S.NEW
        self._filled = ZERO
        self._end_stated = False  # the terminal state's filled size is the venue's word
        self._last_at = clock.monotonic()
        self._stamp: float | None = None
        self.reason = ""
        self.views: dict[Source, OrderSnapshot] = {}
        self.first_seen: dict[Source, float] = {}  # when each source first reported this order
        self.history: list[HistoryEntry] = [HistoryEntry(self._last_at, Source.LOCAL, S.NEW, S.NEW, ZERO, "created")]
        self.anomalies: list[Anomaly] = []
        self.fills: dict[str, Fill] = {}
        self.duplicates = 0  # repeated fills or snapshots that changed nothing
        self._changed = Changed()
        self._listeners: list[Callable[[OrderTracker, HistoryEntry], None]] = []

    def __repr__(self) -> str:
        return (
            f"OrderTracker({self.venue}:{self.client_id} {self.request.side.value} {self.request.size}"
            f"@{self.request.price} {self._state.value} filled={self._filled})"
        )

    # -- read ---------------------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        return self.request.client_id

    @property
    def symbol(self) -> str:
        return self.request.symbol

    @property
    def size(self) -> Decimal:
        return self.request.size

    @property
    def state(self) -> OrderState:
        return self._state

    @property
    def filled(self) -> Decimal:
        return self._filled

    @property
    def remaining(self) -> Decimal:
        return self.request.size - self._filled

    @property
    def is_terminal(self) -> bool:
        return self._state.is_terminal

    @property
    def final_filled_stated(self) -> bool:
        """True once the order is terminal and its final filled size is the venue's word: FILLED
        (all of it), or a terminal report that carried the cumulative filled size. No query can add
        to it then. An order ended by a local decision, or by a report without the size, is not."""
        return self._state is S.FILLED or (self._state.is_terminal and self._end_stated)

    @property
    def fills_total(self) -> Decimal:
        return sum((f.size for f in self.fills.values()), ZERO)

    @property
    def avg_fill_price(self) -> Decimal | None:
        total = self.fills_total
        if total == 0:
            return None
        return sum((f.size * f.price for f in self.fills.values()), ZERO) / total

    @property
    def fills_consistent(self) -> bool:
        """True when the fills seen add up to the filled quantity (expected once terminal)."""
        return self.fills_total == self._filled

    def first_time(self, *states: OrderState) -> float | None:
        """Monotonic time of the first history entry reaching one of `states`."""
        for entry in self.history:
            if entry.state in states and entry.state is not entry.previous:
                return entry.at
        return None

    @property
    def last_update_at(self) -> float:
        """Monotonic time of the newest update (of any source) applied or refused."""
        return self._last_at

    @property
    def changed(self) -> Changed:
        """Moves on every applied change and every recorded anomaly."""
        return self._changed

    def on_transition(self, listener: Callable[[OrderTracker, HistoryEntry], None]) -> None:
        """Call `listener` synchronously after every applied change (used for logging and events)."""
        self._listeners.append(listener)

    # -- local actions ------------------------------------------------------------------------

    def mark_submitting(self) -> bool:
        return self._move(S.SUBMITTING, Source.LOCAL, "submit sent")

    def mark_cancelling(self) -> bool:
        return self._move(S.CANCELLING, Source.LOCAL, "cancel sent")

    def mark_failed(self, reason: str, source: Source = Source.LOCAL) -> bool:
        """A definitive refusal (venue 4xx, local pre-check). Never for a timeout or a 5xx.
        Saying it twice (the REST answer and the stream both refuse) changes nothing."""
        if self._state is S.FAILED:
            self.duplicates += 1
            return False
        if self._filled > 0:
            self._anomaly(AnomalyKind.INCONSISTENT, source, f"FAILED refused: order has filled {self._filled}")
            return False
        applied = self._move(S.FAILED, source, reason)
        if applied:
            self.reason = reason
        return applied

    def cancel_refused(self, reason: str) -> bool:
        """The venue refused our cancel: go back to the live state the filled quantity implies."""
        if self._state is not S.CANCELLING:
            return False
        return self._move(self._live_state(self._filled), Source.LOCAL, f"cancel refused: {reason}")

    # -- venue updates ------------------------------------------------------------------------

    def apply(self, snap: OrderSnapshot) -> bool:
        """Apply a venue snapshot. Returns True if it changed the state or the filled quantity."""
        self.views[snap.source] = snap
        self._stamp = self._now()  # one time for everything this update records
        self.first_seen.setdefault(snap.source, self._stamp)
        try:
            return self._apply(snap)
        finally:
            self._stamp = None

    def _apply(self, snap: OrderSnapshot) -> bool:
        if snap.client_id is not None and snap.client_id != self.client_id:
            return self._anomaly(AnomalyKind.WRONG_ORDER, snap.source, f"client id {snap.client_id}")
        if snap.venue_id is not None:
            if self.venue_id is None:
                self.venue_id = snap.venue_id
            elif snap.venue_id != self.venue_id:
                return self._anomaly(AnomalyKind.WRONG_ORDER, snap.source, f"venue id {snap.venue_id}")

        # A report that does not state the filled size says nothing about it: keep what we know.
        filled = snap.filled if snap.filled_stated else max(snap.filled, self._filled)
        target = snap.state
        if filled > self.size:
            return self._anomaly(AnomalyKind.OVERFILL, snap.source, f"filled {filled} > size {self.size}")
        if filled < self._filled:
            return self._anomaly(
                AnomalyKind.FILLED_REGRESSION, snap.source, f"{target.value} filled {filled} < {self._filled}"
            )
        if target is S.FILLED and filled not in (ZERO, self.size):
            return self._anomaly(AnomalyKind.INCONSISTENT, snap.source, f"FILLED with filled {filled} of {self.size}")
        if target is S.FILLED:
            filled = self.size
        if target is S.FAILED and filled > 0:
            return self._anomaly(AnomalyKind.INCONSISTENT, snap.source, f"FAILED with filled {filled}")
        if target in (S.OPEN, S.PARTIALLY_FILLED):
            target = self._live_state(filled)
        if target in (S.NEW, S.CANCELLING):
            return self._anomaly(AnomalyKind.ILLEGAL_TRANSITION, snap.source, f"venue reported {target.value}")

        if self._state is S.CANCELLING and target in (S.OPEN, S.PARTIALLY_FILLED) and filled == self._filled:
            self.duplicates += 1  # the venue has not processed our cancel yet; nothing new
            self._notify(None)  # but the source's view changed: wake waiters comparing views
            return False
        if target is self._state:
            if filled == self._filled:
                self.duplicates += 1
                if target.is_terminal and snap.filled_stated:
                    self._end_stated = True  # e.g. a REST re-read confirming the stream's end
                self._notify(None)
                return False
            if target is S.PARTIALLY_FILLED:
                return self._set(target, filled, snap.source, snap.venue_status, stated=snap.filled_stated)
            if target is S.CANCELLED:
                if self._end_stated:  # after an end that did not state the size, this is the size
                    self._anomaly(AnomalyKind.LATE_FILL, snap.source, f"cancelled order now reports filled {filled}")
                return self._set(target, filled, snap.source, snap.venue_status, stated=snap.filled_stated)
            return self._anomaly(AnomalyKind.INCONSISTENT, snap.source, f"{target.value} with filled {filled}")
        if not is_legal(self._state, target):
            kind = AnomalyKind.ILLEGAL_TRANSITION
            if target in _STAGE and _STAGE[target] < _STAGE.get(self._state, 4) and filled <= self._filled:
                kind = AnomalyKind.STALE_UPDATE
            return self._anomaly(kind, snap.source, f"{self._state.value} → {target.value}")
        if target is S.FAILED or target is S.CANCELLED:
            self.reason = snap.reason or snap.venue_status
        return self._set(target, filled, snap.source, snap.venue_status, stated=snap.filled_stated)

    def apply_fill(self, fill: Fill) -> bool:
        """Record one execution, de-duplicated by trade id. Raises the filled quantity if the fills
        add up to more than any snapshot has said so far."""
        if fill.trade_id in self.fills:
            self.duplicates += 1
            return False
        self._stamp = self._now()
        self.first_seen.setdefault(fill.source, self._stamp)
        try:
            return self._apply_fill(fill)
        finally:
            self._stamp = None

    def _apply_fill(self, fill: Fill) -> bool:
        if fill.client_id is not None and fill.client_id != self.client_id:
            return self._anomaly(AnomalyKind.WRONG_ORDER, fill.source, f"fill {fill.trade_id} for {fill.client_id}")
        total = self.fills_total + fill.size
        if total > self.size:
            return self._anomaly(
                AnomalyKind.OVERFILL, fill.source, f"fill {fill.trade_id} makes {total} > size {self.size}"
            )
        self.fills[fill.trade_id] = fill
        if total <= self._filled:
            self._notify(None)
            return True
        if self._state in (S.CANCELLED, S.FAILED):
            if self._state is S.FAILED or self._end_stated:  # else: the size its end did not state
                self._anomaly(AnomalyKind.LATE_FILL, fill.source, f"fill {fill.trade_id} after {self._state.value}")
            self._set(self._state, total, fill.source, f"late fill {fill.trade_id}")
            return True
        if self._state in (S.NEW,):
            return self._anomaly(AnomalyKind.ILLEGAL_TRANSITION, fill.source, f"fill before submit {fill.trade_id}")
        target = S.FILLED if total == self.size else S.PARTIALLY_FILLED
        if target is self._state:
            return self._set(target, total, fill.source, f"fill {fill.trade_id}")
        if not is_legal(self._state, target):
            return self._anomaly(AnomalyKind.ILLEGAL_TRANSITION, fill.source, f"{self._state.value} → {target.value}")
        return self._set(target, total, fill.source, f"fill {fill.trade_id}")

    # -- waiting ------------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[OrderTracker], bool], timeout: float | None) -> OrderTracker:
        """Wait until `predicate(self)` holds; raise WaitTimeout after `timeout` seconds."""
        loop_deadline = None if timeout is None else loop_time() + timeout
        while True:
            seen = self._changed.version
            if predicate(self):
                return self
            remaining = None if loop_deadline is None else loop_deadline - loop_time()
            if remaining is not None and remaining <= 0:
                raise WaitTimeout(f"{self!r}: condition not met within {timeout}s")
            await self._changed.wait(seen, remaining)

    async def wait_final(self, timeout: float | None) -> OrderTracker:
        """Wait for a terminal state; raise WaitTimeout (the order stays as it is) if it never comes."""
        return await self.wait_for(lambda t: t.is_terminal, timeout)

    async def updates(self) -> AsyncIterator[HistoryEntry]:
        """Every history entry from the start, then each new one, until the order is terminal."""
        index = 0
        while True:
            seen = self._changed.version
            while index < len(self.history):
                yield self.history[index]
                index += 1
            if self.is_terminal:
                return
            await self._changed.wait(seen)

    def __aiter__(self) -> AsyncIterator[HistoryEntry]:
        return self.updates()

    # -- internals ----------------------------------------------------------------------------

    def _live_state(self, filled: Decimal) -> OrderState:
        if filled >= self.size:
            return S.FILLED
        return S.PARTIALLY_FILLED if filled > 0 else S.OPEN

    def _move(self, target: OrderState, source: Source, note: str) -> bool:
        if not is_legal(self._state, target):
            return self._anomaly(AnomalyKind.ILLEGAL_TRANSITION, source, f"{self._state.value} → {target.value}")
        return self._set(target, self._filled, source, note)

    def _now(self) -> float:
        self._last_at = max(self._last_at, self._clock.monotonic())
        return self._last_at

    def _take_stamp(self) -> float:
        stamp, self._stamp = self._stamp, None
        return stamp if stamp is not None else self._now()

    def _set(self, state: OrderState, filled: Decimal, source: Source, note: str, *, stated: bool = False) -> bool:
        entry = HistoryEntry(self._take_stamp(), source, state, self._state, filled, note, stated)
        if state.is_terminal:
            self._end_stated = stated
        self._state = state
        self._filled = filled
        self.history.append(entry)
        self._notify(entry)
        return True

    def _anomaly(self, kind: AnomalyKind, source: Source, detail: str) -> bool:
        self.anomalies.append(Anomaly(kind, source, self._take_stamp(), detail, self._state))
        self._notify(None)
        return False

    def _notify(self, entry: HistoryEntry | None) -> None:
        self._changed.notify()
        if entry is not None:
            for listener in self._listeners:
                listener(self, entry)
