"""The pure-Python field, hash, curve and Schnorr verifier against the spec's known answers (§2.3,
§2.8): Poseidon2 and H5, the curve constants and generator, the square-root choice of decoding,
every worked vector's internals, and the negative checks."""

from __future__ import annotations

import base64
import random

import pytest

from tests.lighter.conftest import VECTORS
from xtb.crypto import ecgfp5 as E
from xtb.crypto import field as F
from xtb.crypto import poseidon2, schnorr
from xtb.sim.lighter import txs as T

P = F.P
KEY = VECTORS["key"]
PK = bytes.fromhex(KEY["pk_hex"])
SK = int(KEY["sk"])
V = {v["name"].split("-")[0]: v for v in VECTORS["vectors"]}
RNG = random.Random(1)


def element() -> int:
    return F.pack([RNG.randrange(P) for _ in range(5)])


# ------------------------------------------------------------------------------------- field


def test_quintic_arithmetic_matches_schoolbook_reduction() -> None:
    for _ in range(50):
        a, b = element(), element()
        x, y = F.limbs(a), F.limbs(b)
        product = [0] * 9
        for i in range(5):
            for j in range(5):
                product[i + j] += x[i] * y[j]
        expected = tuple((product[i] + (3 * product[i + 5] if i < 4 else 0)) % P for i in range(5))
        assert F.limbs(F.mul(a, b)) == expected
        assert F.limbs(F.sub(a, b)) == tuple((u - v) % P for u, v in zip(x, y, strict=True))


def test_inverse_norm_legendre_and_square_roots() -> None:
    for _ in range(10):
        a = element()
        assert F.eq(F.mul(a, F.inv(a)), F.ONE)
        assert F.eq(F.frobenius(a, 5), a) and F.eq(F.frobenius(a, 1), F.power(a, P))
        square = F.sqr(a)
        assert F.legendre(square) == 1
        root = F.sqrt(square)
        assert root is not None and F.eq(F.sqr(root), square)
    non_square = next(x for x in (F.pack((k, 1, 0, 0, 0)) for k in range(2, 50)) if F.legendre(x) == -1)
    assert F.sqrt(non_square) is None
    assert F.legendre(F.ZERO) == 0
    with pytest.raises(ZeroDivisionError):
        F.inv(F.ZERO)


def test_serialisation_refuses_non_canonical_limbs() -> None:
    a = element()
    assert F.from_bytes(F.to_bytes(a)) == F.canonical(a)
    assert F.from_bytes(P.to_bytes(8, "little") + bytes(32)) is None
    assert F.from_bytes(bytes(39)) is None


# ---------------------------------------------------------------------------------- poseidon2


def test_poseidon2_constants_and_known_answers() -> None:
    constants = VECTORS["constants"]
    assert poseidon2.EXTERNAL_CONSTANTS[0][0] == constants["external_first"]
    assert poseidon2.EXTERNAL_CONSTANTS[-1][-1] == constants["external_last"]
    assert poseidon2.INTERNAL_CONSTANTS[0] == constants["internal_first"]
    assert poseidon2.INTERNAL_CONSTANTS[-1] == constants["internal_last"]
    kat = VECTORS["poseidon2_permutation"]
    assert poseidon2.permute(kat["input"]) == kat["output"]
    assert list(poseidon2.hash_to_quintic(list(range(12)))) == VECTORS["h5_0_to_11"]
    with pytest.raises(ValueError):
        poseidon2.hash_to_quintic([P])


# -------------------------------------------------------------------------------------- curve


def test_curve_constants_and_generator() -> None:
    curve = VECTORS["curve"]
    assert F.limbs(E.A_SW) == tuple(curve["a_sw"]) and F.limbs(E.B_SW) == tuple(curve["b_sw"])
    assert F.limbs(E.A_THIRD) == tuple(curve["a_third"])
    assert E.N == int(curve["order"])
    assert F.limbs(E.GENERATOR[0]) == tuple(curve["generator_x"])
    assert F.limbs(E.GENERATOR[1]) == tuple(curve["generator_y"])
    assert E.on_curve(E.GENERATOR) and E.encode(E.GENERATOR) == (4, 0, 0, 0, 0)
    assert E.multiply_reference([(E.N, E.GENERATOR)]) is None  # n·G is the neutral


