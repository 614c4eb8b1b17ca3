"""place_tracking_limit_order against the in-memory fake venue: the chase rules of DESIGN §4."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.fake_venue import MARKET, SYMBOL, FakeConnector, FakeVenue
from xtb.config.venue_file import parse_venue_config
from xtb.errors import ConfigError, InvalidOrder, TrackingLimitTimeout
from xtb.execution.handles import AttemptOutcome, TrackingLimitOrder, TrackingStatus
from xtb.execution.tracking_limit import (
    RemainderPolicy,
    TrackingSettings,
    place_tracking_limit_order,
    quote_price,
    start_tracking_limit_order,
)
from xtb.model import ZERO, OrderRequest, OrderSnapshot, OrderState, OrderType, Side, Source, TopOfBook
from xtb.orders.tracker import STALE_KINDS, OrderTracker

D = Decimal
SIZE = D("0.1")


def book(bid: str | None, ask: str | None) -> TopOfBook:
    return TopOfBook(SYMBOL, D(bid) if bid else None, D(1), D(ask) if ask else None, D(1), Source.WS, 0.0)


@pytest.mark.parametrize(
    ("side", "bid", "ask", "offset", "expected"),
    [
        (Side.BUY, "100", "101", 0, "100"),
        (Side.SELL, "100", "101", 0, "101"),
        (Side.BUY, "100", "101", 2, "99"),  # more passive: two ticks of 0.5 below the bid
        (Side.SELL, "100", "101", 2, "102"),
        (Side.BUY, "100", "101", -5, "100.5"),  # aggressive offset is clamped one tick inside the ask
        (Side.SELL, "100", "101", -5, "100.5"),
        (Side.BUY, "100", "100.5", -1, "100"),  # one-tick spread: never at the ask
    ],
)
def test_quote_price_never_crosses(side: Side, bid: str, ask: str, offset: int, expected: str) -> None:
    assert quote_price(MARKET, book(bid, ask), side, offset) == D(expected)


def test_quote_price_with_empty_side_is_none() -> None:
    assert quote_price(MARKET, book(None, "101"), Side.BUY, 0) is None


async def test_fills_at_the_touch(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    resting = await venue.wait_resting()
    assert resting.request.price == D("100")
    assert resting.request.post_only
    venue.fill(resting.venue_id)
    await order.wait_final(2)
    assert order.status is TrackingStatus.FILLED
    assert order.filled == SIZE
    assert [a.outcome for a in order.attempts] == [None] or order.attempts[0].tracker.state is OrderState.FILLED
    assert venue.position == SIZE
    attempt = order.attempts[0]
    assert attempt.submitted_at is not None and attempt.acked_at is not None and attempt.filled_at is not None
    assert attempt.submitted_at <= attempt.acked_at <= attempt.filled_at


async def test_reprices_when_the_touch_moves_away(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    first = await venue.wait_resting()
    venue.set_touch(D("100.5"), D("101.5"))
    second = await venue.wait_resting(exclude={first.venue_id})
    assert first.state is OrderState.CANCELLED
    assert second.request.price == D("100.5")
    venue.fill(second.venue_id)
    await order.wait_final(2)
    assert order.attempts[0].outcome is AttemptOutcome.REPRICED
    assert [a.price for a in order.attempts] == [D("100"), D("100.5")]
    assert order.filled == SIZE
    # the cancel was confirmed before the re-post went out
    assert venue.calls.index(f"cancel {first.request.client_id}") < venue.calls.index(
        f"submit {second.request.client_id}"
    )


async def test_does_not_chase_a_touch_that_moves_towards_it(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.SELL, SIZE, interval=0.3, timeout=5)
    first = await venue.wait_resting()
    venue.set_touch(D("100.5"), D("101.5"))  # the ask moved up: our 101 sell is now better than the touch
    second = await venue.wait_resting(exclude={first.venue_id})  # re-posted on the interval instead
    assert order.attempts[0].outcome is AttemptOutcome.INTERVAL
    assert second.request.price == D("101.5")
    venue.fill(second.venue_id)
    await order.wait_final(2)


async def test_partial_fill_then_reprice_posts_only_the_remainder(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    first = await venue.wait_resting()
    venue.fill(first.venue_id, D("0.03"))
    await order.attempts[0].tracker.wait_for(lambda t: t.filled == D("0.03"), 1)
    venue.set_touch(D("101"), D("102"))
    second = await venue.wait_resting(exclude={first.venue_id})
    assert second.request.size == D("0.07")
    venue.fill(second.venue_id)
    await order.wait_final(2)
    assert order.filled == SIZE
    assert venue.position == SIZE
    assert [a.filled for a in order.attempts] == [D("0.03"), D("0.07")]


async def test_fill_racing_the_cancel_is_counted_once(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    first = await venue.wait_resting()
    venue.cancel_faults.append("fill_half_first")  # the venue fills half just before our cancel lands
    venue.set_touch(D("101"), D("102"))
    second = await venue.wait_resting(exclude={first.venue_id})
    assert first.filled == D("0.05") and first.state is OrderState.CANCELLED
    assert second.request.size == D("0.05")
    venue.fill(second.venue_id)
    await order.wait_final(2)
    assert order.filled == SIZE
    assert venue.position == SIZE  # never over-filled


async def test_fill_completing_during_the_cancel_ends_the_chase(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    first = await venue.wait_resting()
    venue.cancel_faults.append("fill_first")
    venue.set_touch(D("101"), D("102"))
    await order.wait_final(2)
    assert order.status is TrackingStatus.FILLED
    assert len(order.attempts) == 1
    assert order.attempts[0].tracker.state is OrderState.FILLED
    assert order.attempts[0].tracker.fills_consistent
    assert venue.position == SIZE
    assert first.state is OrderState.FILLED


async def test_post_only_rejection_backs_off_and_rereads_the_book(connector: FakeConnector, venue: FakeVenue) -> None:
    # The stream's book is stale (ask shown at 101) while the venue's ask is already 100:
    # the first post at 100 crosses and is refused; the chase re-reads the book and tries again.
    venue.ask = D("100")
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5, backoff_initial=0.01)
    await venue.wait_calls(lambda calls: any(c.startswith("submit") for c in calls))
    venue.set_touch(D("99.5"), D("100"))  # the stream catches up
    resting = await venue.wait_resting()
    assert resting.request.price == D("99.5")
    venue.fill(resting.venue_id)
    await order.wait_final(2)
    assert order.attempts[0].outcome is AttemptOutcome.POST_ONLY_REJECTED
    assert order.attempts[0].tracker.state is OrderState.FAILED
    assert order.filled == SIZE


async def test_post_only_cancelled_by_venue_is_retried(connector: FakeConnector, venue: FakeVenue) -> None:
    venue.post_only_cross = "cancel"  # Lighter-style: accepted, then cancelled
    venue.ask = D("100")
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5, backoff_initial=0.01)
    await venue.wait_calls(lambda calls: any(c.startswith("submit") for c in calls))
    venue.set_touch(D("99.5"), D("100"))
    resting = await venue.wait_resting()
    venue.fill(resting.venue_id)
    await order.wait_final(2)
    assert order.attempts[0].outcome is AttemptOutcome.POST_ONLY_REJECTED
    assert order.attempts[0].tracker.state is OrderState.CANCELLED
    assert order.filled == SIZE


async def test_timeout_cancels_and_reports_the_attempts(connector: FakeConnector, venue: FakeVenue) -> None:
    with pytest.raises(TrackingLimitTimeout) as caught:
        await place_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=0.1, timeout=0.35)
    attempts = caught.value.attempts
    assert len(attempts) >= 2
    assert caught.value.filled == 0
    assert all(a.tracker.state is OrderState.CANCELLED for a in attempts)
    assert attempts[-1].outcome is AttemptOutcome.TIMED_OUT
    assert all(a.outcome is AttemptOutcome.INTERVAL for a in attempts[:-1])
    assert venue.resting() == []  # nothing left behind
    assert all(a.cancel_sent_at is not None for a in attempts)


async def test_updates_stream_every_attempt(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    seen: list[tuple[int, OrderState]] = []

    async def consume() -> None:
        async for update in order.updates():
            seen.append((update.attempt, update.entry.state))

    consumer = asyncio.create_task(consume())
    first = await venue.wait_resting()
    venue.set_touch(D("100.5"), D("101.5"))
    second = await venue.wait_resting(exclude={first.venue_id})
    venue.fill(second.venue_id)
    await order.wait_final(2)
    await asyncio.wait_for(consumer, 1)
    assert (0, OrderState.CANCELLED) in seen
    assert seen[-1] == (1, OrderState.FILLED)
    assert seen.index((0, OrderState.CANCELLED)) < seen.index((1, OrderState.SUBMITTING))


# -- the final filled quantity: re-read over REST only when the ending word did not state it ------


def queries(venue: FakeVenue, order: TrackingLimitOrder) -> list[str]:
    """The REST order queries the chase's attempts caused."""
    ids = {a.client_id for a in order.attempts}
    return [c for c in venue.calls if c.startswith("query ") and c.split(" ", 1)[1] in ids]


