"""Margin on the GRVT simulator (spec §4.9, §6.2): the leverage an account chooses is the engine's
initial margin fraction, its limits answer with 2100 / 2107 / 2108, and what the venue publishes
(`account_summary`, positions' `leverage`, `get_all_initial_leverage`, `margin_rules`) is what the
engine then accepts or refuses. Every expected number is worked out by hand below.

An order beyond the account's margin is acknowledged and then ends REJECTED `BELOW_MARGIN` (§6.2
allows this asynchronous form besides a synchronous 2080). Orders here are post-only limit buys far
below the touch: they reach the engine before the acknowledgement and rest, so their margin is
their size × limit price × the initial fraction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.grvt.conftest import BTC, Client
from xtb.connectors.grvt import sdk
from xtb.sim.server import SimHandle

D = Decimal
PRICE = "50000"  # far below the frozen BTC book (around 60000): every order here rests
EQUITY = "1000"


@pytest.fixture
async def trader(http: aiohttp.ClientSession, sim: SimHandle) -> AsyncIterator[Client]:
    """A sub-account holding 1000 USDT and nothing else."""
    creds = sim.control.create_account("margin", EQUITY)["credentials"]
    client = Client(http, sim, creds)
    assert (await client.login())[0] == 200
    try:
        yield client
    finally:
        sdk.release(client.env)


async def place(client: Client, size: str) -> dict[str, Any]:
    """A resting post-only buy at PRICE; its state once the engine has answered."""
    cid = client.next_cid()
    status, ack = await client.create(client.order(PRICE, size, post_only=True, cid=cid))
    assert (status, ack["result"]["state"]["status"]) == (200, "PENDING")
    status, answer = await client.call("order", {"sub_account_id": client.sub, "client_order_id": cid})
    assert status == 200
    state: dict[str, Any] = answer["result"]["state"]
    return state


def refused_for_margin(state: dict[str, Any]) -> bool:
    return (state["status"], state["reject_reason"]) == ("REJECTED", "BELOW_MARGIN")


async def set_leverage(client: Client, leverage: str, instrument: str = BTC) -> tuple[int, Any]:
    return await client.call(
        "set_initial_leverage", {"sub_account_id": client.sub, "instrument": instrument, "leverage": leverage}
    )


async def leverage_row(client: Client, instrument: str = BTC) -> dict[str, Any]:
    status, answer = await client.call("get_all_initial_leverage", {"sub_account_id": client.sub})
    assert status == 200
    (row,) = [r for r in answer["results"] if r["instrument"] == instrument]
    return dict(row)


async def summary(client: Client) -> dict[str, Any]:
    status, answer = await client.call("account_summary", {"sub_account_id": client.sub})
    assert status == 200
    return dict(answer["result"])


async def test_raising_leverage_lets_an_order_refused_before_fit(trader: Client) -> None:
    # 0.03 BTC at 50000 = 1500 notional: 150 of margin at the default 10x, 1000 of equity
    assert (await leverage_row(trader))["leverage"] == "10.0"
    # 0.3 BTC = 15000 notional: 1500 at 10x > 1000
    assert refused_for_margin(await place(trader, "0.3"))
    assert await set_leverage(trader, "20") == (200, {"success": True})
    assert (await leverage_row(trader))["leverage"] == "20.0"
    # the same order at 20x: 15000 / 20 = 750 <= 1000
    assert (await place(trader, "0.3"))["status"] == "OPEN"
    figures = await summary(trader)
    assert (D(figures["initial_margin"]), D(figures["available_balance"])) == (D(750), D(250))


async def test_lowering_leverage_refuses_an_order_that_fit(trader: Client) -> None:
    # 0.15 BTC at 50000 = 7500 notional: 750 at the default 10x, 1500 at 5x; equity 1000
    assert await set_leverage(trader, "5") == (200, {"success": True})
    assert (await leverage_row(trader))["leverage"] == "5.0"
    assert refused_for_margin(await place(trader, "0.15"))
    assert await set_leverage(trader, "10") == (200, {"success": True})
    assert (await place(trader, "0.15"))["status"] == "OPEN"


@pytest.mark.parametrize(
    ("leverage", "code"),
    [("0.5", 2107), ("0.999", 2107), ("51", 2108), ("50.000000001", 2108), ("0", 2100), ("-3", 2100),
     ("ten", 2100), (None, 2100), (True, 2100)],
)  # fmt: skip
async def test_leverage_out_of_range_answers_with_the_venues_error(trader: Client, leverage: Any, code: int) -> None:
    messages = {
        2100: "Invalid initial leverage",
        2107: "Attempted to set leverage below minimum",
        2108: "Attempted to set leverage above maximum",
    }
    assert await set_leverage(trader, leverage) == (400, {"code": code, "message": messages[code], "status": 400})
    assert (await leverage_row(trader))["leverage"] == "10.0"  # unchanged


async def test_leverage_limits_read_back_and_unknown_instrument(trader: Client) -> None:
    assert await set_leverage(trader, "1") == (200, {"success": True})
    assert await set_leverage(trader, "50", instrument="ETH_USDT_Perp") == (200, {"success": True})
    assert await leverage_row(trader) == {
        "instrument": BTC, "leverage": "1.0", "min_leverage": "1.0", "max_leverage": "50.0", "margin_type": "CROSS",
    }  # fmt: skip
    assert (await leverage_row(trader, "ETH_USDT_Perp"))["leverage"] == "50.0"
    assert await set_leverage(trader, "7") == (200, {"success": True})
    assert (await leverage_row(trader))["leverage"] == "7.0"  # not 6.99…: 1/7 is no finite decimal
    status, answer = await set_leverage(trader, "5", instrument="DOGE_USDT_Perp")
    assert (status, answer["code"]) == (400, 3000)


async def test_the_published_available_balance_is_what_the_engine_accepts(trader: Client) -> None:
    """GRVT publishes no maximum order size; a client derives it from `available_balance` and the
    leverage: 1000 / (50000 / 10) = 0.2 BTC fits, one size step (0.001) more does not."""
    figures = await summary(trader)
    assert (D(figures["total_equity"]), D(figures["available_balance"]), D(figures["initial_margin"])) == (
        D(1000), D(1000), D(0),
    )  # fmt: skip
    assert refused_for_margin(await place(trader, "0.201"))  # 0.201 × 50000 / 10 = 1005 > 1000
    assert (await place(trader, "0.2"))["status"] == "OPEN"  # 0.2 × 50000 / 10 = 1000
    figures = await summary(trader)
    assert (D(figures["initial_margin"]), D(figures["available_balance"])) == (D(1000), D(0))
    assert refused_for_margin(await place(trader, "0.002"))  # nothing left: 0.002 × 50000 / 10 = 10 > 0


async def test_a_runtime_margin_setting_shows_in_what_the_venue_publishes(sim: SimHandle, trader: Client) -> None:
    status, rules = await trader.call("margin_rules", {"instrument": BTC}, host="market_data")
    (tier,) = rules["risk_brackets"]
    # the listing: 50x at most, so 1/50 initial; maintenance half of that
    assert (status, tier["max_leverage"], tier["initial_margin_rate"], tier["maintenance_margin_rate"]) == (
        200, 50, "0.02", "0.01",
    )  # fmt: skip
    sim.control.configure({"margin": {BTC: {"initial": "0.05", "maintenance": "0.025"}}})
    _, rules = await trader.call("margin_rules", {"instrument": BTC}, host="market_data")
    (tier,) = rules["risk_brackets"]
    # 1 / 0.025 = 40x at most now (below the listing's 50x), so 1/40 initial at that leverage
    assert (tier["max_leverage"], tier["initial_margin_rate"], tier["maintenance_margin_rate"]) == (
        40, "0.025", "0.025",
    )  # fmt: skip
    assert await leverage_row(trader) == {
        "instrument": BTC, "leverage": "20.0", "min_leverage": "1.0", "max_leverage": "40.0", "margin_type": "CROSS",
    }  # fmt: skip
    assert (await set_leverage(trader, "41"))[1]["code"] == 2108
    # a taker buy of 0.01 BTC, then a resting 0.1 BTC bid at 50000 (5000 notional)
    assert (await trader.create(trader.order(None, "0.01", tif="IMMEDIATE_OR_CANCEL")))[0] == 200
    assert (await place(trader, "0.1"))["status"] == "OPEN"
    top = sim.engine.top_of_book(BTC)
    assert top.bid is not None and top.ask is not None
    mark = (top.bid + top.ask) / 2
    figures = await summary(trader)
    assert D(figures["initial_margin"]) == D("0.05") * (D("0.01") * mark + D("0.1") * D(PRICE))
    assert D(figures["maintenance_margin"]) == D("0.025") * D("0.01") * mark
    (position,) = figures["positions"]
    assert (position["instrument"], position["leverage"]) == (BTC, "20.0")
