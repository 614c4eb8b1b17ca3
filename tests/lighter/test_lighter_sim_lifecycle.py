"""The Lighter simulator's order outcomes and the other transaction types: every `canceled-…`
status the engine can produce, OrderExpiry, ModifyOrder, UpdateLeverage, and key registration and
integrator approval with the owner's L1 signature (made by the SDK)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from lighter.signer_client import SignerClient, create_api_key

from tests.lighter.conftest import Client, frontend, order_fields, private_key, sdk_client, signed_tx_info
from xtb.model import Side
from xtb.sim.lighter import errors as E
from xtb.sim.server import SimHandle

ACCOUNT = 123456
KEY = 4


async def statuses(client: Client, sim: SimHandle, *cois: int) -> dict[int, str]:
    sdk = await sdk_client(sim)
    try:
        token, _ = sdk.create_auth_token_with_expiry(600, api_key_index=KEY)
    finally:
        await sdk.close()
    _, body = await client.get("/api/v1/accountOrders", token, client_order_indexes=",".join(map(str, cois)))
    return {o["client_order_index"]: o["status"] for o in body["orders"]}


async def test_outcomes_map_to_the_canceled_family(sim: SimHandle, client: Client) -> None:
    sk = private_key(sim)
    sim.control.set_mid("ETH", "3000")  # asks 3000.02 .. 3000.06, 2 ETH each
    nonce = iter(range(100))

    async def send(**changes: Any) -> None:
        answer = await client.send_tx(14, signed_tx_info(14, order_fields(ACCOUNT, KEY, next(nonce), **changes), sk))
        assert answer[0] == 200, answer

    market = {"Type": 1, "TimeInForce": 0, "OrderExpiry": 0}
    await send(ClientOrderIndex=2, **market, IsAsk=1, BaseAmount=100, Price=299000, ReduceOnly=1)  # nothing to reduce
    await send(ClientOrderIndex=1, **market, BaseAmount=30000, Price=300002)  # 3 ETH, bound at the best ask
    await send(ClientOrderIndex=3, TimeInForce=0, OrderExpiry=0, BaseAmount=100, Price=299000)  # IOC, no match
    await send(ClientOrderIndex=4, BaseAmount=100, Price=299999)  # rests at the best bid
    await send(ClientOrderIndex=5, **market, IsAsk=1, BaseAmount=100, Price=299000)  # meets our own bid
    sim.control.take("ETH", "sell", "1")
    sim.control.take("ETH", "sell", "1")
    sim.control.freeze("ETH")
    for _ in range(5):
        sim.control.take("ETH", "sell", "1")  # empty the ask side
    await send(ClientOrderIndex=6, **market, BaseAmount=100, Price=400000)
    assert await statuses(client, sim, 1, 2, 3, 4, 5, 6) == {
        1: "canceled-too-much-slippage",  # 2 ETH filled at 3000.02, the rest would cost more
        2: "canceled-reduce-only",
        3: "canceled",
        4: "canceled-self-trade",  # the resting maker is expired, the taker goes on
        5: "filled",
        6: "canceled-not-enough-liquidity",
    }


async def test_order_expiry_ends_canceled_expired(sim: SimHandle, client: Client) -> None:
    expiry = int(time.time() * 1000) + 6 * 60_000
    tx = signed_tx_info(14, order_fields(ACCOUNT, KEY, 0, OrderExpiry=expiry), private_key(sim))
    assert (await client.send_tx(14, tx))[0] == 200
    assert frontend(sim).desk.expire_orders(expiry - 1) == 0
    assert frontend(sim).desk.expire_orders(expiry) == 1
    assert await statuses(client, sim, 501) == {501: "canceled-expired"}


async def test_modify_keeps_the_order_index_and_client_index(sim: SimHandle, client: Client) -> None:
    sdk = await sdk_client(sim)
    try:
        created = sdk.sign_create_order(0, 31, 100, 299000, False, 0, 2, nonce=0, api_key_index=KEY)
        assert (await client.send_tx(14, created[1]))[0] == 200
        (before,) = sim.control.open_orders(ACCOUNT)
        order_index = frontend(sim).state.order_meta(before.order_id, 0).order_index
        modify = sdk.sign_modify_order(0, order_index, 200, 298000, nonce=1, api_key_index=KEY)
        assert (await client.send_tx(17, modify[1]))[0] == 200
        (after,) = sim.control.open_orders(ACCOUNT)
        assert (after.client_id, str(after.price), str(after.size)) == (31, "2980.00", "0.0200")
        assert frontend(sim).state.order_meta(after.order_id, 0).order_index == order_index
        assert await statuses(client, sim, 31) == {31: "open"}
        gone = sdk.sign_modify_order(0, order_index + 1, 200, 298000, nonce=2, api_key_index=KEY)
        status, body = await client.send_tx(17, gone[1])
        assert (status, body["code"]) == (400, E.NOT_ACTIVE_LIMIT_ORDER)
        leverage = sdk.sign_update_leverage(0, 1000, 0, nonce=2, api_key_index=KEY)  # 10x
        assert (await client.send_tx(20, leverage[1]))[0] == 200
    finally:
        await sdk.close()
    sim.engine.submit(ACCOUNT, "ETH", Side.BUY, "0.01", price="3001")  # a position, to see its margin fraction
    _, body = await client.get("/api/v1/account", by="index", value=ACCOUNT)
    (position,) = body["accounts"][0]["positions"]
    assert position["initial_margin_fraction"] == "10.00"


async def test_change_pub_key_and_integrator_approval_need_the_owner(sim: SimHandle, client: Client) -> None:
    eth_key = sim.account["eth_private_key"]
    new_private, new_public, _ = create_api_key()
    signer = SignerClient(sim.urls["rest"], ACCOUNT, {5: new_private}, chain_id=304)  # the official flow
    try:
        forged = signer.sign_change_api_key("0x" + "22" * 32, new_public, nonce=0, api_key_index=5)
        status, body = await client.send_tx(8, forged[1])
        assert (status, body["code"]) == (400, E.INVALID_SIGNATURE) and "L1 signature" in body["message"]
        registered = signer.sign_change_api_key(eth_key, new_public, nonce=0, api_key_index=5)
        assert (await client.send_tx(8, registered[1]))[0] == 200
        _, keys = await client.get("/api/v1/apikeys", account_index=ACCOUNT)
        assert [(k["api_key_index"], k["public_key"]) for k in keys["api_keys"]][-1] == (5, new_public[2:])
        assert await asyncio.to_thread(signer.check_client) is None  # the SDK agrees
        no_approval = signer.sign_create_order(0, 41, 100, 299000, False, 0, 2, integrator_account_index=777,
                                               integrator_taker_fee=100, nonce=1, api_key_index=5)  # fmt: skip
        status, body = await client.send_tx(14, no_approval[1])
        assert (status, body["code"]) == (400, E.INVALID_TX_INFO)
        expiry = int(time.time() * 1000) + 86_400_000
        approval = signer.sign_approve_integrator(eth_key, 777, 200, 100, 200, 100, expiry, nonce=1, api_key_index=5)
        assert (await client.send_tx(45, approval[1]))[0] == 200
        assert (await client.send_tx(14, signer.sign_create_order(
            0, 41, 100, 299000, False, 0, 2, integrator_account_index=777, integrator_taker_fee=100, nonce=2,
            api_key_index=5)[1]))[0] == 200  # fmt: skip
    finally:
        await signer.close()
