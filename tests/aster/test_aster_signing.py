"""Aster signing against the spec's vectors (§2.2-§2.4), on both sides: the connector's signers
(typed-data digest with the domain hashed once, held to eth-account's bytes; hmac) and the
simulator's verifiers (its own keccak encoding)."""

from __future__ import annotations

import hashlib
import hmac
import random

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from tests.aster.conftest import VECTORS
from xtb.connectors.aster.auth import DOMAIN_TYPE, ZERO_ADDRESS, NonceClock, V1Signer, V3Signer, encode_pairs
from xtb.errors import AuthError
from xtb.secrets import Secret
from xtb.sim.aster import agents, auth
from xtb.sim.aster.errors import AsterError
from xtb.sim.aster.params import Component, Params, split

V3 = VECTORS["v3"]
V1 = VECTORS["v1"]
KEY = Secret(V3["private_key"], "signer_private_key")


def signer(chain_id: int) -> V3Signer:
    return V3Signer(V3["user"], KEY, chain_id)


def params_of(query: str = "", body: str = "") -> Params:
    q, b = Component(query, split(query)), Component(body, split(body))
    return Params(q, b, {**dict(b.pairs), **dict(q.pairs)})


def test_the_demo_key_is_the_demo_address() -> None:
    assert signer(1666).signer == V3["address"]


def test_type_hashes_match_the_spec() -> None:
    assert auth.MESSAGE_TYPEHASH.hex() == V3["typehash_message"]
    assert auth.DOMAIN_TYPEHASH.hex() == V3["typehash_domain"]
    assert keccak(auth.MESSAGE_TYPEHASH + keccak(V3["msg"].encode())).hex() == V3["struct_hash"]


@pytest.mark.parametrize("vector", V3["chains"], ids=lambda v: str(v["chain_id"]))
def test_v3_order_vector(vector: dict) -> None:
    chain = vector["chain_id"]
    text = signer(chain).signed_text(V3["params"], nonce=V3["nonce"])
    assert text == f"{V3['msg']}&signature={vector['signature']}"  # the string sent is the string signed
    assert auth.domain_separator(chain).hex() == vector["domain_separator"]
    assert auth.message_digest(V3["msg"], chain).hex() == vector["digest"]


def test_v3_auth_only_vector() -> None:
    vector = V3["auth_only"]
    assert signer(vector["chain_id"]).sign(vector["msg"]) == vector["signature"]


def test_the_wrong_chain_gives_another_signature() -> None:
    assert signer(1666).sign(V3["msg"]) != signer(714).sign(V3["msg"])


@pytest.mark.parametrize(
    "text",
    [
        lambda s: s,
        lambda s: "0x" + s,
        lambda s: s.upper(),
        lambda s: s[:128].lower() + s[128:].upper(),  # lowercase r/s with an uppercase 1B / 1C
        lambda s: s[:128] + f"{int(s[128:], 16) - 27:02x}",  # v as a raw recovery id 0 / 1
    ],
    ids=["plain", "0x", "upper", "mixed-v", "v01"],
)
def test_the_simulator_recovers_every_accepted_signature_form(text) -> None:
    for vector in V3["chains"]:
        sig = auth.parse_signature(text(vector["signature"]))
        assert sig is not None
        assert auth.recover(bytes.fromhex(vector["digest"]), sig) == V3["address"].lower()


@pytest.mark.parametrize("bad", ["", "zz" * 65, "00" * 64, "00" * 64 + "1d"])
def test_malformed_signatures_are_refused(bad: str) -> None:
    assert auth.parse_signature(bad) is None


def test_the_simulator_verifies_the_vector_request_in_query_or_body() -> None:
    vector = V3["chains"][1]
    text = f"{V3['msg']}&signature={vector['signature']}"
    for params in (params_of(query=text), params_of(body=text)):
        verifier = auth.V3Verifier(
            chain_id=714,
            now_us=lambda: V3["nonce"],
            window_s=10,
            nonces=auth.NonceBook(100),
            nonce_scope="signer",
            resolve_user=lambda _: None,
        )
        identity = verifier.verify(params)
        assert (identity.user, identity.signer, identity.nonce) == (
            V3["user"].lower(),
            V3["address"].lower(),
            V3["nonce"],
        )
        verifier.spend_nonce(identity)
        with pytest.raises(AsterError) as replay:
            verifier.spend_nonce(identity)
        assert replay.value.code == -4225


def test_a_param_added_after_signing_breaks_the_signature() -> None:
    vector = V3["chains"][1]
    verifier = auth.V3Verifier(
        chain_id=714,
        now_us=lambda: V3["nonce"],
        window_s=10,
        nonces=auth.NonceBook(100),
        nonce_scope="signer",
        resolve_user=lambda _: None,
    )
    tampered = V3["msg"].replace("quantity=0.010", "quantity=0.01")  # numerically equal, textually not
    with pytest.raises(AsterError) as caught:
        verifier.verify(params_of(query=f"{tampered}&signature={vector['signature']}"))
    assert caught.value.code == -1022
    with pytest.raises(AsterError) as not_last:
        verifier.verify(params_of(query=f"{V3['msg']}&signature={vector['signature']}&recvWindow=5000"))
    assert not_last.value.code == -1022


def test_nonce_book_keeps_the_last_hundred() -> None:
    book = auth.NonceBook(3)
    now = 10_000_000_000
    for nonce in (now - 3, now - 2, now - 1):
        book.check("s", nonce, now, 10_000_000)
    with pytest.raises(AsterError, match="-4225"):
        book.check("s", now - 4, now, 10_000_000)  # below the smallest kept, the set is full
    with pytest.raises(AsterError, match="-4225"):
        book.check("s", now - 2, now, 10_000_000)  # a repeat
    book.check("s", now, now, 10_000_000)
    book.check("other", now - 4, now, 10_000_000)  # per signer
    with pytest.raises(AsterError, match="-1021"):
        book.check("s", now + 10_000_001, now, 10_000_000)
    with pytest.raises(AsterError, match="-4225"):
        book.check("s", now - 10_000_001, now, 10_000_000)


