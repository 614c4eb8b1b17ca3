"""A fill whose stream message is lost comes back from the venue's trade list (`userTrades`), with
the trade id the stream carries, so the tracker counts it once whichever transport says it first."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from tests.aster.conftest import ETH, TIMEOUT
from tests.aster.test_aster_connector import ACCOUNT, aster, requests, ws_seen  # noqa: F401 - `aster` is a fixture
from tests.waiting import eventually
from xtb.connectors.aster import AsterConnector
from xtb.connectors.aster import connector as aster_connector
from xtb.events import EventKind
from xtb.model import Fill, OrderState, Position, Side, Source
from xtb.orders.tracker import OrderTracker
from xtb.sim.server import SimHandle

D = Decimal
TRADE_UPDATES = {"channel": "user:*", "kind": "ORDER_TRADE_UPDATE"}


async def resting_bid(sim: SimHandle, aster: AsterConnector) -> OrderTracker:  # noqa: F811 - the fixture's name
    """0.200 alone at a new best bid, acknowledged on both transports."""
    tracker = await aster.submit_limit_order(ETH, Side.BUY, D("0.200"), D("3000.0"))
    await ws_seen(tracker, OrderState.OPEN)
    return tracker


def sim_trade_ids(sim: SimHandle, client_id: str) -> list[str]:
    """The venue's own trade ids (as its wire shows them) of the order's executions."""
    state = sim.frontend.state
    return [str(state.trade_id(f.trade_id)) for f in sim.control.fills(ACCOUNT, ETH) if f.client_id == client_id]


def faults_fired(sim: SimHandle, action: str) -> int:
    return sum(1 for entry in sim.frontend.faults.applied if entry.startswith(f"stream {action} user:"))


async def test_a_fill_lost_on_the_stream_is_recovered_by_the_rest_view(
    sim: SimHandle,
    aster: AsterConnector,  # noqa: F811
) -> None:
    tracker = await resting_bid(sim, aster)
    sim.control.add_faults({"stream": [{"action": "drop", **TRADE_UPDATES}]})
    sim.control.take(ETH, "buy", "0.5")  # 0.100 of the order trades; its x=TRADE message is lost
    await eventually(lambda: faults_fired(sim, "drop") == 1, what="the fill message dropped")
    # the ACCOUNT_UPDATE of the same trade comes after the lost message: the stream has moved past it
    await eventually(lambda: ETH in aster.positions_ws and aster.positions_ws[ETH].size == D("0.1"))
    assert (tracker.filled, tracker.fills) == (0, {})

    snap = await aster.refresh_order(tracker)

    assert (snap.state, snap.filled) == (OrderState.PARTIALLY_FILLED, D("0.1"))
    assert (tracker.state, tracker.filled) == (OrderState.PARTIALLY_FILLED, D("0.1"))
    assert list(tracker.fills) == sim_trade_ids(sim, tracker.client_id) and len(tracker.fills) == 1
    (fill,) = tracker.fills.values()
    assert (fill.source, fill.client_id, fill.venue_id, fill.side) == (
        Source.REST,
        tracker.client_id,
        tracker.venue_id,
        Side.BUY,
    )
    assert (fill.price, fill.size, fill.fee) == (D("3000"), D("0.1"), D("0.03"))
    assert tracker.fills_total == tracker.filled and not tracker.anomalies
    asked = [(m, p) for m, p, _, _ in requests(sim) if p.endswith("/userTrades")]
    assert asked == [("GET", "/fapi/v3/userTrades")]  # one page, weight 5


async def test_the_stream_fill_after_a_rest_recovery_counts_once(
    sim: SimHandle,
    aster: AsterConnector,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream_fills: list[Fill] = []  # what the stream's parser made of the trade, before de-duplication
    published: list[Any] = []  # the TRADE (and POSITION) events the connector's users see, in order
    on_fill = aster._on_fill

    def stream_fill(fill: Fill) -> None:
        stream_fills.append(fill)
        on_fill(fill)

    monkeypatch.setattr(aster, "_on_fill", stream_fill)
    aster.bus.subscribe(lambda event: published.append(event.payload), [EventKind.TRADE, EventKind.POSITION])
    tracker = await resting_bid(sim, aster)
    # the user socket holds the trade's messages back until the REST read has come first
    sim.control.add_faults({"stream": [{"action": "hold", "delay": 30.0, **TRADE_UPDATES}]})
    sim.control.take(ETH, "buy", "0.5")
    await eventually(lambda: faults_fired(sim, "hold") == 1, what="the fill message held back")

    await aster.refresh_order(tracker)
    assert tracker.views[Source.WS].state is OrderState.OPEN and not stream_fills  # the stream has not told yet
    assert [f.source for f in tracker.fills.values()] == [Source.REST]
    sim.control.release_held()

    await eventually(lambda: bool(stream_fills), timeout=TIMEOUT, what="the stream's fill message")
    await ws_seen(tracker, OrderState.PARTIALLY_FILLED)
    (rest_fill,) = tracker.fills.values()
    assert stream_fills == [replace(rest_fill, source=Source.WS)]  # the same fill, field for field
    assert [f.source for f in tracker.fills.values()] == [Source.REST]  # kept once, as first recorded
    assert tracker.filled == tracker.fills_total == D("0.1")
    assert [a for a in tracker.anomalies if not a.stale] == []
    # the trade's ACCOUNT_UPDATE followed its fill message on the socket: its event comes after any of the fill's
    await eventually(lambda: any(isinstance(e, Position) and e.size == D("0.1") for e in published))
    assert [e for e in published if isinstance(e, Fill)] == [rest_fill]  # once: the stream's repeat is not news


async def test_fills_found_among_other_trades_across_full_pages(
    sim: SimHandle,
    aster: AsterConnector,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages of one row: the list is full at every ask, so the window is halved until each of the
    order's two trades stands alone; another order's trade in the window is left out."""
    tracker = await resting_bid(sim, aster)
    other = await aster.submit_market_order(ETH, Side.BUY, D("0.010"))  # a trade of ours, not of the bid
    assert other.state is OrderState.FILLED
    sim.control.add_faults({"stream": [{"action": "drop", "count": 2, **TRADE_UPDATES}]})
    for position in (D("0.11"), D("0.16")):  # trades of 0.100 and 0.050, apart in time (a window splits by ms)
        sim.control.take(ETH, "buy", "0.5")
        await eventually(lambda p=position: ETH in aster.positions_ws and aster.positions_ws[ETH].size == p)
    assert faults_fired(sim, "drop") == 2
    monkeypatch.setattr(aster_connector, "TRADES_PAGE", 1)
    monkeypatch.setattr(aster_connector, "MAX_TRADE_PAGES", 200)

    await aster.refresh_order(tracker)

    assert sorted(tracker.fills) == sorted(sim_trade_ids(sim, tracker.client_id)) and len(tracker.fills) == 2
    assert tracker.filled == tracker.fills_total == D("0.15") and not tracker.anomalies
    assert {f.venue_id for f in tracker.fills.values()} == {tracker.venue_id}
