"""The Backpack connector against the Backpack simulator over loopback: every helper end to end, the
venue's refusals, a dropped account socket and a lost depth message."""

from __future__ import annotations

import asyncio
import base64
import os
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.backpack.conftest import SOL, TIMEOUT, start_backpack
from tests.waiting import eventually
from xtb.connectors.backpack import BackpackConnector
from xtb.connectors.config import ConnectorConfig, ReconnectPolicy
from xtb.errors import AuthError, ConfigError, PostOnlyWouldCross, VenueRejected
from xtb.execution.flatten import flatten, verify_flat
from xtb.execution.handles import TrackingStatus
from xtb.execution.tracking_limit import place_tracking_limit_order
from xtb.model import Liquidity, OrderSnapshot, OrderState, Side, Source, TimeInForce
from xtb.orders.tracker import Anomaly, OrderTracker
from xtb.secrets import Secret
from xtb.sim.server import SimHandle

D = Decimal


def config(sim: SimHandle, secret: str | None = None) -> ConnectorConfig:
    return ConnectorConfig(
        venue="backpack",
        rest_url=sim.urls["rest"],
        ws_url=sim.urls["ws"],
        credentials={"api_secret": Secret(secret or sim.account["api_secret"], "api_secret")},
        symbols=(SOL,),
        environment="simulator",
        request_timeout=TIMEOUT,
        start_timeout=TIMEOUT,
        cancel_wait=TIMEOUT,
        reconnect=ReconnectPolicy(initial=0.05, maximum=0.5),
    )


@pytest.fixture
async def bp(sim: SimHandle) -> AsyncIterator[BackpackConnector]:
    sim.control.set_mid(SOL, "150")  # best bid 149.99, best ask 150.01, nothing in between
    connector = BackpackConnector(config(sim))
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


def account(sim: SimHandle) -> str:
    return sim.frontend.test_account


async def ws_seen(tracker: OrderTracker, state: OrderState) -> None:
    """Wait for the stream's view of the order to reach `state`. Polled: a view that repeats the
    tracker's state is stored without moving `tracker.changed`."""

    def seen() -> bool:
        view = tracker.views.get(Source.WS)
        return view is not None and view.state is state

    await eventually(seen, what=f"WS view {state.value} of {tracker!r}")


# --------------------------------------------------------------------------------- start-up, data


async def test_start_syncs_the_clock_then_checks_status_and_keys(sim: SimHandle, bp: BackpackConnector) -> None:
    assert abs(bp.rest.clock_offset_ms) < 1000
    calls = [(r.method, r.path, r.auth, r.status) for r in sim.frontend.request_log.records()]
    assert calls[:3] == [
        ("GET", "/api/v1/time", "public", 200),
        ("GET", "/api/v1/status", "public", 200),
        ("GET", "/api/v1/account", "ok", 200),
    ]
    assert bp.streams_live and bp.health()["streams"] == {"market": True, "account": True}
    assert {c["path"] for c in sim.control.streams()} == {"/"}


async def test_market_info_and_decimals(bp: BackpackConnector) -> None:
    info = await bp.get_market_info(SOL)
    assert (info.tick_size, info.step_size, info.min_size, info.min_notional) == (D("0.01"), D("0.01"), D("0.01"), 0)
    assert await bp.get_price_size_decimals(SOL) == (2, 2)
    assert await bp.get_price_size_decimals("BTC_USDC_PERP") == (1, 5)


async def test_rest_and_ws_top_of_book_agree(sim: SimHandle, bp: BackpackConnector) -> None:
    truth = sim.engine.top_of_book(SOL)
    rest = await bp.get_top_of_book(SOL, Source.REST)
    ws = await bp.get_top_of_book(SOL, Source.WS)
    assert (rest.bid, rest.bid_size, rest.ask, rest.ask_size) == (truth.bid, truth.bid_size, truth.ask, truth.ask_size)
    assert (ws.bid, ws.bid_size, ws.ask, ws.ask_size) == (truth.bid, truth.bid_size, truth.ask, truth.ask_size)
    assert (rest.bid, rest.ask) == (D("149.99"), D("150.01"))


# ------------------------------------------------------------------------------------------ orders


