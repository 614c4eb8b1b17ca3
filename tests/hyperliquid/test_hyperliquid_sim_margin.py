"""The venue's margin arithmetic (spec §7) against the spec's check numbers, `clearinghouseState` over
HTTP after a fill, and the user-feed pushes the REST side makes (§5.4, §10.12, §10.13)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.hyperliquid.sim_client import ETH, Client, frontend, order
from tests.waiting import eventually
from xtb.sim.hyperliquid import margin
from xtb.sim.server import SimHandle

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "sim_examples.json").read_text())
D = Decimal


def test_cross_long_check_numbers() -> None:
    """§7: 377667 / 10 = 37766.7, 377667 / 80 = 4720.8375, −339414.3 + 377667.0 = 38252.7,
    withdrawable 38252.7 − 37766.7 = 486.0 (live capture §4.2.2)."""
    facts = EXAMPLES["cross_long"]
    szi, entry = D(facts["szi"]), D(facts["entryPx"])
    mark = D(facts["positionValue"]) / szi
    cash = D(facts["totalRawUsd"]) + szi * entry  # totalRawUsd = cash − szi × entry
    position = margin.PositionInput("BTC", szi, entry, mark, facts["leverage"], True, facts["maxLeverage"])
    figures = margin.account_figures(cash, [position])
    (p,) = figures.positions
    assert p.position_value == D(facts["positionValue"])
    assert p.margin_used == D(facts["marginUsed"])
    assert figures.cross_maintenance == D(facts["crossMaintenanceMarginUsed"])
    assert figures.margin_summary.account_value == D(facts["accountValue"])
    assert figures.margin_summary.total_raw_usd == D(facts["totalRawUsd"])
    assert figures.withdrawable == D(facts["withdrawable"])
    assert figures.cross_summary == figures.margin_summary


def test_isolated_long_check_numbers() -> None:
    """§7: isolated marginUsed = rawUsd + szi × mark (−95.059824 + 100.02765 = 4.967826); the
    cross summary leaves it out and withdrawable is the cross account value (doc example)."""
    facts = EXAMPLES["isolated_long"]
    szi, entry, lev = D(facts["szi"]), D(facts["entryPx"]), facts["leverage"]
    mark = D(facts["positionValue"]) / szi
    allocated = D(facts["rawUsd"]) + szi * entry  # rawUsd = allocated − szi × entry
    cross_value = D(facts["cross_accountValue"])
    cash = cross_value + allocated  # no cross positions: cross accountValue = cash − allocated
    position = margin.PositionInput("ETH", szi, entry, mark, lev, False, facts["maxLeverage"])
    # the simulator allocates |szi| × entry / leverage at entry; the doc's account had moved margin
    figures = margin.account_figures(cash, [position])
    (p,) = figures.positions
    simulated_alloc = abs(szi) * entry / lev
    assert p.raw_usd == simulated_alloc - szi * entry
    assert p.margin_used == p.raw_usd + szi * mark
    assert figures.cross_summary.account_value == cash - simulated_alloc
    assert figures.withdrawable == figures.cross_summary.account_value
    assert figures.margin_summary.account_value - figures.cross_summary.account_value == p.margin_used
    # the doc's own figures through the same identity
    assert D(facts["rawUsd"]) + szi * mark == D(facts["marginUsed"])


def test_liquidation_price_formula() -> None:
    """§7 [doc]: liq = mark − side × margin_available / |szi| / (1 − mmr × side); None when not
    reachable. A long of 1 at 100 with 10 available and mmr 1/40: 100 − 10 / (1 − 0.025)."""
    position = margin.PositionInput("X", D(1), D(100), D(100), 10, True, 20)
    assert margin.liquidation_px(position, D(10)) == D(100) - D(10) / (1 - D(1) / D(40))
    assert margin.liquidation_px(position, D(1000)) is None
    short = margin.PositionInput("X", D(-1), D(100), D(100), 10, True, 20)
    assert margin.liquidation_px(short, D(10)) == D(100) + D(10) / (1 + D(1) / D(40))


def test_increasing_part() -> None:
    assert margin.increase(D(0), True, D(2)) == D(2)
    assert margin.increase(D(1), True, D(2)) == D(2)
    assert margin.increase(D(-1), True, D(3)) == D(2)
    assert margin.increase(D(-3), True, D(2)) == D(0)


# ------------------------------------------------------------------------------------ over HTTP


class Recorder:
    """Stands in for the streams' user-feed methods (contract20) and keeps what was pushed."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, list[dict[str, Any]]]] = []
        self.fills: list[tuple[str, list[dict[str, Any]]]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish_order_updates(self, user: str, updates: list[dict[str, Any]]) -> None:
        self.updates.append((user, updates))

    def publish_fills(self, user: str, fills: list[dict[str, Any]]) -> None:
        self.fills.append((user, fills))

    def publish_user_event(self, user: str, event: dict[str, Any]) -> None:
        self.events.append((user, event))


@pytest.fixture
def pushes(sim: SimHandle) -> Recorder:
    recorder = Recorder()
    frontend(sim).outbox._feeds = lambda: recorder  # type: ignore[assignment, return-value]
    return recorder


async def test_clearinghouse_state_after_a_fill(client: Client) -> None:
    """One ETH bought at 3500.1 with the mark at 3500 (frozen book mid), leverage 20, maxLeverage 25:
    positionValue 3500, uPnL −0.1, marginUsed 175, maintenance 3500 / 50 = 70, fee 1.575045."""
    await client.place(order(ETH, True, "3600", "1", "Ioc"))
    state = await client.state()
    position = state["assetPositions"][0]["position"]
    assert (position["szi"], position["entryPx"], position["positionValue"]) == ("1.0", "3500.1", "3500.0")
    assert (position["unrealizedPnl"], position["marginUsed"], position["maxLeverage"]) == ("-0.1", "175.0", 25)
    assert position["returnOnEquity"] == str(margin.ratio(D("-0.1") / (D("3500.1") / 20)))
    assert state["crossMaintenanceMarginUsed"] == "70.0"
    cash = D(1_000_000) - D("1.575045")
    assert state["marginSummary"] == {
        "accountValue": str(cash - D("0.1")), "totalNtlPos": "3500.0",
        "totalRawUsd": str(cash - D("3500.1")), "totalMarginUsed": "175.0"}  # fmt: skip
    assert state["withdrawable"] == str(cash - D("0.1") - D(350))  # 0.1 × totalNtlPos > marginUsed


async def test_modify_pushes_new_open_then_old_canceled_in_one_frame(client: Client, pushes: Recorder) -> None:
    """§10.13."""
    old = (await client.place(order(ETH, True, "3400", "0.01")))[0]["resting"]["oid"]
    await eventually(lambda: bool(pushes.updates), what="the open push")
    pushes.updates.clear()
    await client.ok({"type": "modify", "oid": old, "order": order(ETH, True, "3401", "0.01")})
    await eventually(lambda: bool(pushes.updates), what="the modify push")
    (user, frame), *rest = pushes.updates
    assert not rest and user == client.user
    assert [(u["status"], u["order"]["oid"] == old) for u in frame] == [("open", False), ("canceled", True)]


async def test_closing_fill_and_reduce_only_cancel_in_one_frame(client: Client, pushes: Recorder) -> None:
    """§6.3: the closing order's `filled` and the resting reduce-only's `reduceOnlyCanceled` leave
    together; fills go out on the fills feed, partial fills push nothing (§10.12)."""
    await client.place(order(ETH, True, "3600", "0.05", "Ioc"))
    await client.place(order(ETH, False, "3600", "0.05", reduce_only=True))
    await eventually(lambda: len(pushes.updates) >= 2, what="the earlier pushes")
    pushes.updates.clear()
    pushes.fills.clear()
    await client.place(order(ETH, False, "3400", "0.05", "Ioc"))
    await eventually(lambda: bool(pushes.updates) and bool(pushes.fills), what="the closing pushes")
    assert len(pushes.updates) == 1
    statuses = sorted(u["status"] for u in pushes.updates[0][1])
    assert statuses == ["filled", "reduceOnlyCanceled"]
    assert [f["dir"] for f in pushes.fills[0][1]] == ["Close Long"]


def test_isolated_long_with_moved_margin_reproduces_the_doc_example() -> None:
    """§4.2.2 / §7: the doc's isolated position had margin moved in after entry; with that amount as
    `isolated_extra` the model gives its rawUsd (−95.059824) and marginUsed (4.967826) exactly."""
    facts = EXAMPLES["isolated_long"]
    szi, entry, lev = D(facts["szi"]), D(facts["entryPx"]), facts["leverage"]
    mark = D(facts["positionValue"]) / szi
    extra = D(facts["rawUsd"]) + szi * entry - abs(szi) * entry / lev  # what was moved in after entry
    position = margin.PositionInput("ETH", szi, entry, mark, lev, False, facts["maxLeverage"], isolated_extra=extra)
    (p,) = margin.account_figures(D("20000"), [position]).positions
    assert p.raw_usd == D(facts["rawUsd"])
    assert p.margin_used == D(facts["marginUsed"])
