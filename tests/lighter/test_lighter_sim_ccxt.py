"""ccxt's `lighter` (4.5.64, a second client the project does not own) against the simulator, only
its hosts pointed at it: markets, book, ticker, balance, positions, open orders, a cancel, and the
`order_book` stream through `ccxt.pro`.

What ccxt cannot do here, and why (not the simulator's doing):
- Sign orders: ccxt binds the Go signer's `SignCreateOrder` with 17 arguments, while the only
  signer we have (the one lighter-sdk 1.1.8 bundles, all its builds) exports the 19-argument
  version with the self-trade modes. The call garbles its arguments ("client is not created for
  apiKeyIndex: 0 accountIndex: <garbage>", spec §8), so the orders here come from the official SDK
  and the market order / reduce-only close are the SDK test's (test_lighter_sim_sdk_client).
  `SignCancelOrder` has the same 6 arguments in both, so ccxt cancels.
Configured, with the reason:
- `builderFee: False`: by default ccxt first approves an integrator (account 718718) taking a fee
  on every order; that is ccxt's business model, not the venue's protocol.
- the API key is given as ccxt's `auths` option: without it ccxt would generate and register a new
  key with an L1-signed ChangePubKey on first use.
- `libraryPath`: the signer lighter-sdk bundles for this machine.
- `enableRateLimit: False`: ccxt spaces calls a second apart (the standard tier's 60 a minute); the
  simulator's test account is on the "plus" tier (`accountLimits`).
"""

from __future__ import annotations

import platform
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro
import lighter
import pytest

from tests.lighter.conftest import sdk_client
from xtb.sim.server import SimHandle

SYMBOL = "ETH/USDC:USDC"
ACCOUNT = 123456
KEY = 4
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
SIGNER = Path(lighter.__file__).parent / "signers" / f"lighter-signer-linux-{_ARCH}.so"
pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or _ARCH is None, reason="the bundled signer this test loads is a Linux build"
)


def config(sim: SimHandle) -> dict[str, Any]:
    creds = sim.account
    key = {"signer": None, "lighterPrivateKey": creds["api_private_key"][2:], "deadline": None, "token": None}
    return {
        "enableRateLimit": False,  # ccxt paces at the standard tier (60/min); the test account is "plus"
        "walletAddress": creds["l1_address"],
        "privateKey": creds["eth_private_key"],
        "options": {
            "accountIndex": creds["account_index"],
            "apiKeyIndex": creds["api_key_index"],
            "builderFee": False,
            "libraryPath": str(SIGNER),
            "auths": {str(creds["account_index"]): {str(creds["api_key_index"]): key}},
        },
    }


def point_at(exchange: Any, sim: SimHandle) -> None:
    rest = sim.urls["rest"]
    exchange.urls["api"] = {**exchange.urls["api"], "root": rest, "public": rest, "private": rest, "ws": sim.urls["ws"]}


@pytest.fixture
async def exchange(sim: SimHandle) -> AsyncIterator[Any]:
    client = ccxt_async.lighter(config(sim))
    point_at(client, sim)
    try:
        yield client
    finally:
        await client.close()


async def test_ccxt_reads_and_cancels_on_the_simulator(sim: SimHandle, exchange: Any) -> None:
    sim.control.set_mid("ETH", "3000")
    markets = await exchange.load_markets()
    eth = markets[SYMBOL]
    assert (eth["id"], eth["swap"], eth["precision"]["amount"], eth["precision"]["price"]) == ("0", True, 0.0001, 0.01)
    assert eth["limits"]["amount"]["min"] == 0.005
    book = await exchange.fetch_order_book(SYMBOL)
    assert (book["bids"][0], book["asks"][0]) == ([2999.98, 2.0], [3000.02, 2.0])
    ticker = await exchange.fetch_ticker(SYMBOL)
    assert ticker["symbol"] == SYMBOL and ticker["last"] == 3000.0
    balance = await exchange.fetch_balance()
    assert balance["USDC"]["total"] == float(sim.engine.balance(ACCOUNT).cash)
    # a resting bid and a long of 0.01, both from the official SDK's signer
    signer = await sdk_client(sim)
    try:
        _, sent, error = await signer.create_market_order(0, 31, 100, 310000, False)
        assert error is None and sent.code == 200, error
        _, sent, error = await signer.create_order(
            0, 32, 100, 299000, False, signer.ORDER_TYPE_LIMIT, signer.ORDER_TIME_IN_FORCE_POST_ONLY
        )
        assert error is None and sent.code == 200, error
    finally:
        await signer.close()
    (position,) = await exchange.fetch_positions([SYMBOL])
    assert (position["symbol"], position["side"], position["contracts"], position["entryPrice"]) == (
        SYMBOL, "long", 0.01, 3000.02,
    )  # fmt: skip
    (order,) = await exchange.fetch_open_orders(SYMBOL)
    assert (order["clientOrderId"], order["side"], order["price"], order["amount"]) == ("32", "buy", 2990.0, 0.01)
    await exchange.cancel_order(order["id"], SYMBOL)
    assert sim.control.open_orders(ACCOUNT) == []
    assert sim.engine.order_by_client_id(ACCOUNT, 32).status.value == "cancelled"


async def test_ccxt_pro_watches_the_book(sim: SimHandle) -> None:
    sim.control.set_mid("ETH", "3000")
    client = ccxt_pro.lighter(config(sim))
    point_at(client, sim)
    try:
        book = await client.watch_order_book(SYMBOL)
        assert (book["bids"][0], book["asks"][0]) == ([2999.98, 2.0], [3000.02, 2.0])
        sim.control.take("ETH", "buy", "0.5")  # 1 of the 2 ETH at the best bid
        while (book := await client.watch_order_book(SYMBOL))["bids"][0] != [2999.98, 1.0]:
            pass
        assert book["asks"][0] == [3000.02, 2.0]
    finally:
        await client.close()