async def test_post_only_limit_rests_and_shows_on_ws_and_rest(sim: SimHandle, bp: BackpackConnector) -> None:
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("149.99"))
    assert tracker.state is OrderState.OPEN and tracker.venue_id is not None
    await ws_seen(tracker, OrderState.OPEN)
    snap = await bp.get_order(SOL, venue_id=tracker.venue_id)
    assert (snap.state, snap.client_id, snap.size, snap.price) == (
        OrderState.OPEN,
        tracker.client_id,
        D(1),
        D("149.99"),
    )
    assert [o.client_id for o in await bp.get_open_orders(SOL)] == [tracker.client_id]
    (resting,) = sim.control.open_orders(account(sim))
    assert (resting.client_id, str(resting.price)) == (int(tracker.client_id), "149.99")
    assert not tracker.anomalies


async def test_partial_fill_seen_on_rest_and_ws_then_cancel(sim: SimHandle, bp: BackpackConnector) -> None:
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("150.00"))  # alone at the new best bid
    sim.control.take(SOL, "buy", "0.5")
    await tracker.wait_for(lambda t: t.filled == D("0.5"), TIMEOUT)
    assert tracker.state is OrderState.PARTIALLY_FILLED
    await ws_seen(tracker, OrderState.PARTIALLY_FILLED)
    assert tracker.views[Source.WS].filled == D("0.5")
    (fill,) = tracker.fills.values()
    assert (fill.price, fill.size, fill.fee, fill.source) == (D("150.00"), D("0.50"), D("0.015"), Source.WS)
    snap = await bp.get_order(SOL, client_id=tracker.client_id)
    assert (snap.state, snap.filled, snap.avg_fill_price) == (OrderState.PARTIALLY_FILLED, D("0.5"), D("150"))
    await bp.cancel_order(tracker)
    assert (tracker.state, tracker.filled) == (OrderState.CANCELLED, D("0.5"))
    await ws_seen(tracker, OrderState.CANCELLED)
    assert tracker.fills_consistent and not tracker.anomalies


async def test_cancel_is_confirmed_on_both_transports(sim: SimHandle, bp: BackpackConnector) -> None:
    tracker = await bp.submit_limit_order(SOL, Side.SELL, D("2"), D("150.05"))
    await bp.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED
    await ws_seen(tracker, OrderState.CANCELLED)
    assert sim.control.open_orders(account(sim)) == []


async def test_cancel_by_client_id_when_no_venue_id_is_known(sim: SimHandle, bp: BackpackConnector) -> None:
    cid = bp.client_ids.next()
    view = sim.engine.submit(account(sim), SOL, Side.BUY, D("1"), price=D("149.50"), client_id=int(cid))
    snap = OrderSnapshot(SOL, OrderState.OPEN, Source.REST, client_id=cid, side=Side.BUY, size=D(1), price=D("149.50"))
    tracker = bp.adopt(snap)  # e.g. found after a restart, with only our client id
    assert tracker.venue_id is None
    await bp.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED
    assert tracker.venue_id == sim.frontend.state.order_id(view.order_id)  # learnt from the cancel's answer
    assert sim.control.open_orders(account(sim)) == []


async def test_post_only_that_would_cross_fails(sim: SimHandle, bp: BackpackConnector) -> None:
    with pytest.raises(PostOnlyWouldCross) as caught:
        await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("150.01"))
    tracker = caught.value.tracker
    assert tracker.state is OrderState.FAILED and tracker.venue_id is None
    assert "immediately match" in tracker.reason
    assert sim.control.open_orders(account(sim)) == []


async def test_query_by_client_id_finds_a_closed_order_in_history(sim: SimHandle, bp: BackpackConnector) -> None:
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("149.90"))
    await bp.cancel_order(tracker)
    snap = await bp.get_order(SOL, client_id=tracker.client_id)  # 404 on /order, then history
    assert (snap.state, snap.venue_id, snap.client_id) == (OrderState.CANCELLED, tracker.venue_id, tracker.client_id)
    assert isinstance(snap.raw["createdAt"], str)  # it came from /wapi/v1/history/orders
    paths = [r.path for r in sim.frontend.request_log.records()[-2:]]
    assert paths == ["/api/v1/order", "/wapi/v1/history/orders"]


def contradictions(tracker: OrderTracker) -> list[Anomaly]:
    """Refused updates that contradict the order; stale ones (the transport that lost the race
    reporting an earlier state) are expected and recorded."""
    return [a for a in tracker.anomalies if not a.stale]


