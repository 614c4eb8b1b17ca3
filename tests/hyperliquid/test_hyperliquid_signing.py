"""Hyperliquid signing against the spec's published vectors (shared/venues/hyperliquid.md §2.7).

Every expected value comes from the fixture, copied from the spec (the SDK's own test file for V1–V10,
SDK-computed C1–C5); none is computed by the code under test.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from eth_hash.auto import keccak

from xtb.connectors.hyperliquid import signing
from xtb.errors import AuthError
from xtb.secrets import Secret

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "signing_vectors.json").read_text())
L1 = {vector["id"]: vector for vector in VECTORS["l1"]}
USER = {vector["id"]: vector for vector in VECTORS["user"]}
SIGNED_L1 = [vector_id for vector_id, vector in L1.items() if "r" in vector["expected"]]


def key(vector: dict[str, Any]) -> Secret:
    return Secret(VECTORS["keys"][vector["key"]]["private_key"], name="hyperliquid_test_key")


def address(vector: dict[str, Any]) -> str:
    return VECTORS["keys"][vector["key"]]["address"]


def where(vector: dict[str, Any]) -> dict[str, Any]:
    return {"vault_address": vector["vault_address"], "expires_after": vector["expires_after"]}


def expected_signature(vector: dict[str, Any]) -> dict[str, Any]:
    return {part: vector["expected"][part] for part in ("r", "s", "v")}


def l1_typed(vector: dict[str, Any]) -> dict[str, Any]:
    cid = signing.connection_id(vector["action"], vector["nonce"], **where(vector))
    return signing.l1_typed_data(cid, vector["mainnet"])


@pytest.mark.parametrize("vector_id", [v for v, vector in L1.items() if "msgpack" in vector["expected"]])
def test_msgpack_bytes(vector_id: str) -> None:
    vector = L1[vector_id]
    preimage = signing.action_preimage(vector["action"], vector["nonce"], **where(vector))
    assert preimage.hex() == vector["expected"]["msgpack"] + vector["expected"]["preimage_tail"]


@pytest.mark.parametrize("vector_id", [v for v, vector in L1.items() if "preimage_tail" in vector["expected"]])
def test_preimage_tail(vector_id: str) -> None:
    vector = L1[vector_id]
    preimage = signing.action_preimage(vector["action"], vector["nonce"], **where(vector))
    assert preimage.hex().endswith(vector["expected"]["preimage_tail"])


@pytest.mark.parametrize("vector_id", [v for v, vector in L1.items() if "connection_id" in vector["expected"]])
def test_connection_id(vector_id: str) -> None:
    vector = L1[vector_id]
    cid = signing.connection_id(vector["action"], vector["nonce"], **where(vector))
    assert cid.hex() == vector["expected"]["connection_id"]


@pytest.mark.parametrize("vector_id", [v for v, vector in L1.items() if "digest" in vector["expected"]])
def test_l1_digest(vector_id: str) -> None:
    vector = L1[vector_id]
    assert signing.digest(l1_typed(vector)).hex() == vector["expected"]["digest"]


@pytest.mark.parametrize("vector_id", SIGNED_L1)
def test_sign_l1_action(vector_id: str) -> None:
    vector = L1[vector_id]
    signature = signing.sign_l1_action(
        key(vector), vector["action"], vector["nonce"], mainnet=vector["mainnet"], **where(vector)
    )
    assert signature == expected_signature(vector)


@pytest.mark.parametrize("vector_id", SIGNED_L1)
def test_recover_l1_signer(vector_id: str) -> None:
    vector = L1[vector_id]
    signer = signing.recover_l1_signer(
        vector["action"], vector["nonce"], expected_signature(vector), mainnet=vector["mainnet"], **where(vector)
    )
    assert signer == address(vector)


@pytest.mark.parametrize("vector_id", [v for v, vector in USER.items() if "digest" in vector["expected"]])
def test_user_digest(vector_id: str) -> None:
    vector = USER[vector_id]
    assert signing.digest(signing.user_typed_data(vector["action"])).hex() == vector["expected"]["digest"]


@pytest.mark.parametrize("vector_id", list(USER))
def test_sign_user_action(vector_id: str) -> None:
    vector = USER[vector_id]
    assert signing.sign_user_action(key(vector), vector["action"]) == expected_signature(vector)


@pytest.mark.parametrize("vector_id", list(USER))
def test_recover_user_signer(vector_id: str) -> None:
    vector = USER[vector_id]
    assert signing.recover_user_signer(vector["action"], expected_signature(vector)) == address(vector)


def test_domain_and_type_hashes() -> None:
    constants = VECTORS["constants"]
    assert keccak(b"Agent(string source,bytes32 connectionId)").hex() == constants["typehash_agent"]
    assert (
        keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)").hex()
        == constants["typehash_eip712_domain"]
    )
    assert signing.signable(l1_typed(L1["V4-mainnet"])).header.hex() == constants["l1_domain_separator"]
    for chain, separator in constants["user_domain_separator"].items():
        action = {**USER["C4-approveAgent"]["action"], "signatureChainId": chain}
        assert signing.signable(signing.user_typed_data(action)).header.hex() == separator
    name, fields = signing.USER_SIGNED_TYPES["approveAgent"]
    encoded = f"HyperliquidTransaction:{name}({','.join(f'{kind} {field}' for field, kind in fields)})"
    assert keccak(encoded.encode()).hex() == constants["typehash_approve_agent"]


def test_wrong_source_recovers_the_stranger() -> None:
    case = VECTORS["negative"]["wrong_source"]
    vector = L1[case["vector"]]
    signer = signing.recover_l1_signer(
        vector["action"], vector["nonce"], expected_signature(vector), mainnet=case["recover_as_mainnet"]
    )
    assert signer == case["stranger"]


def test_changed_price_recovers_the_stranger() -> None:
    case = VECTORS["negative"]["changed_price"]
    vector = L1[case["vector"]]
    padded = copy.deepcopy(vector["action"])
    padded["orders"][0]["p"] = case["signed_price"]
    signed = signing.sign_l1_action(key(vector), padded, vector["nonce"], mainnet=vector["mainnet"])
    assert signed == case["signature"]
    signer = signing.recover_l1_signer(vector["action"], vector["nonce"], signed, mainnet=vector["mainnet"])
    assert signer == case["stranger"]


def test_vault_address_is_parsed_as_bytes() -> None:
    """ccxt sends the vault without 0x; the venue reads any case (spec §2.2)."""
    vector = L1["V7-mainnet"]
    bare = vector["vault_address"].removeprefix("0x").upper()
    cid = signing.connection_id(vector["action"], vector["nonce"], vault_address=bare)
    assert cid.hex() == vector["expected"]["connection_id"]


def test_absent_agent_name_is_hashed_as_empty() -> None:
    named = {**USER["C4-approveAgent"]["action"], "agentName": ""}
    unnamed = {k: v for k, v in named.items() if k != "agentName"}
    assert signing.digest(signing.user_typed_data(unnamed)) == signing.digest(signing.user_typed_data(named))
    assert signing.digest(signing.user_typed_data(named)).hex() != USER["C4-approveAgent"]["expected"]["digest"]


@pytest.mark.parametrize(
    "signature",
    [
        {"r": "0x", "s": "0x1", "v": 27},
        {"r": "0x1", "s": "0x1", "v": 29},
        {"r": "1", "s": "0x1", "v": 27},
        {"r": "0x" + "f" * 65, "s": "0x1", "v": 27},
        {"r": "0x1", "v": 27},
        {"r": "0x" + "f" * 64, "s": "0x1", "v": 27},
    ],
    ids=["empty-r", "v29", "no-0x", "r-too-long", "no-s", "r-over-order"],
)
def test_unrecoverable_signature_is_an_auth_error(signature: dict[str, Any]) -> None:
    vector = L1["V2-mainnet"]
    with pytest.raises(AuthError, match="Unable to recover signer"):
        signing.recover_l1_signer(vector["action"], vector["nonce"], signature, mainnet=True)


def test_float_in_an_action_is_refused() -> None:
    with pytest.raises(TypeError, match=r"action\.orders\[0\]\.p"):
        signing.connection_id({"type": "order", "orders": [{"p": 1.5}]}, 0)


def test_bad_key_error_does_not_show_the_key() -> None:
    bad = Secret("0x" + "zz" * 32, name="hyperliquid_agent_key")
    with pytest.raises(AuthError) as raised:
        signing.sign_l1_action(bad, {"type": "noop"}, 0, mainnet=True)
    assert str(raised.value) == "hyperliquid: hyperliquid_agent_key is not a valid secp256k1 private key"
    assert raised.value.__suppress_context__  # the parser's error, which may quote the key, is not chained
