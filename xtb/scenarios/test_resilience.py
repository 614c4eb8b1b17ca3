"""Resilience: the simulator injects faults (venue file `simulator.faults` says where) and the
connector must survive them without losing, doubling or guessing an order. Simulator only."""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from xtb.change_signal import wait_any
from xtb.checks import steps
from xtb.checks.steps import VenueUnderTest
from xtb.clock import loop_time
from xtb.errors import AuthError
from xtb.events import Event, EventKind, Subscription
from xtb.model import OrderState, Side, Source
from xtb.orders.tracker import OrderTracker
from xtb.scenarios import SCENARIO_MARKS
from xtb.secrets import Secret

pytestmark = [*SCENARIO_MARKS, pytest.mark.sim_only]


async def _wait_reconciled(venue: VenueUnderTest, seen: int, timeout: float) -> None:
    connector = venue.connector
    deadline = loop_time() + timeout
    while connector.reconcile_count <= seen:
        remaining = deadline - loop_time()
        if remaining <= 0:
            raise AssertionError(f"{venue.name}: no reconciliation completed within {timeout}s of the stream drop")
        await wait_any([(connector.reconciled, connector.reconciled.version)], min(remaining, 0.2))


async def _check_applied(venue: VenueUnderTest, prefix: str, since: int) -> None:
    """The simulator injected a `prefix` fault after `since` (what arm_fault returned)."""
    applied = (await steps.faults_applied(venue))[since:]
    if not any(entry.startswith(prefix) for entry in applied):
        raise AssertionError(f"{venue.name}: the simulator never injected '{prefix}' (applied: {applied[-5:]})")


async def _venue_agrees_filled(venue: VenueUnderTest, tracker: OrderTracker, size: Decimal) -> None:
    """The tracker and a fresh REST read both say FILLED with exactly `size`; the order's rules held."""
    rest = await venue.connector.get_order(venue.symbol, client_id=tracker.client_id)
    assert rest.state is OrderState.FILLED and rest.filled == size, f"REST says {rest.state.value} {rest.filled}"
    assert tracker.state is OrderState.FILLED and tracker.filled == size, f"tracker {tracker.state} {tracker.filled}"
    await steps.check_order_settled(venue, tracker)


async def _wait_applied(venue: VenueUnderTest, prefix: str, since: int, timeout: float) -> None:
    """Until the simulator reports the fault injected (a clocked stream sends it a little later);
    paced by the book's changes, read again at most every 50 ms."""
    deadline = loop_time() + timeout
    while True:
        try:
            await _check_applied(venue, prefix, since)
            return
        except AssertionError:
            if loop_time() >= deadline:
                raise
        signal = venue.connector.book_changed_signal(venue.symbol)
        await wait_any([(signal, signal.version)], 0.05)


async def _nothing_left(venue: VenueUnderTest) -> None:
    """The simulator's own truth holds no order of the account on the symbol and no position, and
    the connector tracks nothing live there (asked of the simulator: no venue request budget spent)."""
    orders, positions = await steps.sim_exposure(venue)
    live = [t.client_id for t in venue.connector.orders.live(venue.symbol)]
    assert not orders and not positions and not live, f"left: orders {orders}, positions {positions}, tracked {live}"


async def _close_and_flatten(venue: VenueUnderTest) -> None:
    """Flat on REST and WS (the flatten proves both), then nothing left on the venue."""
    await steps.flatten_position(venue)
    await _nothing_left(venue)