def test_decoding_takes_the_square_root_that_is_a_square() -> None:
    """§2.3: for w = 4 the curve x whose limbs start 5563608483237702766, 14090224426659529053 is
    the square one; the other root (12883135586176881569...) is the wrong, non-square choice."""
    curve = VECTORS["curve"]
    x_curve = F.limbs(F.sub(E.GENERATOR[0], E.A_THIRD))
    assert list(x_curve[:2]) == curve["sqrt_root_limbs"]
    e = F.sub(F.sqr(E.GENERATOR_W), E.CURVE_A)
    other = F.limbs(F.sub(e, F.pack(x_curve)))
    assert other[0] == curve["nonsquare_root_limb0"] and F.legendre(F.pack(other)) == -1


def test_decode_refuses_zero_and_bad_encodings() -> None:
    assert E.decode(F.ZERO) is None
    bad = next(w for w in (F.pack((k, 0, 0, 0, 0)) for k in range(5, 100)) if E.decode(w) is None)
    assert E.decode(bad) is None
    for _ in range(5):
        point = E.multiply_reference([(RNG.randrange(1, E.N), E.GENERATOR)])
        assert E.decode(F.pack(E.encode(point))) == point


def test_comb_multiplication_agrees_with_the_reference() -> None:
    q = E.multiply_reference([(RNG.randrange(1, E.N), E.GENERATOR)])
    assert q is not None
    table = E.CombTable.build(q)
    for k1, k2 in [(RNG.randrange(E.N), RNG.randrange(E.N)) for _ in range(3)] + [(1, 0), (0, E.N - 1)]:
        fast = E.multi_multiply([(k1, E.generator_table()), (k2, table)])
        expected = E.encode(E.multiply_reference([(k1, E.GENERATOR), (k2, q)]))
        assert (E.encode_jacobian(fast) if fast is not None else (0, 0, 0, 0, 0)) == expected


# ------------------------------------------------------------------------------------ schnorr


def test_public_key_of_the_spec_key() -> None:
    assert int.from_bytes(bytes.fromhex(KEY["sk_hex"]), "little") == SK
    assert schnorr.public_key(SK) == PK
    assert [int.from_bytes(PK[8 * i : 8 * i + 8], "little") for i in range(5)] == KEY["pk_limbs"]
    c300 = VECTORS["chain_300"]
    assert schnorr.public_key(int.from_bytes(bytes.fromhex(c300["sk_hex"]), "little")).hex() == c300["pk_hex"]


def test_vector_v1_internals() -> None:
    v1 = V["V1"]
    tx = T.parse_tx(14, v1["tx_info"])
    assert [304, 14, tx.nonce, tx.expired_at, tx.account, tx.key_index] + [tx[f] for f in T._TAIL_FIELDS[14]] == v1[
        "hash_input"
    ]
    m = T.message(tx, 304)
    assert list(m) == v1["m"] and T.tx_hash(m) == v1["tx_hash"]
    s, e = int.from_bytes(tx.sig[:40], "little"), int.from_bytes(tx.sig[40:], "little")
    assert (s, e) == (int(v1["s"]), int(v1["e"]))
    r = E.multi_multiply(
        [(s, E.generator_table()), (e, E.CombTable.build(E.decode(F.from_bytes(PK) or 0) or E.GENERATOR))]
    )
    assert r is not None and list(E.encode_jacobian(r)) == v1["r_encoded"]
    assert list(poseidon2.hash_to_quintic([*v1["r_encoded"], *m])) == v1["challenge_hash"]
    assert schnorr.challenge(v1["r_encoded"], m) == e


