"""The Aster connector against the Aster simulator over loopback: every helper end to end (V3 and
V1), the venue's refusals and odd answers, a dropped user socket, an expired listen key, the
keep-alive, and a lost depth message."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from tests.aster.conftest import ETH, TIMEOUT, start_aster
from tests.waiting import eventually
from xtb.connectors.aster import AsterConnector
from xtb.connectors.aster import mapping as aster_mapping
from xtb.connectors.config import ConnectorConfig, ReconnectPolicy
from xtb.errors import AuthError, ConnectorError, PostOnlyWouldCross, VenueRejected
from xtb.execution.flatten import flatten, verify_flat
from xtb.model import OrderState, Side, Source
from xtb.orders.tracker import OrderTracker
from xtb.secrets import Secret
from xtb.sim.server import SimHandle

D = Decimal
ACCOUNT = "test-account"


def config(sim: SimHandle, **extra: Any) -> ConnectorConfig:
    account = sim.account
    names = ("api_key", "api_secret") if extra.get("auth") == "v1" else ("user", "signer_private_key")
    return ConnectorConfig(
        venue="aster",
        rest_url=sim.urls["rest"],
        ws_url=sim.urls["ws"],
        credentials={name: Secret(account[name], name) for name in names},
        symbols=(ETH,),
        environment="simulator",
        request_timeout=TIMEOUT,
        start_timeout=TIMEOUT,
        cancel_wait=TIMEOUT,
        settle_interval=0.05,
        reconnect=ReconnectPolicy(initial=0.05, maximum=0.5),
        extra=extra,
    )


@pytest.fixture
async def aster(sim: SimHandle) -> AsyncIterator[AsterConnector]:
    connector = AsterConnector(config(sim))
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


async def ws_seen(tracker: OrderTracker, state: OrderState) -> None:
    """Until the stream's view of the order reaches `state` (a repeated state moves no signal)."""

    def seen() -> bool:
        view = tracker.views.get(Source.WS)
        return view is not None and view.state is state

    await eventually(seen, what=f"WS view {state.value} of {tracker!r}")


def requests(sim: SimHandle) -> list[tuple[str, str, str, int | None]]:
    return [(r.method, r.path, r.auth, r.status) for r in sim.frontend.request_log.records()]


# --------------------------------------------------------------------------------- start-up, data


async def test_start_syncs_the_clock_checks_the_mode_and_opens_both_sockets(
    sim: SimHandle, aster: AsterConnector
) -> None:
    calls = requests(sim)
    assert calls[:3] == [
        ("GET", "/fapi/v3/time", "public", 200),
        ("GET", "/fapi/v3/positionRisk", "ok", 200),  # proves the keys; its rows show the mode (weight 5, not 30)
        ("GET", "/fapi/v3/exchangeInfo", "public", 200),
    ]
    assert ("GET", "/fapi/v3/positionSide/dual", "ok", 200) not in calls
    assert {("POST", "/fapi/v3/listenKey", "ok", 200), ("GET", "/fapi/v3/depth", "public", 200)} <= set(calls[3:])
    assert aster.health()["streams"] == {"market": True, "user": True}
    paths = sorted(c["path"].rsplit("/", 1)[0] for c in sim.control.streams())
    assert paths == ["/fstream", "/fstream/ws"]


async def test_market_info_and_decimals_come_from_the_filters(aster: AsterConnector) -> None:
    info = await aster.get_market_info(ETH)
    assert (info.tick_size, info.step_size, info.min_size, info.min_notional) == (D("0.1"), D("0.001"), D("0.001"), 5)
    assert await aster.get_price_size_decimals(ETH) == (1, 3)  # tick 0.10, although pricePrecision is 2
    assert await aster.get_price_size_decimals("ASTERUSDT") == (4, 2)