def test_nonces_are_unique_and_increasing_within_one_microsecond() -> None:
    clock = NonceClock()
    nonces = [clock.next() for _ in range(1000)]
    assert nonces == sorted(set(nonces))


def test_management_vector() -> None:
    vector = VECTORS["management"]
    fields = [tuple(pair) for pair in vector["params"]]
    digest_1666 = agents.management_digest(vector["action"], fields, 1666)
    type_string = "ApproveBuilder(string Builder,string MaxFeeRate,string BuilderName,string AsterChain,string User,"
    type_string += "uint256 Nonce)"
    assert keccak(text=type_string).hex() == vector["typehash"]
    for chain, signature in vector["signatures"].items():
        sig = auth.parse_signature(signature)
        assert sig is not None
        digest = agents.management_digest(vector["action"], fields, int(chain))
        assert auth.recover(digest, sig) == V3["address"].lower()
    assert digest_1666 != agents.management_digest(vector["action"], fields, 56)


def test_v1_hmac_vectors() -> None:
    v1 = V1Signer(Secret(V1["api_key"], "api_key"), Secret(V1["secret"], "api_secret"))
    assert v1.sign(V1["one_component"]["query"]) == V1["one_component"]["signature"]
    assert v1.sign(V1["mixed"]["query"] + V1["mixed"]["body"]) == V1["mixed"]["signature"]
    assert v1.headers() == {"X-MBX-APIKEY": V1["api_key"]}
    pairs = [tuple(p.split("=")) for p in V1["one_component"]["query"].split("&")[:-1]]  # all but timestamp
    assert v1.signed_text(pairs, V1["timestamp"]) == (
        f"{V1['one_component']['query']}&signature={V1['one_component']['signature']}"
    )


@pytest.mark.parametrize("case", ["one_component", "mixed"])
def test_the_simulator_checks_the_hmac_over_query_and_body_as_received(case: str) -> None:
    vector = V1[case]
    query, body = vector["query"], vector.get("body", "")
    if body:
        body = f"{body}&signature={vector['signature']}"
    else:
        query = f"{query}&signature={vector['signature']}"
    verifier = auth.V1Verifier(now_ms=lambda: V1["timestamp"] + 10, key_error_status=401)
    verifier.verify(params_of(query, body), V1["secret"])
    with pytest.raises(AsterError) as caught:  # the spec's own slip: the mixed request with the non-mixed signature
        wrong = V1["one_component"]["signature"] if case == "mixed" else V1["mixed"]["signature"]
        verifier.verify(
            params_of(query.replace(vector["signature"], wrong), body.replace(vector["signature"], wrong)), V1["secret"]
        )
    assert caught.value.code == -1022
    digest = hmac.new(V1["secret"].encode(), (vector["query"] + vector.get("body", "")).encode(), hashlib.sha256)
    assert digest.hexdigest() == vector["signature"]


def test_encoding_is_what_is_signed() -> None:
    assert encode_pairs([("newClientOrderId", "a:b/c d")]) == "newClientOrderId=a%3Ab%2Fc%20d"


def test_reprs_hide_the_keys() -> None:
    v3 = signer(714)
    v1 = V1Signer(Secret(V1["api_key"], "api_key"), Secret(V1["secret"], "api_secret"))
    assert V3["private_key"][2:] not in repr(v3) and "***" in repr(v3)
    assert V1["secret"] not in repr(v1) and V1["api_key"] not in repr(v1)


def test_a_bad_key_is_an_auth_error_without_the_key() -> None:
    bad = "0x" + "zz" * 32
    with pytest.raises(AuthError) as caught:
        V3Signer(V3["user"], Secret(bad, "signer_private_key"), 714)
    assert bad not in str(caught.value)
    with pytest.raises(AuthError):
        V3Signer("not-an-address", KEY, 714)


def test_v3_signatures_are_eth_accounts_byte_for_byte() -> None:
    """The signer hashes the constant domain once and signs the digest itself; eth-account's own
    typed-data path (the reference) must give the same bytes for any message."""
    rng = random.Random(3)
    for chain in (1666, 714):
        v3 = signer(chain)
        for n in range(60):
            msg = "".join(rng.choice("abcXYZ019=&%~ é€😀") for _ in range(rng.randrange(0, 300 if n else 1)))
            typed = {
                "types": {"EIP712Domain": DOMAIN_TYPE, "Message": [{"name": "msg", "type": "string"}]},
                "primaryType": "Message",
                "domain": {"name": "AsterSignTransaction", "version": "1", "chainId": chain,
                           "verifyingContract": ZERO_ADDRESS},
                "message": {"msg": msg},
            }  # fmt: skip
            reference = Account.sign_message(encode_typed_data(full_message=typed), V3["private_key"])
            assert v3.sign(msg) == reference.signature.hex().removeprefix("0x"), msg


def test_the_signed_text_is_the_pairs_then_nonce_user_signer() -> None:
    v3 = signer(714)
    expected = encode_pairs([("a", "1 2"), ("nonce", "7"), ("user", V3["user"]), ("signer", V3["address"])])
    assert v3.signed_text([("a", "1 2")], nonce=7) == f"{expected}&signature={v3.sign(expected)}"
    bare = encode_pairs([("nonce", "7"), ("user", V3["user"]), ("signer", V3["address"])])
    assert v3.signed_text([], nonce=7) == f"{bare}&signature={v3.sign(bare)}"
