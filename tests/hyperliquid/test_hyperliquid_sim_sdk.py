"""The official SDK (`hyperliquid-python-sdk` 0.24.0) runs unchanged against the simulator (spec §9,
§11): its constructor's `spotMeta` / `meta` reads, orders, queries, modify (`batchModify`), cancel by
oid and cloid, market open/close and `approve_agent`, signing testnet because the URL is not the
mainnet one. The SDK is synchronous (requests), so each call runs in a worker thread."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from xtb.sim.server import SimHandle

exchange_mod = pytest.importorskip("hyperliquid.exchange")
from eth_account import Account  # noqa: E402
from hyperliquid.info import Info  # noqa: E402
from hyperliquid.utils.types import Cloid  # noqa: E402


async def test_the_official_sdk_trades_on_the_simulator(sim: SimHandle) -> None:
    url = sim.urls["rest"]
    user = sim.account["account_address"]

    def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        master = Account.from_key(sim.account["master_private_key"])
        agent = Account.from_key(sim.account["agent_private_key"])
        exchange = exchange_mod.Exchange(agent, url, account_address=user)
        info = Info(url, skip_ws=True)
        cloid = Cloid.from_int(7)
        out["rest"] = exchange.order("ETH", True, 0.05, 3400.0, {"limit": {"tif": "Gtc"}}, cloid=cloid)
        out["by_cloid"] = info.query_order_by_cloid(user, cloid)
        oid = out["rest"]["response"]["data"]["statuses"][0]["resting"]["oid"]
        out["modify"] = exchange.modify_order(oid, "ETH", True, 0.05, 3401.0, {"limit": {"tif": "Gtc"}}, cloid=cloid)
        out["open"] = info.open_orders(user)
        out["cancel"] = exchange.cancel_by_cloid("ETH", cloid)
        out["market"] = exchange.market_open("ETH", True, 0.01)
        out["state"] = info.user_state(user)
        out["close"] = exchange.market_close("ETH")
        out["fills"] = info.user_fills(user)
        out["leverage"] = exchange.update_leverage(10, "ETH")
        owner = exchange_mod.Exchange(master, url)
        out["approve"], _ = owner.approve_agent("sdk")
        return out

    out = await asyncio.to_thread(run)
    assert "resting" in out["rest"]["response"]["data"]["statuses"][0], out["rest"]
    assert out["by_cloid"]["order"]["status"] == "open"
    assert "resting" in out["modify"]["response"]["data"]["statuses"][0], out["modify"]
    assert [o["limitPx"] for o in out["open"]] == ["3401.0"]
    assert out["cancel"]["response"]["data"]["statuses"] == ["success"]
    assert "filled" in out["market"]["response"]["data"]["statuses"][0], out["market"]
    assert out["state"]["assetPositions"][0]["position"]["szi"] == "0.01"
    assert "filled" in out["close"]["response"]["data"]["statuses"][0], out["close"]
    assert [f["dir"] for f in out["fills"]] == ["Close Long", "Open Long"]
    assert out["leverage"] == {"status": "ok", "response": {"type": "default"}}
    assert out["approve"] == {"status": "ok", "response": {"type": "default"}}