class AckOnlyCancel(FakeConnector):
    """A venue whose cancel answer is only "received" (GRVT, Lighter): the stream says how it ended."""

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        await super()._cancel(tracker)
        return None


class CancelAnswerWithoutFilled(FakeConnector):
    """A venue whose cancel answer names the state but not the filled quantity."""

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        answer = await super()._cancel(tracker)
        return None if answer is None else replace(answer, filled=ZERO, filled_stated=False)


@pytest.fixture
async def connector_for(venue: FakeVenue) -> AsyncIterator[type[FakeConnector]]:
    """Start a connector of the given class over the test's venue (stopped at the end)."""
    started: list[FakeConnector] = []

    async def start(cls: type[FakeConnector]) -> FakeConnector:
        conn = cls(venue)
        await conn.start()
        started.append(conn)
        return conn

    yield start  # type: ignore[misc]
    for conn in started:
        await conn.stop()


async def reprice_once(venue: FakeVenue, order: TrackingLimitOrder, *, racing_fill: bool) -> None:
    """Rest, move the touch away (the venue fills half just before the cancel when `racing_fill`),
    fill the re-post, and wait for the end."""
    first = await venue.wait_resting()
    if racing_fill:
        venue.cancel_faults.append("fill_half_first")
    venue.set_touch(D("101"), D("102"))
    second = await venue.wait_resting(exclude={first.venue_id})
    venue.fill(second.venue_id)
    await order.wait_final(2)