async def test_stream_drop_mid_order(venue: VenueUnderTest) -> None:
    """The private stream closes while an order rests and then fills; nothing is lost.

    Sequence (simulator): limit bid alone at the best price, resting on both transports → arm a
    socket close on the next private stream message → the order is filled → the socket closes
    instead of delivering the fill → the connector reconnects, resubscribes and reconciles.
    Pass: a reconciliation completes after the drop; the order ends FILLED with the full size on
    the connector's view (its tracker, fed by the stream and reconciliation) and on REST (the lost
    message itself is never re-sent, so the raw WS view may stay behind); the lost execution is
    recovered (fills add up to the size); the position equals the size on REST and WS; then flat.
    """
    size = await steps.order_size(venue)
    tracker = await steps.rest_alone_at_best_bid(venue, size)
    seen = venue.connector.reconcile_count
    since = await steps.arm_fault(venue, "private_stream", "close", count=1)
    assert venue.control is not None
    await venue.control.take(venue.symbol, "buy", "1")
    await _check_applied(venue, "stream close", since)
    timeout = venue.config.tracking.settle_time + venue.config.tracking.timeout
    await _wait_reconciled(venue, seen, timeout)
    await steps.wait_state(tracker, {OrderState.FILLED}, venue.config.tracking.settle_time)
    await steps.check_fills_complete(venue, tracker)
    await _venue_agrees_filled(venue, tracker, size)
    await steps.wait_position(venue, size, Source.REST)
    await steps.wait_position(venue, size, Source.WS)
    await _close_and_flatten(venue)


async def test_lost_fill_message(venue: VenueUnderTest) -> None:
    """A partly filled order's last fill is lost on the stream; the periodic REST check finds it.

    Sequence (simulator): limit bid alone at the best price (twice the usual size) → half is taken
    (PARTIALLY_FILLED, its fill recorded) → drop the next order update and fill message (every
    stream the venue file lists under `order_stream` and `fill_stream`) → the rest is taken → no
    reconnect happens.
    Pass: the tracker reaches FILLED within reconcile_interval × 2 + settle_time (found by the
    periodic REST check, which re-reads partly filled orders as well as open ones); the lost
    execution itself comes back (the fills add up to the size, each once); filled equals the size
    exactly; the REST position is the size, not more; then flat.
    """
    assert venue.control is not None
    tracker, size = await steps.partly_filled_bid(venue)
    since = await steps.arm_fault(venue, "order_stream", "drop", count=1)
    await steps.arm_fault(venue, "fill_stream", "drop", count=1)
    await venue.control.take(venue.symbol, "buy", "1")
    await _check_applied(venue, "stream drop", since)
    await venue.control.clear_faults()  # only the messages of this fill are lost
    deadline = venue.config.tracking.reconcile_interval * 2 + venue.config.tracking.settle_time
    await steps.wait_state(tracker, {OrderState.FILLED}, deadline)
    await steps.check_fills_complete(venue, tracker)
    await _venue_agrees_filled(venue, tracker, size)
    await steps.wait_position(venue, size, Source.REST)
    assert tracker.filled == size, f"a later message double counted: filled {tracker.filled} of {size}"
    await _close_and_flatten(venue)


async def test_lost_position_update(venue: VenueUnderTest) -> None:
    """The stream's position update is lost; the REST position is still right.

    Sequence (simulator): limit bid alone at the best price → drop the next position message of
    the private stream (the venue file's `position_stream`) → the order is filled.
    Pass: the drop was injected; the order ends FILLED; the position read over REST is the size
    within settle_time (a "REST" read answered from the stream's cache stays at zero); then flat.
    """
    assert venue.control is not None
    size = await steps.order_size(venue)
    tracker = await steps.rest_alone_at_best_bid(venue, size)
    since = await steps.arm_fault(venue, "position_stream", "drop", count=1)
    await venue.control.take(venue.symbol, "buy", "1")
    await steps.wait_state(tracker, {OrderState.FILLED}, venue.config.tracking.settle_time)
    await _wait_applied(venue, "stream drop", since, venue.config.tracking.settle_time)
    await venue.control.clear_faults()
    await steps.wait_position(venue, size, Source.REST)
    await _close_and_flatten(venue)


