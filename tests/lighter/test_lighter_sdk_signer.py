"""Signatures made by the SDK's own Go signer (lighter.SignerClient and its bundled library) verify
under the simulator's pure-Python verifier, and the simulator's recomputed tx_hash equals the
signer's, for every transaction type it accepts, with and without attributes, on several chains."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from lighter.signer_client import SignerClient, create_api_key

from xtb.crypto import schnorr
from xtb.sim.lighter import txs as T

ACCOUNT = 54321
KEY_INDEX = 7
RNG = random.Random(42)


@pytest.fixture(params=[304, 300, 466324], ids=lambda c: f"chain-{c}")
async def signer(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, bytes, int]]:
    private, public, error = create_api_key()
    assert error is None
    client = SignerClient("http://127.0.0.1:9", ACCOUNT, {KEY_INDEX: private}, chain_id=request.param)
    try:
        yield client, bytes.fromhex(public[2:]), request.param
    finally:
        await client.close()


def check(result: tuple[Any, Any, Any, Any], public: bytes, chain: int) -> T.Tx:
    tx_type, tx_info, tx_hash, error = result
    assert error is None, error
    tx = T.parse_tx(tx_type, tx_info)
    m = T.message(tx, chain)
    assert T.tx_hash(m) == tx_hash
    assert schnorr.verify(public, m, tx.sig), tx_info
    assert not schnorr.verify(public, T.message(tx, chain + 1), tx.sig)
    return tx


async def test_create_orders_of_every_flavour(signer: tuple[Any, bytes, int]) -> None:
    client, public, chain = signer
    flavours = [  # (type, tif, expiry, reduce_only, trigger)
        (0, 2, -1, False, 0),  # post-only, 28 days
        (0, 1, -1, False, 0),  # good-till-time
        (0, 0, 0, False, 0),  # IOC
        (1, 0, 0, True, 0),  # market reduce-only
    ]
    for order_type, tif, expiry, reduce_only, trigger in flavours:
        for market in (0, 1, 2048):
            tx = check(
                client.sign_create_order(
                    market, RNG.randrange(1, 2**48), RNG.randrange(1, 2**40), RNG.randrange(1, 2**32),
                    RNG.random() < 0.5, order_type, tif, reduce_only and market < 2048, trigger, expiry,
                    nonce=RNG.randrange(2**40), api_key_index=KEY_INDEX,
                ),
                public, chain,
            )  # fmt: skip
            assert (tx["Type"], tx["TimeInForce"], tx["MarketIndex"]) == (order_type, tif, market)


async def test_attributes_skip_nonce_integrator_and_self_trade(signer: tuple[Any, bytes, int]) -> None:
    client, public, chain = signer
    tx = check(
        client.sign_create_order(0, 9, 100, 300000, False, 0, 2, skip_nonce=1, nonce=1_795_630_000_000,
                                 api_key_index=KEY_INDEX),
        public, chain,
    )  # fmt: skip
    assert tx.skip_nonce
    tx = check(
        client.sign_create_order(0, 10, 100, 300000, True, 0, 1, integrator_account_index=777,
                                 integrator_taker_fee=100, integrator_maker_fee=50, nonce=3, api_key_index=KEY_INDEX),
        public, chain,
    )  # fmt: skip
    assert tx.non_nil_attributes() == [(1, 777), (2, 100), (3, 50)]
    tx = check(
        client.sign_create_order(0, 11, 100, 300000, True, 0, 1, self_trade_behavior_mode=2,
                                 self_trade_equality_mode=1, nonce=4, api_key_index=KEY_INDEX),
        public, chain,
    )  # fmt: skip
    assert tx.non_nil_attributes() == [(6, 2), (7, 1)]


async def test_cancels_modify_leverage_and_integrator(signer: tuple[Any, bytes, int]) -> None:
    client, public, chain = signer
    assert check(client.sign_cancel_order(0, 1001, nonce=8, api_key_index=KEY_INDEX), public, chain)["Index"] == 1001
    order_index = 2**48 + 12345
    check(client.sign_cancel_order(1, order_index, nonce=9, api_key_index=KEY_INDEX), public, chain)
    everything = check(client.sign_cancel_all_orders(0, 0, nonce=10, api_key_index=KEY_INDEX), public, chain)
    assert everything.attribute(T.CANCEL_ALL_MARKET) == 255
    market_0 = check(
        client.sign_cancel_all_orders(0, 0, 0, skip_nonce=1, nonce=11, api_key_index=KEY_INDEX), public, chain
    )
    assert market_0.non_nil_attributes() == [(4, 1), (5, 0)]  # market 0 is a real market
    check(client.sign_modify_order(0, order_index, 200, 310000, nonce=12, api_key_index=KEY_INDEX), public, chain)
    check(client.sign_update_leverage(0, 500, 1, nonce=13, api_key_index=KEY_INDEX), public, chain)
    check(
        client.sign_approve_integrator(None, 777, 100, 50, 100, 50, 1_798_049_260_438, nonce=14,
                                       api_key_index=KEY_INDEX),
        public, chain,
    )  # fmt: skip


async def test_change_pub_key_as_the_official_flow_signs_it(signer: tuple[Any, bytes, int]) -> None:
    """The official flow makes a client with the NEW private key and registers its public key, so
    the L2 signature is the new key's (what the simulator verifies ChangePubKey against)."""
    _, _, chain = signer
    new_private, new_public, _ = create_api_key()
    client = SignerClient("http://127.0.0.1:9", ACCOUNT, {KEY_INDEX + 1: new_private}, chain_id=chain)
    try:
        result = client.sign_change_api_key("0x" + "11" * 32, new_public, nonce=0, api_key_index=KEY_INDEX + 1)
        tx = check(result, bytes.fromhex(new_public[2:]), chain)
    finally:
        await client.close()
    assert tx["PubKey"] == bytes.fromhex(new_public[2:]) and tx["L1Sig"].startswith("0x")


async def test_auth_tokens_verify(signer: tuple[Any, bytes, int]) -> None:
    client, public, _ = signer
    token, error = client.create_auth_token_with_expiry(600, api_key_index=KEY_INDEX)
    assert error is None
    deadline, account, key, sig = token.split(":")
    assert (int(account), int(key)) == (ACCOUNT, KEY_INDEX) and len(sig) == 160
    m = T.auth_message(int(deadline), ACCOUNT, KEY_INDEX)
    assert schnorr.verify(public, m, bytes.fromhex(sig))
    assert not schnorr.verify(public, T.auth_message(int(deadline), ACCOUNT, KEY_INDEX + 1), bytes.fromhex(sig))
