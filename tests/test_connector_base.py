"""BaseConnector behaviour over the fake venue: outcome policy, cancel confirmation, streams."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fake_venue import SYMBOL, FakeConnector, FakeVenue
from xtb.connectors.client_ids import ClientIdGenerator
from xtb.connectors.config import ConnectorConfig, ReconnectPolicy
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    CancelNotConfirmed,
    ConfigError,
    ConnectionLost,
    InvalidOrder,
    PostOnlyWouldCross,
    VenueRejected,
    WaitTimeout,
)
from xtb.events import ConnectionState, Event, EventKind
from xtb.model import OrderSnapshot, OrderState, Side, Source

D = Decimal
ROOT = Path(__file__).resolve().parents[1]


async def test_limit_order_is_acknowledged_then_updated_by_the_stream(
    connector: FakeConnector, venue: FakeVenue
) -> None:
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    assert tracker.state is OrderState.OPEN
    assert tracker.venue_id is not None
    assert connector.orders.find(venue_id=tracker.venue_id) is tracker
    venue.fill(tracker.venue_id, D("0.04"))
    await tracker.wait_for(lambda t: t.filled == D("0.04"), 1)
    assert tracker.state is OrderState.PARTIALLY_FILLED
    assert tracker.views[Source.WS].filled == D("0.04")
    assert tracker.views[Source.REST].filled == 0  # the ack; REST and WS are kept apart


async def test_order_breaking_market_rules_fails_locally(connector: FakeConnector, venue: FakeVenue) -> None:
    with pytest.raises(InvalidOrder, match="not a multiple of tick") as caught:
        await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99.3"))
    assert caught.value.tracker.state is OrderState.FAILED
    assert venue.calls == []


async def test_definitive_rejection_marks_failed(connector: FakeConnector, venue: FakeVenue) -> None:
    with pytest.raises(PostOnlyWouldCross) as caught:
        await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("101"))
    tracker = caught.value.tracker
    assert tracker.state is OrderState.FAILED
    assert "immediately match" in tracker.reason


async def test_lost_submit_response_is_settled_by_client_id(connector: FakeConnector, venue: FakeVenue) -> None:
    venue.submit_faults.append("lost_response")
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    assert tracker.state is OrderState.OPEN
    assert f"query {tracker.client_id}" in venue.calls
    assert len(venue.orders) == 1


async def test_unsettled_submit_stays_submitting_never_failed(connector: FakeConnector, venue: FakeVenue) -> None:
    venue.submit_faults.append("not_applied")
    with pytest.raises(AmbiguousOutcome, match="left SUBMITTING") as caught:
        await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    tracker = caught.value.tracker
    assert tracker.state is OrderState.SUBMITTING
    assert sum(c == f"query {tracker.client_id}" for c in venue.calls) >= 2
    assert connector.orders.find(tracker.client_id) is tracker  # still tracked for reconciliation


async def test_rate_limited_submit_waits_and_retries_once_absent(connector: FakeConnector, venue: FakeVenue) -> None:
    venue.submit_faults.append("rate_limited")
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    assert tracker.state is OrderState.OPEN
    submits = [c for c in venue.calls if c.startswith("submit")]
    assert submits == [f"submit {tracker.client_id}"] * 2  # same client id, not a new order
    assert venue.calls.index(f"query {tracker.client_id}") < len(venue.calls) - 1


async def test_cancel_is_confirmed(connector: FakeConnector, venue: FakeVenue) -> None:
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    await connector.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED
    assert [e.state for e in tracker.history] == [
        OrderState.NEW,
        OrderState.SUBMITTING,
        OrderState.OPEN,
        OrderState.CANCELLING,
        OrderState.CANCELLED,
    ]


async def test_cancel_with_lost_response_is_confirmed_by_the_stream(connector: FakeConnector, venue: FakeVenue) -> None:
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    venue.cancel_faults.append("lost_response")
    await connector.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED


async def test_cancel_that_never_lands_raises(connector: FakeConnector, venue: FakeVenue) -> None:
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    venue.cancel_faults.append("ignore")
    with pytest.raises(CancelNotConfirmed, match="still cancelling"):
        await connector.cancel_order(tracker, wait=0.1)
    assert f"query {tracker.client_id}" in venue.calls  # asked the venue before giving up
    assert not any(c.startswith("cancel_all") for c in venue.calls)


async def test_a_cancel_answered_not_found_is_settled_by_one_query_not_a_wait(
    connector: FakeConnector, venue: FakeVenue
) -> None:
    """The order filled just before the cancel and its stream messages are lost: the cancel's "no
    such open order" is followed at once by a query, which finds it FILLED — no waiting out the
    cancel's confirmation time for a final state the stream will never send."""
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    await tracker.wait_for(lambda t: Source.WS in t.views, 1)
    venue.drop_stream_kinds = {"fill", "order", "position"}
    venue.cancel_faults.append("fill_first")
    async with asyncio.timeout(5):  # far less than the 60 s the cancel may take to be confirmed
        await connector.cancel_order(tracker, wait=60)
    assert tracker.state is OrderState.FILLED and tracker.filled == D("0.1")
    after_cancel = venue.calls[venue.calls.index(f"cancel {tracker.client_id}") + 1 :]
    assert f"query {tracker.client_id}" in after_cancel, "the fill was learnt by asking the venue"


