"""The Lighter simulator's write path over real loopback HTTP: the spec's vectors as real
transactions, Go-signer transactions, the venue's refusals (tampered, wrong chain, wrong key,
replayed, nonces, expiry, field rules, duplicate client index), batches and auth tokens."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import aiohttp
from lighter.signer_client import SignerClient, create_api_key

from tests.lighter.conftest import (
    VECTORS,
    Client,
    FixedClock,
    frontend,
    order_fields,
    private_key,
    sdk_client,
    signed_tx_info,
    start_lighter,
    vector_key,
)
from xtb.sim.lighter import errors as E
from xtb.sim.server import SimHandle

V = {v["name"].split("-")[0]: v for v in VECTORS["vectors"]}
ACCOUNT = 123456
KEY = 4


def refused(answer: tuple[int, Any], code: int) -> bool:
    status, body = answer
    return status == 400 and body["code"] == code


async def test_spec_vectors_are_accepted_as_real_transactions(sim: SimHandle, client: Client) -> None:
    fe = frontend(sim)
    fe.clock = FixedClock(1_795_630_600)  # the vectors were signed then
    vector_key(sim, next_nonce=7)
    sim.control.set_mid("ETH", "3010")
    status, body = await client.send_tx(14, V["V1"]["tx_info"])
    assert (status, body["code"], body["tx_hash"]) == (200, 200, V["V1"]["tx_hash"])
    (order,) = sim.control.open_orders(12345)
    assert (order.client_id, str(order.price), str(order.size)) == (1001, "3000.00", "0.0100")
    assert (await client.get("/api/v1/nextNonce", account_index=12345, api_key_index=3))[1]["nonce"] == 8
    for name in ("V3", "V4", "V5"):  # cancel by client index 1001, cancel-all, market-0 cancel-all (skip-nonce)
        status, body = await client.send_tx(15 if name == "V3" else 16, V[name]["tx_info"])
        assert (status, body["tx_hash"]) == (200, V[name]["tx_hash"]), body
    assert sim.control.open_orders(12345) == []
    assert refused(await client.send_tx(14, V["V1"]["tx_info"]), E.INVALID_NONCE)  # replayed
    status, body = await client.send_tx(14, V["V2"]["tx_info"])  # reduce-only market sell, nothing to reduce
    assert (status, body["tx_hash"]) == (200, V["V2"]["tx_hash"])
    assert sim.engine.order_by_client_id(12345, 1002).reason.value == "reduce_only_no_position"
    nonce = (await client.get("/api/v1/nextNonce", account_index=12345, api_key_index=3))[1]["nonce"]
    assert nonce == 1_795_630_000_001  # skip-nonce: last used + 1


async def test_the_chain_300_vector_needs_a_chain_300_venue(http: aiohttp.ClientSession) -> None:
    c300 = VECTORS["chain_300"]
    for chain, expected in ((300, 200), (304, 400)):
        sim = await start_lighter(chain_id=chain, order_expiry_window=False)
        try:
            frontend(sim).clock = FixedClock(1_783_955_000)
            sim.control.create_account(12345, "1000")
            frontend(sim).register_api_key(12345, 5, c300["sk_hex"])
            status, body = await Client(http, sim).send_tx(14, c300["tx_info"])
            assert status == expected, body
            if expected == 200:
                assert body["tx_hash"] == c300["tx_hash"]
            else:
                assert body == {"code": E.INVALID_SIGNATURE, "message": "invalid signature"}
        finally:
            await sim.stop()


async def test_go_signer_transactions_and_their_refusals(sim: SimHandle, client: Client) -> None:
    """The Go library keeps one client per (account, key index), so each SDK client here is made
    right before it signs."""
    wrong_chain = await sdk_client(sim, chain_id=300)
    other_chain = wrong_chain.sign_create_order(0, 11, 100, 299000, False, 0, 2, nonce=0, api_key_index=KEY)
    await wrong_chain.close()
    assert refused(await client.send_tx(14, other_chain[1]), E.INVALID_SIGNATURE)
    stranger = SignerClient(sim.urls["rest"], ACCOUNT, {KEY: create_api_key()[0]}, chain_id=304)
    wrong_key = stranger.sign_create_order(0, 11, 100, 299000, False, 0, 2, nonce=0, api_key_index=KEY)
    await stranger.close()
    assert refused(await client.send_tx(14, wrong_key[1]), E.INVALID_SIGNATURE)
    nobody = wrong_key[1].replace(f'"AccountIndex":{ACCOUNT}', '"AccountIndex":999999')
    assert refused(await client.send_tx(14, nobody), E.ACCOUNT_NOT_FOUND)
    unregistered = wrong_key[1].replace(f'"ApiKeyIndex":{KEY}', '"ApiKeyIndex":9')
    assert refused(await client.send_tx(14, unregistered), E.KEY_NOT_REGISTERED)
    sdk = await sdk_client(sim)
    try:
        signed = sdk.sign_create_order(0, 11, 100, 299000, False, 0, 2, nonce=0, api_key_index=KEY)
        tampered = signed[1].replace('"Price":299000', '"Price":298000')
        assert refused(await client.send_tx(14, tampered), E.INVALID_SIGNATURE)
        assert (await client.get("/api/v1/nextNonce", account_index=ACCOUNT, api_key_index=KEY))[1]["nonce"] == 0
        status, body = await client.send_tx(14, signed[1])  # refusals consumed nothing: nonce 0 still good
        assert (status, body["tx_hash"]) == (200, signed[2])
        assert refused(await client.send_tx(14, signed[1]), E.INVALID_NONCE)  # replayed
        cancel = sdk.sign_cancel_order(0, 11, nonce=1, api_key_index=KEY)
        assert (await client.send_tx(15, cancel[1], multipart=True))[0] == 200  # a Go-style multipart body
        assert sim.engine.order_by_client_id(ACCOUNT, 11).status.value == "cancelled"
        again = sdk.sign_cancel_order(0, 11, nonce=2, api_key_index=KEY)
        assert refused(await client.send_tx(15, again[1]), E.NOT_ACTIVE_LIMIT_ORDER)
    finally:
        await sdk.close()


async def test_nonce_rules_strict_and_skip(sim: SimHandle, client: Client) -> None:
    sk = private_key(sim)
    gap = signed_tx_info(14, order_fields(ACCOUNT, KEY, 1), sk)
    status, body = await client.send_tx(14, gap)
    assert (status, body["code"]) == (400, E.INVALID_NONCE) and "invalid nonce" in body["message"]
    skip = signed_tx_info(14, order_fields(ACCOUNT, KEY, 5_000), sk, attributes={"4": 1})
    assert (await client.send_tx(14, skip))[0] == 200
    assert (await client.get("/api/v1/nextNonce", account_index=ACCOUNT, api_key_index=KEY))[1]["nonce"] == 5_001
    again = signed_tx_info(14, order_fields(ACCOUNT, KEY, 5_000, ClientOrderIndex=502), sk, attributes={"4": 1})
    assert refused(await client.send_tx(14, again), E.INVALID_NONCE)  # skip-nonce still must increase
    strict = signed_tx_info(14, order_fields(ACCOUNT, KEY, 5_001, ClientOrderIndex=503), sk)
    assert (await client.send_tx(14, strict))[0] == 200


async def test_check_order_signature_expiry_nonce_then_fields(sim: SimHandle, client: Client) -> None:
    sk = private_key(sim)
    now = int(time.time() * 1000)
    bad_price = order_fields(ACCOUNT, KEY, 0, Price=0)
    assert refused(await client.send_tx(14, signed_tx_info(14, bad_price, sk + 1)), E.INVALID_SIGNATURE)
    expired = signed_tx_info(14, {**bad_price, "ExpiredAt": now - 1}, sk)
    status, body = await client.send_tx(14, expired)
    assert (status, body) == (400, {"code": E.INVALID_TX_INFO, "message": "invalid tx info: expired"})
    assert refused(await client.send_tx(14, signed_tx_info(14, {**bad_price, "Nonce": 3}, sk)), E.INVALID_NONCE)
    assert refused(await client.send_tx(14, signed_tx_info(14, bad_price, sk)), E.INVALID_PRICE)
    small = order_fields(ACCOUNT, KEY, 0, BaseAmount=10)  # 0.0010 ETH: under the 0.005 minimum
    assert refused(await client.send_tx(14, signed_tx_info(14, small, sk)), E.INVALID_AMOUNT)
    assert (await client.get("/api/v1/nextNonce", account_index=ACCOUNT, api_key_index=KEY))[1]["nonce"] == 0


async def test_client_order_index_is_unique_across_markets(sim: SimHandle, client: Client) -> None:
    sk = private_key(sim)
    eth = order_fields(ACCOUNT, KEY, 0, ClientOrderIndex=77)
    assert (await client.send_tx(14, signed_tx_info(14, eth, sk)))[0] == 200
    btc = order_fields(ACCOUNT, KEY, 1, ClientOrderIndex=77, MarketIndex=1, BaseAmount=100, Price=500000)
    assert refused(await client.send_tx(14, signed_tx_info(14, btc, sk)), E.CLIENT_ORDER_INDEX_EXISTS)


async def test_batches(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    sk = private_key(sim)
    infos = [signed_tx_info(14, order_fields(ACCOUNT, KEY, n, ClientOrderIndex=600 + n), sk) for n in range(3)]

    async def batch(types: Any, tx_infos: Any) -> tuple[int, Any]:
        data = {"tx_types": json.dumps(types), "tx_infos": json.dumps(tx_infos)}
        async with http.post(sim.urls["rest"] + "/api/v1/sendTxBatch", data=data) as resp:
            return resp.status, await resp.json()

    assert refused(await batch([14, 14], infos), E.BATCH_LENGTH)
    assert refused(await batch([14, 14], [infos[1], infos[0]]), E.BATCH_NONCE)
    other = signed_tx_info(14, order_fields(ACCOUNT, 3, 1), sk)
    assert refused(await batch([14, 14], [infos[0], other]), E.BATCH_MIXED_KEYS)
    status, body = await batch([14, 14, 14], infos)
    assert status == 200 and len(body["tx_hash"]) == 3
    assert sorted(o.client_id for o in sim.control.open_orders(ACCOUNT)) == [600, 601, 602]


async def test_cancel_all_scope_and_schedule(sim: SimHandle, client: Client) -> None:
    sk = private_key(sim)
    now = int(time.time() * 1000)
    await client.send_tx(14, signed_tx_info(14, order_fields(ACCOUNT, KEY, 0, ClientOrderIndex=1), sk))
    btc = order_fields(ACCOUNT, KEY, 1, ClientOrderIndex=2, MarketIndex=1, BaseAmount=100, Price=500000)
    await client.send_tx(14, signed_tx_info(14, btc, sk))

    def cancel_all(nonce: int, tif: int = 0, when: int = 0, attributes: dict[str, int] | None = None) -> str:
        fields = {"AccountIndex": ACCOUNT, "ApiKeyIndex": KEY, "TimeInForce": tif, "Time": when,
                  "ExpiredAt": now + 600_000, "Nonce": nonce}  # fmt: skip
        return signed_tx_info(16, fields, sk, attributes=attributes)

    assert (await client.send_tx(16, cancel_all(2, attributes={"5": 0})))[0] == 200  # market 0 only
    assert [o.market for o in sim.control.open_orders(ACCOUNT)] == ["BTC"]
    later = now + 6 * 60_000
    assert (await client.send_tx(16, cancel_all(3, 1, later)))[0] == 200
    account = (await client.get("/api/v1/account", by="index", value=ACCOUNT))[1]["accounts"][0]
    assert account["cancel_all_time"] == later
    assert refused(await client.send_tx(16, cancel_all(4, 1, later)), E.CANCEL_ALL_QUEUED)
    assert (await client.send_tx(16, cancel_all(4, 2)))[0] == 200  # abort
    account = (await client.get("/api/v1/account", by="index", value=ACCOUNT))[1]["accounts"][0]
    assert account["cancel_all_time"] == 0
    assert (await client.send_tx(16, cancel_all(5)))[0] == 200
    assert sim.control.open_orders(ACCOUNT) == []


async def test_auth_tokens_on_private_reads(sim: SimHandle, client: Client) -> None:
    sdk = await sdk_client(sim)
    try:
        token, _ = sdk.create_auth_token_with_expiry(600, api_key_index=KEY)
        long_token, _ = sdk.create_auth_token_with_expiry(9 * 3600, api_key_index=KEY)
    finally:
        await sdk.close()
    path = "/api/v1/accountActiveOrders"
    assert (await client.get(path, token, account_index=ACCOUNT, market_id=0)) == (200, {"code": 200, "orders": []})
    assert (await client.get(path, None, account_index=ACCOUNT, market_id=0, auth=token))[0] == 200  # legacy param
    status, body = await client.get(path, None, account_index=ACCOUNT, market_id=0)
    assert (status, body) == (400, {"code": 21120, "message": "invalid auth: missing token"})
    sim.control.create_account(777777, "10")
    assert "another account" in (await client.get(path, token, account_index=777777, market_id=0))[1]["message"]
    assert "8 hours" in (await client.get(path, long_token, account_index=ACCOUNT, market_id=0))[1]["message"]
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    assert "does not verify" in (await client.get(path, forged, account_index=ACCOUNT, market_id=0))[1]["message"]
    frontend(sim).clock = FixedClock(time.time() + 700)
    assert "expired" in (await client.get(path, token, account_index=ACCOUNT, market_id=0))[1]["message"]


async def test_the_spec_token_vector(sim: SimHandle, client: Client) -> None:
    vector_key(sim)
    frontend(sim).clock = FixedClock(VECTORS["auth_token"]["deadline"] - 100)
    status, body = await client.get("/api/v1/accountOrders", VECTORS["auth_token"]["token"], client_order_indexes="1")
    assert (status, body) == (200, {"code": 200, "orders": []})  # account defaults to the token's


async def test_signature_switch_keeps_structural_checks(http: aiohttp.ClientSession) -> None:
    sim = await start_lighter(verify_signatures=False)
    try:
        client = Client(http, sim)
        stranger = signed_tx_info(14, order_fields(ACCOUNT, KEY, 0), private_key(sim) + 1)
        assert (await client.send_tx(14, stranger))[0] == 200  # wrong key, but checks are off
        info = json.loads(signed_tx_info(14, order_fields(ACCOUNT, KEY, 1, ClientOrderIndex=9), 5))
        high_s = bytes.fromhex("ff" * 40) + bytes(40)
        info["Sig"] = base64.b64encode(high_s).decode()
        assert refused(await client.send_tx(14, json.dumps(info)), E.INVALID_SIGNATURE)  # s ≥ n
        assert frontend(sim).verifier.count == 0
    finally:
        await sim.stop()


async def test_verification_runs_off_the_event_loop(sim: SimHandle, client: Client) -> None:
    fe = frontend(sim)
    assert (await client.send_tx(14, signed_tx_info(14, order_fields(ACCOUNT, KEY, 0), private_key(sim))))[0] == 200
    assert fe.verifier.count == 1 and fe.verifier._executor is not None
    assert fe.verifier.seconds / fe.verifier.count < 0.05
