"""The issue's "done" line taken literally: the official SDK, unchanged, against `python -m xtb.sim
hyperliquid` in its own process — constructed from the URL the simulator prints (its constructor
reads spotMeta and meta), an order with a cloid, its status by cloid, a cancel by cloid, the
account's state — with the account the simulator prints."""

from __future__ import annotations

import pytest

from tests.runtime.processes import standalone_simulator

exchange_mod = pytest.importorskip("hyperliquid.exchange")
from eth_account import Account  # noqa: E402
from hyperliquid.info import Info  # noqa: E402
from hyperliquid.utils.types import Cloid  # noqa: E402

CLOID = "0x000000000000000000000000000000c1"


@pytest.mark.timeout(120)
def test_the_sdk_works_unchanged_against_python_m_xtb_sim_hyperliquid() -> None:
    with standalone_simulator("hyperliquid") as line:
        url, account = line["rest"], line["account"]
        user = account["account_address"]
        info = Info(url, skip_ws=True)
        exchange = exchange_mod.Exchange(Account.from_key(account["agent_private_key"]), url, account_address=user)
        book = info.l2_snapshot("ETH")
        best_bid = float(book["levels"][0][0]["px"])
        placed = exchange.order("ETH", True, 0.01, best_bid, {"limit": {"tif": "Alo"}}, cloid=Cloid.from_str(CLOID))
        status = info.query_order_by_cloid(user, Cloid.from_str(CLOID))
        cancelled = exchange.cancel_by_cloid("ETH", Cloid.from_str(CLOID))
        state = info.user_state(user)

    assert url.startswith("http://127.0.0.1:")
    (resting,) = placed["response"]["data"]["statuses"]
    assert resting["resting"]["cloid"] == CLOID
    assert status["order"]["order"]["oid"] == resting["resting"]["oid"] and status["order"]["status"] == "open"
    assert cancelled["response"]["data"]["statuses"] == ["success"]
    assert float(state["marginSummary"]["accountValue"]) > 0 and state["assetPositions"] == []
