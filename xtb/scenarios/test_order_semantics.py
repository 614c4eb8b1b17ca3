"""Order semantics: how the connector maps what the venue does with single orders."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from decimal import Decimal

import pytest

from xtb.checks import others, steps
from xtb.checks.steps import VenueUnderTest
from xtb.clock import loop_time
from xtb.config.capabilities import PostOnlyCross
from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdGenerator
from xtb.errors import OrderNotFound, PostOnlyWouldCross, VenueRejected
from xtb.execution.handles import Attempt, TrackingLimitOrder, TrackingStatus
from xtb.execution.tracking_limit import RemainderPolicy, start_tracking_limit_order
from xtb.model import TERMINAL_STATES, OrderSnapshot, OrderState, Side, Source, TopOfBook
from xtb.scenarios import SCENARIO_MARKS

pytestmark = SCENARIO_MARKS

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
    assert first.state is OrderState.CANCELLED and first.filled == 0, (
        f"cancelled order is {first.state.value}, filled {first.filled}"
    )
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
    if venue.config.capabilities.post_only_cross is PostOnlyCross.REJECT:
        with pytest.raises(PostOnlyWouldCross) as caught:
            await venue.connector.submit_limit_order(venue.symbol, Side.BUY, size, book.ask, post_only=True)
        tracker = caught.value.tracker
        venue.record.track(tracker)
        assert tracker.state is OrderState.FAILED, f"refused order is {tracker.state.value}"
    else:
        tracker = await venue.connector.submit_limit_order(venue.symbol, Side.BUY, size, book.ask, post_only=True)
        venue.record.track(tracker)
        await steps.wait_state(tracker, NO_FILL_ENDINGS, venue.config.tracking.settle_time)
    assert tracker.filled == 0, f"the order filled {tracker.filled}; it must not take liquidity or open a position"
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
    assert tracker.filled == 0, f"the order filled {tracker.filled}; it must not take liquidity or open a position"
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
        await steps.wait_state(tracker, set(TERMINAL_STATES), venue.config.tracking.settle_time)
        assert tracker.filled <= size, f"reduce-only filled {tracker.filled} against a position of {size}"
        await steps.check_order_settled(venue, tracker)
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
    tracker, _ = await steps.partly_filled_bid(venue)
    partial = tracker.filled
    await steps.cross_check(venue, tracker, "after the partial fill")
    await venue.connector.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED and tracker.filled == partial, (
        f"after cancel: {tracker.state.value}, filled {tracker.filled}; expected cancelled with {partial}"
    )
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
    assert phantom.state is OrderState.FAILED, f"an order the venue never saw ended {phantom.state.value}"
    venue.connector.health()
    real = await steps.submit_passive(venue, Side.BUY, size, ticks_away=20)
    await venue.connector.cancel_order(real)
    assert real.state is OrderState.CANCELLED, f"a real order after the phantom ended {real.state.value}"


async def test_query_by_client_id(venue: VenueUnderTest) -> None:
    """An order is found by its client id while open and after it closed.

    Sequence: post-only limit away from the touch → query by client id → cancel → query again.
    Pass: both queries return the venue's order id and the right state (OPEN, then CANCELLED).
    """
    size = await steps.order_size(venue)
    tracker = await steps.submit_passive(venue, Side.SELL, size, ticks_away=20)
    open_view = await venue.connector.get_order(venue.symbol, client_id=tracker.client_id)
    assert open_view.state is OrderState.OPEN and open_view.venue_id == tracker.venue_id, (
        f"query by client id: {open_view.state.value}, venue id {open_view.venue_id} (ours {tracker.venue_id})"
    )
    await venue.connector.cancel_order(tracker)
    closed_view = await venue.connector.get_order(venue.symbol, client_id=tracker.client_id)
    assert closed_view.state is OrderState.CANCELLED and closed_view.venue_id == tracker.venue_id, (
        f"query after cancel: {closed_view.state.value}, venue id {closed_view.venue_id} (ours {tracker.venue_id})"
    )


async def test_position_with_resting_orders(venue: VenueUnderTest) -> None:
    """The position is the signed net size, on REST and on the stream, while orders rest.

    Sequence: enter short at the touch → a post-only sell (adding to the short if it filled) and a
    post-only buy (reducing it) rest 20 ticks behind the touch → read the position on REST and on
    the stream → cancel both → read again.
    Pass: the position is exactly -size on both transports while the orders rest and after they
    are cancelled: a field that counts resting orders (an exposure or notional field) or drops the
    sign of a short fails here.
    """
    size = await steps.order_size(venue)
    await steps.enter_at_touch(venue, Side.SELL, size)
    await steps.wait_position(venue, -size, Source.REST)
    await steps.wait_position(venue, -size, Source.WS)
    adding = await steps.submit_passive(venue, Side.SELL, size, ticks_away=20)
    reducing = await steps.submit_passive(venue, Side.BUY, size, ticks_away=20)
    rest = (await venue.connector.get_position(venue.symbol)).size
    assert rest == -size, f"REST position is {rest} while orders rest; the account is short {size}"
    await steps.wait_position(venue, -size, Source.WS)
    for tracker in (adding, reducing):
        await venue.connector.cancel_order(tracker)
    await steps.wait_position(venue, -size, Source.REST)
    await steps.wait_position(venue, -size, Source.WS)
    await steps.flatten_position(venue)


@pytest.mark.sim_only
async def test_fills_in_several_trades(venue: VenueUnderTest) -> None:
    """An order filled in three trades: each execution is recorded once, and they add up.

    Sequence (simulator): limit bid alone at the best price, three times the usual size → the
    simulator's taker takes about a third, then half of the rest, then all that is left.
    Pass: after each take the filled size is the cumulative sum of the takes (never the last
    trade's size); at the end the order is FILLED with exactly its size; the recorded fills are the
    simulator's trades — as many, with distinct trade ids, the same sizes, adding up to the size —
    and the average price is theirs; REST and WS agree; the position is the size.
    """
    assert venue.control is not None
    market = await venue.connector.get_market_info(venue.symbol)
    size = market.round_size((await steps.order_size(venue)) * 3)
    tracker = await steps.rest_alone_at_best_bid(venue, size)
    taken = Decimal(0)
    for fraction in ("0.34", "0.5", "1"):
        taken += Decimal(str((await venue.control.take(venue.symbol, "buy", fraction))["taken"]))
        await steps.wait_for_filled(venue, tracker, taken)
    assert taken == size and tracker.state is OrderState.FILLED, f"took {taken} of {size}; {tracker.state.value}"
    await steps.check_fills_complete(venue, tracker)
    trades = [f for f in await venue.control.fills(venue.symbol) if str(f["client_id"]) == tracker.client_id]
    assert len(trades) == 3, f"the simulator booked {len(trades)} trades for the order, expected 3"
    recorded = sorted(f.size for f in tracker.fills.values())
    booked = sorted(Decimal(str(t["size"])) for t in trades)
    assert recorded == booked, f"fills recorded {recorded}, the venue's trades {booked}"
    booked_avg = sum(Decimal(str(t["price"])) * Decimal(str(t["size"])) for t in trades) / size
    assert tracker.avg_fill_price == booked_avg, f"average price {tracker.avg_fill_price}, trades say {booked_avg}"
    await steps.cross_check(venue, tracker, "after three trades")
    await steps.wait_position(venue, size, Source.REST)
    await steps.wait_position(venue, size, Source.WS)
    await steps.flatten_position(venue)


@pytest.mark.sim_only
async def test_refusal_after_partial_fill(venue: VenueUnderTest) -> None:
    """The venue ends a partly filled order on its own (self-trade prevention): the fill is kept.

    Sequence (simulator): limit bid alone at the best price (twice the usual size) → half is taken
    → the simulator expires the order for self-trade prevention, in the venue's own words.
    Pass: the order ends CANCELLED (ended with its fill, never FAILED, which would say nothing
    filled) with exactly the partial size, on the tracker and on REST and WS; its fills add up; the
    position is the partial size on both transports.
    """
    assert venue.control is not None
    tracker, _ = await steps.partly_filled_bid(venue)
    partial = tracker.filled
    await steps.sim_account(venue)
    order = await venue.control.order(tracker.client_id)
    await venue.control.expire(order["order_id"], "self_trade")
    await steps.wait_state(tracker, {OrderState.CANCELLED, OrderState.FAILED}, venue.config.tracking.settle_time)
    assert tracker.state is OrderState.CANCELLED, f"a partly filled order the venue ended is {tracker.state.value}"
    assert tracker.filled == partial, f"filled {tracker.filled} after the venue ended it; {partial} had filled"
    await steps.check_fills_complete(venue, tracker)
    await steps.cross_check(venue, tracker, "after the venue ended the order")
    await steps.wait_position(venue, partial, Source.REST)
    await steps.wait_position(venue, partial, Source.WS)
    await steps.flatten_position(venue)


@pytest.mark.sim_only
async def test_foreign_orders_left_alone(venue: VenueUnderTest) -> None:
    """Orders this run did not place are never taken over, listed as ours or cancelled by cleanup,
    and cleanup of one symbol never touches another.

    Sequence (simulator): this run rests an order on the symbol and one on a second symbol → it
    stops → another run of the gate (its own run tag) rests one on each symbol → a person (client
    ids with no run tag) rests one on the symbol → this run restarts (adopting what is its own) →
    the janitor cleans the symbol → open orders of the symbol are listed → cancel-all on the symbol.
    Pass: at restart only this run's order on the symbol is adopted (the others are not tracked);
    the janitor cancels exactly that one; the listing of the symbol holds only the symbol's orders;
    cancel-all on the symbol leaves every order on the second symbol resting; nothing is left.
    """
    second = venue.config.second_symbol
    if second is None:
        raise AssertionError(f"{venue.config.source}: simulator.second_symbol is not set; the scenario needs it")
    assert venue.control is not None
    ours = venue.connector
    mine = await others.rest_passive(venue, ours, venue.symbol, Side.BUY, ticks_away=20)
    async with others.trader(venue, ours.client_ids, second) as on_second:
        my_second = await others.rest_passive(venue, on_second, second, Side.BUY, ticks_away=20)
    await ours.stop()
    policy = ours.client_ids.policy
    other_run = ClientIdGenerator(policy)
    person = others.UntaggedIds(policy, avoid=[ours.client_ids, other_run])
    restarted: BaseConnector | None = None
    try:
        placed: dict[str, list[str]] = {venue.symbol: [], second: []}
        for ids, symbols in ((other_run, (venue.symbol, second)), (person, (venue.symbol,))):
            for symbol in symbols:
                async with others.trader(venue, ids, symbol) as them:
                    placed[symbol].append((await others.rest_passive(venue, them, symbol, Side.BUY, 21)).client_id)
        restarted = type(ours)(ours.config, client_ids=ours.client_ids)
        venue.connector = restarted
        await restarted.start()
        await steps.wait_for_book(restarted, venue.symbol, venue.config.tracking.timeout)
        for client_id in placed[venue.symbol]:
            assert restarted.orders.find(client_id) is None, f"the restarted connector took over {client_id}"
        adopted = restarted.orders.find(mine.client_id, mine.venue_id)
        assert adopted is not None and adopted.state is OrderState.OPEN, f"own order {mine.client_id} not adopted"
        await steps.janitor(venue)
        on_symbol = await others.open_on_venue(venue, venue.symbol)
        on_second = await others.open_on_venue(venue, second)
        assert sorted(on_symbol) == sorted(placed[venue.symbol]), f"after the janitor the symbol holds {on_symbol}"
        expected_second = sorted([my_second.client_id, *placed[second]])
        assert sorted(on_second) == expected_second, f"cleanup of {venue.symbol} changed {second}: {on_second}"
        listed = await restarted.get_open_orders(venue.symbol)
        strays = [(s.client_id, s.symbol) for s in listed if s.symbol != venue.symbol]
        assert not strays, f"open orders of {venue.symbol} listed orders of other symbols: {strays}"
        await restarted.cancel_all(venue.symbol)
        on_second = await others.open_on_venue(venue, second)
        assert sorted(on_second) == expected_second, f"cancel-all on {venue.symbol} cancelled on {second}: {on_second}"
    finally:
        if restarted is not None and restarted.started:
            await restarted.cancel_all(second)  # the scenario's own cleanup, on the second symbol only
            await restarted.cancel_all(venue.symbol)
            await restarted.stop()
        venue.connector = ours
    assert await venue.control.open_orders() == [], "orders left on the venue after the scenario"


@pytest.mark.sim_only
async def test_remainder_below_minimum(venue: VenueUnderTest) -> None:
    """A partial fill leaves less than the venue accepts as an order: the tracking limit follows its
    remainder policy instead of failing. "finish" stops short with what filled; "top_up" posts the
    venue's minimum order and reports what filled beyond the size, which the flatten then trims.

    Sequence (simulator), once per policy: freeze the market → a tracking-limit buy rests alone one
    tick inside the spread, for one size step more than the venue's minimum order → the simulator's
    taker takes the minimum, leaving one step (below the minimum size or notional) → the touch moves
    up, so the chase must re-post what is left. Where the minimum order is a single step (any whole
    number of steps can be posted), the buy asks for half a step more than the minimum and the
    taker fills the resting order: what is left is less than one step. finish → the chase ends
    FINISHED_SHORT. top_up → it posts the minimum at the touch → the taker fills it → TOPPED_UP.
    Then flatten.
    Pass: no error escapes either chase. finish: filled is exactly what the taker took, `remaining`
    is the rest, one venue order was placed. top_up: the second order is the venue's minimum at its
    price, filled is what the two takes took and `excess` is filled − size. Every attempt agrees on
    REST and WS with its fills complete; nothing rests on the venue after a chase; the position is
    what both chases filled, on REST and WS; the reduce-only flatten closes it.
    """
    control = steps.sim_control(venue)
    short, taken = await _chase_a_small_remainder(venue, RemainderPolicy.FINISH)
    assert short.status is TrackingStatus.FINISHED_SHORT, f"finish policy: the chase ended {short.status.value}"
    assert short.filled == taken and short.remaining == short.size - taken, (
        f"finish policy: filled {short.filled}, {short.remaining} left of {short.size}; the taker took {taken}"
    )
    assert len(short.attempts) == 1, f"finish policy: {len(short.attempts)} venue orders, expected 1"
    await _check_chase_left_nothing(venue, short)
    held = short.filled
    await steps.wait_position(venue, held, Source.REST)

    topped, taken = await _chase_a_small_remainder(venue, RemainderPolicy.TOP_UP)
    try:
        top_up = await _attempt_resting(venue, topped, 1)
        market = await venue.connector.get_market_info(venue.symbol)
        assert top_up.top_up and top_up.size == market.min_order_size(top_up.price), (
            f"top_up policy: the second order is {top_up.size} at {top_up.price}; the venue's minimum there is "
            f"{market.min_order_size(top_up.price)}"
        )
        taken += Decimal(str((await control.take(venue.symbol, "buy", "1"))["taken"]))
        await topped.wait_final(venue.config.tracking.timeout)
    finally:
        await topped.cancel()  # a no-op once the chase has ended
        venue.record.add_tracking_order(topped)
    assert topped.status is TrackingStatus.TOPPED_UP, f"top_up policy: the chase ended {topped.status.value}"
    assert topped.filled == taken and topped.excess == taken - topped.size, (
        f"top_up policy: filled {topped.filled} (excess {topped.excess}) of {topped.size}; the takes took {taken}"
    )
    await _check_chase_left_nothing(venue, topped)
    held += topped.filled
    await steps.wait_position(venue, held, Source.REST)
    await steps.wait_position(venue, held, Source.WS)
    await steps.flatten_position(venue)


async def _chase_a_small_remainder(
    venue: VenueUnderTest, policy: RemainderPolicy
) -> tuple[TrackingLimitOrder, Decimal]:
    """Start a tracking-limit buy that rests alone at the best bid and have the simulator's taker
    leave less than the venue's minimum order of it. Returns the chase and what the taker took;
    for "finish" the chase has ended (and is recorded), for "top_up" it is still running."""
    control = steps.sim_control(venue)
    market = await venue.connector.get_market_info(venue.symbol)
    book = await _frozen_book(venue)
    if book.bid is None or book.ask is None or book.ask - book.bid < 2 * market.tick_at(book.bid):
        raise AssertionError(f"the simulator's spread ({book.bid}/{book.ask}) leaves no room to bid alone inside it")
    spread_ticks = int((book.ask - book.bid) / market.tick_at(book.bid))
    price = book.ask - market.tick_at(book.bid)  # alone at the best bid: the chase's quote clamps there
    minimum = market.min_order_size(price)
    whole_steps = minimum > market.step_size  # then one step left over is too small to post
    size = minimum + (market.step_size if whole_steps else market.step_size / 2)
    settings = replace(
        venue.config.tracking,
        price_offset_ticks=-(spread_ticks - 1),
        interval=venue.config.tracking.timeout,  # re-post only when the touch moves
        remainder_policy=policy,
    )
    order = start_tracking_limit_order(venue.connector, venue.symbol, Side.BUY, size, settings)
    try:
        first = await _attempt_resting(venue, order, 0)
        assert first.price == price, f"the chase rests at {first.price}, not alone at {price}"
        taken = Decimal(str((await control.take(venue.symbol, "buy", "0.5" if whole_steps else "1"))["taken"]))
        await steps.wait_for_filled(venue, first.tracker, taken)
        left = size - taken
        if not (left > 0 and market.order_problem(market.round_size(left), price) is not None):
            raise AssertionError(f"setup: the taker took {taken} of {size}; {left} left can be posted")
        if not first.tracker.is_terminal:
            await control.move_touch(venue.symbol, spread_ticks)  # the bid moves above the order
        if policy is RemainderPolicy.FINISH:
            await order.wait_final(venue.config.tracking.timeout)
    except BaseException:
        await order.cancel()
        venue.record.add_tracking_order(order)
        raise
    if policy is RemainderPolicy.FINISH:
        venue.record.add_tracking_order(order)
    return order, taken


async def _frozen_book(venue: VenueUnderTest) -> TopOfBook:
    """Freeze the simulator's market; its book over REST once the stream shows the same touch (the
    chase quotes from the stream's book), within the settle time."""
    await steps.sim_control(venue).freeze(venue.symbol)
    connector = venue.connector
    book = await connector.get_top_of_book(venue.symbol, Source.REST)
    deadline = loop_time() + venue.config.tracking.settle_time
    while True:
        seen = connector.book_version(venue.symbol)
        ws = connector.books_ws.get(venue.symbol)
        if ws is not None and (ws.bid, ws.ask) == (book.bid, book.ask):
            return book
        if not await connector.wait_book_change(venue.symbol, seen, max(0.0, deadline - loop_time())):
            raise AssertionError(f"the stream's book {ws} never showed the frozen touch {book.bid}/{book.ask}")


async def _attempt_resting(venue: VenueUnderTest, order: TrackingLimitOrder, index: int) -> Attempt:
    """Wait (within the settle time) until the chase's attempt number `index` rests (OPEN)."""

    def resting() -> bool:
        return len(order.attempts) > index and order.attempts[index].tracker.state is OrderState.OPEN

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(venue.config.tracking.settle_time), contextlib.aclosing(order.updates()) as updates:
            async for _ in updates:  # every change of every attempt; ends with the chase
                if resting():
                    break
    if not resting():
        raise AssertionError(
            f"the chase's order {index + 1} is not resting after {venue.config.tracking.settle_time}s: "
            f"{order.status.value}, {len(order.attempts)} orders, error {order.error!r}"
        )
    return order.attempts[index]


async def _check_chase_left_nothing(venue: VenueUnderTest, order: TrackingLimitOrder) -> None:
    """Every attempt agrees on REST and WS with its fills complete, and none rests on the venue."""
    for attempt in order.attempts:
        await steps.cross_check(venue, attempt.tracker, f"order {attempt.client_id} after the chase")
        if attempt.tracker.filled:
            await steps.check_fills_complete(venue, attempt.tracker)
    ours = {attempt.client_id for attempt in order.attempts}
    resting = [o for o in await steps.sim_control(venue).open_orders(venue.symbol) if str(o["client_id"]) in ours]
    assert resting == [], f"the chase's orders rest on the venue after it ended: {resting}"
