"""Tracking limit order: rest at the touch and chase it until filled or out of time.

The rules that keep it from over-filling: only one venue order is live at a time; before a re-post
the cancel is confirmed (the order is terminal) and its final filled quantity known — from the
word that ended it when that word stated it (the cancel's answer, the stream's final update), else
re-read over REST; the new order is for the remainder only. A fill that races the cancel lands on
the attempt it belongs to, so it is counted once.

A partial fill can leave less than the venue accepts as an order (below its minimum size or
notional, or less than one size step). `TrackingSettings.remainder_policy` decides what then
happens; see `RemainderPolicy`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from xtb.change_signal import wait_any
from xtb.clock import loop_time
from xtb.errors import (
    AmbiguousOutcome,
    ExecutionError,
    OrderNotFound,
    PostOnlyWouldCross,
    TrackingLimitTimeout,
    VenueRejected,
)
from xtb.execution.handles import Attempt, AttemptOutcome, TrackingLimitOrder, TrackingStatus
from xtb.model import MarketInfo, OrderState, Side, TopOfBook
from xtb.orders.tracker import OrderTracker
from xtb.schema import PositiveSeconds, StrictBool, StrictInt

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector

log = logging.getLogger(__name__)


class RemainderPolicy(enum.Enum):
    """What the chase does when what is left to fill is too small to post (below the venue's
    minimum size or notional at the price, or less than one size step).

    FINISH: stop with what filled. The order ends FINISHED_SHORT, `remaining` is what did not fill
    and `note` says why; it never trades more than asked. The default: a top-up buys exposure
    nobody asked for, and trimming it needs a close of less than the minimum — which the venue
    refuses too, unless the caller closes the whole position anyway.

    TOP_UP: post the venue's minimum order instead, so the chase completes. Once the order has its
    size the rest of that top-up is cancelled; what filled beyond the size is `excess` (less than
    one minimum order) and the order ends TOPPED_UP (FILLED when the top-up filled exactly what
    was left). For a caller that flattens the position later (a reduce-only close trims it).
    """

    FINISH = "finish"
    TOP_UP = "top_up"


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class TrackingSettings:
    """How orders are tracked on a venue: the venue file's `tracking:` block, its simulator's
    overrides and a strategy's, all this one type (`dataclasses.replace` checks each change).

    The chase reads the first group. The rest travel with it because the file keeps one block of
    order-tracking timings and the consumers overlap (`cancel_wait` is the chase's and the
    connector's, `timeout` the chase's and the checks'): `settle_time` is how long the checks let
    REST and the stream take to agree; `settle_timeout` and `reconcile_interval` are the connector's
    tracking of an ambiguous submit and of a silent live order (`VenueConfig.connector_config`).
    """

    interval: PositiveSeconds = 5.0  # re-post after resting this long without filling
    timeout: PositiveSeconds = 60.0  # give up (cancel, confirm, raise) after this long overall
    cancel_wait: PositiveSeconds = 5.0  # how long a cancel may take to be confirmed
    price_offset_ticks: StrictInt = 0  # positive = more passive than the touch; never crosses
    post_only: StrictBool = True
    backoff_initial: PositiveSeconds = 0.1  # after a post-only rejection
    backoff_max: PositiveSeconds = 2.0
    remainder_policy: RemainderPolicy = RemainderPolicy.FINISH  # a remainder too small to post
    settle_time: PositiveSeconds = 3.0  # how long REST and WS may take to agree after a change
    # how long a submit whose answer was lost is asked about by client id before it is left
    # SUBMITTING: the venue's window for a late-landing order (short on a simulator, which applies
    # a request at once or never)
    settle_timeout: PositiveSeconds = 10.0
    reconcile_interval: PositiveSeconds = 5.0  # a live order silent this long is re-read over REST


def quote_price(market: MarketInfo, book: TopOfBook, side: Side, offset_ticks: int) -> Decimal | None:
    """The price to rest at: the touch moved `offset_ticks` away from the spread, on a tick, and
    never at or through the far touch. None when our side of the book is empty."""
    touch = book.touch(side)
    if touch is None:
        return None
    price = touch - side.sign * offset_ticks * market.tick_at(touch)
    price = market.passive_price(price, side)
    far = book.far_touch(side)
    if far is not None:
        limit = market.passive_price(far - side.sign * market.tick_at(far), side)
        price = min(price, limit) if side is Side.BUY else max(price, limit)
    return price if price > 0 else None


def start_tracking_limit_order(
    connector: BaseConnector,
    symbol: str,
    side: Side,
    size: Decimal,
    settings: TrackingSettings | None = None,
    **changes,
) -> TrackingLimitOrder:
    """Start the chase in the background and return its handle at once."""
    settings = replace(settings or TrackingSettings(), **changes)
    order = TrackingLimitOrder(symbol, side, size)
    order._task = asyncio.get_running_loop().create_task(
        _chase(connector, order, settings), name=f"tracking-limit:{connector.venue}:{symbol}"
    )
    return order


async def place_tracking_limit_order(
    connector: BaseConnector,
    symbol: str,
    side: Side,
    size: Decimal,
    settings: TrackingSettings | None = None,
    **changes,
) -> TrackingLimitOrder:
    """Chase until filled; return the handle with every attempt. Raises TrackingLimitTimeout
    (carrying the attempts) when the timeout runs out first. A remainder too small to post ends
    the chase by `settings.remainder_policy`: check `status` (FILLED, FINISHED_SHORT, TOPPED_UP)."""
    order = start_tracking_limit_order(connector, symbol, side, size, settings, **changes)
    try:
        return await order.wait_final()
    except asyncio.CancelledError:
        await order.cancel()
        raise


async def _chase(connector: BaseConnector, order: TrackingLimitOrder, s: TrackingSettings) -> None:
    deadline = loop_time() + s.timeout
    try:
        market = await connector.get_market_info(order.symbol)
        backoff = s.backoff_initial
        while True:
            if order.remaining <= 0:
                _finish_filled(order)
                return
            if loop_time() >= deadline:
                raise TrackingLimitTimeout(
                    f"{order.side.value} {order.size} {order.symbol}: filled {order.filled} "
                    f"after {len(order.attempts)} attempts in {s.timeout}s",
                    attempts=order.attempts,
                    filled=order.filled,
                )
            book_seen = connector.book_version(order.symbol)
            book = await connector.top_of_book(order.symbol)
            price = quote_price(market, book, order.side, s.price_offset_ticks)
            size = market.round_size(order.remaining)
            if price is None:
                seen = connector.book_version(order.symbol)
                await connector.wait_book_change(order.symbol, seen, min(s.interval, deadline - loop_time()))
                continue
            problem = market.order_problem(size, price)
            top_up = False
            if problem is not None and order.filled > 0:  # nothing filled: the order itself is refused
                why = f"{order.remaining} left after filling {order.filled} cannot be posted at {price}: {problem}"
                if s.remainder_policy is RemainderPolicy.FINISH:
                    log.info("tracking limit finished short symbol=%s %s", order.symbol, why)
                    order.finish(TrackingStatus.FINISHED_SHORT, note=why)
                    return
                size, top_up = market.min_order_size(price), True
                log.info("tracking limit top-up symbol=%s size=%s %s", order.symbol, size, why)
            attempt = await _post(connector, order, size, price, s)
            if attempt is not None:
                attempt.top_up = top_up
                outcome = await _rest(connector, order, attempt, market, s, deadline)
                if attempt.tracker.is_terminal:
                    attempt.outcome = _venue_outcome(attempt, s)
            if attempt is None or attempt.outcome is AttemptOutcome.POST_ONLY_REJECTED:
                # Our book was stale. Wait (up to the back-off) for it to move, then quote again.
                wait = min(backoff, max(0.0, deadline - loop_time()))
                await connector.wait_book_change(order.symbol, book_seen, wait)
                backoff = min(backoff * 2, s.backoff_max)
                continue
            if attempt.tracker.is_terminal:
                continue
            backoff = s.backoff_initial
            await _cancel_confirmed(connector, attempt, s)
            attempt.outcome = AttemptOutcome.FILLED if attempt.tracker.state is OrderState.FILLED else outcome
    except asyncio.CancelledError:
        await asyncio.shield(_cancel_live(connector, order, s))
        raise
    except ExecutionError as exc:
        await _cancel_live(connector, order, s)
        status = TrackingStatus.TIMED_OUT if isinstance(exc, TrackingLimitTimeout) else TrackingStatus.FAILED
        order.finish(status, exc)
    except Exception as exc:
        await _cancel_live(connector, order, s)
        order.finish(TrackingStatus.FAILED, exc)


async def _post(
    connector: BaseConnector, order: TrackingLimitOrder, size: Decimal, price: Decimal, s: TrackingSettings
) -> Attempt | None:
    try:
        tracker = await connector.submit_limit_order(order.symbol, order.side, size, price, post_only=s.post_only)
    except PostOnlyWouldCross as exc:
        if exc.tracker is not None:
            order.add_attempt(exc.tracker, price).outcome = AttemptOutcome.POST_ONLY_REJECTED
        log.info("post-only rejected symbol=%s price=%s; backing off", order.symbol, price)
        return None
    except VenueRejected as exc:
        if exc.tracker is not None:
            order.add_attempt(exc.tracker, price).outcome = AttemptOutcome.FAILED
        raise
    except AmbiguousOutcome as exc:
        if exc.tracker is None:
            raise
        # The order may be resting: it becomes the current attempt and is cancelled (and
        # confirmed) like any other before anything new is posted.
        return order.add_attempt(exc.tracker, price)
    return order.add_attempt(tracker, price)


def _finish_filled(order: TrackingLimitOrder) -> None:
    if order.excess > 0:
        note = f"filled {order.excess} beyond the size {order.size}: a minimum-size top-up (remainder_policy top_up)"
        order.finish(TrackingStatus.TOPPED_UP, note=note)
    else:
        order.finish(TrackingStatus.FILLED)


async def _rest(
    connector: BaseConnector,
    order: TrackingLimitOrder,
    attempt: Attempt,
    market: MarketInfo,
    s: TrackingSettings,
    deadline: float,
) -> AttemptOutcome:
    """Wait while the attempt rests: until it ends, the touch moves away, the interval or the
    timeout runs out, or (a top-up) the chase has its size. Returns why a cancel is needed
    (ignored when the order ended by itself)."""
    tracker = attempt.tracker
    symbol = tracker.symbol
    side = tracker.request.side
    interval_end = loop_time() + s.interval
    book_signal = connector.book_changed_signal(symbol)
    while True:
        seen = [(tracker.changed, tracker.changed.version), (book_signal, book_signal.version)]
        if tracker.is_terminal:
            return AttemptOutcome.FILLED
        if order.remaining <= 0:
            return AttemptOutcome.SIZE_REACHED  # a top-up: the rest of it would only add excess
        now = loop_time()
        if now >= deadline:
            return AttemptOutcome.TIMED_OUT
        if now >= interval_end:
            return AttemptOutcome.INTERVAL
        book = connector.books_ws.get(symbol)
        if book is not None:
            wanted = quote_price(market, book, side, s.price_offset_ticks)
            if wanted is not None and side.sign * (wanted - attempt.price) > 0:
                return AttemptOutcome.REPRICED
        await wait_any(seen, min(interval_end, deadline) - now)


def _venue_outcome(attempt: Attempt, s: TrackingSettings) -> AttemptOutcome:
    state = attempt.tracker.state
    if state is OrderState.FILLED:
        return AttemptOutcome.FILLED
    if s.post_only and attempt.filled == 0 and attempt.tracker.first_time(OrderState.OPEN) is None:
        return AttemptOutcome.POST_ONLY_REJECTED  # accepted and ended at once for crossing (e.g. Lighter)
    if state is OrderState.FAILED:
        return AttemptOutcome.FAILED
    return AttemptOutcome.CANCELLED_BY_VENUE


async def _cancel_confirmed(connector: BaseConnector, attempt: Attempt, s: TrackingSettings) -> None:
    """Cancel and wait for the venue to confirm; then the final filled quantity must be known
    before anything is re-posted. When the word that ended the order stated it (the cancel's
    answer, the stream's CANCELLED or FILLED update, a query's answer) nothing can add to it, and a
    REST re-read would only cost a round trip; otherwise (a local decision, an answer without the
    quantity) it is re-read over REST."""
    attempt.cancel_sent_at = connector.clock.monotonic()
    tracker = await connector.cancel_order(attempt.tracker, wait=s.cancel_wait)
    if not tracker.final_filled_stated:
        await _reread(connector, tracker)


async def _reread(connector: BaseConnector, tracker: OrderTracker) -> None:
    try:
        await connector.refresh_order(tracker)
    except OrderNotFound:
        log.warning("filled re-read: venue no longer lists order cid=%s", tracker.client_id)


async def _cancel_live(connector: BaseConnector, order: TrackingLimitOrder, s: TrackingSettings) -> None:
    """Leave nothing resting when the chase ends early. A cancel that cannot be confirmed is
    logged loudly; the order stays tracked so reconciliation and the janitor can see it."""
    attempt = order.current
    if attempt is None or attempt.tracker.is_terminal:
        return
    try:
        await _cancel_confirmed(connector, attempt, s)
        if attempt.outcome is None:
            attempt.outcome = (
                AttemptOutcome.FILLED if attempt.tracker.state is OrderState.FILLED else AttemptOutcome.TIMED_OUT
            )
    except Exception as exc:
        log.error("could not cancel attempt cid=%s error=%s", attempt.client_id, exc)
        if order.error is None:
            order.error = exc