async def test_duplicate_and_reordered_messages(venue: VenueUnderTest) -> None:
    """Order updates arrive twice and out of order; the tracker still ends right.

    Sequence (simulator): limit bid alone at the best price (twice the minimum) → arm: hold the
    next order update back (reorder) and duplicate the three after it → part of it is filled, in
    two trades → cancel. Two trades, so that every venue sends order updates after the one held
    back: a venue that reports a partial fill only as the fill (Hyperliquid's `orderUpdates` has no
    entry for it) sends one message per trade.
    Pass: both faults were injected; the order ends CANCELLED with exactly the partial fill on
    REST and WS; refused updates are only stale ones (recorded as anomalies, allowed); fills are
    not double counted; the position equals the partial fill on both transports.
    """
    market = await venue.connector.get_market_info(venue.symbol)
    size = market.round_size((await steps.order_size(venue)) * 2)
    tracker = await steps.rest_alone_at_best_bid(venue, size)
    since = await steps.arm_fault(venue, "order_stream", "reorder", count=1)
    await steps.arm_fault(venue, "order_stream", "duplicate", count=3)
    assert venue.control is not None
    taken = Decimal(0)
    for _ in range(2):
        taken += Decimal(str((await venue.control.take(venue.symbol, "buy", "0.25"))["taken"]))
        await steps.wait_for_filled(venue, tracker, taken)
    partial = tracker.filled
    assert 0 < partial == taken < size, f"expected a partial fill of {taken} of {size}, filled {partial}"
    await venue.connector.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED and tracker.filled == partial, (
        f"after cancel: {tracker.state.value}, filled {tracker.filled}; expected cancelled with {partial}"
    )
    await _check_applied(venue, "stream reorder", since)
    await _check_applied(venue, "stream duplicate", since)
    await steps.cross_check(venue, tracker, "after duplicates and reordering")
    assert tracker.filled == partial, f"filled {tracker.filled} after duplicates; {partial} was filled"
    await steps.check_fills_complete(venue, tracker)
    await steps.wait_position(venue, partial, Source.REST)
    await steps.wait_position(venue, partial, Source.WS)
    await _close_and_flatten(venue)


@pytest.mark.parametrize("fault", ["drop_response", "applied_then_503", "status_503"])
async def test_ambiguous_submit(venue: VenueUnderTest, fault: str) -> None:
    """A submit whose outcome the connector cannot see is settled by client id, never guessed.

    Sequence (simulator): drop_response — the simulator applies the order and drops the HTTP
    response; applied_then_503 — it applies the order and answers 503; status_503 — it answers 503
    without applying. A post-only bid away from the touch.
    Pass: drop_response and applied_then_503 — the submit is settled OPEN by the client-id query
    and the venue holds exactly one new order; status_503 — the order is OPEN with one order on the venue, or still
    SUBMITTING (ambiguous, not guessed), or FAILED only with no order on the venue. A cancel then
    settles it (CANCELLED, or FAILED once absence is proven) and nothing is left.
    """
    await steps.sim_account(venue)
    assert venue.control is not None
    size = await steps.order_size(venue)
    market = await venue.connector.get_market_info(venue.symbol)
    book = await venue.connector.top_of_book(venue.symbol)
    assert book.bid is not None
    price = market.passive_price(book.bid - 20 * market.tick_at(book.bid), Side.BUY)
    before = len(await venue.control.open_orders(venue.symbol))
    action = {"drop_response": "drop_response", "applied_then_503": "apply_then_status", "status_503": "status"}[fault]
    if fault == "drop_response":
        since = await steps.arm_fault(venue, "submit", action, count=1)
    else:
        since = await steps.arm_fault(venue, "submit", action, status=503, count=1)
    try:
        tracker = await venue.connector.submit_limit_order(venue.symbol, Side.BUY, size, price, post_only=True)
    except Exception as exc:  # a connector may raise with the tracker: its state must still be true
        found = getattr(exc, "tracker", None)
        if not isinstance(found, OrderTracker):
            raise
        tracker = found
    venue.record.track(tracker)
    await _check_applied(venue, f"rest {action}", since)
    on_venue = len(await venue.control.open_orders(venue.symbol)) - before
    if fault in ("drop_response", "applied_then_503"):
        assert tracker.state is OrderState.OPEN, f"applied order is {tracker.state.value}, expected OPEN"
    if tracker.state is OrderState.FAILED:
        assert on_venue == 0, "an order on the venue was marked FAILED by guess"
    elif tracker.state is OrderState.SUBMITTING:
        assert on_venue <= 1, f"venue holds {on_venue} orders for one submit"
    else:
        assert on_venue == 1 and not tracker.is_terminal, f"venue holds {on_venue}; tracker {tracker.state.value}"
        await steps.cross_check(venue, tracker, "settled")
    await venue.connector.cancel_order(tracker)  # settles a still-ambiguous one: CANCELLED, or FAILED if absent
    assert tracker.is_terminal, f"after the settling cancel the order is {tracker.state.value}"
    left = len(await venue.control.open_orders(venue.symbol)) - before
    assert left == 0, f"{left} order(s) of this submit still rest on the venue"
    await steps.check_zero_exposure(venue)


