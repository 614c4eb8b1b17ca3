"""The GRVT connector against the GRVT simulator over loopback: every helper end to end, the venue's
asynchronous outcomes, session expiry with re-login, a dropped private socket, lost messages."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from pysdk import grvt_ccxt_env

from tests.grvt.conftest import BTC, ETH, TIMEOUT, fe, start_grvt
from tests.waiting import eventually
from xtb.connectors.config import ConnectorConfig, ReconnectPolicy
from xtb.connectors.grvt import GrvtConnector, sdk
from xtb.errors import AuthError, ConfigError, PostOnlyWouldCross, VenueRejected
from xtb.execution.flatten import flatten, verify_flat
from xtb.execution.handles import TrackingStatus
from xtb.execution.tracking_limit import place_tracking_limit_order
from xtb.model import OrderSnapshot, OrderState, Side, Source, TimeInForce
from xtb.orders.tracker import OrderTracker
from xtb.secrets import Secret
from xtb.sim.server import SimHandle

D = Decimal


def config(sim: SimHandle, **credentials: str) -> ConnectorConfig:
    urls = sim.urls
    creds = {"api_key": sim.account["api_key"], "private_key": sim.account["private_key"], **credentials}
    return ConnectorConfig(
        venue="grvt",
        rest_url=urls["rest"],
        ws_url=urls["ws"],
        credentials={k: Secret(v, k) for k, v in creds.items()},
        symbols=(BTC,),
        environment="simulator",
        request_timeout=TIMEOUT,
        start_timeout=TIMEOUT,
        cancel_wait=TIMEOUT,
        reconnect=ReconnectPolicy(initial=0.05, maximum=0.5),
        hosts={k: v for k, v in urls.items() if k != "control"},
    )


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_grvt()
    handle.control.set_mid(BTC, "60000")  # best bid 59999.9, best ask 60000.1, nothing in between
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def gc(sim: SimHandle) -> AsyncIterator[GrvtConnector]:
    connector = GrvtConnector(config(sim))
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


def account(sim: SimHandle) -> str:
    return str(sim.frontend.test_account)


async def ws_seen(tracker: OrderTracker, state: OrderState) -> None:
    """Wait for the stream's view of the order to reach `state` (a view repeating the tracker's
    state is stored without moving `tracker.changed`, so this polls)."""

    def seen() -> bool:
        view = tracker.views.get(Source.WS)
        return view is not None and view.state is state

    await eventually(seen, what=f"WS view {state.value} of {tracker!r}")


# --------------------------------------------------------------------------------- start-up, data


async def test_start_logs_in_and_resolves_every_url_through_the_sdk(sim: SimHandle, gc: GrvtConnector) -> None:
    calls = [(r.site, r.method, r.path, r.status) for r in fe(sim).request_log.records()]
    assert calls[:3] == [
        ("market_data", "GET", "/time", 200),
        ("edge", "POST", "/auth/api_key/login", 200),
        ("market_data", "POST", "/full/v1/all_instruments", 200),
    ]
    assert gc.sub_account_id == sim.account["sub_account_id"]  # from the login answer
    assert gc.session.account_id == sim.account["account_id"] and gc.session.logins == 1
    assert gc.streams_live and gc.health()["streams"] == {"market": True, "private": True}
    assert sorted((c["site"], c["path"]) for c in sim.control.streams()) == [
        ("main", "/ws/full"),
        ("market_data", "/ws/full"),
    ]
    assert gc.env is not None and gc.env.chain_id == 326
    assert grvt_ccxt_env.get_grvt_endpoint(gc.env, "CREATE_ORDER") == sim.urls["trades"] + "/full/v1/create_order"
    assert grvt_ccxt_env.get_grvt_endpoint(grvt_ccxt_env.GrvtEnv.TESTNET, "AUTH").startswith("https://edge.testnet")
    assert "token" not in repr(gc.session) or "***" in repr(gc.session)


async def test_market_info_and_decimals(gc: GrvtConnector) -> None:
    info = await gc.get_market_info(BTC)
    assert (info.tick_size, info.step_size, info.min_size, info.min_notional) == (D("0.1"), D("0.001"), D("0.001"), 100)
    assert await gc.get_price_size_decimals(BTC) == (1, 3)
    assert await gc.get_price_size_decimals(ETH) == (2, 2)
    assert gc.instruments[BTC].instrument_hash == "0x030501" and gc.instruments[BTC].base_decimals == 9


async def test_rest_and_ws_top_of_book_agree(sim: SimHandle, gc: GrvtConnector) -> None:
    truth = sim.engine.top_of_book(BTC)
    rest = await gc.get_top_of_book(BTC, Source.REST)
    await eventually(lambda: gc.books_ws[BTC].bid == truth.bid, what="WS book caught up")
    ws = await gc.get_top_of_book(BTC, Source.WS)
    assert (rest.bid, rest.bid_size, rest.ask, rest.ask_size) == (truth.bid, truth.bid_size, truth.ask, truth.ask_size)
    assert (ws.bid, ws.bid_size, ws.ask, ws.ask_size) == (truth.bid, truth.bid_size, truth.ask, truth.ask_size)
    assert (rest.bid, rest.ask) == (D("59999.9"), D("60000.1"))


# ------------------------------------------------------------------------------------------ orders


async def test_post_only_limit_rests_and_shows_on_ws_and_rest(sim: SimHandle, gc: GrvtConnector) -> None:
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.01"), D("59999.0"))
    assert tracker.state is OrderState.OPEN  # the submit waited for the venue's verdict
    assert tracker.venue_id is not None and len(tracker.venue_id) == 34 and tracker.venue_id.startswith("0x")
    assert tracker.views[Source.REST].venue_status == "PENDING" and tracker.views[Source.WS].venue_status == "OPEN"
    by_id = await gc.get_order(BTC, venue_id=tracker.venue_id)
    by_cid = await gc.get_order(BTC, client_id=tracker.client_id)
    assert by_id == by_cid and (by_id.state, by_id.size, by_id.price) == (OrderState.OPEN, D("0.01"), D("59999"))
    assert [o.client_id for o in await gc.get_open_orders(BTC)] == [tracker.client_id]
    (resting,) = sim.control.open_orders(account(sim))
    assert resting.client_id == tracker.client_id and int(tracker.client_id) >= 2**63
    assert not tracker.anomalies


async def test_partial_fill_seen_on_rest_and_ws_then_cancel(sim: SimHandle, gc: GrvtConnector) -> None:
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.02"), D("60000.0"))  # alone at the new best bid
    sim.control.take(BTC, "buy", "0.5")
    await tracker.wait_for(lambda t: t.filled == D("0.01"), TIMEOUT)
    assert tracker.state is OrderState.PARTIALLY_FILLED
    await ws_seen(tracker, OrderState.PARTIALLY_FILLED)
    (fill,) = tracker.fills.values()
    assert (fill.price, fill.size, fill.fee, fill.source) == (D("60000.0"), D("0.01"), D("0.06"), Source.WS)
    snap = await gc.get_order(BTC, client_id=tracker.client_id)
    assert (snap.state, snap.filled, snap.avg_fill_price) == (OrderState.PARTIALLY_FILLED, D("0.01"), D("60000"))
    await gc.cancel_order(tracker)
    assert (tracker.state, tracker.filled) == (OrderState.CANCELLED, D("0.01"))
    assert tracker.reason == "CLIENT_CANCEL"
    await ws_seen(tracker, OrderState.CANCELLED)
    assert tracker.fills_consistent and not tracker.anomalies


async def test_cancel_by_client_id_when_no_venue_id_is_known(sim: SimHandle, gc: GrvtConnector) -> None:
    cid = gc.client_ids.next()
    sim.engine.submit(account(sim), BTC, Side.BUY, D("0.01"), price=D("59990"), client_id=cid)
    snap = OrderSnapshot(BTC, OrderState.OPEN, Source.REST, client_id=cid, side=Side.BUY, size=D("0.01"),
                         price=D("59990"))  # fmt: skip
    tracker = gc.adopt(snap)  # e.g. found after a restart, with only our client id
    assert tracker.venue_id is None
    await gc.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED and tracker.venue_id is not None  # learnt from the stream
    assert sim.control.open_orders(account(sim)) == []


async def test_post_only_that_would_cross_fails_after_the_ack(sim: SimHandle, gc: GrvtConnector) -> None:
    with pytest.raises(PostOnlyWouldCross) as caught:
        await gc.submit_limit_order(BTC, Side.BUY, D("0.01"), D("60000.1"))
    tracker = caught.value.tracker
    assert tracker.state is OrderState.FAILED and tracker.reason == "FAIL_POST_ONLY"
    await eventually(lambda: Source.WS in tracker.views, what="the stream's REJECTED applied after the ack")
    assert tracker.views[Source.WS].venue_status == "REJECTED" and tracker.views[Source.REST].venue_status == "PENDING"
    assert not tracker.anomalies and sim.control.open_orders(account(sim)) == []


async def test_post_only_verdict_falls_back_to_a_query_when_the_stream_is_silent(sim: SimHandle) -> None:
    connector = GrvtConnector(
        dataclasses.replace(config(sim), extra={**config(sim).extra, "post_only_verdict_s": 0.05})
    )
    await connector.start()
    try:
        sim.control.add_faults({"stream": [{"action": "drop", "channel": "v1.order:*", "kind": "order"}]})
        with pytest.raises(PostOnlyWouldCross):
            await connector.submit_limit_order(BTC, Side.SELL, D("0.01"), D("59999.9"))
        calls = [r.path for r in fe(sim).request_log.records()[-2:]]
        assert calls == ["/full/v1/create_order", "/full/v1/order"]
    finally:
        await connector.stop()


@pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
async def test_unfilled_ioc_and_fok_end_cancelled(gc: GrvtConnector, tif: TimeInForce) -> None:
    """REJECTED with IOC_CANCEL / FOK_CANCEL is the order ending by its own terms: CANCELLED."""
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.01"), D("59000"), post_only=False, time_in_force=tif)
    await tracker.wait_final(TIMEOUT)
    assert (tracker.state, tracker.filled) == (OrderState.CANCELLED, 0)
    assert tracker.reason == ("IOC_CANCEL" if tif is TimeInForce.IOC else "FOK_CANCEL")
    assert not tracker.anomalies


async def test_partly_filled_ioc_keeps_its_fills_and_ends_cancelled(sim: SimHandle, gc: GrvtConnector) -> None:
    size = sim.engine.top_of_book(BTC).ask_size
    assert size is not None
    tracker = await gc.submit_limit_order(
        BTC, Side.BUY, size + D("0.01"), D("60000.1"), post_only=False, time_in_force=TimeInForce.IOC
    )
    await tracker.wait_final(TIMEOUT)
    assert (tracker.state, tracker.filled, tracker.views[Source.WS].venue_status) == (
        OrderState.CANCELLED, size, "REJECTED",
    )  # fmt: skip
    await eventually(lambda: tracker.fills_consistent, what="the fill arrived on the stream")
    assert not tracker.anomalies


async def test_reduce_only_without_position_is_refused(gc: GrvtConnector) -> None:
    with pytest.raises(VenueRejected) as caught:
        await gc.submit_market_order(BTC, Side.SELL, D("0.01"), reduce_only=True)
    assert caught.value.code == "2400" and caught.value.tracker.state is OrderState.FAILED


async def test_positions_balances_and_flatten(sim: SimHandle, gc: GrvtConnector) -> None:
    (before,) = await gc.get_balances()
    assert before.asset == "USDT" and before.total == sim.frontend.test_collateral
    tracker = await gc.submit_market_order(BTC, Side.BUY, D("0.02"))
    await tracker.wait_final(TIMEOUT)
    assert tracker.state is OrderState.FILLED and tracker.filled == D("0.02")
    position = await gc.get_position(BTC)
    assert (position.size, position.entry_price, position.source) == (D("0.02"), D("60000.1"), Source.REST)
    await eventually(lambda: BTC in gc.positions_ws and gc.positions_ws[BTC].size == D("0.02"), what="WS position")
    resting = await gc.submit_limit_order(BTC, Side.BUY, D("0.01"), D("59000"))
    result = await flatten(gc, BTC)
    assert result.position_before.size == D("0.02") and result.position_after.is_flat
    assert resting.state is OrderState.CANCELLED and len(result.close_orders) == 1
    await eventually(lambda: gc.positions_ws[BTC].size == 0, what="WS position flat")
    assert (await verify_flat(gc, BTC, scope="symbol")).is_flat
    (after,) = await gc.get_balances()
    assert after.total < before.total  # paid the spread and two taker fees


async def test_tracking_limit_order_fills_at_the_touch() -> None:
    sim = await start_grvt(run_markets=True)
    try:
        sim.control.unfreeze(BTC)
        connector = GrvtConnector(config(sim))
        await connector.start()
        try:
            order = await place_tracking_limit_order(connector, BTC, Side.BUY, D("0.004"), interval=2.0, timeout=30.0)
            assert order.status is TrackingStatus.FILLED and order.filled == D("0.004")
            assert (await connector.get_position(BTC)).size == D("0.004")
        finally:
            await connector.stop()
    finally:
        await sim.stop()


# ------------------------------------------------------------------------------ auth and sessions


async def test_bad_credentials_fail_start_without_leaking_them(sim: SimHandle) -> None:
    key = "not-the-key-of-anyone-0123456789"
    connector = GrvtConnector(config(sim, api_key=key))
    with pytest.raises(AuthError) as caught:
        await connector.start()
    assert "login refused: 401" in str(caught.value) and key not in str(caught.value)
    with pytest.raises(AuthError, match="64 hex"):
        await GrvtConnector(config(sim, private_key="0x1234567890")).start()


async def test_an_expired_session_is_renewed_and_the_call_retried_once(sim: SimHandle, gc: GrvtConnector) -> None:
    fe(sim).accounts.expire_all()  # the venue ends the session before the cookie says so
    positions = await gc.get_positions(BTC)
    assert positions == [] and gc.session.logins == 2
    calls = [(r.path, r.status) for r in fe(sim).request_log.records()[-3:]]
    assert calls == [("/full/v1/positions", 401), ("/auth/api_key/login", 200), ("/full/v1/positions", 200)]


async def test_private_socket_reconnects_with_a_new_login(sim: SimHandle, gc: GrvtConnector) -> None:
    fe(sim).accounts.expire_all()
    sim.control.add_faults({"stream": [{"action": "close", "channel": "v1.order:*"}]})
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.01"), D("59900"), post_only=False)  # closes the socket
    await eventually(lambda: gc.reconcile_count >= 1 and gc.streams_live, what="reconnected and reconciled")
    assert gc.session.logins == 2 and any(e.startswith("private:") for e in gc.stream_errors)
    assert tracker.state is OrderState.OPEN
    await gc.cancel_order(tracker)  # the new socket carries updates again
    await ws_seen(tracker, OrderState.CANCELLED)
    upgrades = [r.status for r in fe(sim).request_log.records() if r.path == "/ws/full" and r.site == "main"]
    assert upgrades[0] == 101 and upgrades[-1] == 101


# -------------------------------------------------------------------------------------- resilience


async def test_lost_book_message_resubscribes_and_resyncs(sim: SimHandle, gc: GrvtConnector) -> None:
    book = gc.books[BTC]
    sim.control.add_faults({"stream": [{"action": "drop", "channel": f"v1.book.d:{BTC}@*", "kind": "book.d"}]})
    sim.control.move_touch(BTC, 2)  # lost
    await eventually(lambda: len(sim.frontend.faults.applied) == 1, what="the delta was dropped")
    sim.control.move_touch(BTC, 1)  # the next delta shows the gap

    def synced_with_truth() -> bool:
        truth = sim.engine.book(BTC, 1000)
        return (
            book.gaps >= 1
            and book.synced
            and book.bids == {lv.price: lv.size for lv in truth.bids}
            and book.asks == {lv.price: lv.size for lv in truth.asks}
        )

    await eventually(synced_with_truth, what="book resubscribed and equal to the engine")
    assert "/full/v1/book" not in [r.path for r in fe(sim).request_log.records()]  # no REST re-seed
    ws = await gc.get_top_of_book(BTC, Source.WS)
    assert ws.bid == sim.engine.top_of_book(BTC).bid


async def test_lost_fill_message_is_recovered_from_fill_history(sim: SimHandle, gc: GrvtConnector) -> None:
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.04"), D("60000.0"))
    sim.control.add_faults({"stream": [{"action": "drop", "channel": "v1.fill:*", "kind": "fill"}]})
    sim.control.take(BTC, "buy", "0.25")  # its fill message is lost; the order update says filled 0.01
    await tracker.wait_for(lambda t: t.filled == D("0.01"), TIMEOUT)
    sim.control.take(BTC, "buy", "0.34")  # the next fill frame is number 2: a gap
    await eventually(lambda: tracker.filled == D("0.02") and tracker.fills_consistent, what="both fills known")
    await eventually(lambda: gc.reconcile_count >= 1, what="a completed reconciliation")
    assert {f.source for f in tracker.fills.values()} == {Source.REST, Source.WS}
    await gc.cancel_order(tracker)
    assert not tracker.anomalies


async def test_client_ids_are_in_grvts_range(gc: GrvtConnector) -> None:
    ids = [int(gc.client_ids.next()) for _ in range(3)]
    assert all(2**63 <= i < 2**64 for i in ids) and len(set(ids)) == 3


async def test_two_connectors_keep_their_own_hosts(sim: SimHandle, gc: GrvtConnector) -> None:
    other = GrvtConnector(dataclasses.replace(config(sim), hosts={**sim.urls, "edge": "http://127.0.0.1:9"}))
    other.env = sdk.point_sdk_at(sdk.Hosts.from_hosts(other.config.hosts, "x", "y"), 325)
    try:
        assert sdk.login_url(other.env) == "http://127.0.0.1:9/auth/api_key/login"
        assert sdk.login_url(gc.env) == sim.urls["edge"] + "/auth/api_key/login"  # type: ignore[arg-type]
        assert (other.env.chain_id, gc.env.chain_id) == (325, 326)  # type: ignore[union-attr]
    finally:
        sdk.release(other.env)


async def test_no_secret_reaches_a_log_or_a_repr(sim: SimHandle, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    connector = GrvtConnector(config(sim))
    await connector.start()
    try:
        tracker = await connector.submit_limit_order(BTC, Side.BUY, D("0.01"), D("59000"))
        await connector.cancel_order(tracker)
        token = connector.session.headers()["Cookie"].removeprefix("gravity=")
        secrets = (sim.account["api_key"], sim.account["private_key"], token)
        shown = caplog.text + repr(connector) + repr(connector.session) + repr(connector.config)
        assert not [s for s in secrets if s in shown]
    finally:
        await connector.stop()


# ------------------------------------------------------------------------------------------ pacing


async def test_requests_are_paced_by_the_conservative_default_and_all_counted(
    sim: SimHandle, gc: GrvtConnector
) -> None:
    assert [(s.meter, s.limit, s.seconds, s.capacity) for s in gc.pacer.status()] == [("weight", 10, 1, 9)]
    await gc.get_positions(BTC)
    rest = [r for r in sim.frontend.request_log.records() if r.status != 101]  # not the socket upgrades
    assert gc.request_usage.requests == len(rest) == sum(1 for e in gc.transcript if e.weight > 0)


def test_the_request_rate_is_a_setting(sim: SimHandle) -> None:
    faster = dataclasses.replace(config(sim), extra={**config(sim).extra, "requests_per_second": 50})
    assert GrvtConnector(faster).pacer.limits[0].limit == 50
    with pytest.raises(ConfigError, match="requests_per_second"):
        GrvtConnector(dataclasses.replace(config(sim), extra={"requests_per_second": 0}))


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"requests_per_second": "50"}, "extra.requests_per_second: Input should be a valid integer"),
        ({"requests_per_second": True}, "extra.requests_per_second"),
        ({"book_rate_ms": 75}, "extra.book_rate_ms: Input should be 50, 100, 500 or 1000"),
        ({"order_ttl_s": 31 * 86_400}, "extra.order_ttl_s: Input should be less than or equal to 2592000"),
        ({"post_only_verdict_s": "soon"}, "extra.post_only_verdict_s"),
        ({"sub_account_id": "not-a-number"}, "extra.sub_account_id"),
        ({"book_rate": 50}, "extra.book_rate: unknown key; allowed: book_rate_ms, chain_id, "),
    ],
)
def test_extra_settings_of_a_wrong_type_or_unknown_are_refused_by_name(
    sim: SimHandle, extra: dict[str, object], words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        GrvtConnector(dataclasses.replace(config(sim), extra=extra))
    assert words in str(caught.value) and str(caught.value).startswith("grvt: ")


def test_extra_settings_reach_the_connector_typed(sim: SimHandle) -> None:
    extra = {"book_rate_ms": 100, "order_ttl_s": 60, "sub_account_id": "8289849667772468", "chain_id": "325"}
    settings = GrvtConnector(dataclasses.replace(config(sim), extra=extra)).settings
    assert (settings.book_rate_ms, settings.order_ttl_s, settings.sub_account_id, settings.chain_id) == (
        100, 60.0, 8289849667772468, 325,
    )  # fmt: skip
    assert settings.requests_per_second == 10 and settings.post_only_verdict_s == 2.0  # the defaults


def test_the_extra_settings_load_without_the_sdk() -> None:
    """A venue file's `extra:` is checked when it loads; that must not import grvt-pysdk (or the
    connector's crypto), which only a run on GRVT needs."""
    heavy = "{'pysdk', 'eth_account', 'coincurve'}"
    probe = f"import sys, xtb.connectors.grvt.settings; print(sorted({heavy} & sys.modules.keys()))"
    root = Path(__file__).resolve().parents[2]  # this checkout's xtb, first on the child's path
    shown = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=TIMEOUT)
    assert (shown.returncode, shown.stdout.strip()) == (0, "[]"), shown.stderr


async def test_an_order_beyond_the_margin_is_the_venues_refusal(sim: SimHandle, gc: GrvtConnector) -> None:
    """200 BTC at 59990 (~12M USDT) on a 1M account at 10×: acknowledged, then REJECTED with
    BELOW_MARGIN when it reaches the book (§6), read as a definitive refusal naming the venue's
    reason, sent once, nothing left open; a normal order still goes."""
    sent = len(fe(sim).request_log)
    with pytest.raises(VenueRejected) as caught:
        await gc.submit_limit_order(BTC, Side.BUY, D("200"), D("59990.0"))
    tracker = caught.value.tracker
    assert tracker.state is OrderState.FAILED and tracker.reason == "BELOW_MARGIN"
    creates = [r for r in fe(sim).request_log.records()[sent:] if r.path == "/full/v1/create_order"]
    assert len(creates) == 1  # not retried
    assert sim.control.open_orders(account(sim)) == []
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.01"), D("59990.0"))
    assert tracker.state is OrderState.OPEN
