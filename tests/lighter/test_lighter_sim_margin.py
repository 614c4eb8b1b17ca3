"""Margin on the Lighter simulator, the venue's way: UpdateLeverage (tx 20) moves what an order may
open, a leverage beyond the market's is refused with the venue's code, and what the venue publishes
(`available_balance`, the margin requirements, `orderBookDetails` fractions, a position's
`initial_margin_fraction`, `user_stats`) is what the engine then accepts, a runtime `margin`
setting included.

Every figure is worked out here by hand. The account holds 1000 USDC and bids at 2000.00 (far
under ETH's book at 3000), so its orders rest and only their margin counts: a bid of q ETH needs
imf × q × 2000.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import aiohttp

from tests.lighter.conftest import Client, order_fields, private_key, receive, receive_until, signed_tx_info
from xtb.sim.lighter import errors as E
from xtb.sim.server import SimHandle

ACCOUNT = 7001
KEY = 4  # the key slot the simulator issues
ETH_MARKET = 0
BID = 200000  # 2000.00 in ETH's price units (2 decimals)
ETH_STEP = 10_000  # BaseAmount of 1 ETH (4 decimals)


class Trader:
    """An account funded with 1000 USDC, signing its own transactions with consecutive nonces."""

    def __init__(self, sim: SimHandle, client: Client) -> None:
        sim.control.create_account(ACCOUNT, "1000")
        sim.control.set_mid("ETH", "3000")
        self.client = client
        self.sk = private_key(sim, ACCOUNT)
        self.nonce = 0

    async def send(self, tx_type: int, fields: dict[str, Any]) -> tuple[int, Any]:
        answer = await self.client.send_tx(tx_type, signed_tx_info(tx_type, fields, self.sk))
        if answer[0] == 200:
            self.nonce += 1  # a refusal consumes no nonce
        return answer

    async def bid(self, base_amount: int, coi: int, price: int = BID) -> tuple[int, Any]:
        fields = order_fields(ACCOUNT, KEY, self.nonce, ClientOrderIndex=coi, BaseAmount=base_amount, Price=price)
        return await self.send(14, fields)

    async def leverage(self, fraction: int, market: int = ETH_MARKET) -> tuple[int, Any]:
        """UpdateLeverage with InitialMarginFraction in 1/10000 (10000 / leverage), cross margin."""
        fields = {
            "AccountIndex": ACCOUNT, "ApiKeyIndex": KEY, "MarketIndex": market, "InitialMarginFraction": fraction,
            "MarginMode": 0, "ExpiredAt": int(time.time() * 1000) + 600_000, "Nonce": self.nonce,
        }  # fmt: skip
        return await self.send(20, fields)

    async def account(self) -> dict[str, Any]:
        _, body = await self.client.get("/api/v1/account", by="index", value=ACCOUNT)
        account: dict[str, Any] = body["accounts"][0]
        return account

    async def market_details(self) -> dict[str, dict[str, Any]]:
        _, body = await self.client.get("/api/v1/orderBookDetails")
        return {row["symbol"]: row for row in body["order_book_details"]}


def refused(answer: tuple[int, Any], code: int) -> bool:
    return answer[0] == 400 and answer[1]["code"] == code


def accepted(answer: tuple[int, Any]) -> bool:
    return answer[0] == 200 and answer[1]["code"] == 200


async def test_raising_leverage_lets_a_refused_order_in(sim: SimHandle, client: Client) -> None:
    trader = Trader(sim, client)
    assert refused(await trader.bid(12 * ETH_STEP, 1), E.NOT_ENOUGH_MARGIN)  # 20x: 0.05 × 24000 = 1200 > 1000
    assert accepted(await trader.leverage(400))  # 25x
    assert accepted(await trader.bid(12 * ETH_STEP, 1))  # 0.04 × 24000 = 960
    account = await trader.account()
    assert (account["available_balance"], account["cross_initial_margin_requirement"]) == ("40.000000", "960.000000")


async def test_lowering_leverage_refuses_what_the_default_would_take(sim: SimHandle, client: Client) -> None:
    trader = Trader(sim, client)
    assert accepted(await trader.leverage(1000))  # 10x
    assert refused(await trader.bid(6 * ETH_STEP, 1), E.NOT_ENOUGH_MARGIN)  # 0.1 × 12000 = 1200 (20x: 600)
    assert accepted(await trader.bid(5 * ETH_STEP, 1))  # 0.1 × 10000 = 1000: all of it
    assert (await trader.account())["available_balance"] == "0.000000"


async def test_a_leverage_beyond_the_market_is_refused_with_the_venue_codes(sim: SimHandle, client: Client) -> None:
    trader = Trader(sim, client)
    assert (await trader.market_details())["ETH"]["min_initial_margin_fraction"] == 200  # 50x at most
    answer = await trader.leverage(199)
    assert refused(answer, E.INVALID_INITIAL_MARGIN_FRACTION), answer
    assert answer[1]["message"].startswith("invalid initial margin fraction")
    assert refused(await trader.leverage(0), E.INVALID_TX_INFO)  # the signer's range: 1 … 10000
    assert refused(await trader.leverage(10_001), E.INVALID_TX_INFO)
    assert refused(await trader.leverage(500, market=7), E.INVALID_MARKET)
    _, body = await client.get("/api/v1/nextNonce", account_index=ACCOUNT, api_key_index=KEY)
    assert body["nonce"] == 0  # none of them consumed a nonce
    assert accepted(await trader.leverage(200))
    assert accepted(await trader.bid(24 * ETH_STEP, 1))  # 50x: 0.02 × 48000 = 960


async def test_published_available_balance_is_what_an_order_may_use(
    sim: SimHandle, client: Client, http: aiohttp.ClientSession
) -> None:
    trader = Trader(sim, client)
    assert accepted(await trader.bid(2 * ETH_STEP, 1))  # 0.05 × 4000 = 200 in use
    account = await trader.account()
    assert (account["collateral"], account["available_balance"], account["cross_initial_margin_requirement"]) == (
        "1000.000000",
        "800.000000",
        "200.000000",
    )
    async with http.ws_connect(sim.urls["ws"]) as ws:
        await receive(ws)  # connected
        await ws.send_json({"type": "subscribe", "channel": f"user_stats/{ACCOUNT}"})
        stats = (await receive(ws))["stats"]
    assert (stats["available_balance"], stats["margin_usage"], stats["buying_power"]) == (
        "800.000000",
        "20.00",  # 200 of 1000
        "16000.000000",  # 800 at 20x
    )
    fraction = Decimal((await trader.market_details())["ETH"]["default_initial_margin_fraction"]) / 10_000
    most = Decimal(account["available_balance"]) / (fraction * Decimal("2000.00"))
    assert most == 8  # ETH: 800 / (0.05 × 2000)
    assert refused(await trader.bid(8 * ETH_STEP + 1, 2), E.NOT_ENOUGH_MARGIN)  # one step (0.0001 ETH) more
    assert accepted(await trader.bid(8 * ETH_STEP, 2))
    assert (await trader.account())["available_balance"] == "0.000000"


async def test_a_runtime_margin_setting_shows_in_what_the_venue_publishes(sim: SimHandle, client: Client) -> None:
    trader = Trader(sim, client)
    setting = {"margin": {"ETH": {"initial": "0.1", "maintenance": "0.03"}}}
    async with client.http.put(sim.urls["control"] + "/settings", json=setting) as resp:
        assert resp.status == 200, await resp.text()
    details = await trader.market_details()
    eth = {k: details["ETH"][k] for k in ("default_initial_margin_fraction", "min_initial_margin_fraction",
                                          "maintenance_margin_fraction")}  # fmt: skip
    assert eth == {
        "default_initial_margin_fraction": 1000,
        "min_initial_margin_fraction": 300,  # 200 would be under the maintenance fraction now
        "maintenance_margin_fraction": 300,
    }
    assert (details["BTC"]["default_initial_margin_fraction"], details["BTC"]["maintenance_margin_fraction"]) == (
        500,
        120,
    )
    assert accepted(await trader.bid(2 * ETH_STEP, 1))  # 0.1 × 4000 = 400
    assert (await trader.account())["available_balance"] == "600.000000"
    assert refused(await trader.leverage(250), E.INVALID_INITIAL_MARGIN_FRACTION)
    buy = order_fields(ACCOUNT, KEY, trader.nonce, ClientOrderIndex=3, BaseAmount=1000, Price=300100, TimeInForce=0,
                       OrderExpiry=0)  # fmt: skip
    assert accepted(await trader.send(14, buy))  # 0.1 ETH taken at the ask: a position
    (position,) = (await trader.account())["positions"]
    assert position["initial_margin_fraction"] == "10.00"  # percent: the setting's 0.1
    assert accepted(await trader.leverage(300))
    (position,) = (await trader.account())["positions"]
    assert position["initial_margin_fraction"] == "3.00"


async def test_a_leverage_change_is_pushed_on_the_account_streams(
    sim: SimHandle, client: Client, http: aiohttp.ClientSession
) -> None:
    trader = Trader(sim, client)
    assert accepted(await trader.bid(2 * ETH_STEP, 1))  # 0.05 × 4000 = 200 in use
    buy = order_fields(ACCOUNT, KEY, trader.nonce, ClientOrderIndex=2, BaseAmount=1000, Price=300100, TimeInForce=0,
                       OrderExpiry=0)  # fmt: skip
    assert accepted(await trader.send(14, buy))  # 0.1 ETH taken at the ask
    async with http.ws_connect(sim.urls["ws"]) as ws:
        await receive(ws)  # connected
        for channel in (f"user_stats/{ACCOUNT}", f"account_all/{ACCOUNT}"):
            await ws.send_json({"type": "subscribe", "channel": channel})
            await receive(ws)
        before = Decimal((await trader.account())["available_balance"])
        assert accepted(await trader.leverage(1000))  # 10x: the bid's margin doubles to 400, the position's too
        positions, _ = await receive_until(ws, lambda f: f.get("type") == "update/account_all")
        stats, _ = await receive_until(ws, lambda f: f.get("type") == "update/user_stats")
    assert positions["positions"]["0"]["initial_margin_fraction"] == "10.00"
    # 0.05 more of the bid's 4000 and of the position's 300 (0.1 ETH at the 3000.00 mid: the book
    # quotes 2999.98 / 3000.02 and the take left 1.9 ETH at the ask): 200 + 15
    assert before - Decimal(stats["stats"]["available_balance"]) == 215
