"""A fill whose stream messages are lost comes back from the venue's trade history (`/api/v1/trades`)
with the trade id the stream would have carried, so the stream delivering it later counts nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.lighter.conftest import ETH, TIMEOUT, Client, frontend
from tests.lighter.test_lighter_connector import ACCOUNT, config
from tests.waiting import eventually
from xtb.connectors.lighter import LighterConnector
from xtb.model import Fill, Liquidity, OrderState, Side, Source
from xtb.orders.tracker import OrderTracker
from xtb.sim.server import SimHandle

D = Decimal
TRADES = f"account_all_trades:{ACCOUNT}"
ORDERS = f"account_all_orders:{ACCOUNT}"


class StreamFillsSeen(LighterConnector):
    """The real connector, keeping every fill its stream parser hands to the base."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streamed: list[Fill] = []

    def _on_fill(self, fill: Fill) -> None:
        self.streamed.append(fill)
        super()._on_fill(fill)


@pytest.fixture
async def lighter(sim: SimHandle) -> AsyncIterator[StreamFillsSeen]:
    sim.control.set_mid(ETH, "3000")  # best bid 2999.98: a bid at 2999.99 rests alone at the top
    connector = StreamFillsSeen(config(sim))  # no periodic REST check: only refresh_order reads the order
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


def trade_requests(sim: SimHandle) -> int:
    return sum(1 for r in sim.frontend.request_log.records() if r.path == "/api/v1/trades")


async def fill_unseen(sim: SimHandle, lighter: StreamFillsSeen, *faults: dict[str, object]) -> OrderTracker:
    """A bid of 0.02 resting alone at the best price, half of it taken while `faults` hit the stream."""
    tracker = await lighter.submit_limit_order(ETH, Side.BUY, D("0.02"), D("2999.99"))
    assert tracker.state is OrderState.OPEN
    applied = len(sim.control.faults()["applied"])
    sim.control.add_faults({"stream": list(faults)})
    sim.control.take(ETH, "buy", "0.5")
    await eventually(lambda: len(sim.control.faults()["applied"]) - applied >= len(faults), what="faults injected")
    return tracker


async def test_a_lost_fill_comes_back_from_rest_with_the_streams_trade_id(
    sim: SimHandle, lighter: StreamFillsSeen
) -> None:
    tracker = await fill_unseen(
        sim,
        lighter,
        {"action": "drop", "channel": TRADES, "kind": "update/account_all_trades"},
        {"action": "drop", "channel": ORDERS, "kind": "update/account_all_orders"},
    )
    assert (tracker.state, tracker.filled, tracker.fills) == (OrderState.OPEN, 0, {})  # the stream told nothing
    (truth,) = sim.control.fills(ACCOUNT, ETH)
    (venue_trade,) = frontend(sim).state.trades[ACCOUNT]  # what account_all_trades would have carried
    before = trade_requests(sim)

    snap = await lighter.refresh_order(tracker)

    assert trade_requests(sim) - before == 1  # one request per recovery
    assert (snap.state, snap.filled) == (OrderState.PARTIALLY_FILLED, D("0.01"))
    (fill,) = tracker.fills.values()
    assert fill.trade_id == venue_trade["trade_id_str"] == str(frontend(sim).state.trade_ids[truth.trade_id])
    assert (fill.client_id, fill.venue_id) == (tracker.client_id, tracker.venue_id)
    assert (fill.side, fill.price, fill.size, fill.fee, fill.liquidity, fill.source) == (
        Side.BUY, truth.price, truth.size, truth.fee, Liquidity.MAKER, Source.REST,
    )  # fmt: skip
    assert tracker.fills_total == tracker.filled == D("0.01") and tracker.fills_consistent
    assert not tracker.anomalies


async def test_the_stream_delivering_a_recovered_fill_later_counts_nothing(
    sim: SimHandle, lighter: StreamFillsSeen
) -> None:
    tracker = await fill_unseen(
        sim,
        lighter,
        {"action": "hold", "delay": 30.0, "channel": TRADES, "kind": "update/account_all_trades"},
        {"action": "drop", "channel": ORDERS, "kind": "update/account_all_orders"},
    )
    await lighter.refresh_order(tracker)  # while the trade message is held
    (recovered,) = tracker.fills.values()
    assert recovered.source is Source.REST

    assert lighter.streamed == []
    sim.control.release_held()
    await eventually(lambda: bool(lighter.streamed), TIMEOUT + 1, what="the held trade message, delivered")

    (late,) = lighter.streamed
    assert tracker.fills == {recovered.trade_id: recovered}
    assert late == replace(recovered, source=Source.WS)  # the same execution, read the same way
    assert tracker.fills_total == tracker.filled == D("0.01") and tracker.state is OrderState.PARTIALLY_FILLED
    await lighter.cancel_order(tracker)
    assert (tracker.state, tracker.filled, tracker.fills_consistent) == (OrderState.CANCELLED, D("0.01"), True)
    assert not tracker.anomalies


async def test_trade_history_narrows_to_one_order(
    sim: SimHandle, lighter: StreamFillsSeen, http: aiohttp.ClientSession
) -> None:
    first = await lighter.submit_limit_order(ETH, Side.BUY, D("0.01"), D("2999.99"))
    sim.control.take(ETH, "buy", "1")
    await first.wait_for(lambda t: t.state is OrderState.FILLED, TIMEOUT)
    second = await lighter.submit_limit_order(ETH, Side.BUY, D("0.01"), D("2999.99"))
    sim.control.take(ETH, "buy", "1")
    await second.wait_for(lambda t: t.state is OrderState.FILLED, TIMEOUT)
    client, token = Client(http, sim), lighter.token()
    query = {"account_index": ACCOUNT, "sort_by": "timestamp", "limit": 100}

    listed = {}
    for tracker in (first, second):
        status, body = await client.get("/api/v1/trades", token, order_index=tracker.venue_id, **query)
        assert status == 200 and len(body["trades"]) == 1
        (trade,) = body["trades"]
        assert str(trade["bid_id"]) == tracker.venue_id and str(trade["bid_client_id"]) == tracker.client_id
        listed[tracker.client_id] = trade["trade_id_str"]
    assert listed == {t.client_id: next(iter(t.fills)) for t in (first, second)}  # the stream's trade ids
    status, body = await client.get("/api/v1/trades", token, **query)
    assert [t["trade_id_str"] for t in body["trades"]] == [listed[second.client_id], listed[first.client_id]]
    status, body = await client.get("/api/v1/trades", token, order_index=2**48 + 10**9, **query)
    assert (status, body["trades"]) == (200, [])

    for bad in ({"order_index": "x"}, {"order_index": "-1"}, {"sort_dir": "up"}):
        status, body = await client.get("/api/v1/trades", token, **{**query, **bad})
        assert (status, body["code"]) == (400, 20001) and set(body) == {"code", "message"}
