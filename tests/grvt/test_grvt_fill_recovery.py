"""A fill whose `v1.fill` message is lost comes back from `fill_history` on the order's next REST view,
with the trade id the venue gave it, and a stream message that arrives after that counts once.

The expected values come from the simulator's own fill records (what the venue would have streamed),
never from the connector."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from tests.grvt.conftest import BTC, TIMEOUT, fe, start_grvt
from tests.grvt.test_grvt_connector import config
from tests.waiting import eventually
from xtb.connectors.grvt import GrvtConnector
from xtb.connectors.grvt import connector as grvt_connector
from xtb.model import Fill, Liquidity, OrderState, Side, Source
from xtb.orders.tracker import OrderTracker
from xtb.sim.server import SimHandle

D = Decimal


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_grvt()
    handle.control.set_mid(BTC, "60000")  # best bid 59999.9, best ask 60000.1
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def gc(sim: SimHandle) -> AsyncIterator[GrvtConnector]:
    # a wider budget than the default 9 a second: the stream's delayed fill must not overtake REST
    connector = GrvtConnector(dataclasses.replace(config(sim), extra={**config(sim).extra, "requests_per_second": 50}))
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


def venue_fills(sim: SimHandle, tracker: OrderTracker) -> list[dict[str, Any]]:
    """The simulator's fill records of one order (the `v1.fill` feeds it sent, or tried to)."""
    account = sim.frontend.test_account
    return [f for f in fe(sim).state.fills.get(account, ()) if f["client_order_id"] == tracker.client_id]


def drop_fill_messages(sim: SimHandle, count: int | None = 1) -> None:
    """Lose the next `count` fill messages (None: all of them, so no later one shows a gap and
    starts the connector's own recovery)."""
    sim.control.add_faults({"stream": [{"action": "drop", "channel": "v1.fill:*", "kind": "fill", "count": count}]})


def fill_history_calls(sim: SimHandle) -> list[str]:
    return [r.path for r in fe(sim).request_log.records() if r.path == "/full/v1/fill_history"]


async def test_a_lost_fill_comes_back_on_the_orders_next_rest_view(sim: SimHandle, gc: GrvtConnector) -> None:
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.02"), D("60000.0"))  # alone at the new best bid
    drop_fill_messages(sim)
    sim.control.take(BTC, "buy", "0.5")  # 0.01 of it trades; the fill message is lost
    await tracker.wait_for(lambda t: t.filled == D("0.01"), TIMEOUT)  # the order update still says so
    assert [a for a in fe(sim).faults.applied if a.startswith("stream drop v1.fill:")], "no fill message dropped"
    assert tracker.fills == {}
    (sent,) = venue_fills(sim, tracker)

    snap = await gc.refresh_order(tracker)

    assert (snap.state, snap.filled) == (OrderState.PARTIALLY_FILLED, D("0.01"))
    (fill,) = tracker.fills.values()
    assert fill.trade_id == sent["trade_id"] and fill.source is Source.REST
    assert (fill.symbol, fill.side, fill.price, fill.size, fill.fee, fill.liquidity) == (
        BTC, Side.BUY, D(sent["price"]), D(sent["size"]), D(sent["fee"]), Liquidity.MAKER,
    )  # fmt: skip
    assert (fill.client_id, fill.venue_id) == (tracker.client_id, tracker.venue_id)
    assert tracker.fills_total == tracker.filled == D("0.01")
    assert not tracker.anomalies


async def test_the_stream_fill_after_a_rest_recovery_counts_once(sim: SimHandle, gc: GrvtConnector) -> None:
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.02"), D("60000.0"))
    offered: list[tuple[Fill, bool]] = []
    apply_fill = tracker.apply_fill

    def recording(fill: Fill) -> bool:
        applied = apply_fill(fill)
        offered.append((fill, applied))
        return applied

    tracker.apply_fill = recording  # type: ignore[method-assign]
    # the fill message (and everything after it on the socket) is held back until REST has read the order
    sim.control.add_faults({"stream": [{"action": "hold", "delay": 30.0, "channel": "v1.fill:*", "kind": "fill"}]})
    sim.control.take(BTC, "buy", "0.5")
    (sent,) = venue_fills(sim, tracker)

    await gc.refresh_order(tracker)
    assert [(f.trade_id, f.source, applied) for f, applied in offered] == [(sent["trade_id"], Source.REST, True)]
    sim.control.release_held()

    def stream_fill_offered() -> bool:
        return any(f.source is Source.WS for f, _ in offered)

    await eventually(stream_fill_offered, what="the delayed v1.fill message")
    assert [(f.trade_id, f.source, applied) for f, applied in offered] == [
        (sent["trade_id"], Source.REST, True),
        (sent["trade_id"], Source.WS, False),
    ]
    assert list(tracker.fills) == [sent["trade_id"]]
    assert tracker.fills_total == tracker.filled == D("0.01")
    await gc.cancel_order(tracker)
    assert (tracker.state, tracker.filled, tracker.fills_total) == (OrderState.CANCELLED, D("0.01"), D("0.01"))
    assert not tracker.anomalies


