"""EIP-712 signing against the venue spec's vectors (§2.5, §2.9), copied into fixtures/vectors.json:
grvt-pysdk's path and the connector's fast signer (held to the SDK's bytes) for `Order`, the
simulator's own structs for every type."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import pytest
from eth_utils import keccak
from pysdk.grvt_ccxt_utils import EIP712_ORDER_MESSAGE_TYPE

from tests.grvt.conftest import VECTORS
from xtb.connectors.grvt import sdk
from xtb.connectors.grvt.signing import OrderSigner, StructHasher
from xtb.errors import AuthError
from xtb.secrets import Secret
from xtb.sim.grvt import eip712

KEY = VECTORS["key"]
ADDRESS = VECTORS["address"]
V1, V2, V3, V4 = VECTORS["V1"], VECTORS["V2"], VECTORS["V3"], VECTORS["V4"]


def hx(data: bytes) -> str:
    return "0x" + data.hex()


def encode_type(primary: str) -> str:
    """EIP-712 encodeType of the simulator's struct definitions (dependencies appended, sorted)."""
    types = eip712.TYPES.get(primary) or {primary: eip712.TYPES["Order"][primary]}

    def one(name: str) -> str:
        fields = ",".join(f"{field['type']} {field['name']}" for field in types[name])
        return f"{name}({fields})"

    return one(primary) + "".join(one(dep) for dep in sorted(n for n in types if n != primary))


def v1_message(**changes: Any) -> tuple[str, dict[str, Any]]:
    leg = {
        "assetID": int(V1["instrument_hash"], 16),
        "contractSize": eip712.truncate_scaled(Decimal(V1["size"]), V1["base_decimals"]),
        "limitPrice": eip712.truncate_scaled(Decimal(V1["limit_price"]), eip712.PRICE_DECIMALS),
        "isBuyingContract": V1["is_buying_asset"],
    }
    args: dict[str, Any] = {
        "sub_account_id": int(V1["sub_account_id"]), "is_market": False, "time_in_force": 1, "post_only": False,
        "reduce_only": False, "legs": [leg], "nonce": V1["nonce"], "expiration": int(V1["expiration"]),
    }  # fmt: skip
    args.update(changes)
    return eip712.order_message(**args)


@pytest.mark.parametrize("chain", ["325", "326", "327"])
def test_domain_separators(chain: str) -> None:
    assert hx(eip712.domain_separator(int(chain))) == VECTORS["domain_separators"][chain]


@pytest.mark.parametrize("primary", sorted(VECTORS["type_hashes"]))
def test_type_strings_and_hashes(primary: str) -> None:
    assert encode_type(primary) == VECTORS["encoded_types"][primary]
    assert hx(keccak(text=encode_type(primary))) == VECTORS["type_hashes"][primary]


def test_scaling_truncates_with_exact_decimals() -> None:
    t = VECTORS["truncation"]
    assert eip712.truncate_scaled(Decimal(t["size"]), 9) == t["contract_size"]
    assert eip712.truncate_scaled(Decimal(t["price"]), 9) == t["limit_price"]
    assert eip712.truncate_scaled(Decimal("0E-9"), 9) == 0
    assert eip712.truncate_scaled(Decimal(V2["builder_fee"]), eip712.BUILDER_FEE_DECIMALS) == V2["builder_fee_scaled"]


def test_v1_order_through_the_sdk_matches_the_published_signature() -> None:
    env = sdk.point_sdk_at(sdk.Hosts("http://e", "http://t", "http://m", "ws://t/ws/full", "ws://m/ws/full"), 326)
    try:
        meta = sdk.InstrumentMeta(V1["instrument"], V1["instrument_hash"], V1["base_decimals"], "BTC", "USDT")
        body = sdk.sign_order(
            env, Secret(KEY, "key"), sub_account_id=V1["sub_account_id"], instrument=meta, is_buy=False,
            size=Decimal(V1["size"]), limit_price=Decimal(V1["limit_price"]), time_in_force=V1["time_in_force"],
            post_only=False, reduce_only=False, client_order_id="9223372036854775808", nonce=V1["nonce"],
            expiration_ns=int(V1["expiration"]),
        )["order"]  # fmt: skip
    finally:
        sdk.release(env)
    sig = body["signature"]
    assert (sig["v"], sig["r"], sig["s"]) == (V1["v"], V1["r"], V1["s"])
    assert (sig["signer"], sig["nonce"], sig["expiration"], sig["chain_id"]) == (
        ADDRESS, V1["nonce"], V1["expiration"], "326",
    )  # fmt: skip
    assert body["legs"] == [{"instrument": V1["instrument"], "size": V1["size"], "limit_price": V1["limit_price"],
                             "is_buying_asset": False}]  # fmt: skip
    assert body["metadata"] == {"client_order_id": "9223372036854775808"}


