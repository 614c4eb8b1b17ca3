"""The order state machine (DESIGN.md §2): the transition table, and OrderTracker applying it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from xtb.errors import WaitTimeout
from xtb.model import (
    ZERO,
    Fill,
    OrderRequest,
    OrderSnapshot,
    OrderState,
    OrderType,
    Side,
    Source,
)
from xtb.orders.tracker import TRANSITIONS, AnomalyKind, HistoryEntry, OrderTracker

S = OrderState
SIZE = D("2")
HALF = SIZE / 2
THREE_QUARTERS = SIZE * 3 / 4
SYMBOL = "BTC-PERP"
CID = "c1"

TERMINAL = (S.FILLED, S.CANCELLED, S.FAILED)
LIVE = (S.NEW, S.SUBMITTING, S.OPEN, S.PARTIALLY_FILLED, S.CANCELLING)


def make_tracker(size: D = SIZE, **kw: object) -> OrderTracker:
    req = OrderRequest(SYMBOL, Side.BUY, size, OrderType.LIMIT, CID, price=D("100"))
    return OrderTracker(req, venue="test", **kw)  # type: ignore[arg-type]


def snap(state: OrderState, filled: D = ZERO, source: Source = Source.WS, **kw: object) -> OrderSnapshot:
    values: dict[str, object] = {"client_id": CID}
    values.update(kw)
    return OrderSnapshot(SYMBOL, state, source, filled=filled, **values)  # type: ignore[arg-type]


def fill(trade_id: str, size: str, source: Source = Source.WS, **kw: object) -> Fill:
    values: dict[str, object] = {"client_id": CID}
    values.update(kw)
    return Fill(trade_id, SYMBOL, Side.BUY, D("100"), D(size), source, **values)  # type: ignore[arg-type]


def drive_to(state: OrderState) -> OrderTracker:
    """Bring a fresh tracker into `state` along a realistic path."""
    t = make_tracker()
    if state is S.NEW:
        pass
    elif state is S.FAILED:
        t.mark_submitting()
        t.mark_failed("x")
    else:
        t.mark_submitting()
        if state is not S.SUBMITTING:
            t.apply(snap(S.OPEN))
        if state is S.PARTIALLY_FILLED:
            t.apply(snap(S.PARTIALLY_FILLED, HALF))
        elif state is S.CANCELLING:
            t.mark_cancelling()
        elif state is S.FILLED:
            t.apply(snap(S.FILLED, SIZE))
        elif state is S.CANCELLED:
            t.apply(snap(S.CANCELLED))
    assert t.state is state, f"could not drive a tracker to {state}: {t.history} {t.anomalies}"
    assert t.anomalies == []
    return t


def stimulate(t: OrderTracker, from_state: OrderState, to_state: OrderState) -> None:
    """Apply the natural stimulus that would move the tracker to `to_state`."""
    if to_state is S.SUBMITTING:
        t.mark_submitting()
    elif to_state is S.CANCELLING:
        t.mark_cancelling()
    elif to_state is S.OPEN:
        if from_state is S.CANCELLING:
            t.cancel_refused("r")
        else:
            t.apply(snap(S.OPEN, ZERO))
    elif to_state is S.PARTIALLY_FILLED:
        t.apply(snap(S.PARTIALLY_FILLED, THREE_QUARTERS if t.filled > 0 else HALF))
    elif to_state is S.FILLED:
        t.apply(snap(S.FILLED, SIZE))
    elif to_state is S.CANCELLED:
        t.apply(snap(S.CANCELLED, t.filled))
    elif to_state is S.FAILED:
        t.apply(snap(S.FAILED, t.filled))
    elif to_state is S.NEW:
        t.apply(snap(S.NEW, t.filled))
    else:  # pragma: no cover
        raise AssertionError(to_state)


PAIRS = [(a, b) for a in OrderState for b in OrderState if a is not b]


def _pair_id(pair: tuple[OrderState, OrderState]) -> str:
    return f"{pair[0].name}->{pair[1].name}"


# -- (a) the transition table -------------------------------------------------------------------


def test_table_covers_every_state() -> None:
    assert set(TRANSITIONS) == set(OrderState)
    for state, targets in TRANSITIONS.items():
        assert state not in targets, f"{state} lists itself as an edge"


def test_table_has_the_edges_the_design_requires() -> None:
    required = {
        (S.NEW, S.SUBMITTING),
        (S.SUBMITTING, S.OPEN),
        (S.OPEN, S.PARTIALLY_FILLED),
        (S.PARTIALLY_FILLED, S.FILLED),
        (S.OPEN, S.CANCELLING),
        (S.PARTIALLY_FILLED, S.CANCELLING),
        (S.CANCELLING, S.CANCELLED),
        # the real-world races listed in DESIGN.md §2
        (S.SUBMITTING, S.FILLED),
        (S.SUBMITTING, S.PARTIALLY_FILLED),
        (S.SUBMITTING, S.CANCELLED),
        (S.CANCELLING, S.FILLED),
        (S.CANCELLING, S.PARTIALLY_FILLED),
        (S.CANCELLING, S.OPEN),
    }
    missing = {(a, b) for a, b in required if b not in TRANSITIONS[a]}
    assert missing == set()


def test_table_never_goes_backwards() -> None:
    # Nothing returns to NEW; only NEW submits; a partial fill cannot be undone into OPEN.
    into_new = {a for a, targets in TRANSITIONS.items() if S.NEW in targets}
    into_submitting = {a for a, targets in TRANSITIONS.items() if S.SUBMITTING in targets}
    assert into_new == set()
    assert into_submitting == {S.NEW}
    assert S.OPEN not in TRANSITIONS[S.PARTIALLY_FILLED]


@pytest.mark.parametrize("state", TERMINAL, ids=lambda s: s.name)
def test_table_has_no_edges_out_of_terminal_states(state: OrderState) -> None:
    assert TRANSITIONS[state] == frozenset()


@pytest.mark.parametrize(("from_state", "to_state"), PAIRS, ids=[_pair_id(p) for p in PAIRS])
def test_every_transition_follows_the_table(from_state: OrderState, to_state: OrderState) -> None:
    t = drive_to(from_state)
    history_before = list(t.history)
    anomalies_before = len(t.anomalies)

    stimulate(t, from_state, to_state)

    if to_state in TRANSITIONS[from_state]:
        assert t.state is to_state
        assert len(t.anomalies) == anomalies_before
        assert len(t.history) == len(history_before) + 1
        assert (t.history[-1].previous, t.history[-1].state) == (from_state, to_state)
    else:
        assert t.state is from_state
        assert len(t.anomalies) == anomalies_before + 1
        assert t.anomalies[-1].state is from_state
        assert t.history == history_before


TERMINAL_TO_LIVE = [(a, b) for a in TERMINAL for b in LIVE]


@pytest.mark.parametrize(("from_state", "to_state"), TERMINAL_TO_LIVE, ids=[_pair_id(p) for p in TERMINAL_TO_LIVE])
def test_terminal_never_goes_back_to_live(from_state: OrderState, to_state: OrderState) -> None:
    assert to_state not in TRANSITIONS[from_state]
    t = drive_to(from_state)
    filled_before = t.filled
    stimulate(t, from_state, to_state)
    assert t.state is from_state
    assert t.filled == filled_before
    assert len(t.anomalies) == 1


# -- (b) duplicates -----------------------------------------------------------------------------


def test_duplicate_snapshot_is_counted_not_an_anomaly() -> None:
    t = make_tracker()
    t.mark_submitting()
    assert t.apply(snap(S.PARTIALLY_FILLED, D("0.5"))) is True
    history = list(t.history)

    assert t.apply(snap(S.PARTIALLY_FILLED, D("0.5"))) is False
    assert t.apply(snap(S.PARTIALLY_FILLED, D("0.5"), Source.REST)) is False

    assert t.duplicates == 2
    assert t.anomalies == []
    assert t.history == history
    assert (t.state, t.filled) == (S.PARTIALLY_FILLED, D("0.5"))


# -- (c), (d) late and reordered updates --------------------------------------------------------


def test_late_rest_open_after_ws_filled_is_refused_but_kept_as_the_rest_view() -> None:
    t = make_tracker()
    t.mark_submitting()
    ws_filled = snap(S.FILLED, SIZE, Source.WS, venue_id="v1")
    assert t.apply(ws_filled) is True
    late = snap(S.OPEN, ZERO, Source.REST, venue_id="v1")

    assert t.apply(late) is False

    assert t.state is S.FILLED
    assert t.filled == SIZE
    assert len(t.anomalies) == 1
    assert t.anomalies[0].kind in (AnomalyKind.FILLED_REGRESSION, AnomalyKind.ILLEGAL_TRANSITION)
    assert t.anomalies[0].source is Source.REST
    assert t.views[Source.REST] is late
    assert t.views[Source.WS] is ws_filled


def test_out_of_order_partials_second_is_refused() -> None:
    t = make_tracker(size=D("1"))
    t.mark_submitting()
    assert t.apply(snap(S.PARTIALLY_FILLED, D("0.6"))) is True
    assert t.apply(snap(S.PARTIALLY_FILLED, D("0.3"))) is False
    assert t.filled == D("0.6")
    assert t.state is S.PARTIALLY_FILLED
    assert [a.kind for a in t.anomalies] == [AnomalyKind.FILLED_REGRESSION]


def test_partial_progress_is_applied() -> None:
    t = make_tracker(size=D("1"))
    t.mark_submitting()
    t.apply(snap(S.PARTIALLY_FILLED, D("0.3")))
    assert t.apply(snap(S.PARTIALLY_FILLED, D("0.6"))) is True
    assert [e.filled for e in t.history if e.state is S.PARTIALLY_FILLED] == [D("0.3"), D("0.6")]
    assert t.remaining == D("0.4")


# -- (e) fills and filled-quantity rules --------------------------------------------------------


def test_fills_are_deduplicated_by_trade_id() -> None:
    t = make_tracker()
    t.mark_submitting()
    assert t.apply_fill(fill("t1", "0.5")) is True
    assert t.apply_fill(fill("t1", "0.5", Source.REST)) is False
    assert t.filled == D("0.5")
    assert list(t.fills) == ["t1"]
    assert t.duplicates == 1
    assert t.anomalies == []


def test_fills_raise_filled_monotonically_and_add_up_when_terminal() -> None:
    t = make_tracker()
    t.mark_submitting()
    seen = []
    for trade_id, size in [("t1", "0.5"), ("t2", "0.25"), ("t3", "1.25")]:
        assert t.apply_fill(fill(trade_id, size)) is True
        seen.append((t.state, t.filled))
    assert seen == [
        (S.PARTIALLY_FILLED, D("0.5")),
        (S.PARTIALLY_FILLED, D("0.75")),
        (S.FILLED, D("2")),
    ]
    assert t.is_terminal
    assert t.fills_total == t.filled == SIZE
    assert t.fills_consistent is True
    assert t.avg_fill_price == D("100")
    assert t.anomalies == []


def test_fill_over_the_size_is_refused_and_not_stored() -> None:
    t = make_tracker()
    t.mark_submitting()
    t.apply_fill(fill("t1", "1.5"))
    assert t.apply_fill(fill("t2", "1.0")) is False
    assert "t2" not in t.fills
    assert t.filled == D("1.5")
    assert t.state is S.PARTIALLY_FILLED
    assert [a.kind for a in t.anomalies] == [AnomalyKind.OVERFILL]


def test_fill_racing_a_cancel_fills_the_order() -> None:
    t = drive_to(S.CANCELLING)
    assert t.apply_fill(fill("t1", "2")) is True
    assert t.state is S.FILLED
    assert t.filled == SIZE
    assert (t.history[-1].previous, t.history[-1].state) == (S.CANCELLING, S.FILLED)
    assert t.anomalies == []


def test_fill_after_a_snapshot_counted_it_is_not_double_counted() -> None:
    t = make_tracker()
    t.mark_submitting()
    t.apply(snap(S.PARTIALLY_FILLED, D("1")))
    history_len = len(t.history)

    assert t.apply_fill(fill("t1", "1")) is True  # stored ...
    assert t.filled == D("1")  # ... but not added on top of the snapshot
    assert len(t.history) == history_len
    assert t.state is S.PARTIALLY_FILLED

    t.apply(snap(S.FILLED, SIZE))
    t.apply_fill(fill("t2", "1"))
    assert t.filled == SIZE
    assert t.fills_total == SIZE
    assert t.fills_consistent is True
    assert t.anomalies == []


def test_fills_short_of_a_filled_snapshot_are_inconsistent_until_all_arrive() -> None:
    t = make_tracker()
    t.mark_submitting()
    t.apply(snap(S.FILLED, SIZE))
    t.apply_fill(fill("t1", "0.5"))
    assert t.fills_consistent is False
    t.apply_fill(fill("t2", "1.5"))
    assert t.fills_consistent is True


def test_fill_for_another_order_is_refused() -> None:
    t = drive_to(S.OPEN)
    assert t.apply_fill(fill("t1", "1", client_id="other")) is False
    assert t.fills == {}
    assert t.filled == ZERO
    assert [a.kind for a in t.anomalies] == [AnomalyKind.WRONG_ORDER]


def test_snapshot_filled_over_the_size_is_overfill() -> None:
    t = drive_to(S.OPEN)
    assert t.apply(snap(S.PARTIALLY_FILLED, D("2.5"))) is False
    assert t.state is S.OPEN and t.filled == ZERO
    assert [a.kind for a in t.anomalies] == [AnomalyKind.OVERFILL]


@pytest.mark.parametrize("filled", ["0.5", "1.999"])
def test_filled_snapshot_short_of_the_size_is_inconsistent(filled: str) -> None:
    t = drive_to(S.OPEN)
    assert t.apply(snap(S.FILLED, D(filled))) is False
    assert t.state is S.OPEN and t.filled == ZERO
    assert [a.kind for a in t.anomalies] == [AnomalyKind.INCONSISTENT]


def test_failed_snapshot_with_fills_is_refused() -> None:
    t = make_tracker()
    t.mark_submitting()  # SUBMITTING → FAILED is legal, but not with a fill
    assert t.apply(snap(S.FAILED, D("0.5"))) is False
    assert t.state is S.SUBMITTING and t.filled == ZERO
    assert [a.kind for a in t.anomalies] == [AnomalyKind.INCONSISTENT]


def test_mark_failed_after_a_fill_is_refused() -> None:
    t = drive_to(S.PARTIALLY_FILLED)
    assert t.mark_failed("rejected") is False
    assert t.state is S.PARTIALLY_FILLED
    assert t.reason == ""
    assert [a.kind for a in t.anomalies] == [AnomalyKind.INCONSISTENT]


def test_open_snapshot_while_cancelling_is_a_no_op() -> None:
    t = drive_to(S.CANCELLING)
    history = list(t.history)
    assert t.apply(snap(S.OPEN, ZERO, Source.REST)) is False
    assert t.state is S.CANCELLING
    assert t.anomalies == []
    assert t.history == history
    assert t.duplicates == 1


def test_unchanged_partial_snapshot_while_cancelling_is_a_no_op() -> None:
    t = drive_to(S.PARTIALLY_FILLED)
    t.mark_cancelling()
    history = list(t.history)
    assert t.apply(snap(S.PARTIALLY_FILLED, HALF, Source.REST)) is False
    assert t.state is S.CANCELLING
    assert t.history == history
    assert t.anomalies == []


def test_open_snapshot_with_a_partial_fill_becomes_partially_filled() -> None:
    t = make_tracker()
    t.mark_submitting()
    assert t.apply(snap(S.OPEN, D("0.5"))) is True
    assert t.state is S.PARTIALLY_FILLED
    assert t.filled == D("0.5")
    assert t.anomalies == []


def test_snapshot_for_another_client_id_is_wrong_order() -> None:
    t = make_tracker()
    t.mark_submitting()
    assert t.apply(snap(S.OPEN, client_id="c2")) is False
    assert t.state is S.SUBMITTING
    assert [a.kind for a in t.anomalies] == [AnomalyKind.WRONG_ORDER]


def test_venue_id_learned_from_first_snapshot_and_a_different_one_refused() -> None:
    t = make_tracker()
    t.mark_submitting()
    assert t.venue_id is None
    t.apply(snap(S.OPEN, venue_id="v-1"))
    assert t.venue_id == "v-1"

    assert t.apply(snap(S.FILLED, SIZE, venue_id="v-2")) is False
    assert t.venue_id == "v-1"
    assert t.state is S.OPEN
    assert [a.kind for a in t.anomalies] == [AnomalyKind.WRONG_ORDER]

    assert t.apply(snap(S.FILLED, SIZE, venue_id="v-1")) is True
    assert t.state is S.FILLED


# -- (f) history --------------------------------------------------------------------------------


class ScriptedClock:
    """monotonic() returns the scripted values in order (repeating the last one)."""

    def __init__(self, values: list[float]) -> None:
        self._values = list(values)

    def monotonic(self) -> float:
        return self._values.pop(0) if len(self._values) > 1 else self._values[0]

    def time(self) -> float:
        return 1_767_225_600.0


def test_history_times_never_decrease_when_the_clock_goes_backwards() -> None:
    clock = ScriptedClock([10.0, 9.0, 8.0, 7.0, 6.0, 5.0])
    t = make_tracker(clock=clock)
    t.mark_submitting()
    t.apply(snap(S.OPEN))
    t.apply(snap(S.OPEN, D("5")))  # overfill: an anomaly stamped with the clock too
    t.apply(snap(S.PARTIALLY_FILLED, D("1")))
    t.apply(snap(S.FILLED, SIZE))
    assert [e.at for e in t.history] == [10.0] * 5
    assert [a.at for a in t.anomalies] == [10.0]


def test_history_times_follow_the_clock_when_it_moves_forward_and_hold_when_it_jumps_back() -> None:
    clock = ScriptedClock([1.0, 5.0, 3.0, 7.0, 2.0])
    t = make_tracker(clock=clock)
    t.mark_submitting()
    t.apply(snap(S.OPEN))
    t.apply(snap(S.PARTIALLY_FILLED, D("1")))
    t.apply(snap(S.FILLED, SIZE))
    assert [e.at for e in t.history] == [1.0, 5.0, 5.0, 7.0, 7.0]


def test_history_entries_carry_source_previous_and_new_state() -> None:
    t = make_tracker()
    t.mark_submitting()
    t.apply(snap(S.OPEN, source=Source.REST))
    t.apply_fill(fill("t1", "0.5", Source.WS))
    t.mark_cancelling()
    t.apply(snap(S.CANCELLED, D("0.5"), Source.WS, reason="user"))
    assert [(e.source, e.previous, e.state, e.filled) for e in t.history] == [
        (Source.LOCAL, S.NEW, S.NEW, ZERO),
        (Source.LOCAL, S.NEW, S.SUBMITTING, ZERO),
        (Source.REST, S.SUBMITTING, S.OPEN, ZERO),
        (Source.WS, S.OPEN, S.PARTIALLY_FILLED, D("0.5")),
        (Source.LOCAL, S.PARTIALLY_FILLED, S.CANCELLING, D("0.5")),
        (Source.WS, S.CANCELLING, S.CANCELLED, D("0.5")),
    ]
    assert t.reason == "user"
    assert t.fills_consistent is True
    assert t.first_time(S.CANCELLED) == t.history[-1].at
    assert t.first_time(S.FAILED) is None


# -- (g) waiting --------------------------------------------------------------------------------


async def test_wait_final_returns_when_a_later_update_makes_it_terminal() -> None:
    t = drive_to(S.OPEN)
    asyncio.get_running_loop().call_soon(t.apply, snap(S.FILLED, SIZE))
    result = await asyncio.wait_for(t.wait_final(1.0), 2.0)
    assert result is t
    assert t.state is S.FILLED


async def test_wait_final_times_out_with_wait_timeout_and_leaves_the_order_alone() -> None:
    t = drive_to(S.SUBMITTING)
    history = list(t.history)
    with pytest.raises(WaitTimeout) as info:
        await asyncio.wait_for(t.wait_final(0.05), 2.0)
    assert isinstance(info.value, TimeoutError)
    assert t.state is S.SUBMITTING
    assert t.history == history
    assert t.anomalies == []


async def test_wait_final_timeout_is_a_timeout_error() -> None:
    t = drive_to(S.OPEN)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(t.wait_final(0.02), 2.0)


async def test_wait_for_predicate_waits_until_it_holds() -> None:
    t = drive_to(S.OPEN)
    evaluated = asyncio.Event()
    seen: list[D] = []

    def enough(tr: OrderTracker) -> bool:
        seen.append(tr.filled)
        evaluated.set()
        return tr.filled >= D("1.5")

    task = asyncio.create_task(t.wait_for(enough, 2.0))
    await asyncio.wait_for(evaluated.wait(), 1)

    evaluated.clear()
    t.apply(snap(S.PARTIALLY_FILLED, D("1")))
    await asyncio.wait_for(evaluated.wait(), 1)  # re-evaluated with 1 and still waiting
    assert not task.done()

    t.apply(snap(S.PARTIALLY_FILLED, D("1.5")))
    result = await asyncio.wait_for(task, 1)
    assert result is t
    assert seen == [ZERO, D("1"), D("1.5")]


async def test_async_iteration_yields_whole_history_and_stops_after_terminal() -> None:
    t = make_tracker()
    t.mark_submitting()
    loop = asyncio.get_running_loop()

    async def collect() -> list[HistoryEntry]:
        entries = []
        async for entry in t:
            entries.append(entry)
            if entry.state is S.SUBMITTING:
                t.apply(snap(S.OPEN))  # applied from inside the loop body
            elif entry.state is S.OPEN:
                loop.call_soon(t.apply, snap(S.PARTIALLY_FILLED, HALF))  # the iterator must wait for it
            elif entry.state is S.PARTIALLY_FILLED:
                loop.call_soon(t.apply, snap(S.FILLED, SIZE))
        return entries

    entries = await asyncio.wait_for(collect(), 1)
    assert [e.state for e in entries] == [S.NEW, S.SUBMITTING, S.OPEN, S.PARTIALLY_FILLED, S.FILLED]
    assert entries == t.history


async def test_async_iteration_of_a_terminal_order_replays_and_stops() -> None:
    t = drive_to(S.CANCELLED)
    entries = await asyncio.wait_for(_collect(t), 1)
    assert [e.state for e in entries] == [S.NEW, S.SUBMITTING, S.OPEN, S.CANCELLED]


async def _collect(t: OrderTracker) -> list[HistoryEntry]:
    return [entry async for entry in t]


def test_on_transition_called_once_per_applied_change_only() -> None:
    t = make_tracker()
    calls: list[tuple[OrderState, OrderState, D]] = []

    def listener(tracker: OrderTracker, entry: HistoryEntry) -> None:
        assert tracker is t
        assert tracker.history[-1] is entry
        calls.append((entry.previous, entry.state, entry.filled))

    t.on_transition(listener)
    steps: list[Callable[[], bool]] = [
        t.mark_submitting,  # applied
        t.mark_submitting,  # refused (SUBMITTING → SUBMITTING is not an edge)
        lambda: t.apply(snap(S.OPEN)),  # applied
        lambda: t.apply(snap(S.OPEN)),  # duplicate
        lambda: t.apply(snap(S.PARTIALLY_FILLED, D("1"))),  # applied
        lambda: t.apply(snap(S.PARTIALLY_FILLED, D("0.5"))),  # regression, refused
        lambda: t.apply_fill(fill("t1", "1")),  # already counted: no change
        lambda: t.apply(snap(S.FILLED, SIZE)),  # applied
        lambda: t.apply(snap(S.CANCELLED, SIZE)),  # terminal → terminal, refused
    ]
    results = [step() for step in steps]
    del results[6]  # storing an already-counted fill: its return value is not a state change either way
    assert results == [True, False, True, False, True, False, True, False]
    assert calls == [
        (S.NEW, S.SUBMITTING, ZERO),
        (S.SUBMITTING, S.OPEN, ZERO),
        (S.OPEN, S.PARTIALLY_FILLED, D("1")),
        (S.PARTIALLY_FILLED, S.FILLED, SIZE),
    ]
    assert len(t.anomalies) == 3


@pytest.mark.parametrize(
    ("path", "late", "kind"),
    [
        ([S.OPEN, S.CANCELLED], snap(S.OPEN), AnomalyKind.STALE_UPDATE),
        ([S.OPEN], snap(S.SUBMITTING), AnomalyKind.STALE_UPDATE),
        ([S.FILLED], snap(S.OPEN), AnomalyKind.FILLED_REGRESSION),
        ([S.FILLED], snap(S.CANCELLED, SIZE), AnomalyKind.ILLEGAL_TRANSITION),
        ([S.OPEN, S.CANCELLED], snap(S.FILLED, SIZE), AnomalyKind.ILLEGAL_TRANSITION),
    ],
    ids=[
        "open-after-cancelled",
        "submitting-after-open",
        "open-after-filled",
        "cancelled-after-filled",
        "filled-after-cancelled",
    ],
)
def test_late_updates_are_stale_and_contradictions_are_not(path: list, late: OrderSnapshot, kind: AnomalyKind) -> None:
    t = make_tracker()
    t.mark_submitting()
    for state in path:
        t.apply(snap(state, SIZE if state is S.FILLED else ZERO))
    before = t.state
    assert not t.apply(late)
    assert t.state is before
    [anomaly] = t.anomalies
    assert anomaly.kind is kind
    assert anomaly.stale is (kind in (AnomalyKind.STALE_UPDATE, AnomalyKind.FILLED_REGRESSION))
