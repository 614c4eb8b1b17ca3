"""The Lighter connector against the Lighter simulator over loopback: every helper end to end, the
venue's refusals, nonce re-sync after non-200 answers, a dropped account socket and a lost book
update."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from tests.lighter.conftest import ETH, TIMEOUT, frontend, sdk_client, start_lighter
from tests.waiting import eventually
from xtb.connectors.config import ConnectorConfig, ReconnectPolicy
from xtb.connectors.lighter import LighterConnector
from xtb.connectors.lighter.errors import TxAuthRejected
from xtb.errors import AmbiguousOutcome, AuthError, VenueRejected
from xtb.execution.flatten import flatten, verify_flat
from xtb.model import OrderSnapshot, OrderState, Side, Source
from xtb.orders.tracker import OrderTracker
from xtb.secrets import Secret
from xtb.sim.server import SimHandle

D = Decimal
ACCOUNT = 123456


def config(sim: SimHandle, private_key: str | None = None, **extra: Any) -> ConnectorConfig:
    return ConnectorConfig(
        venue="lighter",
        rest_url=sim.urls["rest"],
        ws_url=sim.urls["ws"],
        credentials={
            "api_private_key": Secret(private_key or sim.account["api_private_key"], "api_private_key"),
        },
        identifiers={"account_index": str(sim.account["account_index"])},  # an identifier, not a secret
        symbols=(ETH,),
        request_timeout=TIMEOUT,
        start_timeout=TIMEOUT,
        cancel_wait=TIMEOUT,
        settle_timeout=1.0,
        settle_interval=0.05,
        reconnect=ReconnectPolicy(initial=0.05, maximum=0.5),
        extra={"confirm_timeout": 2.0, **extra},
    )


@pytest.fixture
async def lighter(sim: SimHandle) -> AsyncIterator[LighterConnector]:
    sim.control.set_mid(ETH, "3000")  # best bid 2999.98, best ask 3000.02
    connector = LighterConnector(config(sim))
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


async def ws_seen(tracker: OrderTracker, state: OrderState) -> None:
    def seen() -> bool:
        view = tracker.views.get(Source.WS)
        return view is not None and view.state is state

    await eventually(seen, what=f"WS view {state.value} of {tracker!r}")


def sends(sim: SimHandle) -> list[tuple[str, int | None]]:
    return [(r.path, r.status) for r in sim.frontend.request_log.records() if r.path.startswith("/api/v1/")]


# --------------------------------------------------------------------------------- start-up, data


async def test_start_proves_the_key_then_reads(sim: SimHandle, lighter: LighterConnector) -> None:
    calls = [(r.path, r.auth, r.status) for r in sim.frontend.request_log.records()]
    assert calls[0] == ("/", "public", 200)
    assert calls.count(("/api/v1/apikeys", "public", 200)) == 1  # the key index lookup, which proves the key
    assert ("/api/v1/accountLimits", "ok", 200) in calls  # the auth token works
    assert lighter.signer is not None and (lighter.signer.key_index, lighter.chain_id) == (4, 304)
    assert "***" in repr(lighter.signer) and sim.account["api_private_key"][2:] not in repr(lighter.signer)
    assert lighter.health()["streams"] == {"market": True, "account": True}
    assert await lighter.get_price_size_decimals(ETH) == (2, 4)
    assert await lighter.get_price_size_decimals("BTC") == (1, 5)
    info = await lighter.get_market_info(ETH)
    assert (info.min_size, info.min_notional, info.venue_symbol) == (D("0.005"), D(10), "0")


async def test_rest_and_ws_top_of_book_agree(sim: SimHandle, lighter: LighterConnector) -> None:
    truth = sim.engine.top_of_book(ETH)
    rest = await lighter.get_top_of_book(ETH, Source.REST)
    ws = await lighter.get_top_of_book(ETH, Source.WS)
    for book in (rest, ws):
        assert (book.bid, book.bid_size, book.ask, book.ask_size) == (
            truth.bid,
            truth.bid_size,
            truth.ask,
            truth.ask_size,
        )
    assert (rest.bid, rest.ask) == (D("2999.98"), D("3000.02"))


# ------------------------------------------------------------------------------------------ orders


async def test_post_only_limit_rests_and_shows_on_ws_and_rest(sim: SimHandle, lighter: LighterConnector) -> None:
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2999.98"))
    assert tracker.state is OrderState.OPEN and int(tracker.venue_id or 0) >= 2**48
    await ws_seen(tracker, OrderState.OPEN)
    by_venue = await lighter.get_order(ETH, venue_id=tracker.venue_id)
    by_client = await lighter.get_order(ETH, client_id=tracker.client_id)
    for snap in (by_venue, by_client):
        assert (snap.state, snap.client_id, snap.size, snap.price) == (
            OrderState.OPEN,
            tracker.client_id,
            D("0.05"),
            D("2999.98"),
        )
    assert [o.client_id for o in await lighter.get_open_orders(ETH)] == [tracker.client_id]
    (resting,) = sim.control.open_orders(ACCOUNT)
    assert (resting.client_id, str(resting.price)) == (int(tracker.client_id), "2999.98")
    assert not tracker.anomalies
    await lighter.cancel_order(tracker)


async def test_partial_fill_seen_on_rest_and_ws_then_cancel(sim: SimHandle, lighter: LighterConnector) -> None:
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.02"), D("2999.99"))  # alone at the best bid
    sim.control.take(ETH, "buy", "0.5")
    await tracker.wait_for(lambda t: t.filled == D("0.01"), TIMEOUT)
    assert tracker.state is OrderState.PARTIALLY_FILLED
    await ws_seen(tracker, OrderState.PARTIALLY_FILLED)
    (fill,) = tracker.fills.values()
    assert (fill.price, fill.size, fill.fee, fill.source) == (D("2999.99"), D("0.01"), D("0.0005999980"), Source.WS)
    snap = await lighter.get_order(ETH, client_id=tracker.client_id)
    assert (snap.state, snap.filled, snap.avg_fill_price, snap.source) == (
        OrderState.PARTIALLY_FILLED, D("0.01"), D("2999.99"), Source.REST,
    )  # fmt: skip
    await lighter.cancel_order(tracker)
    assert (tracker.state, tracker.filled) == (OrderState.CANCELLED, D("0.01"))
    await ws_seen(tracker, OrderState.CANCELLED)
    assert tracker.fills_consistent and not tracker.anomalies
    assert (await lighter.get_position(ETH)).size == D("0.01")


async def test_cancel_by_client_index_when_no_venue_id_is_known(sim: SimHandle, lighter: LighterConnector) -> None:
    cid = lighter.client_ids.next()
    sim.engine.submit(ACCOUNT, ETH, Side.SELL, D("0.05"), price=D("3001.00"), client_id=int(cid))
    snap = OrderSnapshot(ETH, OrderState.OPEN, Source.REST, client_id=cid, side=Side.SELL, size=D("0.05"))
    tracker = lighter.adopt(snap)  # e.g. found after a restart, with only our client id
    assert tracker.venue_id is None
    await lighter.cancel_order(tracker)
    assert tracker.state is OrderState.CANCELLED and tracker.venue_id is not None  # learnt from the stream
    assert sim.control.open_orders(ACCOUNT) == []


async def test_post_only_that_would_cross_ends_cancelled(sim: SimHandle, lighter: LighterConnector) -> None:
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("3000.02"))
    assert (tracker.state, tracker.filled, tracker.reason) == (OrderState.FAILED, 0, "canceled-post-only")
    assert tracker.views[Source.WS].venue_status == "canceled-post-only"
    assert sim.control.open_orders(ACCOUNT) == [] and (await lighter.get_position(ETH)).is_flat


async def test_reduce_only_market_without_position_fails(lighter: LighterConnector) -> None:
    tracker = await lighter.submit_market_order(ETH, Side.SELL, D("0.05"), reduce_only=True)
    assert (tracker.state, tracker.filled, tracker.reason) == (OrderState.FAILED, 0, "canceled-reduce-only")
    assert not [a for a in tracker.anomalies if not a.stale]


async def test_positions_balances_and_flatten(sim: SimHandle, lighter: LighterConnector) -> None:
    (before,) = await lighter.get_balances()
    assert before.asset == "USDC" and before.total == sim.frontend.test_collateral
    tracker = await lighter.submit_market_order(ETH, Side.SELL, D("0.1"))
    assert tracker.state is OrderState.FILLED
    await eventually(lambda: tracker.fills_consistent, what="the fill on the stream")
    position = await lighter.get_position(ETH)
    assert (position.size, position.entry_price, position.source) == (D("-0.1"), D("2999.98"), Source.REST)
    await eventually(lambda: ETH in lighter.positions_ws and lighter.positions_ws[ETH].size == D("-0.1"))
    resting = await lighter.submit_limit_order(ETH, Side.SELL, D("0.05"), D("3005.00"))
    result = await flatten(lighter, ETH)
    assert result.position_before.size == D("-0.1") and result.position_after.is_flat
    assert resting.state is OrderState.CANCELLED and [t.state for t in result.close_orders] == [OrderState.FILLED]
    await eventually(lambda: lighter.positions_ws[ETH].size == 0, what="WS position flat")
    assert (await verify_flat(lighter, ETH, scope="symbol")).is_flat
    (after,) = await lighter.get_balances()
    assert after.total < before.total  # paid the spread and the fees


async def test_query_a_closed_order_by_client_index(lighter: LighterConnector) -> None:
    tracker = await lighter.submit_limit_order(ETH, Side.SELL, D("0.05"), D("3004.00"))
    await lighter.cancel_order(tracker)
    snap = await lighter.get_order(ETH, client_id=tracker.client_id)
    assert (snap.state, snap.venue_id, snap.venue_status) == (OrderState.CANCELLED, tracker.venue_id, "canceled")


async def test_cancel_all_is_scoped_to_the_symbol(sim: SimHandle, lighter: LighterConnector) -> None:
    await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))
    sim.engine.submit(ACCOUNT, "BTC", Side.BUY, D("0.001"), price=D("50000.0"), client_id=5)
    assert await lighter.cancel_all(ETH) == 1
    await eventually(lambda: [o.market for o in sim.control.open_orders(ACCOUNT)] == ["BTC"])


# ---------------------------------------------------------------------------- keys and nonces


async def test_a_key_the_venue_does_not_know_fails_start_without_leaking(sim: SimHandle) -> None:
    stranger = "0x" + "17" * 40
    connector = LighterConnector(config(sim, stranger))
    with pytest.raises(AuthError) as caught:
        await connector.start()
    assert "no API key" in str(caught.value) and "17171717" not in str(caught.value)
    connector = LighterConnector(config(sim, stranger, api_key_index=4))  # told the index: the key is read there
    with pytest.raises(AuthError) as caught:
        await connector.start()
    assert "registered at index 4 of account" in str(caught.value) and "17171717" not in str(caught.value)


async def test_every_start_reads_the_key_from_the_venue_even_after_another_connector(sim: SimHandle) -> None:
    """The SDK's own check remembers a key per (account, index) for the life of the process: a
    connector started after another must still be refused a key the venue does not hold."""
    good = LighterConnector(config(sim, api_key_index=4))
    await good.start()
    await good.stop()
    before = [r.path for r in sim.frontend.request_log.records()].count("/api/v1/apikeys")
    stranger = LighterConnector(config(sim, "0x" + "17" * 40, api_key_index=4))
    with pytest.raises(AuthError, match="registered at index 4"):
        await stranger.start()
    assert [r.path for r in sim.frontend.request_log.records()].count("/api/v1/apikeys") == before + 1


async def test_a_wrong_chain_id_is_refused_as_invalid_signature(sim: SimHandle) -> None:
    connector = LighterConnector(config(sim, chain_id=300))
    await connector.start()
    try:
        with pytest.raises(TxAuthRejected) as caught:
            await connector.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))
        assert caught.value.code == "21120" and caught.value.tracker.state is OrderState.FAILED
    finally:
        await connector.stop()


async def test_nonce_resyncs_after_a_rate_limit(sim: SimHandle, lighter: LighterConnector) -> None:
    first = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))
    sim.control.add_faults({"rest": [{"action": "status", "status": 429, "path": "/api/v1/sendTx"}]})
    second = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.01"))  # retried after the 429
    assert (first.state, second.state) == (OrderState.OPEN, OrderState.OPEN)
    log = sends(sim)
    assert ("/api/v1/sendTx", 429) in log
    assert log[log.index(("/api/v1/sendTx", 429)) + 1 :].count(("/api/v1/nextNonce", 200)) >= 1
    assert lighter.txs.resyncs >= 1


async def test_nonce_drift_from_another_sender_is_repaired(sim: SimHandle, lighter: LighterConnector) -> None:
    await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))
    other = await sdk_client(sim)  # a second process using the same key takes the next nonce
    try:
        signed = other.sign_create_order(0, 99, 100, 290000, False, 0, 2, nonce=lighter.txs.next_nonce,
                                         api_key_index=4)  # fmt: skip
        assert (await other.send_tx(signed[0], signed[1])).code == 200
    finally:
        await other.close()
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.01"))
    assert tracker.state is OrderState.OPEN
    assert [s for s in sends(sim) if s[0] == "/api/v1/sendTx"][-2:] == [
        ("/api/v1/sendTx", 400),
        ("/api/v1/sendTx", 200),
    ]


async def test_server_error_is_ambiguous_then_the_next_order_works(sim: SimHandle, lighter: LighterConnector) -> None:
    sim.control.add_faults({"rest": [{"action": "status", "status": 500, "path": "/api/v1/sendTx"}]})
    with pytest.raises(AmbiguousOutcome) as caught:
        await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))
    assert caught.value.tracker.state is OrderState.SUBMITTING  # never guessed
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.01"))
    assert tracker.state is OrderState.OPEN


async def test_lost_response_is_settled_by_client_index(sim: SimHandle, lighter: LighterConnector) -> None:
    sim.control.add_faults({"rest": [{"action": "drop_response", "path": "/api/v1/sendTx"}]})
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))  # applied, answer lost
    assert tracker.state is OrderState.OPEN and tracker.venue_id is not None
    again = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.01"))  # the nonce was re-synced
    assert again.state is OrderState.OPEN


# -------------------------------------------------------------------------------------- resilience


async def test_account_socket_closed_reconnects_and_reconciles(sim: SimHandle, lighter: LighterConnector) -> None:
    sim.control.add_faults({"stream": [{"action": "close", "channel": f"account_all_orders:{ACCOUNT}"}]})
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))  # its frame closes the socket
    assert tracker.state is OrderState.OPEN  # known over REST meanwhile
    await eventually(lambda: lighter.reconcile_count >= 1, what="reconcile after reconnect")
    assert any(e.startswith("account:") for e in lighter.stream_errors)
    await lighter.cancel_order(tracker)
    await ws_seen(tracker, OrderState.CANCELLED)  # the resubscribed socket carries frames again


async def test_lost_book_update_resubscribes(sim: SimHandle, lighter: LighterConnector) -> None:
    book = lighter.books[ETH]
    sim.control.add_faults({"stream": [{"action": "drop", "channel": "order_book:0", "kind": "update/order_book"}]})
    sim.control.move_touch(ETH, 3)

    def synced_with_truth() -> bool:
        truth = sim.engine.book(ETH, 1000)
        return (
            book.gaps >= 1
            and book.synced
            and book.bids == {lv.price: lv.size for lv in truth.bids}
            and book.asks == {lv.price: lv.size for lv in truth.asks}
        )

    await eventually(synced_with_truth, what="book resubscribed and equal to the engine")
    assert book.last_id == frontend(sim).state.book_nonce[0]
    ws = await lighter.get_top_of_book(ETH, Source.WS)
    truth = sim.engine.top_of_book(ETH)
    assert (ws.bid, ws.ask) == (truth.bid, truth.ask)


async def test_market_orders_carry_a_protection_price() -> None:
    sim = await start_lighter()
    try:
        sim.control.set_mid(ETH, "3000")
        connector = LighterConnector(config(sim, market_slippage="0.001"))
        await connector.start()
        try:
            tracker = await connector.submit_market_order(ETH, Side.BUY, D("0.05"))
            assert tracker.state is OrderState.FILLED
            order = sim.engine.order_by_client_id(ACCOUNT, int(tracker.client_id))
            assert order is not None and order.price == D("3003.03")  # 3000.02 × 1.001, rounded up to the tick
        finally:
            await connector.stop()
    finally:
        await sim.stop()


async def test_account_stream_resubscribes_before_its_token_expires(sim: SimHandle) -> None:
    connector = LighterConnector(config(sim, auth_ttl=3))  # a 3 s token: renewed after about 2 s
    await connector.start()
    try:
        await eventually(lambda: any("token about to expire" in e for e in connector.stream_errors), what="renewal")
        await connector.wait_streams_live(TIMEOUT)
        tracker = await connector.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))
        await ws_seen(tracker, OrderState.OPEN)  # subscribed again, with a new token
        await connector.cancel_order(tracker)
    finally:
        await connector.stop()


async def test_an_order_beyond_the_margin_is_the_venues_refusal(sim: SimHandle, lighter: LighterConnector) -> None:
    """10,000 ETH at 2990 (~29.9M USDC) on a 1M account at the default 20×: sendTx answers 400 21739,
    read as a definitive refusal naming the venue's reason, sent once, nothing left open; a normal
    order still goes."""
    sent = len(sim.frontend.request_log)
    with pytest.raises(VenueRejected) as caught:
        await lighter.submit_limit_order(ETH, Side.BUY, D("10000"), D("2990.00"))
    error = caught.value
    assert error.code == "21739" and error.reason.startswith("not enough margin to create the order")
    assert error.tracker.state is OrderState.FAILED and error.tracker.venue_id is None
    sends = [r for r in sim.frontend.request_log.records()[sent:] if r.path == "/api/v1/sendTx"]
    assert [r.status for r in sends] == [400]  # not retried
    assert sim.control.open_orders(ACCOUNT) == []
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.05"), D("2990.00"))
    assert tracker.state is OrderState.OPEN
