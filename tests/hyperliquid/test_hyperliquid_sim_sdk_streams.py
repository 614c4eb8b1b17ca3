"""The official SDK's `Info`, unchanged and with its websocket, against the simulator: markets, the
book, an order with a cloid and its status, a cancel by cloid, a fill, positions — and the
`orderUpdates` and `userFills` streams it subscribes to (spec §9: its WebsocketManager routes
`userFills` by `data.user` and `orderUpdates` unkeyed). Every answer is checked against what the
simulator's engine holds, so a call that "worked" on a wrong answer fails here.

The SDK is synchronous (requests, and a websocket-client thread whose callbacks land in a queue),
so it runs in a worker thread while the simulator keeps the event loop.
"""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from xtb.sim.server import SimHandle

exchange_mod = pytest.importorskip("hyperliquid.exchange")
from eth_account import Account  # noqa: E402
from hyperliquid.info import Info  # noqa: E402
from hyperliquid.utils.types import Cloid  # noqa: E402

COIN = "ETH"
FRAME_WAIT_S = 10.0  # the simulator pushes within milliseconds; this only bounds a broken run
CLOID = "0x0000000000000000000000000000abcd"


def frames_until(pushed: queue.Queue[Any], channel: str, want: Callable[[Any], bool]) -> Any:
    """The first `channel` frame's data that satisfies `want` (frames of other channels pass by)."""
    while True:
        message = pushed.get(timeout=FRAME_WAIT_S)
        if message["channel"] == channel and want(message["data"]):
            return message["data"]


async def test_the_official_sdk_reads_markets_book_orders_and_streams(sim: SimHandle) -> None:
    url = sim.urls["rest"]
    user = sim.account["account_address"]
    book = sim.engine.book(COIN, 1)
    best_bid, best_ask = book.bids[0].price, book.asks[0].price

    def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        agent = Account.from_key(sim.account["agent_private_key"])
        info = Info(url)  # opens ws://…/ws itself
        exchange = exchange_mod.Exchange(agent, url, account_address=user)
        pushed: queue.Queue[Any] = queue.Queue()
        try:
            info.subscribe({"type": "orderUpdates", "user": user}, pushed.put)
            info.subscribe({"type": "userFills", "user": user}, pushed.put)
            out["snapshot"] = frames_until(pushed, "userFills", lambda d: d.get("isSnapshot") is True)
            out["meta"], out["mids"], out["book"] = info.meta(), info.all_mids(), info.l2_snapshot(COIN)
            cloid = Cloid.from_str(CLOID)
            out["placed"] = exchange.order(COIN, True, 0.01, float(best_bid), {"limit": {"tif": "Alo"}}, cloid=cloid)
            out["open_frame"] = frames_until(pushed, "orderUpdates", lambda d: d[0]["status"] == "open")
            out["status"] = info.query_order_by_cloid(user, cloid)
            out["cancelled"] = exchange.cancel_by_cloid(COIN, cloid)
            out["cancel_frame"] = frames_until(pushed, "orderUpdates", lambda d: d[0]["status"] == "canceled")
            out["after_cancel"] = info.query_order_by_cloid(user, cloid)
            out["bought"] = exchange.market_open(COIN, True, 0.01)
            out["fill_frame"] = frames_until(pushed, "userFills", lambda d: bool(d["fills"]))
            out["state"] = info.user_state(user)
            out["fills"] = info.user_fills(user)
            out["closed"] = exchange.market_close(COIN)
        finally:
            info.disconnect_websocket()
        return out

    out = await asyncio.to_thread(run)

    assert [asset["name"] for asset in out["meta"]["universe"]][:2] == ["BTC", COIN]  # ids are positions
    assert Decimal(out["mids"][COIN]) == (best_bid + best_ask) / 2
    bids, asks = out["book"]["levels"]
    assert (Decimal(bids[0]["px"]), Decimal(asks[0]["px"])) == (best_bid, best_ask)
    assert out["snapshot"]["user"] == user and out["snapshot"]["fills"] == []

    (placed,) = out["placed"]["response"]["data"]["statuses"]
    oid = placed["resting"]["oid"]
    assert placed["resting"]["cloid"] == CLOID
    (update,) = out["open_frame"]
    assert (update["order"]["oid"], update["order"]["cloid"], update["order"]["sz"]) == (oid, CLOID, "0.01")
    assert (out["status"]["status"], out["status"]["order"]["status"]) == ("order", "open")
    assert out["cancelled"]["response"]["data"]["statuses"] == ["success"]
    assert out["cancel_frame"][0]["order"]["oid"] == oid
    assert out["after_cancel"]["order"]["status"] == "canceled"

    (bought,) = out["bought"]["response"]["data"]["statuses"]
    assert bought["filled"]["totalSz"] == "0.01" and Decimal(bought["filled"]["avgPx"]) == best_ask
    assert "isSnapshot" not in out["fill_frame"]  # live frames omit it (§5.4)
    (fill,) = out["fill_frame"]["fills"]
    assert (fill["coin"], fill["side"], fill["sz"], fill["oid"]) == (COIN, "B", "0.01", bought["filled"]["oid"])
    assert (fill["startPosition"], fill["dir"]) == ("0.0", "Open Long")
    (position,) = out["state"]["assetPositions"]
    assert (position["position"]["coin"], position["position"]["szi"]) == (COIN, "0.01")
    assert out["fills"][0]["tid"] == fill["tid"]
    (closed,) = out["closed"]["response"]["data"]["statuses"]
    assert closed["filled"]["totalSz"] == "0.01"
    account = sim.frontend.test_account
    assert sim.engine.position(account, COIN).size == 0
