"""Margin on the Aster simulator as a client meets it: the leverage call is the fraction the engine
margins orders at, and what the venue publishes (availableBalance, initial and maintenance margin,
leverage, brackets, exchangeInfo percents) is what the engine then accepts or refuses.

Every expected number is worked out here by hand from the test account's 1,000,000 USDT and the
spec's BTCUSDT margin (requiredMarginPercent 5 %, maintMarginPercent 2.5 %). Orders rest far below
the frozen book (BTC quotes near 60,000), so each one's initial margin is price × quantity /
leverage and nothing fills.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.aster.conftest import Client
from xtb.sim.server import SimHandle

D = Decimal
BTC = "BTCUSDT"
ACCOUNT = "test-account"
PRICE = "50000.0"
MARGIN_INSUFFICIENT = {"code": -2019, "msg": "Margin is insufficient."}
SETTING = {"margin": {BTC: {"initial": "0.1", "maintenance": "0.04"}}}


def buy(quantity: str) -> list[tuple[str, str]]:
    pairs = [("symbol", BTC), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC")]
    return [*pairs, ("quantity", quantity), ("price", PRICE)]


async def place(client: Client, quantity: str) -> tuple[int, Any]:
    status, body, _ = await client.call("POST", "/fapi/v3/order", buy(quantity))
    return status, body


async def set_leverage(client: Client, leverage: int) -> tuple[int, Any]:
    status, body, _ = await client.call("POST", "/fapi/v3/leverage", [("symbol", BTC), ("leverage", str(leverage))])
    return status, body


async def published_leverage(client: Client) -> tuple[str, str]:
    """BTCUSDT's leverage as positionRisk and the account's positions[] show it."""
    _, (risk,), _ = await client.call("GET", "/fapi/v3/positionRisk", [("symbol", BTC)])
    _, account, _ = await client.call("GET", "/fapi/v3/accountWithJoinMargin")
    (row,) = [p for p in account["positions"] if p["symbol"] == BTC]
    return risk["leverage"], row["leverage"]


async def available(client: Client) -> Decimal:
    _, balances, _ = await client.call("GET", "/fapi/v3/balance")
    (usdt,) = [b for b in balances if b["asset"] == "USDT"]
    return D(usdt["availableBalance"])


async def test_raising_the_leverage_lets_an_order_refused_before_fit(client: Client, sim: SimHandle) -> None:
    """500 BTC at 50,000 is 25,000,000 USDT: at the default 20× it needs 1,250,000 (refused), at 40×
    625,000 (fits, leaving 375,000 available)."""
    assert await published_leverage(client) == ("20", "20")
    assert await place(client, "500") == (400, MARGIN_INSUFFICIENT)
    assert sim.control.open_orders(ACCOUNT) == []
    assert await set_leverage(client, 40) == (200, {"leverage": 40, "maxNotionalValue": "10000000", "symbol": BTC})
    assert await published_leverage(client) == ("40", "40")
    status, body = await place(client, "500")
    assert (status, body["status"]) == (200, "NEW")
    assert await available(client) == D("375000")


async def test_lowering_the_leverage_refuses_an_order_that_fit(client: Client) -> None:
    """300 BTC at 50,000 (15,000,000 USDT) needs 750,000 at 20×, 3,000,000 at 5×."""
    assert await set_leverage(client, 5) == (200, {"leverage": 5, "maxNotionalValue": "10000000", "symbol": BTC})
    assert await published_leverage(client) == ("5", "5")
    assert await place(client, "300") == (400, MARGIN_INSUFFICIENT)
    assert await set_leverage(client, 20) == (200, {"leverage": 20, "maxNotionalValue": "10000000", "symbol": BTC})
    status, body = await place(client, "300")
    assert (status, body["status"]) == (200, "NEW")
    assert await available(client) == D("250000")
    await set_leverage(client, 5)  # the resting order now needs 3,000,000: nothing is left for more
    assert await available(client) == D("-2000000")
    assert await place(client, "0.001") == (400, MARGIN_INSUFFICIENT)


async def test_leverage_outside_the_bracket_is_the_venues_error(client: Client) -> None:
    """Bracket 1 allows 1 / 0.025 = 40×: 0 and 41 are -4028 and change nothing; 40 is taken."""
    _, bracket, _ = await client.call("GET", "/fapi/v3/leverageBracket", [("symbol", BTC)])
    assert bracket == {
        "symbol": BTC,
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 40,
                "notionalCap": 10000000,
                "notionalFloor": 0,
                "maintMarginRatio": D("0.025"),
                "cum": 0,
            }
        ],
    }
    for leverage in (0, 41, 125):
        assert await set_leverage(client, leverage) == (
            400,
            {"code": -4028, "msg": f"Leverage {leverage} is not valid"},
        )
    assert await published_leverage(client) == ("20", "20")
    assert (await set_leverage(client, 40))[0] == 200
    assert await published_leverage(client) == ("40", "40")


async def test_published_available_balance_sizes_the_largest_order_the_engine_accepts(client: Client) -> None:
    """After 0.123 BTC rests at 50,000 (307.5 USDT at 20×), availableBalance is 999,692.5; the most a
    client may buy at 50,000 is then 999,692.5 × 20 / 50,000 = 399.877 BTC: that fits and 399.878
    (one step more) is refused. Everything is then in use."""
    status, _ = await place(client, "0.123")
    assert status == 200
    assert await available(client) == D("999692.5")
    _, account, _ = await client.call("GET", "/fapi/v3/accountWithJoinMargin")
    assert (account["totalInitialMargin"], account["totalOpenOrderInitialMargin"]) == ("307.50000000", "307.50000000")
    assert await place(client, "399.878") == (400, MARGIN_INSUFFICIENT)
    status, body = await place(client, "399.877")
    assert (status, body["status"]) == (200, "NEW")
    assert await available(client) == 0
    _, account, _ = await client.call("GET", "/fapi/v3/accountWithJoinMargin")
    assert account["totalInitialMargin"] == "1000000.00000000"


async def test_a_runtime_margin_setting_shows_in_what_the_venue_publishes(client: Client, sim: SimHandle) -> None:
    """BTCUSDT set to 10 % initial, 4 % maintenance while running: exchangeInfo says "10.0000" and
    "4.0000", the bracket allows 1 / 0.04 = 25× at 0.04, the account that chose no leverage trades
    at 10×, so 200 BTC at 50,000 (10,000,000 USDT) takes all 1,000,000 and 200.001 is refused. An
    account that chose its leverage keeps it."""
    async with client.http.put(f"{sim.urls['control']}/settings", json=SETTING) as resp:
        assert resp.status == 200, await resp.text()
    _, info, _ = await client.call("GET", "/fapi/v3/exchangeInfo", auth="none")
    (symbol,) = [s for s in info["symbols"] if s["symbol"] == BTC]
    assert (symbol["requiredMarginPercent"], symbol["maintMarginPercent"]) == ("10.0000", "4.0000")
    (eth,) = [s for s in info["symbols"] if s["symbol"] == "ETHUSDT"]
    assert (eth["requiredMarginPercent"], eth["maintMarginPercent"]) == ("5.0000", "2.5000")
    _, bracket, _ = await client.call("GET", "/fapi/v3/leverageBracket", [("symbol", BTC)])
    assert (bracket["brackets"][0]["initialLeverage"], bracket["brackets"][0]["maintMarginRatio"]) == (25, D("0.04"))
    assert await published_leverage(client) == ("10", "10")
    assert (await set_leverage(client, 26))[1] == {"code": -4028, "msg": "Leverage 26 is not valid"}
    assert await place(client, "200.001") == (400, MARGIN_INSUFFICIENT)
    status, _ = await place(client, "200")
    assert status == 200
    assert await available(client) == 0


async def test_maintenance_margin_of_a_position_is_the_markets_fraction(client: Client) -> None:
    """A 0.010 BTC position at the mark holds 2.5 % of its notional as maintenance margin and 5 %
    (20×) as initial margin, in positions[] and in the totals."""
    status, _, _ = await client.call(
        "POST", "/fapi/v3/order", [("symbol", BTC), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.010")]
    )
    assert status == 200
    _, (risk,), _ = await client.call("GET", "/fapi/v3/positionRisk", [("symbol", BTC)])
    notional = D("0.010") * D(risk["markPrice"])
    assert D(risk["notional"]) == notional
    _, account, _ = await client.call("GET", "/fapi/v3/accountWithJoinMargin")
    (row,) = [p for p in account["positions"] if p["symbol"] == BTC]
    assert D(row["maintMargin"]) == notional * D("0.025") == D(account["totalMaintMargin"])
    assert D(row["positionInitialMargin"]) == notional * D("0.05") == D(account["totalPositionInitialMargin"])
