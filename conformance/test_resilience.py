"""Resilience: the simulator injects faults (venue file `simulator.faults` says where) and the
connector must survive them without losing, doubling or guessing an order. Simulator only."""

from __future__ import annotations

import dataclasses
import fnmatch
from decimal import Decimal

import pytest

from xtb.clock import loop_time
from xtb.conformance import steps
from xtb.conformance.steps import VenueUnderTest
from xtb.errors import AuthError
from xtb.execution.tracker import OrderTracker
from xtb.model import OrderState, Side, Source
from xtb.notify import wait_any
from xtb.secrets import Secret

pytestmark = pytest.mark.sim_only


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
    steps.check_order_invariants(tracker)


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


async def _close_and_flatten(venue: VenueUnderTest) -> None:
    await steps.flatten_position(venue)
    await steps.check_zero_exposure(venue)


async def test_stream_drop_mid_order(venue: VenueUnderTest) -> None:
    """The private stream closes while an order rests and then fills; nothing is lost.

    Sequence (simulator): limit bid alone at the best price, resting on both transports → arm a
    socket close on the next private stream message → the order is filled → the socket closes
    instead of delivering the fill → the connector reconnects, resubscribes and reconciles.
    Pass: a reconciliation completes after the drop; the order ends FILLED with the full size on
    the connector's view (its tracker, fed by the stream and reconciliation) and on REST (the lost
    message itself is never re-sent, so the raw WS view may stay behind); the position equals the
    size on REST and WS; then flat.
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
    await _venue_agrees_filled(venue, tracker, size)
    await steps.wait_position(venue, size, Source.REST)
    await steps.wait_position(venue, size, Source.WS)
    await _close_and_flatten(venue)


async def test_lost_fill_message(venue: VenueUnderTest) -> None:
    """The fill's stream message is lost; REST reconciliation finds it within the venue's deadline.

    Sequence (simulator): limit bid alone at the best price → drop the next fill message(s) (every
    stream the venue file lists under `fill_stream`) → the order is filled → no reconnect happens.
    Pass: the tracker reaches FILLED within reconcile_interval × 2 + settle_time (found by the
    periodic REST reconcile); filled equals the size exactly (no double count, fills consistent);
    the REST position is the size, not more; then flat.
    """
    size = await steps.order_size(venue)
    tracker = await steps.rest_alone_at_best_bid(venue, size)
    since = await steps.arm_fault(venue, "fill_stream", "drop", count=1)
    assert venue.control is not None
    await venue.control.take(venue.symbol, "buy", "1")
    await _check_applied(venue, "stream drop", since)
    deadline = venue.config.tracking.reconcile_interval * 2 + venue.config.tracking.settle_time
    await steps.wait_state(tracker, {OrderState.FILLED}, deadline)
    await _venue_agrees_filled(venue, tracker, size)
    await steps.wait_position(venue, size, Source.REST)
    assert tracker.filled == size, f"a later message double counted: filled {tracker.filled} of {size}"
    await _close_and_flatten(venue)


async def test_duplicate_and_reordered_messages(venue: VenueUnderTest) -> None:
    """Order updates arrive twice and out of order; the tracker still ends right.

    Sequence (simulator): limit bid alone at the best price (twice the minimum) → arm: hold the
    next order update back (reorder) and duplicate the three after it → half is filled → cancel.
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
    await venue.control.take(venue.symbol, "buy", "0.5")
    await steps.wait_state(
        tracker, {OrderState.PARTIALLY_FILLED, OrderState.FILLED}, venue.config.tracking.settle_time * 2
    )
    partial = tracker.filled
    assert 0 < partial < size, f"expected a partial fill of {size}, filled {partial}"
    await venue.connector.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED and tracker.filled == partial
    await _check_applied(venue, "stream reorder", since)
    await _check_applied(venue, "stream duplicate", since)
    await steps.cross_check(venue, tracker, "after duplicates and reordering")
    assert tracker.filled == partial and (not tracker.fills or tracker.fills_total == partial)
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
    price = market.passive_price(book.bid - 20 * market.tick_size, Side.BUY)
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
    assert tracker.is_terminal
    assert len(await venue.control.open_orders(venue.symbol)) == before
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
    assert await venue.control.open_orders(venue.symbol) == []
    await steps.check_zero_exposure(venue)


async def test_rate_limited(venue: VenueUnderTest) -> None:
    """A 429 with Retry-After on submit: the connector waits as told, then succeeds, without a burst.

    Sequence (simulator): clear the request log → the next submit is answered 429 with
    Retry-After: 1 (not applied) → the connector waits and sends it again.
    Pass: the order ends OPEN; the request log holds exactly two submits (the refused one and the
    retry), at least Retry-After apart; exactly one order on the venue; then nothing is left.
    """
    await steps.sim_account(venue)
    assert venue.control is not None
    retry_after = 1
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
    assert len(await venue.control.open_orders(venue.symbol)) == 1
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
    assert not connector.started
    venue.connector.health()
    await steps.check_zero_exposure(venue)


async def test_book_gap(venue: VenueUnderTest) -> None:
    """A dropped book update is detected and the local book resyncs; the WS touch is the truth.

    Sequence (simulator): freeze the market → drop the next book update → move the touch (the
    update carrying it is lost; some venues send book updates on a clock, so wait until the
    simulator reports the drop) → move it again (the next update shows the gap).
    Pass: the drop was injected; within settle_time the connector's WS top of book equals the
    simulator's book (best bid and ask).
    """
    assert venue.control is not None
    await venue.control.freeze(venue.symbol)
    since = await steps.arm_fault(venue, "book_stream", "drop", count=1)
    await venue.control.move_touch(venue.symbol, 3)
    await _wait_applied(venue, "stream drop", since, venue.config.tracking.settle_time)
    await venue.control.move_touch(venue.symbol, -1)  # the update after the lost one
    deadline = loop_time() + venue.config.tracking.settle_time
    while True:
        truth = await venue.control.book(venue.symbol)
        bids, asks = truth.get("bids") or [], truth.get("asks") or []
        true_bid = Decimal(str(bids[0]["price"])) if bids else None
        true_ask = Decimal(str(asks[0]["price"])) if asks else None
        ws = venue.connector.books_ws.get(venue.symbol)
        if ws is not None and (ws.bid, ws.ask) == (true_bid, true_ask):
            break
        if loop_time() >= deadline:
            shown = None if ws is None else (ws.bid, ws.ask)
            raise AssertionError(f"WS top {shown} is not the venue's {(true_bid, true_ask)} after a book gap")
        signal = venue.connector.book_changed_signal(venue.symbol)
        await wait_any([(signal, signal.version)], 0.1)
    await steps.check_zero_exposure(venue)


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
        assert (await new.get_position(venue.symbol)).size == size
        await steps.janitor(venue)
        assert adopted.state is OrderState.CANCELLED
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