async def test_rest_and_ws_top_of_book_agree_with_the_engine(sim: SimHandle, aster: AsterConnector) -> None:
    truth = sim.engine.top_of_book(ETH)
    rest = await aster.get_top_of_book(ETH, Source.REST)
    ws = await aster.get_top_of_book(ETH, Source.WS)
    for book in (rest, ws):
        assert (book.bid, book.bid_size, book.ask, book.ask_size) == (
            truth.bid,
            truth.bid_size,
            truth.ask,
            truth.ask_size,
        )
    seen = aster.book_version(ETH)
    sim.control.move_touch(ETH, 3)
    truth = sim.engine.top_of_book(ETH)
    while (aster.books_ws[ETH].bid, aster.books_ws[ETH].ask) != (truth.bid, truth.ask):
        assert await aster.wait_book_change(ETH, seen, TIMEOUT)
        seen = aster.book_version(ETH)
    book = aster.books[ETH]
    engine = sim.engine.book(ETH, 1000)
    await eventually(lambda: book.bids == {lv.price: lv.size for lv in engine.bids}, what="local book = engine")


# ------------------------------------------------------------------------------------------ orders


async def test_post_only_rests_and_shows_on_rest_and_ws(sim: SimHandle, aster: AsterConnector) -> None:
    tracker = await aster.submit_limit_order(ETH, Side.BUY, D("0.020"), D("2999.0"))
    assert tracker.state is OrderState.OPEN and tracker.venue_id is not None
    await ws_seen(tracker, OrderState.OPEN)
    snap = await aster.get_order(ETH, venue_id=tracker.venue_id)
    assert (snap.state, snap.client_id, snap.size, snap.price) == (
        OrderState.OPEN,
        tracker.client_id,
        D("0.02"),
        D("2999"),
    )
    assert snap.raw["timeInForce"] == "GTX" and [o.client_id for o in await aster.get_open_orders(ETH)] == [
        tracker.client_id
    ]
    (resting,) = sim.control.open_orders(ACCOUNT)
    assert resting.client_id == tracker.client_id and not tracker.anomalies


async def test_partial_fill_on_both_transports_then_cancel(sim: SimHandle, aster: AsterConnector) -> None:
    tracker = await aster.submit_limit_order(ETH, Side.BUY, D("0.200"), D("3000.0"))  # alone at the new best bid
    sim.control.take(ETH, "buy", "0.5")
    await tracker.wait_for(lambda t: t.filled == D("0.1"), TIMEOUT)
    assert tracker.state is OrderState.PARTIALLY_FILLED
    await ws_seen(tracker, OrderState.PARTIALLY_FILLED)
    (fill,) = tracker.fills.values()
    assert (fill.price, fill.size, fill.fee, fill.source) == (D("3000.00"), D("0.100"), D("0.03"), Source.WS)
    snap = await aster.get_order(ETH, client_id=tracker.client_id)
    assert (snap.state, snap.filled, snap.avg_fill_price) == (OrderState.PARTIALLY_FILLED, D("0.1"), D("3000"))
    await aster.cancel_order(tracker)
    assert (tracker.state, tracker.filled) == (OrderState.CANCELLED, D("0.1"))
    await ws_seen(tracker, OrderState.CANCELLED)
    await eventually(lambda: aster.positions_ws.get(ETH) is not None and aster.positions_ws[ETH].size == D("0.1"))
    assert tracker.fills_consistent and not tracker.anomalies


async def test_post_only_that_would_cross_fails(sim: SimHandle, aster: AsterConnector) -> None:
    with pytest.raises(PostOnlyWouldCross) as caught:
        await aster.submit_limit_order(ETH, Side.BUY, D("0.020"), D("3000.1"))
    tracker = caught.value.tracker
    assert tracker.state is OrderState.FAILED and tracker.venue_id is None and "-2021" in str(caught.value)
    assert sim.control.open_orders(ACCOUNT) == []


async def test_post_only_accepted_then_expired_also_fails() -> None:
    sim = await start_aster(post_only_cross="expire")
    try:
        async with AsterConnector(config(sim)) as connector:
            tracker = await connector.submit_limit_order(ETH, Side.BUY, D("0.020"), D("3000.1"))
            assert (tracker.state, tracker.views[Source.REST].venue_status) == (OrderState.FAILED, "EXPIRED")
    finally:
        await sim.stop()