@pytest.mark.parametrize("racing_fill", [False, True])
async def test_no_reread_when_the_cancel_answer_states_the_filled_quantity(
    connector: FakeConnector, venue: FakeVenue, racing_fill: bool
) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    await reprice_once(venue, order, racing_fill=racing_fill)
    first = order.attempts[0]
    assert first.tracker.final_filled_stated
    assert queries(venue, order) == []
    expected_first = D("0.05") if racing_fill else D(0)
    assert [a.filled for a in order.attempts] == [expected_first, SIZE - expected_first]
    assert order.attempts[1].size == SIZE - expected_first  # the racing fill is never lost
    assert order.status is TrackingStatus.FILLED and venue.position == SIZE


@pytest.mark.parametrize("racing_fill", [False, True])
async def test_no_reread_when_the_stream_states_how_the_order_ended(
    connector_for, venue: FakeVenue, racing_fill: bool
) -> None:
    connector = await connector_for(AckOnlyCancel)
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    await reprice_once(venue, order, racing_fill=racing_fill)
    first = order.attempts[0].tracker
    ended = next(e for e in first.history if e.state is OrderState.CANCELLED)
    assert ended.source is Source.WS and ended.filled_stated
    assert queries(venue, order) == []
    expected_first = D("0.05") if racing_fill else D(0)
    assert first.filled == expected_first and order.attempts[1].size == SIZE - expected_first
    assert order.filled == SIZE and venue.position == SIZE