async def test_ambiguous_cancel(venue: VenueUnderTest) -> None:
    """A cancel whose response is lost is confirmed, not guessed.

    Sequence (simulator): a post-only bid away from the touch, resting → the simulator applies the
    cancel and drops the HTTP response.
    Pass: cancel_order returns with the order CANCELLED (confirmed by query or stream); REST and WS
    agree; the simulator's truth has no open order on the symbol.
    """
    await steps.sim_account(venue)
    assert venue.control is not None
    size = await steps.order_size(venue)
    tracker = await steps.submit_passive(venue, Side.BUY, size, ticks_away=20)
    since = await steps.arm_fault(venue, "cancel", "drop_response", count=1)
    await venue.connector.cancel_order(tracker)
    await _check_applied(venue, "rest drop_response", since)
    assert tracker.state is OrderState.CANCELLED, f"cancel ended {tracker.state.value}"
    await steps.cross_check(venue, tracker, "after the ambiguous cancel")
    left = await venue.control.open_orders(venue.symbol)
    assert left == [], f"the venue still holds {left}"
    await steps.check_zero_exposure(venue)


#: The longest the simulator holds the cancel request. The scenario waits for the simulator's word
#: that it holds it, fills the order, then releases it (signals both ways): this only bounds a run
#: that fails before it releases.
CANCEL_HELD_MAX_S = 5.0


async def test_cancel_races_fill(venue: VenueUnderTest) -> None:
    """A cancel the venue answers after the order filled is not taken for a cancel.

    Sequence (simulator): limit bid alone at the best price → the order's stream messages are
    lost from here on (order and fill streams) → cancel: the simulator holds the request → the
    order is filled meanwhile → the request is let go and the venue answers the cancel (an ack, or
    "not found").
    Pass: cancel_order returns with the order FILLED with its full size — confirmed by asking the
    venue, not assumed from the cancel's answer — and its execution recovered; REST agrees; the
    position is the size on REST; then flat.
    """
    assert venue.control is not None
    size = await steps.order_size(venue)
    tracker = await steps.rest_alone_at_best_bid(venue, size)
    await steps.arm_fault(venue, "order_stream", "drop", count=None)
    await steps.arm_fault(venue, "fill_stream", "drop", count=None)
    since = await steps.arm_fault(venue, "cancel", "hold", delay=CANCEL_HELD_MAX_S, count=1)
    cancel = asyncio.create_task(venue.connector.cancel_order(tracker))
    try:
        await _wait_applied(venue, "rest hold", since, venue.config.tracking.settle_time)
        await venue.control.take(venue.symbol, "buy", "1")
    finally:
        await venue.control.release_held()
        await asyncio.wait([cancel])
    await venue.control.clear_faults()
    cancel.result()
    assert tracker.state is OrderState.FILLED, f"the venue filled the order; the connector says {tracker.state.value}"
    assert tracker.filled == size, f"filled {tracker.filled} of {size}"
    await steps.check_fills_complete(venue, tracker)
    await _venue_agrees_filled(venue, tracker, size)
    await steps.wait_position(venue, size, Source.REST)
    await _close_and_flatten(venue)