async def test_recovery_follows_the_cursor_past_other_orders_fills(
    sim: SimHandle, gc: GrvtConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two lost fills of one order, older than another order's fill: with one row a page, the
    recovery reads back page by page until the order's fills add up to what it filled."""
    monkeypatch.setattr(grvt_connector, "FILL_PAGE", 1)
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.04"), D("60000.0"))
    drop_fill_messages(sim, count=None)
    sim.control.take(BTC, "buy", "0.25")
    sim.control.take(BTC, "buy", "0.34")  # two trades, 0.01 each; no fill message arrives
    await tracker.wait_for(lambda t: t.filled == D("0.02"), TIMEOUT)
    other = await gc.submit_limit_order(BTC, Side.SELL, D("0.01"), D("60000.1"))
    sim.control.take(BTC, "sell", "1")  # the other order's fill is now the newest row
    await other.wait_for(lambda t: t.state is OrderState.FILLED, TIMEOUT)
    assert tracker.fills == {}
    sent = venue_fills(sim, tracker)
    assert len({f["trade_id"] for f in sent}) == 2
    before = len(fill_history_calls(sim))

    await gc.refresh_order(tracker)

    assert sorted(tracker.fills) == sorted(f["trade_id"] for f in sent)
    assert tracker.fills_total == tracker.filled == D("0.02")
    assert len(fill_history_calls(sim)) - before == 3  # the newest row is the other order's
    assert not tracker.anomalies


async def test_recovery_reads_a_bounded_number_of_pages(
    sim: SimHandle, gc: GrvtConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fill the history does not give back within `FILL_PAGES` pages stays missing (logged) and
    the next REST view tries again, rather than reading the account's whole history."""
    monkeypatch.setattr(grvt_connector, "FILL_PAGE", 1)
    monkeypatch.setattr(grvt_connector, "FILL_PAGES", 2)
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.02"), D("60000.0"))
    drop_fill_messages(sim, count=None)
    sim.control.take(BTC, "buy", "0.5")
    await tracker.wait_for(lambda t: t.filled == D("0.01"), TIMEOUT)
    for _ in range(3):  # three newer fills of other orders
        other = await gc.submit_limit_order(BTC, Side.SELL, D("0.01"), D("60000.1"))
        sim.control.take(BTC, "sell", "1")
        await other.wait_for(lambda t: t.state is OrderState.FILLED, TIMEOUT)
    before = len(fill_history_calls(sim))

    await gc.refresh_order(tracker)
    assert tracker.fills == {} and len(fill_history_calls(sim)) - before == 2

    monkeypatch.setattr(grvt_connector, "FILL_PAGES", 4)
    await gc.refresh_order(tracker)
    assert tracker.fills_total == tracker.filled == D("0.01")


async def test_a_stream_gap_recovers_the_lost_fill_of_an_order_already_filled(
    sim: SimHandle, gc: GrvtConnector
) -> None:
    """The order's FILLED update arrives but its fill message does not; no REST view of a finished
    order follows on its own, so the next fill message's gap is what brings the fill back."""
    tracker = await gc.submit_limit_order(BTC, Side.BUY, D("0.01"), D("60000.0"))
    drop_fill_messages(sim)
    sim.control.take(BTC, "buy", "1")
    await tracker.wait_for(lambda t: t.state is OrderState.FILLED, TIMEOUT)
    assert tracker.fills == {}
    (sent,) = venue_fills(sim, tracker)
    other = await gc.submit_limit_order(BTC, Side.SELL, D("0.01"), D("60000.1"))
    sim.control.take(BTC, "sell", "1")  # its fill message is number 2 after the lost 1: a gap

    await eventually(lambda: tracker.fills_consistent, what="the lost fill recovered after the gap")
    assert list(tracker.fills) == [sent["trade_id"]] and tracker.fills[sent["trade_id"]].source is Source.REST
    await other.wait_for(lambda t: t.state is OrderState.FILLED and t.fills_consistent, TIMEOUT)
    assert not tracker.anomalies and not other.anomalies