@pytest.mark.parametrize("racing_fill", [False, True])
async def test_reread_when_the_cancel_answer_lacks_the_filled_quantity(
    connector_for, venue: FakeVenue, racing_fill: bool
) -> None:
    connector = await connector_for(CancelAnswerWithoutFilled)
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    await reprice_once(venue, order, racing_fill=racing_fill)
    first = order.attempts[0]
    assert queries(venue, order) == [f"query {first.client_id}"]
    # the re-read came before the re-post, and it found the fill that raced the cancel
    assert venue.calls.index(f"query {first.client_id}") < venue.calls.index(f"submit {order.attempts[1].client_id}")
    expected_first = D("0.05") if racing_fill else D(0)
    assert first.filled == expected_first and order.attempts[1].size == SIZE - expected_first
    assert order.filled == SIZE and venue.position == SIZE  # never over-filled
    assert [a for a in first.tracker.anomalies if a.kind not in STALE_KINDS] == []


def test_an_end_without_the_filled_quantity_is_not_the_final_word() -> None:
    request = OrderRequest(SYMBOL, Side.BUY, SIZE, OrderType.LIMIT, "7", price=D("100"))
    t = OrderTracker(request, venue="fake")
    t.mark_submitting()
    t.apply(OrderSnapshot(SYMBOL, OrderState.PARTIALLY_FILLED, Source.WS, client_id="7", filled=D("0.02")))
    t.mark_cancelling()
    t.apply(OrderSnapshot(SYMBOL, OrderState.CANCELLED, Source.REST, client_id="7", filled_stated=False))
    assert t.state is OrderState.CANCELLED and t.filled == D("0.02")  # not taken back to zero
    assert not t.final_filled_stated
    t.apply(OrderSnapshot(SYMBOL, OrderState.CANCELLED, Source.REST, client_id="7", filled=D("0.03")))
    assert t.filled == D("0.03") and t.final_filled_stated
    assert t.anomalies == []  # the venue's first word on the size, not a fill after the end
    t.apply(OrderSnapshot(SYMBOL, OrderState.CANCELLED, Source.WS, client_id="7", filled=D("0.04")))
    assert [a.kind.value for a in t.anomalies] == ["late_fill"]  # after a stated end it is one


# -- a remainder too small to post ---------------------------------------------------------------
# MARKET: step 0.001, min notional 5. At 100 the minimum order is 0.05, at 100.5 it is 0.050.


async def partial_then_reprice(venue: FakeVenue, filled: str) -> str:
    """Fill part of the resting attempt and move the touch away; returns the attempt's venue id."""
    first = await venue.wait_resting()
    venue.fill(first.venue_id, D(filled))
    venue.set_touch(D("100.5"), D("101.5"))
    return first.venue_id