async def test_reduce_only_market_without_position_fails(bp: BackpackConnector) -> None:
    tracker = await bp.submit_market_order(SOL, Side.SELL, D("1"), reduce_only=True)
    assert tracker.state is OrderState.FAILED and tracker.filled == 0
    assert tracker.views[Source.REST].venue_status == "Expired"
    await eventually(lambda: Source.WS in tracker.views and tracker.views[Source.WS].venue_status == "Expired")
    assert tracker.views[Source.WS].reason == "ReduceOnlyNotReduced"
    assert tracker.reason == "ReduceOnlyNotReduced" and not contradictions(tracker)  # a late orderAccepted is stale


@pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
async def test_unfilled_ioc_and_fok_end_cancelled_on_both_transports(bp: BackpackConnector, tif: TimeInForce) -> None:
    """The POST answer says only `Expired`; its reason (read from history) makes it CANCELLED, as
    the stream's orderExpired says, not FAILED."""
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("149.00"), post_only=False, time_in_force=tif)
    assert (tracker.state, tracker.filled) == (OrderState.CANCELLED, 0)
    assert tracker.reason == ("ImmediateOrCancel" if tif is TimeInForce.IOC else "FillOrKill")
    await ws_seen(tracker, OrderState.CANCELLED)
    assert not tracker.anomalies


async def test_partly_filled_ioc_books_its_fills_and_ends_cancelled(sim: SimHandle, bp: BackpackConnector) -> None:
    size = sim.engine.top_of_book(SOL).ask_size
    tracker = await bp.submit_limit_order(
        SOL, Side.BUY, size + D(1), D("150.01"), post_only=False, time_in_force=TimeInForce.IOC
    )
    assert (tracker.state, tracker.filled, tracker.views[Source.REST].venue_status) == (
        OrderState.CANCELLED, size, "Expired",
    )  # fmt: skip
    await ws_seen(tracker, OrderState.CANCELLED)
    await eventually(lambda: tracker.fills_consistent, what="the fill arrived on the stream")
    assert not tracker.anomalies


async def test_market_orders_leave_no_anomaly_whichever_transport_wins(bp: BackpackConnector) -> None:
    trackers = [await bp.submit_market_order(SOL, side, D("0.5")) for side in (Side.BUY, Side.SELL) * 3]
    for tracker in trackers:
        assert tracker.state is OrderState.FILLED
        await ws_seen(tracker, OrderState.FILLED)
        await eventually(lambda t=tracker: t.fills_consistent, what="fills on the stream")
    assert [contradictions(t) for t in trackers] == [[]] * len(trackers)


async def test_an_order_answer_older_than_the_stream_is_not_an_anomaly() -> None:
    """The POST answer (New) arrives after the stream already reported a fill of the order."""
    sim = await start_backpack(rest_delay_ms=300)
    try:
        sim.control.set_mid(SOL, "150")
        connector = BackpackConnector(config(sim))
        await connector.start()
        try:
            submit = asyncio.create_task(connector.submit_limit_order(SOL, Side.BUY, D("1"), D("150.00")))
            await eventually(lambda: bool(sim.control.open_orders(account(sim))), what="order resting")
            sim.control.take(SOL, "buy", "0.5")
            tracker = await submit
            assert not submit.cancelled() and tracker.filled == D("0.5")
            await ws_seen(tracker, OrderState.PARTIALLY_FILLED)
            assert tracker.state is OrderState.PARTIALLY_FILLED and not contradictions(tracker)
            # the late POST answer (New, filled 0) is kept as REST's view and recorded as stale
            assert tracker.views[Source.REST].filled == 0
            assert [a.kind.value for a in tracker.anomalies] == ["filled_regression"]
            await connector.cancel_order(tracker)
        finally:
            await connector.stop()
    finally:
        await sim.stop()


async def test_cancel_answered_202_is_confirmed_by_the_stream(sim: SimHandle, bp: BackpackConnector) -> None:
    tracker = await bp.submit_limit_order(SOL, Side.SELL, D("1"), D("150.10"))
    sim.frontend.venue_faults.cancel_accepted = 1
    await bp.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED
    assert tracker.history[-1].source is Source.WS  # the empty 202 said nothing; the stream did
    assert [r.status for r in sim.frontend.request_log.records() if r.method == "DELETE"] == [202]


