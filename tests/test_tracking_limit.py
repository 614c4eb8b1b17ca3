"""place_tracking_limit_order against the in-memory fake venue: the chase rules of DESIGN §4."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fake_venue import MARKET, SYMBOL, FakeConnector, FakeVenue
from xtb.errors import TrackingLimitTimeout
from xtb.execution.orders import AttemptOutcome, TrackingStatus
from xtb.execution.tracking_limit import place_tracking_limit_order, quote_price, start_tracking_limit_order
from xtb.model import OrderState, Side, Source, TopOfBook

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
    assert all(a.as_dict()["cancel_sent_at"] is not None for a in attempts)


async def test_updates_stream_every_attempt(connector: FakeConnector, venue: FakeVenue) -> None:
    order = start_tracking_limit_order(connector, SYMBOL, Side.BUY, SIZE, interval=5, timeout=5)
    seen: list[tuple[int, OrderState]] = []

    async def consume() -> None:
        async for update in order.updates():
            seen.append((update.attempt, update.entry.state))

    import asyncio

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
