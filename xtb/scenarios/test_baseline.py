"""Baseline scenarios: the smoke test, step by step. Every venue must pass these."""

from __future__ import annotations

from decimal import Decimal

from xtb.checks import steps
from xtb.checks.steps import VenueUnderTest
from xtb.execution.handles import AttemptOutcome
from xtb.model import OrderState, Side, Source
from xtb.scenarios import SCENARIO_MARKS

pytestmark = SCENARIO_MARKS


async def test_metadata(venue: VenueUnderTest) -> None:
    """Market info is sane and REST and WS top of book agree.

    Sequence: load markets → read the REST top of book → read the stream's top of book.
    Pass: tick, step and minimums positive and consistent; price/size decimals match the tick and
    step; neither book crossed; REST and WS best bid/ask equal (on a simulator the market is frozen
    for the comparison; on a real venue they may differ by the configured settle window, retried).
    """
    connector = venue.connector
    market = await connector.get_market_info(venue.symbol)
    steps.check_market_info(market)
    price_decimals, size_decimals = await connector.get_price_size_decimals(venue.symbol)
    assert (price_decimals, size_decimals) == (market.price_decimals, market.size_decimals), (
        f"decimals {price_decimals}/{size_decimals} disagree with the market info {market}"
    )
    if venue.control is not None:
        await venue.control.freeze(venue.symbol)
    await steps.books_agree(venue, market)


async def test_post_top_of_book(venue: VenueUnderTest) -> None:
    """A tracking-limit entry at the touch fills, as maker, never crossing and never over-filling.

    Sequence: post-only limit at the best bid (NEW → SUBMITTING → OPEN); re-post after the touch moves
    away or the interval passes (cancel confirmed first); fills until FILLED. On a simulator the
    touch surely moves once: the market holds still while the first attempt rests, the touch rises
    one tick, and the market runs again once the chase has re-posted.
    Pass: filled exactly the order size over all attempts; no attempt took liquidity; every attempt's
    transitions legal; attempts and step latencies recorded; the position equals the fill on REST;
    on a simulator the first attempt ended REPRICED and the next rested at the new touch.
    """
    size = await steps.order_size(venue)
    order = await steps.enter_at_touch(venue, Side.BUY, size, move_touch=venue.on_simulator)
    last = order.attempts[-1].tracker
    assert last.state is OrderState.FILLED, f"the last attempt {last.client_id} ended {last.state.value}"
    await steps.wait_position(venue, size, Source.REST)
    await steps.flatten_position(venue)


async def test_rest_ws_cross_check(venue: VenueUnderTest) -> None:
    """The REST and WS views of an order agree at every checkpoint.

    Sequence: post-only limit at the touch → checkpoint after the ack → chase until filled →
    checkpoint after the fill (every attempt, including cancelled ones).
    Pass: at each checkpoint the REST view and the stream view agree on status, filled size and
    average price within the settle time; no refused updates; fills sum to the filled size.
    """
    size = await steps.order_size(venue)
    book = await venue.connector.top_of_book(venue.symbol)
    assert book.bid is not None
    market = await venue.connector.get_market_info(venue.symbol)
    price = market.passive_price(book.bid - 20 * market.tick_at(book.bid), Side.BUY)
    resting = await venue.connector.submit_limit_order(venue.symbol, Side.BUY, size, price)
    venue.record.track(resting)
    await steps.cross_check(venue, resting, "after ack")
    await venue.connector.cancel_order(resting)
    await steps.cross_check(venue, resting, "after cancel")
    order = await steps.enter_at_touch(venue, Side.BUY, size)
    for attempt in order.attempts:
        if attempt.outcome is AttemptOutcome.POST_ONLY_REJECTED and attempt.tracker.venue_id is None:
            continue  # refused at submit: the venue never had the order, so there is nothing to compare
        await steps.cross_check(venue, attempt.tracker, f"after attempt {attempt.client_id} ended")
    await steps.flatten_position(venue)


async def test_reduce_only_flatten(venue: VenueUnderTest) -> None:
    """A reduce-only market order closes the position to zero on REST and WS.

    Sequence: enter long at the touch → flatten (cancel the symbol's orders, reduce-only market sell
    of the REST position) → re-read positions.
    Pass: the close order is reduce-only and FILLED; position zero on REST and on the stream.
    """
    size = await steps.order_size(venue)
    await steps.enter_at_touch(venue, Side.BUY, size)
    await steps.wait_position(venue, size, Source.REST)
    result = await steps.flatten_position(venue)
    assert result.position_before.size == size, f"flatten saw a position of {result.position_before.size}, not {size}"
    closes = [t.state.value for t in result.close_orders]
    assert closes == ["filled"], f"close orders ended {closes}; expected one, filled"


async def test_zero_exposure(venue: VenueUnderTest) -> None:
    """After a full round trip nothing is left: no open orders on the symbol, zero position.

    Sequence: enter short at the touch → the short shows on REST and WS → flatten → check exposure
    on REST and WS.
    Pass: the position is -size on both transports (a short is never read as a long); then no open
    orders (this run's) on the symbol over REST, no live tracked orders, position zero on REST and
    on the stream.
    """
    size = await steps.order_size(venue)
    await steps.enter_at_touch(venue, Side.SELL, size)
    await steps.wait_position(venue, -size, Source.REST)
    await steps.wait_position(venue, -size, Source.WS)
    await steps.flatten_position(venue)
    report = await steps.check_zero_exposure(venue)
    assert report.rest_position.size == Decimal(0), f"REST position {report.rest_position.size} after flatten"
