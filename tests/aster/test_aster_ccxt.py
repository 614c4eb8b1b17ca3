"""A client the project does not own, ccxt's `aster` (REST: ccxt.async_support, streams: ccxt.pro),
drives the Aster simulator unchanged: only its hosts point at the loopback simulator.

What is configured, and why (ccxt's behaviour, not the venue's):
* `privateKey` is the main wallet's key: ccxt signs V3 requests as `user` = `signer` = that wallet,
  which the venue always authorizes (spec §2.2 step 5).
* `v3ChainId` 714: the simulator is a testnet (§1); ccxt defaults to mainnet's 1666.
* `defaultType` swap: ccxt defaults to spot; the simulator is the perps venue. ccxt's load_markets
  also reads the spot host's `/api/v3/exchangeInfo` (it has no option to skip it); the simulator
  answers it as the spec says (§4.7: empty `symbols`), so only the perps are loaded.
* `rateLimit` 20 ms instead of ccxt's 333: the loopback needs no spacing, but requests must stay
  over a millisecond apart, since ccxt's V3 nonce is `milliseconds × 1000` and two requests in
  one millisecond would repeat a nonce (the venue answers that -4225, §2.2 and §10.2).
* ccxt signs in on first use: it lists the account's builders and approves its own builder fee
  with a main-wallet `ApproveBuilder` signature (§2.3, §4.8); its orders then carry `builder` and
  `feeRate`, which the simulator accepts (lenient builders, §4.8).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro
import pytest

from tests.aster.conftest import ETH, start_aster
from tests.waiting import TIMEOUT, eventually
from xtb.model import TimeInForce
from xtb.sim.server import SimHandle

D = Decimal
ACCOUNT = "test-account"
SYMBOL = "ETH/USDT:USDT"
CCXT_BUILDER = "0x1F5877C19e3777Cfd15F9d57253eA4aA5254Ec39"  # ccxt's options['builder']


def configure(exchange: Any, sim: SimHandle) -> Any:
    """Point ccxt's hosts at the simulator; the rest is as the module docstring says."""
    rest, ws = sim.urls["rest"], sim.urls["ws"]  # ws ends in /fstream: ccxt reads the market type from it
    exchange.urls["api"].update(
        {
            "fapiPublic": f"{rest}/fapi",
            "fapiPrivate": f"{rest}/fapi",
            "sapiPublic": f"{rest}/api",
            "sapiPrivate": f"{rest}/api",
        }
    )
    if "ws" in exchange.urls["api"]:
        exchange.urls["api"]["ws"] = {
            "public": {"swap": f"{ws}/stream", "spot": f"{ws}/stream"},
            "private": {"swap": f"{ws}/ws", "spot": f"{ws}/ws"},
        }
    return exchange


def options(sim: SimHandle) -> dict[str, Any]:
    return {
        "privateKey": sim.account["user_private_key"],
        "rateLimit": 20,
        "timeout": int(TIMEOUT * 1000),
        "options": {"defaultType": "swap", "v3ChainId": 714},
    }


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_aster()
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def rest(sim: SimHandle) -> AsyncIterator[Any]:
    exchange = configure(ccxt_async.aster(options(sim)), sim)
    try:
        yield exchange
    finally:
        await exchange.close()


@pytest.fixture
async def pro(sim: SimHandle) -> AsyncIterator[Any]:
    exchange = configure(ccxt_pro.aster(options(sim)), sim)
    try:
        yield exchange
    finally:
        await exchange.close()


def position_size(sim: SimHandle) -> Decimal:
    return next((p.size for p in sim.control.positions(ACCOUNT) if p.market == ETH), D(0))