def test_v1_hash_struct_digest_and_signature() -> None:
    primary, message = v1_message()
    assert primary == V1["primary_type"]
    assert message["legs"][0]["contractSize"] == V1["contract_size"]
    assert message["legs"][0]["limitPrice"] == V1["limit_price_scaled"]
    signable = eip712.typed_message(primary, message, VECTORS["chain_id"])
    assert hx(bytes(signable.body)) == V1["hash_struct"]
    assert hx(eip712.digest(signable)) == V1["digest"]
    signed = eip712.sign(signable, KEY)
    assert (signed["v"], signed["r"], signed["s"], signed["signer"]) == (V1["v"], V1["r"], V1["s"], ADDRESS)
    assert eip712.recover(signable, V1["v"], int(V1["r"], 16), int(V1["s"], 16)) == ADDRESS.lower()


def test_v2_builder_order_and_its_tamper_checks() -> None:
    primary, message = v1_message(builder=V2["builder"], builder_fee=V2["builder_fee_scaled"])
    assert primary == V2["primary_type"]
    signable = eip712.typed_message(primary, message, VECTORS["chain_id"])
    assert hx(bytes(signable.body)) == V2["hash_struct"]
    assert hx(eip712.digest(signable)) == V2["digest"]
    assert {k: eip712.sign(signable, KEY)[k] for k in ("v", "r", "s")} == {k: V2[k] for k in ("v", "r", "s")}
    vrs = (V2["v"], int(V2["r"], 16), int(V2["s"], 16))
    tampered = eip712.typed_message(primary, {**message, "builderFee": V2["tampered_builder_fee_scaled"]}, 326)
    assert hx(eip712.digest(tampered)) == V2["tampered_digest"]
    assert eip712.recover(tampered, *vrs) != ADDRESS.lower()
    as_plain_order = eip712.typed_message(*v1_message(), 326)
    assert eip712.recover(as_plain_order, *vrs) != ADDRESS.lower()


@pytest.mark.parametrize("builder", [None, "", "0x00", "0x0", "0x" + "0" * 40])
def test_zero_builders_select_the_plain_order_struct(builder: str | None) -> None:
    primary, message = v1_message(builder=builder, builder_fee=10)
    assert primary == "Order" and "builder" not in message
    assert hx(eip712.digest(eip712.typed_message(primary, message, 326))) == V1["digest"]


def test_v3_wallet_login() -> None:
    message = {"signer": ADDRESS.lower(), "nonce": V3["nonce"], "expiration": int(V3["expiration"])}
    signable = eip712.typed_message("WalletLogin", message, 326)
    assert hx(bytes(signable.body)) == V3["hash_struct"]
    assert hx(eip712.digest(signable)) == V3["digest"]
    assert {k: eip712.sign(signable, KEY)[k] for k in ("v", "r", "s")} == {k: V3[k] for k in ("v", "r", "s")}


def test_v4_authorize_builder() -> None:
    message = {
        "mainAccountID": ADDRESS.lower(), "builderAccountID": V4["builder_account_id"],
        "maxFutureFeeRate": V4["max_future_fee_rate"], "maxSpotFeeRate": V4["max_spot_fee_rate"],
        "nonce": V4["nonce"], "expiration": int(V4["expiration"]),
    }  # fmt: skip
    assert message["maxFutureFeeRate"] == eip712.truncate_scaled(Decimal(V4["max_futures_fee_rate_percent"]), 4)
    signable = eip712.typed_message("AuthorizeBuilder", message, 326)
    assert hx(bytes(signable.body)) == V4["hash_struct"]
    assert hx(eip712.digest(signable)) == V4["digest"]
    assert {k: eip712.sign(signable, KEY)[k] for k in ("v", "r", "s")} == {k: V4[k] for k in ("v", "r", "s")}


def test_signing_refuses_an_unknown_time_in_force() -> None:
    env = sdk.point_sdk_at(sdk.Hosts("http://e", "http://t", "http://m", "ws://t/ws/full", "ws://m/ws/full"), 326)
    try:
        meta = sdk.InstrumentMeta("BTC_USDT_Perp", "0x030501", 9, "BTC", "USDT")
        with pytest.raises(ValueError, match="IOC"):
            sdk.sign_order(
                env, Secret(KEY, "key"), sub_account_id="1", instrument=meta, is_buy=True, size=Decimal(1),
                limit_price=Decimal(1), time_in_force="IOC", post_only=False, reduce_only=False,
                client_order_id="1", nonce=1, expiration_ns=1,
            )  # fmt: skip
    finally:
        sdk.release(env)