async def test_unknown_error_after_acceptance_is_settled_by_client_id(sim: SimHandle, bp: BackpackConnector) -> None:
    sim.frontend.venue_faults.order_unknown_error = 1
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("149.70"))  # 503, yet the order stands
    assert tracker.state is OrderState.OPEN and tracker.venue_id is not None
    assert OrderState.FAILED not in {entry.state for entry in tracker.history}
    (resting,) = sim.control.open_orders(account(sim))
    assert resting.client_id == int(tracker.client_id)
    await bp.cancel_order(tracker)


# ------------------------------------------------------------------------- positions and balances


async def test_positions_balances_and_flatten(sim: SimHandle, bp: BackpackConnector) -> None:
    (before,) = await bp.get_balances()
    assert before.asset == "USDC" and before.available == sim.frontend.test_collateral
    tracker = await bp.submit_market_order(SOL, Side.BUY, D("2"))
    assert tracker.state is OrderState.FILLED and tracker.filled == D(2)
    position = await bp.get_position(SOL)
    assert (position.size, position.entry_price, position.source) == (D(2), D("150.01"), Source.REST)
    await eventually(lambda: SOL in bp.positions_ws and bp.positions_ws[SOL].size == D(2), what="WS position 2")
    resting = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("149.00"))
    result = await flatten(bp, SOL)
    assert result.position_before.size == D(2) and result.position_after.is_flat
    assert resting.state is OrderState.CANCELLED and len(result.close_orders) == 1
    await eventually(lambda: bp.positions_ws[SOL].size == 0, what="WS position flat")
    report = await verify_flat(bp, SOL, scope="symbol")
    assert report.is_flat
    (after,) = await bp.get_balances()
    assert after.available < before.available  # paid the spread and two taker fees
    assert sim.control.positions(account(sim))[0].size == 0


# ----------------------------------------------------------------------------- auth and execution


async def test_bad_credentials_fail_start_without_leaking_the_secret(sim: SimHandle) -> None:
    secret = base64.b64encode(os.urandom(32)).decode()  # a valid key the venue does not know
    connector = BackpackConnector(config(sim, secret))
    with pytest.raises(AuthError) as caught:
        await connector.start()
    message = str(caught.value)
    assert "401" in message and "UNAUTHORIZED" in message
    assert secret not in message and "***" not in message  # never even put in the text


async def test_window_over_the_maximum_is_an_auth_error(sim: SimHandle) -> None:
    connector = BackpackConnector(replace(config(sim), extra={"window_ms": 60_001}))
    with pytest.raises(AuthError, match="Invalid X-Window header"):
        await connector.start()


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"window_ms": "soon"}, "extra.window_ms: Input should be a valid integer"),
        ({"window": 60_000}, "extra.window: unknown key; allowed: window_ms"),
    ],
)
def test_extra_settings_refuse_a_wrong_type_and_an_unknown_key(extra: dict[str, object], problem: str) -> None:
    offline = ConnectorConfig("backpack", "http://127.0.0.1:9", "ws://127.0.0.1:9", extra=extra)
    with pytest.raises(ConfigError, match=f"^backpack: {re.escape(problem)}"):
        BackpackConnector(offline)
    assert BackpackConnector(replace(offline, extra={"window_ms": 60_000})).settings.window_ms == 60_000
    assert BackpackConnector(replace(offline, extra={})).settings.window_ms == 5000  # the venue's default


async def test_tracking_limit_order_fills_at_the_touch() -> None:
    sim = await start_backpack()
    try:
        sim.control.unfreeze(SOL)
        connector = BackpackConnector(config(sim))
        await connector.start()
        try:
            order = await place_tracking_limit_order(connector, SOL, Side.BUY, D("0.2"), interval=2.0, timeout=30.0)
            assert order.status is TrackingStatus.FILLED and order.filled == D("0.2")
            assert all(a.tracker.is_terminal for a in order.attempts)
            assert (await connector.get_position(SOL)).size == D("0.2")
        finally:
            await connector.stop()
    finally:
        await sim.stop()


# -------------------------------------------------------------------------------------- resilience


async def test_account_socket_closed_reconnects_and_reconciles(sim: SimHandle, bp: BackpackConnector) -> None:
    sim.control.add_faults({"stream": [{"action": "close", "channel": "account.orderUpdate*"}]})
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("149.80"))  # its orderAccepted closes the socket
    await eventually(lambda: bp.reconcile_count >= 1, what="reconcile after reconnect")
    assert any(e.startswith("account:") for e in bp.stream_errors)
    assert tracker.state is OrderState.OPEN
    await bp.cancel_order(tracker)  # the resubscribed socket carries events again
    await ws_seen(tracker, OrderState.CANCELLED)
    assert sim.frontend.faults.applied[-1].startswith("stream close account.orderUpdate#")