async def test_rate_limited(venue: VenueUnderTest) -> None:
    """A 429 with Retry-After on submit: the connector waits as told, then succeeds, without a burst.

    Sequence (simulator): clear the request log → the next submit is answered 429 with
    Retry-After: 1 (not applied) → the connector waits and sends it again.
    Pass: the order ends OPEN; the request log holds exactly two submits (the refused one and the
    retry), at least Retry-After apart; exactly one order on the venue; then nothing is left.
    """
    await steps.sim_account(venue)
    assert venue.control is not None
    retry_after = 1  # Retry-After counts whole seconds; 1 is the shortest that proves the connector waits as told
    size = await steps.order_size(venue)
    await venue.control.clear_requests()
    (target,) = venue.config.fault_targets("submit")[:1]
    since = await steps.arm_fault(venue, "submit", "status", status=429, retry_after=retry_after, count=1)
    tracker = await steps.submit_passive(venue, Side.BUY, size, ticks_away=20)
    await _check_applied(venue, "rest status", since)
    submits = [
        r
        for r in await venue.control.requests()
        if r["method"] == (target.method or r["method"]) and fnmatch.fnmatchcase(r["path"], target.path or "")
    ]
    statuses = [r["status"] for r in submits]
    assert len(submits) == 2, f"expected the 429 and one retry, saw {len(submits)} submits: {statuses}"
    assert statuses[0] == 429 and statuses[1] < 400, f"submit statuses {statuses}"
    gap = submits[1]["ts"] - submits[0]["ts"]
    assert gap >= retry_after * 0.95, f"retried after {gap:.3f}s; Retry-After said {retry_after}s"
    resting = len(await venue.control.open_orders(venue.symbol))
    assert resting == 1, f"the venue holds {resting} orders for one submit"
    await venue.connector.cancel_order(tracker)
    await steps.check_zero_exposure(venue)


def _corrupt(value: str) -> str:
    """The same secret with one character changed to another of its kind (format stays valid)."""
    index = len(value) // 2
    for i in [*range(index, len(value)), *range(index)]:
        c = value[i]
        if c.isdigit():
            return value[:i] + str((int(c) + 1) % 10) + value[i + 1 :]
        for alphabet in ("abcdef", "ABCDEF", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
            if c in alphabet:
                return value[:i] + alphabet[(alphabet.index(c) + 1) % len(alphabet)] + value[i + 1 :]
    raise AssertionError("the secret has no character to corrupt")


async def test_bad_credentials(venue: VenueUnderTest) -> None:
    """A wrong key gives a clear AuthError at start, with no retry storm and no secret in it.

    Sequence (simulator): a second connector with every credential corrupted by one character →
    start it.
    Pass: start raises AuthError within the start timeout; its message names no secret (neither the
    right one nor the wrong one); the simulator saw at most 5 requests refused for auth; the
    connector is stopped; the good connector is unaffected.
    """
    assert venue.control is not None
    good = venue.connector.config
    bad = {name: Secret(_corrupt(secret.reveal()), name) for name, secret in good.credentials.items()}
    config = dataclasses.replace(good, credentials=bad, start_timeout=venue.config.tracking.timeout)
    await venue.control.clear_requests()
    connector = type(venue.connector)(config)
    started = loop_time()
    with pytest.raises(AuthError) as caught:
        await connector.start()
    elapsed = loop_time() - started
    await connector.stop()
    message = str(caught.value)
    assert message, "the AuthError says nothing"
    for secrets in (good.credentials, bad):
        for secret in secrets.values():
            if len(secret.reveal()) >= 6:
                assert secret.reveal() not in message, "the AuthError shows a secret"
    denied = [r for r in await venue.control.requests() if r["auth"] == "denied"]
    assert len(denied) <= 5, f"retry storm: {len(denied)} requests refused for auth in {elapsed:.1f}s"
    assert not connector.started, "the connector with bad keys is still running"
    venue.connector.health()
    await steps.check_zero_exposure(venue)


_Top = tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]  # bid, bid size, ask, ask size


async def _true_top(venue: VenueUnderTest) -> _Top:
    """The simulator's own best bid and ask with their sizes (the engine's book, not a stream)."""
    assert venue.control is not None
    book = await venue.control.book(venue.symbol)
    bids, asks = book.get("bids") or [], book.get("asks") or []
    bid = (Decimal(str(bids[0]["price"])), Decimal(str(bids[0]["size"]))) if bids else (None, None)
    ask = (Decimal(str(asks[0]["price"])), Decimal(str(asks[0]["size"]))) if asks else (None, None)
    return (*bid, *ask)