async def test_finish_policy_ends_short_with_what_filled(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    assert order.status is TrackingStatus.RUNNING
    await partial_then_reprice(venue, "0.06")
    await order.wait_final(2)  # not an error: the policy's documented end
    assert order.status is TrackingStatus.FINISHED_SHORT
    assert order.filled == D("0.06") and order.remaining == D("0.04") and order.excess == 0
    assert "0.04 left after filling 0.06" in order.note and "below the minimum 5" in order.note
    assert len(order.attempts) == 1 and order.attempts[0].outcome is AttemptOutcome.REPRICED
    assert venue.resting() == [] and venue.position == D("0.06")


async def test_finish_policy_when_less_than_one_step_is_left(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, D("0.1005"), interval=5, timeout=5)
    resting = await venue.wait_resting()
    assert resting.request.size == D("0.100")  # whole steps only
    venue.fill(resting.venue_id)
    await order.wait_final(2)
    assert order.status is TrackingStatus.FINISHED_SHORT and order.remaining == D("0.0005")
    assert "must be positive" in order.note


async def test_top_up_policy_posts_the_minimum_and_reports_the_excess(
    connector: FakeConnector, venue: FakeVenue
) -> None:
    order = start_tracking_limit_order(
        connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5, remainder_policy="top_up"
    )
    first = await partial_then_reprice(venue, "0.06")
    top_up = await venue.wait_resting(exclude={first})
    assert top_up.request.size == D("0.050") and top_up.request.price == D("100.5")
    venue.fill(top_up.venue_id)
    await order.wait_final(2)
    assert order.status is TrackingStatus.TOPPED_UP
    assert order.filled == D("0.11") and order.excess == D("0.01") and order.remaining == 0
    assert "filled 0.010 beyond the size 0.1" in order.note
    assert [a.top_up for a in order.attempts] == [False, True]
    assert venue.position == D("0.11") and venue.resting() == []


async def test_top_up_is_cancelled_once_the_size_is_reached(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(
        connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5, remainder_policy="top_up"
    )
    first = await partial_then_reprice(venue, "0.06")
    top_up = await venue.wait_resting(exclude={first})
    venue.fill(top_up.venue_id, D("0.04"))  # exactly what was left
    await order.wait_final(2)
    assert order.status is TrackingStatus.FILLED and order.filled == SIZE and order.excess == 0
    assert order.attempts[1].outcome is AttemptOutcome.SIZE_REACHED
    assert top_up.state is OrderState.CANCELLED and venue.resting() == []
    assert venue.position == SIZE


async def test_an_order_too_small_from_the_start_is_refused(connector: FakeConnector, venue: FakeVenue) -> None:
    for policy in RemainderPolicy:  # a remainder policy never makes up for the request itself
        with pytest.raises(InvalidOrder, match="below the minimum 5"):
            await place_tracking_limit_order(connector, SYMBOL, Side.BUY, D("0.01"), remainder_policy=policy)
    assert not any(c.startswith("submit") for c in venue.calls)


def test_remainder_policy_names_are_checked() -> None:
    assert TrackingSettings(remainder_policy="top_up").remainder_policy is RemainderPolicy.TOP_UP  # type: ignore[arg-type]
    assert TrackingSettings().remainder_policy is RemainderPolicy.FINISH
    with pytest.raises(ValueError, match=r"remainder_policy\n  Input should be 'finish' or 'top_up'"):
        TrackingSettings(remainder_policy="topup")  # type: ignore[arg-type]


def test_the_venue_file_sets_the_remainder_policy() -> None:
    doc = {
        "venue": "demo",
        "connector": "tests.fake_venue:FakeConnector",
        "hosts": {"rest": "https://demo.invalid", "ws": "wss://demo.invalid"},
        "symbol": "BTC-PERP",
        "credentials": {"api_secret": "DEMO_API_SECRET"},
        "tracking": {"remainder_policy": "top_up"},
        "simulator": {"venue": "demo", "tracking": {"remainder_policy": "finish"}},
    }
    config = parse_venue_config(doc, "demo.yaml")
    assert config.tracking.remainder_policy is RemainderPolicy.TOP_UP
    assert config.for_simulator().tracking.remainder_policy is RemainderPolicy.FINISH
    with pytest.raises(
        ConfigError, match=r"demo\.yaml: tracking\.remainder_policy: Input should be 'finish' or 'top_up'"
    ):
        parse_venue_config({**doc, "tracking": {"remainder_policy": "more"}}, "demo.yaml")