async def test_lost_depth_message_resyncs_the_book(sim: SimHandle, bp: BackpackConnector) -> None:
    book = bp.books[SOL]
    sim.control.add_faults({"stream": [{"action": "drop", "channel": f"depth.{SOL}", "kind": "depth"}]})
    sim.control.move_touch(SOL, 2)  # several book changes: the first one's message is lost

    def synced_with_truth() -> bool:
        truth = sim.engine.book(SOL, 1000)
        return (
            book.gaps >= 1
            and book.synced
            and book.bids == {lv.price: lv.size for lv in truth.bids}
            and book.asks == {lv.price: lv.size for lv in truth.asks}
        )

    await eventually(synced_with_truth, what="book resynced and equal to the engine")
    assert book.last_id == sim.frontend.state.update_ids[SOL]
    ws = await bp.get_top_of_book(SOL, Source.WS)
    truth = sim.engine.top_of_book(SOL)
    assert (ws.bid, ws.ask) == (truth.bid, truth.ask)


# ----------------------------------------------------------------------------------- fill recovery
# A fill whose stream message is lost comes back over REST (`/wapi/v1/history/fills`) with the trade
# id the stream would have carried, so the stream delivering it later counts it once.


def venue_trade_ids(sim: SimHandle, tracker: OrderTracker) -> list[str]:
    """The trade ids the venue gives the order's executions (what its orderFill messages carry)."""
    engine_id = sim.frontend.state.engine_order_id(tracker.venue_id or "")
    fills = [f for f in sim.engine.fills(account(sim), SOL) if f.order_id == engine_id]
    return [str(sim.frontend.state.trade_id(f.market, f.trade_id)) for f in fills]


def fill_history_queries(bp: BackpackConnector) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(e.url).query) for e in bp.transcript if "/wapi/v1/history/fills" in e.url]


async def test_a_lost_fill_message_is_recovered_by_refresh_order(sim: SimHandle, bp: BackpackConnector) -> None:
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("150.00"))  # alone at the new best bid
    sim.control.take(SOL, "buy", "0.3")
    await tracker.wait_for(lambda t: t.filled == D("0.3") and len(t.fills) == 1, 5)
    sim.control.add_faults({"stream": [{"action": "drop", "channel": "account.orderUpdate*", "kind": "orderFill"}]})
    sim.control.take(SOL, "buy", "1")  # the whole level: the rest fills, its orderFill (X: Filled) is lost
    assert sim.frontend.faults.applied[-1].startswith("stream drop account.orderUpdate#")
    assert (tracker.state, tracker.filled, len(tracker.fills)) == (OrderState.PARTIALLY_FILLED, D("0.3"), 1)

    snap = await bp.refresh_order(tracker)  # closed: from order history, then its fills

    assert (snap.state, snap.filled) == (OrderState.FILLED, D("1"))
    assert (tracker.state, tracker.filled) == (OrderState.FILLED, D("1"))
    trade_ids = venue_trade_ids(sim, tracker)
    assert len(trade_ids) == 2 and sorted(tracker.fills) == sorted(trade_ids)
    assert tracker.fills_total == tracker.filled
    recovered = tracker.fills[trade_ids[1]]
    assert recovered.source is Source.REST
    assert (recovered.side, recovered.price, recovered.size, recovered.fee, recovered.liquidity) == (
        Side.BUY, D("150"), D("0.7"), D("0.021"), Liquidity.MAKER,
    )  # fmt: skip
    assert (recovered.client_id, recovered.venue_id) == (tracker.client_id, tracker.venue_id)
    assert tracker.fills[trade_ids[0]].source is Source.WS
    (query,) = fill_history_queries(bp)
    assert (query["orderId"], query["fillType"], query["symbol"]) == ([tracker.venue_id], ["User"], [SOL])