def _shown_top(venue: VenueUnderTest) -> _Top | None:
    ws = venue.connector.books_ws.get(venue.symbol)
    return None if ws is None else (ws.bid, ws.bid_size, ws.ask, ws.ask_size)


def _show(top: _Top | None) -> str:
    return "none" if top is None else f"bid {top[0]} x {top[1]} / ask {top[2]} x {top[3]}"


def _same_top(shown: _Top | None, truth: _Top) -> bool:
    """Prices always; sizes where the connector's top carries them."""
    if shown is None or (shown[0], shown[2]) != (truth[0], truth[2]):
        return False
    return (shown[1] is None or shown[1] == truth[1]) and (shown[3] is None or shown[3] == truth[3])


async def _book_wait(venue: VenueUnderTest, done: Callable[[], Awaitable[bool]], timeout: float) -> bool:
    """Until `done()` holds (False once `timeout` passed): checked on every change of the connector's
    top and at least every 50 ms, as what the simulator reports has no signal here."""
    deadline = loop_time() + timeout
    signal = venue.connector.book_changed_signal(venue.symbol)
    while True:
        seen = signal.version
        if await done():
            return True
        remaining = deadline - loop_time()
        if remaining <= 0:
            return False
        await wait_any([(signal, seen)], min(remaining, 0.05))


async def _wait_top(venue: VenueUnderTest, truth: _Top, what: str) -> None:
    async def shown() -> bool:
        return _same_top(_shown_top(venue), truth)

    if not await _book_wait(venue, shown, venue.config.tracking.settle_time):
        raise AssertionError(f"WS top {_show(_shown_top(venue))} is not the venue's {_show(truth)} {what}")


async def _injected_everywhere(venue: VenueUnderTest, action: str, since: int, times: int = 1) -> bool:
    """Whether the simulator injected `action` at least `times` on every stream of the venue file's
    `book_stream` since `since` (its log reads "stream <action> <channel> <kind>")."""
    applied = [entry.split(" ", 3) for entry in (await steps.faults_applied(venue))[since:]]
    hits = [p[2:] for p in applied if len(p) == 4 and p[:2] == ["stream", action]]
    return all(
        sum(fnmatch.fnmatchcase(c, t.channel or "*") and fnmatch.fnmatchcase(k, t.kind or "*") for c, k in hits)
        >= times
        for t in venue.config.fault_targets("book_stream")
    )


async def _until_injected(venue: VenueUnderTest, action: str, since: int, failure: str) -> None:
    """Wait (settle_time at most) until the simulator injected `action` on every book stream since
    `since`; AssertionError "<venue>: <failure>" if it did not."""

    async def injected() -> bool:
        return await _injected_everywhere(venue, action, since)

    if not await _book_wait(venue, injected, venue.config.tracking.settle_time):
        raise AssertionError(f"{venue.name}: {failure}")


async def _quiet_book(venue: VenueUnderTest) -> tuple[list[str], _Top]:
    """Freeze the market under test and the venue's second one (no other book message can come),
    re-quote the ladder, wait until every book stream has sent that change and the connector shows
    the venue's top. Returns the symbols frozen, and that top."""
    assert venue.control is not None
    frozen = [s for s in (venue.symbol, venue.config.second_symbol) if s]
    for symbol in frozen:
        await venue.control.freeze(symbol)
    try:
        # Re-quote a full ladder first: a level an earlier scenario took part of would otherwise be
        # cancelled and placed again at the first move — a real, not a stale, step back of the top.
        # Up a tick and back is a change every book stream sends, and the marker on each stream's
        # next message says when it left: a connector whose top comes from a real-time best bid/ask
        # (Aster's bookTicker) shows the new top before its aggregated depth update has even been
        # sent, and a fault armed then would drop that update with the scenario's own.
        since = await steps.arm_fault(venue, "book_stream", "delay", delay=0, count=1)
        await venue.control.move_touch(venue.symbol, 1)
        await venue.control.move_touch(venue.symbol, -1)
        await _until_injected(venue, "delay", since, "the re-quoted ladder was not sent on every book stream")
        await venue.control.clear_faults()
        truth = await _true_top(venue)
        await _wait_top(venue, truth, "before the scenario's first step")
    except BaseException:
        for other in frozen[1:]:  # the scenario's own market is unfrozen after every scenario
            await venue.control.unfreeze(other)
        raise
    return frozen, truth