async def test_markets_book_ticker_and_balance(rest: Any, sim: SimHandle) -> None:
    markets = await rest.load_markets()
    assert set(markets) == {"BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "ASTER/USDT:USDT"}
    eth = markets[SYMBOL]
    assert (eth["swap"], eth["linear"], eth["id"]) == (True, True, ETH)
    assert (D(str(eth["precision"]["price"])), D(str(eth["precision"]["amount"]))) == (D("0.1"), D("0.001"))
    assert sim.frontend.registry.builder(sim.account["user"], CCXT_BUILDER) is not None  # its sign-in verified

    book = await rest.fetch_order_book(SYMBOL, 5)
    truth = sim.control.book(ETH, 5)
    assert [D(str(p)) for p, _ in book["bids"]] == [lv.price for lv in truth.bids]
    assert [D(str(p)) for p, _ in book["asks"]] == [lv.price for lv in truth.asks]

    ticker = await rest.fetch_ticker(SYMBOL)
    assert ticker["symbol"] == SYMBOL and ticker["last"] is not None

    balance = await rest.fetch_balance({"type": "swap"})
    assert D(str(balance["USDT"]["total"])) == sim.frontend.test_collateral


async def test_order_lifecycle_position_and_reduce_only_close(rest: Any, sim: SimHandle) -> None:
    await rest.load_markets()
    bid = sim.control.book(ETH).bids[0].price
    placed = await rest.create_order(SYMBOL, "limit", "buy", 0.01, float(bid - 10), {"postOnly": True})
    (resting,) = sim.control.open_orders(ACCOUNT)
    assert placed["status"] == "open" and resting.price == bid - 10 and resting.size == D("0.010")
    assert resting.time_in_force is TimeInForce.POST_ONLY

    fetched = await rest.fetch_order(placed["id"], SYMBOL)
    assert (fetched["id"], fetched["status"], fetched["timeInForce"]) == (placed["id"], "open", "GTX")
    assert [o["id"] for o in await rest.fetch_open_orders(SYMBOL)] == [placed["id"]]

    await rest.cancel_order(placed["id"], SYMBOL)
    assert sim.control.open_orders(ACCOUNT) == []
    assert (await rest.fetch_order(placed["id"], SYMBOL))["status"] == "canceled"

    await rest.create_order(SYMBOL, "market", "buy", 0.01)
    assert position_size(sim) == D("0.010")
    (position,) = [p for p in await rest.fetch_positions([SYMBOL]) if p["contracts"]]
    assert (position["symbol"], position["side"], D(str(position["contracts"]))) == (SYMBOL, "long", D("0.01"))

    await rest.create_order(SYMBOL, "market", "sell", 0.01, None, {"reduceOnly": True})
    assert position_size(sim) == 0
    assert not [p for p in await rest.fetch_positions([SYMBOL]) if p["contracts"]]


async def test_streams_book_orders_and_positions(pro: Any, sim: SimHandle) -> None:
    await pro.load_markets()
    book = await asyncio.wait_for(pro.watch_order_book(SYMBOL), TIMEOUT)
    truth = sim.control.book(ETH, 20)
    assert D(str(book["bids"][0][0])) == truth.bids[0].price and D(str(book["asks"][0][0])) == truth.asks[0].price

    orders = asyncio.ensure_future(pro.watch_orders(SYMBOL))
    await wait_subscribed(sim)  # ccxt opened a listen key and connected to it before the order goes in
    bid = sim.control.book(ETH).bids[0].price
    placed = await pro.create_order(SYMBOL, "limit", "buy", 0.01, float(bid - 10))
    (update,) = await asyncio.wait_for(orders, TIMEOUT)
    assert (update["id"], update["status"], update["symbol"]) == (placed["id"], "open", SYMBOL)

    snapshot = await asyncio.wait_for(pro.watch_positions([SYMBOL]), TIMEOUT)  # ccxt's REST snapshot first
    assert not [p for p in snapshot if p["contracts"]]
    positions = asyncio.ensure_future(pro.watch_positions([SYMBOL]))
    await pro.create_order(SYMBOL, "market", "buy", 0.01)
    moved = await asyncio.wait_for(positions, TIMEOUT)  # one position, from the stream's ACCOUNT_UPDATE
    assert (moved["symbol"], moved["side"], D(str(moved["contracts"]))) == (SYMBOL, "long", D("0.01"))


async def wait_subscribed(sim: SimHandle) -> None:
    """Until the simulator holds a user-stream connection (ccxt opens it inside watch_orders)."""
    await eventually(lambda: any(c.account for c in sim.frontend.hub.connections), what="a user-stream connection")