async def test_fills_by_client_id_alone_are_the_fills_by_order_id(sim: SimHandle, bp: BackpackConnector) -> None:
    """Fill history has no clientId filter: without the venue id the order's fills are picked out of
    the symbol's newest fills, and are the same fills."""
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("150.00"))
    other = await bp.submit_limit_order(SOL, Side.SELL, D("1"), D("150.01"))  # another order's fills
    sim.control.take(SOL, "buy", "0.5")
    sim.control.take(SOL, "sell", "1")
    sim.control.take(SOL, "buy", "1")
    await tracker.wait_for(lambda t: t.fills_consistent and t.state is OrderState.FILLED, 5)
    await other.wait_for(lambda t: t.filled > 0, 5)
    by_cid = await bp._fetch_fills(SOL, tracker.client_id, None)
    by_id = await bp._fetch_fills(SOL, None, tracker.venue_id)
    assert sorted(f.trade_id for f in by_cid) == sorted(venue_trade_ids(sim, tracker))
    assert sorted(by_cid, key=lambda f: f.trade_id) == sorted(by_id, key=lambda f: f.trade_id)
    queries = fill_history_queries(bp)
    assert ["orderId" in q for q in queries] == [False, True]


async def test_the_stream_fill_after_a_rest_recovery_counts_once(sim: SimHandle, bp: BackpackConnector) -> None:
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("150.00"))
    await ws_seen(tracker, OrderState.OPEN)
    # hold the fill back, and the position update that follows it on the account socket too
    sim.control.add_faults(
        {
            "stream": [
                {"action": "reorder", "channel": "account.orderUpdate*", "kind": "orderFill"},
                {"action": "reorder", "channel": "account.positionUpdate*", "kind": "position*"},
            ]
        }
    )
    sim.control.take(SOL, "buy", "0.5")
    assert tracker.filled == 0 and not tracker.fills

    await bp.refresh_order(tracker)
    (trade_id,) = venue_trade_ids(sim, tracker)
    assert list(tracker.fills) == [trade_id] and tracker.fills[trade_id].source is Source.REST
    assert (tracker.state, tracker.filled) == (OrderState.PARTIALLY_FILLED, D("0.5"))

    other = await bp.submit_limit_order(SOL, Side.SELL, D("1"), D("151.00"))  # its orderAccepted releases the fill
    await ws_seen(tracker, OrderState.PARTIALLY_FILLED)  # the held orderFill, read after its fill
    assert list(tracker.fills) == [trade_id] and tracker.fills[trade_id].source is Source.REST
    assert tracker.filled == tracker.fills_total == D("0.5") and tracker.fills_consistent
    assert not [a for a in tracker.anomalies if not a.stale]
    await eventually(lambda: SOL in bp.positions_ws and bp.positions_ws[SOL].size == D("0.5"), what="WS position")
    await bp.cancel_order(other)
    await bp.cancel_order(tracker)
    assert (tracker.state, tracker.filled) == (OrderState.CANCELLED, D("0.5"))


# ------------------------------------------------------------------------------------------ pacing


async def test_requests_are_paced_unweighted_and_all_counted(sim: SimHandle, bp: BackpackConnector) -> None:
    assert [(s.meter, s.limit, s.seconds, s.capacity) for s in bp.pacer.status()] == [
        ("weight", 2000, 60, 1800),
        ("history", 30, 60, 27),
    ]
    await bp.get_positions(SOL)
    rest = [r for r in sim.frontend.request_log.records() if r.status != 101]  # not the socket upgrades
    assert bp.request_usage.requests == bp.request_usage.weight == len(rest)
    assert [e.weight for e in bp.transcript if e.status != 101] == [1] * len(rest)


async def test_an_order_beyond_the_margin_is_the_venues_refusal(sim: SimHandle, bp: BackpackConnector) -> None:
    """A 1,000,000 SOL market order (~150M USDC) on a 1M account: 400 INSUFFICIENT_MARGIN, read as a
    definitive refusal with the venue's code, sent once, nothing left open; a normal order still goes."""
    sent = len(sim.frontend.request_log)
    with pytest.raises(VenueRejected) as caught:
        await bp.submit_market_order(SOL, Side.BUY, D("1000000"))
    error = caught.value
    assert (error.code, error.reason) == ("INSUFFICIENT_MARGIN", "Insufficient margin")
    assert error.tracker.state is OrderState.FAILED and error.tracker.venue_id is None
    posts = [r for r in sim.frontend.request_log.records()[sent:] if r.method == "POST" and r.path == "/api/v1/order"]
    assert len(posts) == 1  # not retried
    assert sim.control.open_orders(account(sim)) == [] and sim.control.positions(account(sim)) == []
    tracker = await bp.submit_limit_order(SOL, Side.BUY, D("1"), D("149.90"))
    assert tracker.state is OrderState.OPEN