# ------------------------------------------------------------------ the connector's fast signer

HOSTS = sdk.Hosts("http://e", "http://t", "http://m", "ws://t/ws/full", "ws://m/ws/full")


@pytest.fixture
def env() -> Any:
    env = sdk.point_sdk_at(HOSTS, 326)
    yield env
    sdk.release(env)


def v1_order_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "sub_account_id": V1["sub_account_id"],
        "instrument": sdk.InstrumentMeta(V1["instrument"], V1["instrument_hash"], V1["base_decimals"], "BTC", "USDT"),
        "is_buy": False, "size": Decimal(V1["size"]), "limit_price": Decimal(V1["limit_price"]),
        "time_in_force": V1["time_in_force"], "post_only": False, "reduce_only": False,
        "client_order_id": "9223372036854775808", "nonce": V1["nonce"], "expiration_ns": int(V1["expiration"]),
    }  # fmt: skip
    args.update(changes)
    return args


def test_the_fast_signer_gives_the_published_v1_signature(env: Any) -> None:
    signer = OrderSigner(env, Secret(KEY, "key"))
    sig = signer.sign_order(**v1_order_args())["order"]["signature"]
    assert (sig["v"], sig["r"], sig["s"], sig["signer"]) == (V1["v"], V1["r"], V1["s"], ADDRESS)
    assert StructHasher(EIP712_ORDER_MESSAGE_TYPE).type_hashes["Order"].hex() == VECTORS["type_hashes"]["Order"][2:]


def test_the_fast_signer_makes_the_sdks_bodies_byte_for_byte(env: Any) -> None:
    """grvt-pysdk's own path (`sdk.sign_order`) is the reference, across what an order can vary in."""
    rng = random.Random(7)
    key = Secret("0x" + "5a" * 32, "key")
    signer = OrderSigner(env, key)
    cases = 0
    for tif in sorted(sdk.SIGNING_TIFS):
        for decimals in (3, 9, 18):
            for market in (False, True):
                # finer than the venue's units too, which both truncate the same way
                size = Decimal(rng.randrange(1, 10**8)).scaleb(-decimals - rng.randrange(0, 3))
                price = None if market else Decimal(rng.randrange(1, 10**9)).scaleb(-rng.randrange(0, 12))
                args = v1_order_args(
                    sub_account_id=str(rng.randrange(2**64)),
                    instrument=sdk.InstrumentMeta("X_USDT_Perp", hex(rng.randrange(1, 2**24)), decimals, "X", "USDT"),
                    is_buy=rng.random() < 0.5, size=size, limit_price=price, time_in_force=tif,
                    post_only=rng.random() < 0.5, reduce_only=rng.random() < 0.5,
                    client_order_id=str(rng.randrange(2**63, 2**64)), nonce=rng.randrange(2**32),
                    expiration_ns=rng.randrange(2**63),
                )  # fmt: skip
                ours, theirs = signer.sign_order(**args), sdk.sign_order(env, key, **args)
                assert json.dumps(ours) == json.dumps(theirs), args
                cases += 1
    assert cases == len(sdk.SIGNING_TIFS) * 6


@pytest.mark.parametrize(
    "change", [{"nonce": 2**32}, {"nonce": -1}, {"expiration_ns": 2**63}, {"sub_account_id": str(2**64)}]
)
def test_the_fast_signer_refuses_what_eth_abi_refuses(env: Any, change: dict[str, Any]) -> None:
    key = Secret(KEY, "key")
    with pytest.raises(Exception):  # noqa: B017 - the SDK's path raises eth-abi's own error type
        sdk.sign_order(env, key, **v1_order_args(**change))
    with pytest.raises(ValueError, match="out of range"):
        OrderSigner(env, key).sign_order(**v1_order_args(**change))


def test_a_key_off_the_curve_is_an_auth_error_without_the_key(env: Any) -> None:
    bad = "0x" + "ff" * 32  # above the group order
    with pytest.raises(AuthError) as caught:
        OrderSigner(env, Secret(bad, "key"))
    assert bad[2:] not in str(caught.value)
    assert KEY[2:] not in repr(OrderSigner(env, Secret(KEY, "key")))