async def test_a_phantom_unknown_to_cancel_and_query_fails_at_once(connector: FakeConnector, venue: FakeVenue) -> None:
    """Never acknowledged, unknown to the cancel and to the query by client id: absence is proven."""
    phantom = connector.adopt(
        OrderSnapshot(SYMBOL, OrderState.SUBMITTING, Source.LOCAL, client_id="42", side=Side.BUY, size=D("0.1"))
    )
    async with asyncio.timeout(5):
        await connector.cancel_order(phantom, wait=60)
    assert phantom.state is OrderState.FAILED


async def test_cancel_refused_returns_to_live(connector: FakeConnector, venue: FakeVenue) -> None:
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))

    async def refuse(_: object) -> None:
        raise VenueRejected("order is locked", code="LOCKED")

    connector._cancel = refuse  # type: ignore[method-assign]
    with pytest.raises(VenueRejected):
        await connector.cancel_order(tracker)
    assert tracker.state is OrderState.OPEN


async def test_stream_drop_reconnects_and_reconciles_a_missed_fill(venue: FakeVenue) -> None:
    connector = FakeConnector(venue)
    events: list[Event] = []
    await connector.start()
    try:
        connector.bus.subscribe(events.append, [EventKind.CONNECTION])
        tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
        await tracker.wait_for(lambda t: Source.WS in t.views, 1)
        venue.disconnect()
        venue.drop_stream_kinds = {"fill", "order", "position"}  # the fill happens while we are away
        venue.fill(tracker.venue_id)
        venue.drop_stream_kinds = set()
        await tracker.wait_final(2)
        assert tracker.state is OrderState.FILLED
        assert tracker.views[Source.REST].state is OrderState.FILLED  # learned from REST reconciliation
        assert await connector.reconciled.wait(0, 2), "no reconciliation completed"
        assert connector.reconcile_count == 1
        assert connector.stream_errors == ["private: ConnectionResetError: venue closed the stream"]
        assert connector.positions_rest[SYMBOL].size == D("0.1")
        await connector.bus.drain()
        states = [e.payload.state for e in events]
        assert ConnectionState.DISCONNECTED in states
        assert states[-1] is ConnectionState.CONNECTED
    finally:
        await connector.stop()


async def test_stream_auth_failure_is_fatal_and_loud(venue: FakeVenue) -> None:
    venue.stream_auth_fails = True
    connector = FakeConnector(venue)
    with pytest.raises(AuthError, match="stream login refused"):
        await connector.start()
    with pytest.raises(AuthError):
        connector.health()


async def test_start_fails_when_streams_never_come_up(venue: FakeVenue) -> None:
    connector = FakeConnector(venue, start_timeout=0.2, reconnect=ReconnectPolicy(initial=0.01, maximum=0.02))

    async def broken(name: str, ready: object) -> None:
        raise ConnectionRefusedError("nothing listens")

    connector._run_stream = broken  # type: ignore[method-assign]
    with pytest.raises(ConnectionLost, match="nothing listens"):
        await connector.start()
    assert len(connector.stream_errors) >= 2  # it kept trying, with backoff, and said why


def test_reconnect_backoff_grows_and_is_capped() -> None:
    import random

    policy = ReconnectPolicy(initial=0.1, maximum=1.0, factor=2.0, jitter=0.2)
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(1, 8)]
    for n, delay in enumerate(delays, start=1):
        base = min(1.0, 0.1 * 2 ** (n - 1))
        assert base * 0.8 <= delay <= base * 1.2
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered


async def test_order_events_reach_the_bus(connector: FakeConnector, venue: FakeVenue) -> None:
    seen: list[OrderState] = []
    connector.bus.subscribe(lambda e: seen.append(e.payload[1].state), [EventKind.ORDER])
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    await connector.cancel_order(tracker)
    await connector.bus.drain()
    assert seen == [OrderState.SUBMITTING, OrderState.OPEN, OrderState.CANCELLING, OrderState.CANCELLED]


DEBUG_SCRIPT = """
import asyncio
from decimal import Decimal
from tests.fake_venue import SYMBOL, FakeConnector, FakeVenue
from xtb.model import Side

async def main():
    conn = FakeConnector(FakeVenue())
    await conn.start()
    tracker = await conn.submit_limit_order(SYMBOL, Side.BUY, Decimal("0.1"), Decimal("99"))
    await conn.cancel_order(tracker)
    await conn.stop()

asyncio.run(main())
"""


@pytest.mark.parametrize("debug", ["1", ""])
def test_xtb_debug_makes_transition_lines_appear(debug: str) -> None:
    env = {**os.environ, "XTB_DEBUG": debug, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", DEBUG_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "order transition" in line]
    if debug:
        assert any("open -> cancelling" in line for line in lines), proc.stderr
        assert any("cancelling -> cancelled" in line for line in lines)
    else:
        assert lines == []


async def test_debug_flag_in_config_enables_logging(venue: FakeVenue, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    logging.getLogger("xtb").setLevel(logging.WARNING)
    connector = FakeConnector(venue, debug=True)
    await connector.start()
    try:
        tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
        assert f"cid={tracker.client_id}" in caplog.text
        assert "submitting -> open" in caplog.text
    finally:
        await connector.stop()
        logging.getLogger("xtb").setLevel(logging.NOTSET)


async def test_stop_is_idempotent(venue: FakeVenue) -> None:
    connector = FakeConnector(venue)
    await connector.start()
    await connector.stop()
    await connector.stop()
    assert all(task.done() for task in connector._stream_tasks.values())


async def test_periodic_reconcile_finds_a_lost_fill_without_a_reconnect(venue: FakeVenue) -> None:
    connector = FakeConnector(venue, reconcile_interval=0.1)
    await connector.start()
    try:
        tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
        await tracker.wait_for(lambda t: Source.WS in t.views, 1)
        venue.drop_stream_kinds = {"fill", "order", "position"}  # the fill's messages are lost
        venue.fill(tracker.venue_id)
        await tracker.wait_final(1)
        assert tracker.state is OrderState.FILLED and tracker.filled == D("0.1")
        assert tracker.views[Source.REST].state is OrderState.FILLED
        assert connector.reconcile_count == 0, "found by the periodic read, not by a reconnect"
        assert connector.stream_errors == []
    finally:
        await connector.stop()


async def test_without_a_reconcile_interval_a_lost_fill_stays_unseen(
    connector: FakeConnector, venue: FakeVenue
) -> None:
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    await tracker.wait_for(lambda t: Source.WS in t.views, 1)
    venue.drop_stream_kinds = {"fill", "order", "position"}
    venue.fill(tracker.venue_id)
    with pytest.raises(WaitTimeout):
        await tracker.wait_final(0.3)
    assert tracker.state is OrderState.OPEN


async def test_a_restarted_connector_adopts_this_runs_open_orders_only(venue: FakeVenue) -> None:
    ids = ClientIdGenerator(FakeConnector.client_id_policy)
    first = FakeConnector(venue, client_ids=ids)
    other = FakeConnector(venue)  # another run: its own id generator and run tag
    await first.start()
    await other.start()
    try:
        ours = await first.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
        theirs = await other.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("98"))
    finally:
        await first.stop()
        await other.stop()
    restarted = FakeConnector(venue, client_ids=ids)
    await restarted.start()
    try:
        adopted = restarted.orders.find(ours.client_id, ours.venue_id)
        assert adopted is not None and adopted.state is OrderState.OPEN
        assert adopted.size == D("0.1") and adopted.request.price == D("99")
        assert restarted.orders.find(theirs.client_id, theirs.venue_id) is None
        assert theirs.venue_id in restarted.foreign_orders
        await restarted.cancel_order(adopted)
        assert adopted.state is OrderState.CANCELLED
        assert [o.request.client_id for o in venue.resting()] == [theirs.client_id]
    finally:
        await restarted.stop()


async def test_the_http_session_never_replays_a_request_on_its_own(connector: FakeConnector) -> None:
    # a request whose answer was lost is the connector's to settle, never silently re-sent
    assert connector.http.session._retry_connection is False


def test_reconcile_interval_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="reconcile_interval must be positive"):
        ConnectorConfig(venue="fake", rest_url="http://x", ws_url="ws://x", reconcile_interval=0)


