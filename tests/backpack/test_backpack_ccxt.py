"""ccxt's `backpack` exchange, a client the project does not own, drives the simulator unchanged:
only its hosts point at the simulator (`exchange.urls['api']`). Markets, book, ticker, balance, a
post-only limit order queried and cancelled, a market order, the position it opens and its
reduce-only close, then the book, order and position streams of `ccxt.pro`. Each answer is checked
against the engine's truth, not against what ccxt itself computed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from tests.backpack.conftest import SOL
from tests.waiting import TIMEOUT, eventually
from xtb.sim.engine_types import AccountId
from xtb.sim.server import SimHandle

UNIFIED = "SOL/USDC:USDC"  # ccxt's name for SOL_USDC_PERP: a linear USDC-settled swap


@pytest.fixture
async def exchange(sim: SimHandle) -> AsyncIterator[Any]:
    """ccxt as shipped, with its hosts (REST and WS, public and private) on the simulator."""
    rest, ws = sim.urls["rest"], sim.urls["ws"]
    client = ccxtpro.backpack(
        {"apiKey": sim.account["api_key"], "secret": sim.account["api_secret"], "timeout": TIMEOUT * 1000}
    )
    client.urls["api"] = {"public": rest, "private": rest, "ws": {"public": ws, "private": ws}}
    # ccxt buffers 10 depth deltas before it fetches the REST snapshot ("the rest API is very
    # delayed"); the spec says /api/v1/depth is not CDN-cached (§1), so it may fetch at once
    client.options["watchOrderBook"] = {**client.options.get("watchOrderBook", {}), "snapshotDelay": 0}
    try:
        yield client
    finally:
        await client.close()


def dec(value: Any) -> Decimal:
    """A ccxt figure as a Decimal: ccxt's backpack passes position figures on as the venue's
    strings, order figures as floats."""
    return Decimal(str(value))


def account_of(sim: SimHandle) -> AccountId:
    account = sim.frontend.account_for("api_key", sim.account["api_key"])
    assert account is not None
    return account


def subscribed(sim: SimHandle, stream: str) -> bool:
    """Some socket holds `stream` (a private one as `<stream>#<account>`): the simulator has read
    ccxt's SUBSCRIBE, so an event from now on reaches it."""
    return any(c.partition("#")[0] == stream for conn in sim.frontend.hub.connections for c in conn.channels)


async def book_with_best_bid(exchange: Any, bid: float) -> Any:
    """ccxt's book after each depth delta, until its best bid is `bid`."""
    while (book := await exchange.watch_order_book(UNIFIED))["bids"][0][0] != bid:
        pass
    return book


async def test_markets_book_ticker_and_balance(sim: SimHandle, exchange: Any) -> None:
    sim.control.set_mid(SOL, "150")
    markets = await exchange.load_markets()
    assert set(markets) == {"SOL/USDC:USDC", "BTC/USDC:USDC"}
    sol = markets[UNIFIED]
    assert (sol["id"], sol["type"], sol["linear"], sol["settle"]) == (SOL, "swap", True, "USDC")
    assert (sol["precision"]["price"], sol["precision"]["amount"], sol["limits"]["amount"]["min"]) == (0.01, 0.01, 0.01)

    book = await exchange.fetch_order_book(UNIFIED, 5)
    truth = sim.control.book(SOL, 5)
    assert [Decimal(str(p)) for p, _ in book["bids"]] == [lv.price for lv in truth.bids]  # best first
    assert [Decimal(str(p)) for p, _ in book["asks"]] == [lv.price for lv in truth.asks]

    ticker = await exchange.fetch_ticker(UNIFIED)
    assert ticker["symbol"] == UNIFIED and ticker["last"] == 150.0  # no trade yet: the mark

    balance = await exchange.fetch_balance()
    (cash,) = [b.cash for b in sim.control.balances(account_of(sim))]
    assert Decimal(str(balance["USDC"]["total"])) == cash