async def test_reduce_only_without_position_fails_and_oversize_keeps_its_fill(aster: AsterConnector) -> None:
    with pytest.raises(VenueRejected) as caught:
        await aster.submit_market_order(ETH, Side.SELL, D("0.010"), reduce_only=True)
    assert caught.value.code == "-2022" and caught.value.tracker.state is OrderState.FAILED
    opened = await aster.submit_market_order(ETH, Side.BUY, D("0.010"))
    assert opened.state is OrderState.FILLED
    close = await aster.submit_market_order(ETH, Side.SELL, D("0.030"), reduce_only=True)
    assert (close.state, close.filled, close.views[Source.REST].venue_status) == (
        OrderState.CANCELLED,
        D("0.010"),
        "EXPIRED",
    )
    assert (await aster.get_position(ETH)).size == 0


async def test_query_by_client_id_finds_a_closed_order(aster: AsterConnector) -> None:
    tracker = await aster.submit_limit_order(ETH, Side.SELL, D("0.020"), D("3001.0"))
    await aster.cancel_order(tracker)
    snap = await aster.get_order(ETH, client_id=tracker.client_id)
    assert (snap.state, snap.venue_id) == (OrderState.CANCELLED, tracker.venue_id)


async def test_status_unknown_503_is_settled_by_client_id(sim: SimHandle, aster: AsterConnector) -> None:
    sim.frontend.venue_faults.order_unknown_503 = 1
    tracker = await aster.submit_limit_order(ETH, Side.BUY, D("0.020"), D("2999.0"))  # 503, yet the order stands
    assert tracker.state is OrderState.OPEN and tracker.venue_id is not None
    assert OrderState.FAILED not in {entry.state for entry in tracker.history}
    await aster.cancel_order(tracker)


async def test_stream_events_before_the_rest_answer_are_kept() -> None:
    """The REST answer is held back: the order's x=NEW and x=TRADE arrive first (§6.1, hazard 14)."""
    sim = await start_aster(rest_delay_ms=150)
    try:
        async with AsterConnector(config(sim)) as connector:
            tracker = await connector.submit_market_order(ETH, Side.BUY, D("0.010"))
            assert tracker.state is OrderState.FILLED
            assert tracker.first_seen[Source.WS] < tracker.first_seen[Source.REST]
            assert [a for a in tracker.anomalies if not a.stale] == []
    finally:
        await sim.stop()


async def test_an_error_body_with_http_200_is_a_refusal(sim: SimHandle, aster: AsterConnector) -> None:
    sim.frontend.venue_faults.error_with_200 = 1
    with pytest.raises(VenueRejected) as caught:
        await aster.submit_market_order(ETH, Side.SELL, D("0.010"), reduce_only=True)
    assert " 200 -2022 " in str(caught.value) and caught.value.tracker.state is OrderState.FAILED


# ------------------------------------------------------------------------- positions and balances


async def test_positions_balances_and_flatten(sim: SimHandle, aster: AsterConnector) -> None:
    usdt = next(b for b in await aster.get_balances() if b.asset == "USDT")
    assert usdt.total == sim.frontend.test_collateral
    tracker = await aster.submit_market_order(ETH, Side.SELL, D("0.050"))
    assert (tracker.state, tracker.filled) == (OrderState.FILLED, D("0.05"))
    position = await aster.get_position(ETH)
    assert (position.size, position.entry_price, position.source) == (D("-0.05"), D("2999.9"), Source.REST)
    await eventually(lambda: ETH in aster.positions_ws and aster.positions_ws[ETH].size == D("-0.05"))
    resting = await aster.submit_limit_order(ETH, Side.SELL, D("0.020"), D("3005.0"))
    result = await flatten(aster, ETH)
    assert result.position_before.size == D("-0.05") and result.position_after.is_flat
    assert resting.state is OrderState.CANCELLED and len(result.close_orders) == 1
    await eventually(lambda: aster.positions_ws[ETH].size == 0, what="WS position flat")
    assert (await verify_flat(aster, ETH, scope="symbol")).is_flat
    after = next(b for b in await aster.get_balances() if b.asset == "USDT")
    assert after.total < usdt.total  # paid the spread and two taker fees