async def test_reconcile_lists_open_orders_per_symbol_never_all_symbols_at_once(venue: FakeVenue) -> None:
    # an all-symbol list weighs 40 on Aster (1 per symbol) and is one request per market on Lighter
    connector = FakeConnector(venue, symbols=(SYMBOL,))
    asked: list[str | None] = []
    fetch = connector._fetch_open_orders

    async def recording(symbol: str | None) -> list:  # type: ignore[type-arg]
        asked.append(symbol)
        return await fetch(symbol)

    connector._fetch_open_orders = recording  # type: ignore[method-assign]
    await connector.start()
    try:
        await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
        asked.clear()
        await connector.reconcile()
        assert asked == [SYMBOL]
    finally:
        await connector.stop()
    bare = FakeConnector(venue)  # no symbols configured and no live order: only the all-symbol form is left
    bare._fetch_open_orders = recording  # type: ignore[method-assign]
    await bare.start()
    try:
        asked.clear()
        await bare.reconcile()
        assert asked == [None]
    finally:
        await bare.stop()


async def test_a_lost_fill_is_recovered_by_the_rest_read_that_finds_it(venue: FakeVenue) -> None:
    """The periodic REST read that finds the order filled also brings the lost execution back,
    with the venue's trade id, so the fills add up to the filled size."""
    connector = FakeConnector(venue, reconcile_interval=0.1)
    await connector.start()
    try:
        tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
        await tracker.wait_for(lambda t: Source.WS in t.views, 1)
        venue.drop_stream_kinds = {"fill", "order", "position"}
        lost = venue.fill(tracker.venue_id)
        await tracker.wait_for(lambda t: t.fills_total == D("0.1"), 1)
        assert list(tracker.fills) == [lost.trade_id]
        assert tracker.fills[lost.trade_id].source is Source.REST
        assert tracker.state is OrderState.FILLED and tracker.fills_consistent
    finally:
        await connector.stop()


async def test_a_fill_recovered_over_rest_and_then_streamed_counts_once(
    connector: FakeConnector, venue: FakeVenue
) -> None:
    trades: list[Event] = []
    connector.bus.subscribe(trades.append, [EventKind.TRADE])
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    await tracker.wait_for(lambda t: Source.WS in t.views, 1)
    venue.drop_stream_kinds = {"fill"}
    fill = venue.fill(tracker.venue_id, D("0.04"))
    await tracker.wait_for(lambda t: t.filled == D("0.04"), 1)  # the order message says so
    await connector.refresh_order(tracker)
    assert tracker.fills_total == D("0.04") and venue.fill_history_reads == 1
    connector._on_fill(fill)  # the stream's copy, late
    assert tracker.fills_total == D("0.04") and list(tracker.fills) == [fill.trade_id]
    await connector.refresh_order(tracker)
    assert venue.fill_history_reads == 1, "fills already add up: no further history read"
    await connector.bus.drain()
    assert [e.payload.trade_id for e in trades] == [fill.trade_id], "one execution, one trade event"


async def test_an_order_resting_on_the_venue_but_held_finished_is_tracked_afresh(
    connector: FakeConnector, venue: FakeVenue
) -> None:
    """The venue's list is the truth: cleanup can cancel an order the connector wrongly finished,
    and the disagreement is kept."""
    tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    await tracker.wait_for(lambda t: Source.WS in t.views, 1)
    tracker.mark_failed("a misread answer")  # the connector's bug: the order still rests
    (listed,) = await connector.get_open_orders(SYMBOL)
    fresh = connector.track_listed(listed)
    assert fresh is not tracker and fresh.state is OrderState.OPEN
    assert connector.orders.find(tracker.client_id) is fresh
    assert connector.disagreements == [
        f"the venue lists order {tracker.client_id} open (open) while the connector holds it failed"
    ]
    await connector.cancel_order(fresh)
    assert fresh.state is OrderState.CANCELLED and venue.resting() == []