def _record_tops(venue: VenueUnderTest) -> tuple[list[_Top], Subscription]:
    """Every top of book the connector publishes for the symbol from now on, in order (its bus)."""
    tops: list[_Top] = []

    def on_book(event: Event) -> None:
        top = event.payload
        if top.symbol == venue.symbol:
            tops.append((top.bid, top.bid_size, top.ask, top.ask_size))

    return tops, venue.connector.bus.subscribe(on_book, [EventKind.BOOK], name="conformance-book-tops")


async def _recorded(venue: VenueUnderTest, subscription: Subscription) -> None:
    """Stop recording once everything published so far reached the recorder."""
    try:
        await venue.connector.bus.drain()
    finally:
        venue.connector.bus.unsubscribe(subscription)


async def test_book_gap(venue: VenueUnderTest) -> None:
    """A lost book update is detected and the local book resyncs; the WS top is the venue's.

    Sequence (simulator): freeze the market (and the second one) → the connector shows the venue's
    top → drop every book message (the venue file's `book_stream`, every entry) → the whole best bid
    is taken (the lost update removes the best level) → half the best ask is taken → wait until the
    simulator reports a drop on every book stream after the bid was taken (so that update is surely
    lost, even where book updates go out on a clock) → stop dropping → half the best ask is taken
    again (the next update through shows the gap; none touches the taken bid's level) → once the
    simulator reports that update sent, half the new best bid is taken (its update comes behind it).
    Pass: within settle_time the connector's WS top equals the simulator's book (bid, ask and their
    sizes); every top it published meanwhile is one the venue's book really had (a book that applies
    updates across the gap keeps the taken bid beside the new ask size: a top that never existed).
    """
    assert venue.control is not None
    control, symbol = venue.control, venue.symbol
    frozen, start = await _quiet_book(venue)
    tops, subscription = _record_tops(venue)
    try:
        truths = [start]
        await steps.arm_fault(venue, "book_stream", "drop", count=None)
        await control.take(symbol, "buy", "1")
        truths.append(await _true_top(venue))
        after_take = len(await steps.faults_applied(venue))
        await control.take(symbol, "sell", "0.5")
        truths.append(await _true_top(venue))
        lost = "the simulator did not drop a book message on every book stream"
        await _until_injected(venue, "drop", after_take, lost)
        await control.clear_faults()
        since = await steps.arm_fault(venue, "book_stream", "delay", delay=0, count=1)  # marks the next one sent
        await control.take(symbol, "sell", "0.5")
        truths.append(await _true_top(venue))
        await _until_injected(venue, "delay", since, "the update after the gap was not sent on every book stream")
        await control.take(symbol, "buy", "0.5")
        truths.append(await _true_top(venue))
        await _wait_top(venue, truths[-1], "after a book gap")
    finally:
        await _recorded(venue, subscription)
        for other in frozen[1:]:
            await control.unfreeze(other)
    never = [top for top in tops if not any(_same_top(top, truth) for truth in truths)]
    had = "; ".join(map(_show, truths))
    assert not never, f"published a top the venue's book never had: {_show(never[0])} (the venue's: {had})"
    await _nothing_left(venue)