# ----------------------------------------------------------------------------------- auth modes


async def test_v1_keys_end_to_end(sim: SimHandle) -> None:
    async with AsterConnector(config(sim, auth="v1")) as connector:
        tracker = await connector.submit_limit_order(ETH, Side.BUY, D("0.020"), D("2999.0"))
        await ws_seen(tracker, OrderState.OPEN)
        await connector.cancel_order(tracker)
        assert tracker.state is OrderState.CANCELLED
    paths = {path for _, path, _, _ in requests(sim)}
    assert {"/fapi/v1/time", "/fapi/v1/order", "/fapi/v1/listenKey", "/fapi/v2/positionRisk"} <= paths
    assert not any(p.startswith("/fapi/v3/") for p in paths)


async def test_bad_credentials_fail_start_without_leaking_the_key(sim: SimHandle) -> None:
    key = "0x" + os.urandom(32).hex()  # a valid key the venue never approved for this user
    bad = replace(
        config(sim),
        credentials={
            "user": Secret(sim.account["user"], "user"),
            "signer_private_key": Secret(key, "signer_private_key"),
        },
    )
    with pytest.raises(AuthError) as caught:
        await AsterConnector(bad).start()
    assert "-1022" in str(caught.value) and key not in str(caught.value) and key[2:] not in str(caught.value)


async def test_hedge_mode_is_refused(sim: SimHandle) -> None:
    sim.frontend.state.settings_of(ACCOUNT).dual_side = True
    with pytest.raises(ConnectorError, match="hedge position mode"):
        await AsterConnector(config(sim)).start()


@pytest.mark.parametrize("dual_side", [False, True])
async def test_the_mode_is_asked_when_the_position_rows_do_not_tell(
    sim: SimHandle, monkeypatch: pytest.MonkeyPatch, dual_side: bool
) -> None:
    sim.frontend.state.settings_of(ACCOUNT).dual_side = dual_side
    monkeypatch.setattr(aster_mapping, "hedge_mode", lambda rows: None)  # e.g. a venue listing no rows
    connector = AsterConnector(config(sim))
    if dual_side:
        with pytest.raises(ConnectorError, match="hedge position mode"):
            await connector.start()
    else:
        await connector.start()
        await connector.stop()
    assert ("GET", "/fapi/v3/positionSide/dual", "ok", 200) in requests(sim)


def test_position_rows_show_the_mode() -> None:
    def rows(*sides: str) -> list[dict[str, str]]:
        return [{"symbol": "ETHUSDT", "positionSide": side} for side in sides]

    assert aster_mapping.hedge_mode(rows("BOTH", "BOTH")) is False
    assert aster_mapping.hedge_mode(rows("LONG", "SHORT")) is True
    assert aster_mapping.hedge_mode(rows()) is None
    assert aster_mapping.hedge_mode(rows("BOTH", "LONG")) is None
    assert aster_mapping.hedge_mode({"code": -1000}) is None


# -------------------------------------------------------------------------------------- resilience


async def test_user_socket_closed_reconnects_with_a_fresh_key_and_reconciles(
    sim: SimHandle, aster: AsterConnector
) -> None:
    sim.control.add_faults({"stream": [{"action": "close", "channel": "user:*", "kind": "ORDER_TRADE_UPDATE"}]})
    tracker = await aster.submit_limit_order(ETH, Side.BUY, D("0.020"), D("2998.0"))  # its x=NEW closes the socket
    await eventually(lambda: aster.reconcile_count >= 1, what="reconcile after reconnect")
    assert any(e.startswith("user:") for e in aster.stream_errors)
    assert [p for m, p, _, _ in requests(sim) if m == "POST" and p.endswith("/listenKey")] == ["/fapi/v3/listenKey"] * 2
    await aster.cancel_order(tracker)
    await ws_seen(tracker, OrderState.CANCELLED)  # the new socket carries events


