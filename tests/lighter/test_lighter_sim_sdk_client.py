"""The official SDK (`lighter-sdk`, a client the project does not own) drives the simulator with its
own API classes, signer and `WsClient`, only its hosts pointed at the simulator: markets
(`orderBooks`, `orderBookDetails`), the book, a post-only limit order, its cancel, a market order,
the position it opens, a reduce-only market close, and the `order_book` and `account_all` streams
(merged by the SDK's own code).

Book at mid 3000 (frozen): bids 2999.98, 2999.97, ... and asks 3000.02, ..., 2 ETH each.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import lighter
import pytest

from tests.lighter.conftest import sdk_client
from tests.waiting import TIMEOUT
from xtb.clock import loop_time
from xtb.sim.server import SimHandle

ACCOUNT = 123456
KEY = 4
ETH = 0


class Feed:
    """What the SDK's WsClient hands its callbacks, to await in order."""

    def __init__(self) -> None:
        self.books: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.accounts: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def on_book(self, market_id: str, book: dict[str, Any]) -> None:
        assert market_id == str(ETH)
        self.books.put_nowait({"asks": [dict(lv) for lv in book["asks"]], "bids": [dict(lv) for lv in book["bids"]]})

    def on_account(self, account_id: str, message: dict[str, Any]) -> None:
        assert account_id == str(ACCOUNT)
        self.accounts.put_nowait(message)


async def next_matching(queue: asyncio.Queue[dict[str, Any]], predicate: Callable[[dict[str, Any]], bool]) -> Any:
    deadline = loop_time() + TIMEOUT
    while True:
        item = await asyncio.wait_for(queue.get(), max(0.01, deadline - loop_time()))
        if predicate(item):
            return item


def level(book: dict[str, Any], side: str, price: str) -> str | None:
    return next((lv["size"] for lv in book[side] if lv["price"] == price), None)


@pytest.fixture
async def api(sim: SimHandle) -> AsyncIterator[lighter.ApiClient]:
    client = lighter.ApiClient(lighter.Configuration(host=sim.urls["rest"]))
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def feed(sim: SimHandle) -> AsyncIterator[Feed]:
    feed = Feed()
    ws = lighter.WsClient(
        order_book_ids=[ETH], account_ids=[ACCOUNT], ws_url=sim.urls["ws"],
        on_order_book_update=feed.on_book, on_account_update=feed.on_account,
    )  # fmt: skip
    task = asyncio.get_running_loop().create_task(ws.run_async())
    try:
        yield feed
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if ws.ws is not None:
            await ws.ws.close()


async def test_the_sdk_trades_on_the_simulator(sim: SimHandle, api: lighter.ApiClient, feed: Feed) -> None:
    sim.control.set_mid("ETH", "3000")
    orders, accounts = lighter.OrderApi(api), lighter.AccountApi(api)
    books = await orders.order_books()
    eth = next(b for b in books.order_books if b.market_id == ETH)
    assert (eth.symbol, eth.supported_size_decimals, eth.supported_price_decimals, eth.min_base_amount) == (
        "ETH", 4, 2, "0.0050",
    )  # fmt: skip
    (detail,) = (await orders.order_book_details(market_id=ETH)).order_book_details
    assert (detail.symbol, detail.default_initial_margin_fraction) == ("ETH", 500)
    depth = await orders.order_book_orders(market_id=ETH, limit=2)
    assert (depth.bids[0].price, depth.asks[0].price, len(depth.bids), len(depth.asks)) == ("2999.98", "3000.02", 2, 2)
    first = await next_matching(feed.books, lambda b: bool(b["bids"]))
    assert level(first, "bids", "2999.98") == "2.0000" and level(first, "asks", "3000.02") == "2.0000"
    await next_matching(feed.accounts, lambda m: m["type"] == "subscribed/account_all")

    signer = await sdk_client(sim)
    try:
        token, error = signer.create_auth_token_with_expiry(600, api_key_index=KEY)
        assert error is None, error
        # a post-only bid of 0.01 below the touch rests and shows in the SDK's merged book
        _, sent, error = await signer.create_order(
            ETH, 11, 100, 299000, False, signer.ORDER_TYPE_LIMIT, signer.ORDER_TIME_IN_FORCE_POST_ONLY
        )
        assert error is None and sent.code == 200, error
        (resting,) = (
            await orders.account_active_orders(authorization=token, account_index=ACCOUNT, market_id=ETH)
        ).orders
        assert (resting.client_order_index, resting.status, resting.price, resting.is_ask) == (
            11,
            "open",
            "2990.00",
            False,
        )
        await next_matching(feed.books, lambda b: level(b, "bids", "2990.00") == "0.0100")
        # cancel by its client index: gone from the orders and the book
        _, sent, error = await signer.cancel_order(ETH, 11)
        assert error is None and sent.code == 200, error
        await next_matching(feed.books, lambda b: level(b, "bids", "2990.00") is None)
        active = await orders.account_active_orders(authorization=token, account_index=ACCOUNT, market_id=ETH)
        assert active.orders == []
        # a market buy of 0.01 (worst price 3100.00) opens a long, seen on REST and the account stream
        _, sent, error = await signer.create_market_order(ETH, 12, 100, 310000, False)
        assert error is None and sent.code == 200, error
        update = await next_matching(feed.accounts, lambda m: "0" in m.get("positions", {}))
        assert (update["positions"]["0"]["sign"], update["positions"]["0"]["position"]) == (1, "0.0100")
        (account,) = (await accounts.account(by="index", value=str(ACCOUNT))).accounts
        (position,) = [p for p in account.positions if p.market_id == ETH]
        assert (position.sign, position.position, position.avg_entry_price) == (1, "0.0100", "3000.02")
        # a reduce-only market sell closes it
        _, sent, error = await signer.create_market_order(ETH, 13, 100, 290000, True, reduce_only=True)
        assert error is None and sent.code == 200, error
        flat = await next_matching(
            feed.accounts, lambda m: m.get("positions", {}).get("0", {}).get("position") == "0.0000"
        )
        assert flat["positions"]["0"]["sign"] == 0
        (account,) = (await accounts.account(by="index", value=str(ACCOUNT))).accounts
        assert [p.position for p in account.positions if p.market_id == ETH] in ([], ["0.0000"])
        closed = await orders.account_inactive_orders(authorization=token, account_index=ACCOUNT, limit=10)
        assert {o.client_order_index: o.status for o in closed.orders} == {11: "canceled", 12: "filled", 13: "filled"}
    finally:
        await signer.close()