def test_vector_v2_attribute_aggregation() -> None:
    v2 = V["V2"]
    tx = T.parse_tx(14, v2["tx_info"])
    assert list(poseidon2.hash_to_quintic(v2["attributes_input"])) == v2["attributes_hash"]
    assert list(poseidon2.hash_to_quintic([*v2["m0"], *v2["attributes_hash"]])) == v2["m"]
    assert list(T.message(tx, 304)) == v2["m"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["name"])
def test_every_vector_verifies_and_hashes_as_the_signer_did(vector: dict) -> None:
    tx = T.parse_tx(vector["tx_type"], vector["tx_info"])
    m = T.message(tx, 304)
    assert T.tx_hash(m) == vector["tx_hash"]
    assert schnorr.verify(PK, m, tx.sig)


def test_independent_chain_300_vector() -> None:
    c300 = VECTORS["chain_300"]
    tx = T.parse_tx(c300["tx_type"], c300["tx_info"])
    m = T.message(tx, 300)
    assert T.tx_hash(m) == c300["tx_hash"]
    assert schnorr.verify(bytes.fromhex(c300["pk_hex"]), m, tx.sig)
    assert not schnorr.verify(bytes.fromhex(c300["pk_hex"]), T.message(tx, 304), tx.sig)


def test_auth_token_vector() -> None:
    token = VECTORS["auth_token"]
    text = f"{token['deadline']}:12345:3".encode()
    padded = text + b"\0" * (-len(text) % 8)
    limbs = [int.from_bytes(padded[i : i + 8], "little") for i in range(0, len(padded), 8)]
    assert limbs == token["message_limbs"]
    m = T.auth_message(token["deadline"], 12345, 3)
    assert list(m) == token["m"]
    assert schnorr.verify(PK, m, bytes.fromhex(token["token"].rsplit(":", 1)[1]))
    assert not schnorr.verify(PK, T.auth_message(token["deadline"] + 1, 12345, 3), bytes.fromhex(token["token"][-160:]))


def test_negative_checks() -> None:
    """§2.8: the same Sig fails with Nonce 8 and with chain 300; a flipped byte, s ≥ n or e ≥ n,
    and another key fail too."""
    v1 = V["V1"]
    tx = T.parse_tx(14, v1["tx_info"])
    m = T.message(tx, 304)
    bumped = T.parse_tx(14, v1["tx_info"].replace('"Nonce":7', '"Nonce":8'))
    assert not schnorr.verify(PK, T.message(bumped, 304), tx.sig)
    assert not schnorr.verify(PK, T.message(tx, 300), tx.sig)
    flipped = bytearray(tx.sig)
    flipped[3] ^= 1
    assert not schnorr.verify(PK, m, bytes(flipped))
    s, e = int.from_bytes(tx.sig[:40], "little"), int.from_bytes(tx.sig[40:], "little")
    high_s = (s + E.N).to_bytes(40, "little") + tx.sig[40:]
    assert not schnorr.verify(PK, m, high_s)
    assert schnorr.verify(PK, m, high_s, accept_noncanonical=True)  # the reducing parser's behaviour
    assert not schnorr.verify(PK, m, tx.sig[:40] + (e + E.N).to_bytes(40, "little"))
    assert not schnorr.verify(schnorr.public_key(SK + 1), m, tx.sig)
    with pytest.raises(schnorr.InvalidKey):
        schnorr.verify(bytes(40), m, tx.sig)
    with pytest.raises(schnorr.InvalidKey):
        schnorr.verify(P.to_bytes(8, "little") + PK[8:], m, tx.sig)
    assert not schnorr.verify(PK, m, tx.sig[:79])


def test_signatures_are_randomised_and_verify() -> None:
    m = poseidon2.hash_to_quintic([1, 2, 3])
    first, second = schnorr.sign(SK, m), schnorr.sign(SK, m)
    assert first != second
    assert schnorr.verify(PK, m, first) and schnorr.verify(PK, m, second)
    assert base64.b64encode(first)  # 80 bytes, standard base64 in tx_info
