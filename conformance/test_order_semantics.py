"""Order semantics: how the connector maps what the venue does with single orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xtb.conformance import steps
from xtb.conformance.steps import VenueUnderTest
from xtb.errors import OrderNotFound, PostOnlyWouldCross, VenueRejected
from xtb.model import OrderSnapshot, OrderState, Side, Source

NO_FILL_ENDINGS = {OrderState.FAILED, OrderState.CANCELLED}


async def test_cancel_resting(venue: VenueUnderTest) -> None:
    """A resting order is cancelled — that order only — and the cancel is confirmed on both transports.

    Sequence: two post-only limits away from the touch (both OPEN) → cancel the first → CANCELLING →
    CANCELLED; the second stays OPEN → cancel it too.
    Pass: a cancel returns only once its order is terminal; REST and WS agree the first is CANCELLED
    with nothing filled while the second is still OPEN on both; nothing remains at the end.
    """
    size = await steps.order_size(venue)
    first = await steps.submit_passive(venue, Side.BUY, size, ticks_away=20)
    second = await steps.submit_passive(venue, Side.BUY, size, ticks_away=21)
    await steps.cross_check(venue, first, "resting")
    await venue.connector.cancel_order(first)
    assert first.state is OrderState.CANCELLED and first.filled == 0
    await steps.cross_check(venue, first, "after cancel")
    survivor = await steps.cross_check(venue, second, "the other order after the cancel")
    assert survivor.state is OrderState.OPEN, f"cancelling one order also ended {second.client_id}"
    await venue.connector.cancel_order(second)
    await steps.check_zero_exposure(venue)


async def test_post_only_would_cross(venue: VenueUnderTest) -> None:
    """A post-only order priced through the touch never takes liquidity.

    Sequence: post-only buy at the best ask. The venue either refuses it at once (FAILED,
    PostOnlyWouldCross) or accepts and then ends it (FAILED or CANCELLED, as the venue's status
    mapping says), as its file declares.
    Pass: the declared behaviour, no fill, no position.
    """
    size = await steps.order_size(venue)
    if venue.control is not None:
        await venue.control.freeze(venue.symbol)
    book = await venue.connector.get_top_of_book(venue.symbol, Source.REST)
    assert book.ask is not None
    if venue.config.post_only_cross == "reject":
        with pytest.raises(PostOnlyWouldCross) as caught:
            await venue.connector.submit_limit_order(venue.symbol, Side.BUY, size, book.ask, post_only=True)
        tracker = caught.value.tracker
        venue.record.track(tracker)
        assert tracker.state is OrderState.FAILED
    else:
        tracker = await venue.connector.submit_limit_order(venue.symbol, Side.BUY, size, book.ask, post_only=True)
        venue.record.track(tracker)
        await steps.wait_state(tracker, NO_FILL_ENDINGS, venue.config.tracking.settle_time)
    assert tracker.filled == 0
    steps.check_order_invariants(tracker)
    await steps.wait_position(venue, Decimal(0), Source.REST)


async def test_reduce_only_without_position(venue: VenueUnderTest) -> None:
    """A reduce-only order with no position cannot open one.

    Sequence: flat → reduce-only market sell. The venue refuses it, or accepts and expires it.
    Pass: the order ends FAILED (or CANCELLED) with no fill, and the position stays zero.
    """
    size = await steps.order_size(venue)
    try:
        tracker = await venue.connector.submit_market_order(venue.symbol, Side.SELL, size, reduce_only=True)
    except VenueRejected as exc:
        tracker = exc.tracker
    venue.record.track(tracker)
    await steps.wait_state(tracker, NO_FILL_ENDINGS, venue.config.tracking.settle_time)
    assert tracker.filled == 0
    steps.check_order_invariants(tracker)
    await steps.wait_position(venue, Decimal(0), Source.REST)


async def test_reduce_only_oversize(venue: VenueUnderTest) -> None:
    """A reduce-only order larger than the position closes it and never flips it.

    Sequence: enter long at the touch → reduce-only market sell of twice the position.
    Pass: the position ends at zero (never short) on REST and WS; the close filled at most the
    position; the rest was refused or expired.
    """
    size = await steps.order_size(venue)
    await steps.enter_at_touch(venue, Side.BUY, size)
    await steps.wait_position(venue, size, Source.REST)
    try:
        tracker = await venue.connector.submit_market_order(venue.symbol, Side.SELL, size * 2, reduce_only=True)
    except VenueRejected as exc:
        tracker = exc.tracker
        venue.record.track(tracker)
        await steps.flatten_position(venue)  # a venue that refuses oversize: the plain close still works
    else:
        venue.record.track(tracker)
        await tracker.wait_final(venue.config.tracking.settle_time)
        assert tracker.filled <= size, f"reduce-only filled {tracker.filled} against a position of {size}"
        steps.check_order_invariants(tracker)
    await steps.wait_position(venue, Decimal(0), Source.REST)
    await steps.wait_position(venue, Decimal(0), Source.WS)


@pytest.mark.sim_only
async def test_partial_fill_then_cancel(venue: VenueUnderTest) -> None:
    """A partly filled order is cancelled and keeps its filled size.

    Sequence (simulator): post-only bid alone at the best price → the simulator fills half of it →
    PARTIALLY_FILLED on both transports → cancel → CANCELLED with the partial fill kept.
    Pass: filled is exactly the partial size everywhere; the position equals it on REST and WS;
    fills sum to the filled size.
    """
    assert venue.control is not None
    market = await venue.connector.get_market_info(venue.symbol)
    size = market.round_size((await steps.order_size(venue)) * 2)
    tracker = await steps.rest_alone_at_best_bid(venue, size)
    await venue.control.take(venue.symbol, "buy", "0.5")
    await steps.wait_state(tracker, {OrderState.PARTIALLY_FILLED}, venue.config.tracking.settle_time)
    partial = tracker.filled
    assert 0 < partial < size
    await steps.cross_check(venue, tracker, "after the partial fill")
    await venue.connector.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED and tracker.filled == partial
    await steps.cross_check(venue, tracker, "after cancel")
    await steps.wait_position(venue, partial, Source.REST)
    await steps.wait_position(venue, partial, Source.WS)


async def test_cancel_unknown_order(venue: VenueUnderTest) -> None:
    """Cancelling and querying an order the venue never saw gives a clear not-found; nothing breaks.

    Sequence: query an unused client id → not found; cancel an order that was never acknowledged →
    the venue says unknown to the cancel and to the query → the order is settled FAILED (absence
    proven), not left hanging; then a real order still works.
    Pass: OrderNotFound on the query; the phantom ends FAILED; the connector stays healthy.
    """
    size = await steps.order_size(venue)
    unknown = venue.connector.client_ids.next()
    with pytest.raises(OrderNotFound):
        await venue.connector.get_order(venue.symbol, client_id=unknown)
    book = await venue.connector.top_of_book(venue.symbol)
    phantom = venue.connector.adopt(
        OrderSnapshot(
            venue.symbol,
            OrderState.SUBMITTING,
            Source.LOCAL,
            client_id=unknown,
            side=Side.BUY,
            size=size,
            price=book.bid,
        )
    )
    venue.record.track(phantom)
    await venue.connector.cancel_order(phantom)
    assert phantom.state is OrderState.FAILED
    venue.connector.health()
    real = await steps.submit_passive(venue, Side.BUY, size, ticks_away=20)
    await venue.connector.cancel_order(real)
    assert real.state is OrderState.CANCELLED


async def test_query_by_client_id(venue: VenueUnderTest) -> None:
    """An order is found by its client id while open and after it closed.

    Sequence: post-only limit away from the touch → query by client id → cancel → query again.
    Pass: both queries return the venue's order id and the right state (OPEN, then CANCELLED).
    """
    size = await steps.order_size(venue)
    tracker = await steps.submit_passive(venue, Side.SELL, size, ticks_away=20)
    open_view = await venue.connector.get_order(venue.symbol, client_id=tracker.client_id)
    assert open_view.state is OrderState.OPEN and open_view.venue_id == tracker.venue_id
    await venue.connector.cancel_order(tracker)
    closed_view = await venue.connector.get_order(venue.symbol, client_id=tracker.client_id)
    assert closed_view.state is OrderState.CANCELLED and closed_view.venue_id == tracker.venue_id