async def test_an_expired_listen_key_is_replaced() -> None:
    sim = await start_aster(listen_key_validity_s=0.5, listen_key_grace_s=0.0)
    try:
        async with AsterConnector(config(sim)) as connector:
            first = sim.frontend.state.listen_key_of(ACCOUNT, sim.engine.clock.time())
            assert first is not None
            await eventually(lambda: any("listen key expired" in e for e in connector.stream_errors), timeout=4)
            await connector.wait_streams_live(TIMEOUT)
            tracker = await connector.submit_limit_order(ETH, Side.BUY, D("0.020"), D("2999.0"))
            await ws_seen(tracker, OrderState.OPEN)
            second = sim.frontend.state.listen_key_of(ACCOUNT, sim.engine.clock.time())
            assert second is not None and second.key != first.key
    finally:
        await sim.stop()


async def test_the_listen_key_is_kept_alive(sim: SimHandle) -> None:
    async with AsterConnector(config(sim, keepalive_s=0.05)):
        await eventually(lambda: ("PUT", "/fapi/v3/listenKey", "ok", 200) in requests(sim), what="a keep-alive PUT")


async def test_update_ids_that_jump_are_not_gaps(sim: SimHandle, aster: AsterConnector) -> None:
    """Other symbols take ids from the same counter: ETH's U jumps, its pu chain does not break."""
    book = aster.books[ETH]
    for ticks in (1, -2, 3, -1):
        sim.control.move_touch("BTCUSDT", ticks)
        sim.control.move_touch(ETH, ticks)
    target = sim.frontend.state.last_update[ETH]
    await eventually(lambda: book.last_id == target, what="the book caught up")
    truth = sim.engine.book(ETH, 1000)
    assert book.gaps == 0 and book.bids == {lv.price: lv.size for lv in truth.bids}


async def test_lost_depth_message_resyncs_the_book(sim: SimHandle, aster: AsterConnector) -> None:
    book = aster.books[ETH]
    sim.control.add_faults({"stream": [{"action": "drop", "channel": "ethusdt@depth@100ms", "kind": "depthUpdate"}]})
    sim.control.move_touch(ETH, 2)
    await eventually(lambda: book.gaps == 0 and bool(sim.frontend.faults.applied), what="the drop")
    sim.control.move_touch(ETH, -1)  # the next message's pu names the lost one's u: a gap

    def synced_with_truth() -> bool:
        truth = sim.engine.book(ETH, 1000)
        return (
            book.gaps >= 1
            and book.synced
            and book.bids == {lv.price: lv.size for lv in truth.bids}
            and book.asks == {lv.price: lv.size for lv in truth.asks}
        )

    await eventually(synced_with_truth, what="book resynced and equal to the engine")


async def test_an_order_beyond_the_margin_is_the_venues_refusal(sim: SimHandle, aster: AsterConnector) -> None:
    """10,000 ETH at 2990 (~29.9M USDT) on a 1M account at the default 20× (5 % initial margin,
    `requiredMarginPercent`: 1.495M needed): -2019 "Margin is insufficient.", a definitive refusal,
    sent once, nothing left open; a normal order still goes."""
    sent = len(sim.frontend.request_log)
    with pytest.raises(VenueRejected) as caught:
        await aster.submit_limit_order(ETH, Side.BUY, D("10000"), D("2990.00"))
    error = caught.value
    assert (error.code, error.reason) == ("-2019", "Margin is insufficient.")
    assert error.tracker.state is OrderState.FAILED and error.tracker.venue_id is None
    posts = [r for r in sim.frontend.request_log.records()[sent:] if r.method == "POST" and r.path.endswith("/order")]
    assert len(posts) == 1  # not retried
    assert sim.control.open_orders(ACCOUNT) == []
    tracker = await aster.submit_limit_order(ETH, Side.BUY, D("0.020"), D("2990.00"))
    assert tracker.state is OrderState.OPEN