async def test_reordered_book_messages(venue: VenueUnderTest) -> None:
    """Book messages arrive out of order while the touch moves up; the top never steps back.

    Sequence (simulator): freeze the market (and the second one) → the connector shows the venue's
    top → hold back book messages two at a time on every stream of the venue file's `book_stream`
    (depth updates and, where the connector reads one, the real-time best bid/ask), each sent after
    the message that follows it → move the touch up one tick at a time until every hold was
    injected → twice more (the held messages go out, then one more behind them).
    Pass: every hold was injected; within settle_time of the last move the connector's WS top equals
    the simulator's book (bid, ask and their sizes); the touch only rose, so no top the connector
    published has a bid or an ask below one it published before (that top came from an older message).
    """
    assert venue.control is not None
    control, symbol = venue.control, venue.symbol
    holds = 2
    frozen, start = await _quiet_book(venue)
    tops, subscription = _record_tops(venue)
    try:
        since = await steps.arm_fault(venue, "book_stream", "reorder", count=holds)
        moves = 0
        while not await _injected_everywhere(venue, "reorder", since, holds):
            if moves == 10:
                raise AssertionError(f"{venue.name}: {moves} moves of the touch and the holds were not all injected")
            seen = len(await steps.faults_applied(venue))
            await control.move_touch(symbol, 1)
            moves += 1

            async def held(seen: int = seen) -> bool:
                return len(await steps.faults_applied(venue)) > seen

            await _book_wait(venue, held, venue.config.tracking.settle_time)  # paces the moves: no verdict
        for _ in range(2):
            await control.move_touch(symbol, 1)
            await _wait_top(venue, await _true_top(venue), "after reordered book messages")
    finally:
        await _recorded(venue, subscription)
        for other in frozen[1:]:
            await control.unfreeze(other)
    high_bid, high_ask = start[0], start[2]
    for top in tops:
        bid, ask = top[0], top[2]
        assert bid is not None and ask is not None, f"published an empty side ({_show(top)}) while the touch moved"
        assert (high_bid is None or bid >= high_bid) and (high_ask is None or ask >= high_ask), (
            f"the top stepped back to {_show(top)} after showing bid {high_bid} / ask {high_ask}: an older message won"
        )
        high_bid, high_ask = max(bid, high_bid or bid), max(ask, high_ask or ask)
    await _nothing_left(venue)


async def test_restart_with_open_order(venue: VenueUnderTest) -> None:
    """A restarted connector adopts the run's resting order and open position; the janitor flattens.

    Sequence (simulator): enter long at the touch → a post-only ask far from the touch rests →
    stop the connector → a new connector with the same client-id generator starts.
    Pass: at start it adopts the resting order (same client id, OPEN on the tracker and on REST) and
    reads the position; the janitor cancels (confirmed) and flattens; the simulator's truth then
    shows no order and no position for the account.
    """
    size = await steps.order_size(venue)
    await steps.enter_at_touch(venue, Side.BUY, size)
    await steps.wait_position(venue, size, Source.REST)
    resting = await steps.submit_passive(venue, Side.SELL, size, ticks_away=20)
    old = venue.connector
    await old.stop()
    new = type(old)(old.config, client_ids=old.client_ids)
    venue.connector = new
    try:
        await new.start()
        await steps.wait_for_book(new, venue.symbol, venue.config.tracking.timeout)
        adopted = new.orders.find(resting.client_id, resting.venue_id)
        assert adopted is not None, f"the restarted connector did not adopt {resting.client_id}"
        assert adopted.state is OrderState.OPEN, f"adopted order is {adopted.state.value}"
        rest = await new.get_order(venue.symbol, client_id=resting.client_id)
        assert rest.state is OrderState.OPEN, f"REST says the adopted order is {rest.state.value}"
        position = (await new.get_position(venue.symbol)).size
        assert position == size, f"the restarted connector reads a position of {position}, not {size}"
        await steps.janitor(venue)
        assert adopted.state is OrderState.CANCELLED, f"the janitor left the adopted order {adopted.state.value}"
        orders, positions = await steps.sim_exposure(venue)
        assert orders == [] and positions == [], f"left on the venue: orders {orders}, positions {positions}"
    finally:
        venue.connector = old
        await new.stop()


async def test_fault_run_residue(venue: VenueUnderTest) -> None:
    """After the whole fault run, the venue holds nothing of ours: the reliability figure.

    Sequence (simulator): read the simulator's truth for the connector's account.
    Pass: no open order (orphan) on any market and no position (residue).
    """
    orders, positions = await steps.sim_exposure(venue)
    print(f"RESIDUE {venue.name}: orphan_orders={len(orders)} residual_positions={len(positions)}")
    assert orders == [] and positions == [], f"orphans {orders}, residual positions {positions}"