async def test_order_query_cancel_market_position_and_reduce_only_close(sim: SimHandle, exchange: Any) -> None:
    sim.control.set_mid(SOL, "150")  # best bid 149.99, best ask 150.01
    await exchange.load_markets()
    account = account_of(sim)

    placed = await exchange.create_order(UNIFIED, "limit", "buy", 1, 140, {"postOnly": True})
    assert (placed["status"], placed["postOnly"], placed["price"], placed["amount"]) == ("open", True, 140.0, 1.0)
    (resting,) = sim.control.open_orders(account, SOL)
    assert (resting.price, resting.size) == (Decimal("140"), Decimal("1"))
    queried = await exchange.fetch_open_order(placed["id"], UNIFIED)
    assert (queried["id"], queried["status"]) == (placed["id"], "open")
    cancelled = await exchange.cancel_order(placed["id"], UNIFIED)
    assert (cancelled["id"], cancelled["status"]) == (placed["id"], "canceled")
    assert sim.control.open_orders(account, SOL) == []

    bought = await exchange.create_order(UNIFIED, "market", "buy", 2)
    assert (bought["status"], bought["filled"]) == ("closed", 2.0)
    (position,) = await exchange.fetch_positions([UNIFIED])
    assert (position["symbol"], position["side"]) == (UNIFIED, "long")
    assert (dec(position["contracts"]), dec(position["entryPrice"])) == (2, Decimal("150.01"))
    assert sim.control.positions(account)[0].size == Decimal("2")

    closed = await exchange.create_order(UNIFIED, "market", "sell", 2, None, {"reduceOnly": True})
    assert (closed["status"], closed["filled"], closed["reduceOnly"]) == ("closed", 2.0, True)
    assert all(not p.size for p in sim.control.positions(account))
    assert await exchange.fetch_positions([UNIFIED]) == []


async def test_post_only_that_would_cross_is_ccxts_invalid_order(sim: SimHandle, exchange: Any) -> None:
    """§4.5: the venue's synchronous `INVALID_ORDER` is what ccxt's error table maps to InvalidOrder."""
    sim.control.set_mid(SOL, "150")
    await exchange.load_markets()
    with pytest.raises(ccxtpro.InvalidOrder) as refused:
        await exchange.create_order(UNIFIED, "limit", "buy", 1, 150.01, {"postOnly": True})
    assert "Order would immediately match and take." in str(refused.value)
    assert sim.control.open_orders(account_of(sim), SOL) == []


async def test_book_orders_and_positions_streams(sim: SimHandle, exchange: Any) -> None:
    sim.control.set_mid(SOL, "150")
    await exchange.load_markets()

    book_task = asyncio.ensure_future(book_with_best_bid(exchange, 150.99))
    await eventually(lambda: subscribed(sim, f"depth.{SOL}"), what="ccxt's depth subscription")
    sim.control.set_mid(SOL, "151")  # depth deltas: ccxt fetches the REST snapshot and applies them
    book = await asyncio.wait_for(book_task, TIMEOUT)
    top = sim.control.book(SOL, 1)
    assert (Decimal(str(book["bids"][0][0])), Decimal(str(book["asks"][0][0]))) == (
        top.bids[0].price,
        top.asks[0].price,
    )

    orders_task = asyncio.ensure_future(exchange.watch_orders(UNIFIED))
    positions_task = asyncio.ensure_future(exchange.watch_positions([UNIFIED]))
    await eventually(lambda: subscribed(sim, f"account.orderUpdate.{SOL}"), what="ccxt's order subscription")
    await eventually(lambda: subscribed(sim, f"account.positionUpdate.{SOL}"), what="ccxt's position subscription")

    placed = await exchange.create_order(UNIFIED, "limit", "buy", 1, 140, {"postOnly": True})
    (update,) = await asyncio.wait_for(orders_task, TIMEOUT)
    assert (update["id"], update["status"], update["price"], update["amount"]) == (placed["id"], "open", 140.0, 1.0)
    await exchange.cancel_order(placed["id"], UNIFIED)

    await exchange.create_order(UNIFIED, "market", "buy", 2)
    (position,) = await asyncio.wait_for(positions_task, TIMEOUT)
    # ccxt reads `contracts` from `Q`, which the spec defines as the net exposure including open
    # orders (§5.5); with no order resting it equals the position, `q`
    assert (position["symbol"], position["side"], position["info"]["q"], dec(position["contracts"])) == (
        UNIFIED, "long", "2.00", 2,
    )  # fmt: skip
