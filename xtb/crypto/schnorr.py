"""Schnorr signatures over ECgFp5 with Poseidon2 challenges, as Lighter's signer makes them.

    sign:   r = encode(k·G);  e = LE320(H5(r ‖ m)) mod n;  s = k − e·sk mod n;  sig = s ‖ e
    verify: e == LE320(H5(encode(s·G + e·Q) ‖ m)) mod n

`m` is one GF(p^5) element (five limbs). Keys and scalars are 40 bytes little-endian. A verifier
keeps the decoded public keys and their comb tables (`KeyCache`), so only the first signature of
a key pays for the square root and the table (about 10 ms); later ones take about 2 ms.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Sequence

from xtb.crypto import ecgfp5 as E
from xtb.crypto import field as F
from xtb.crypto.poseidon2 import hash_to_quintic

N = E.N
Limbs = tuple[int, int, int, int, int]


class InvalidKey(ValueError):
    """Bytes that are not a usable public key: wrong length, a limb ≥ p, zero, or off the curve."""


def scalar_from_bytes(data: bytes) -> int:
    return int.from_bytes(data, "little")


def challenge(r: Sequence[int], m: Sequence[int]) -> int:
    """e = LE320(H5(r ‖ m)) mod n."""
    h = hash_to_quintic([*r, *m])
    return sum(v << (64 * i) for i, v in enumerate(h)) % N


def public_key(sk: int) -> bytes:
    """encode(sk·G) as 40 bytes (the private key is reduced mod n, as the reference does)."""
    sk %= N
    if sk == 0:
        raise ValueError("the private key is zero mod n")
    point = E.multiply_generator(sk)
    assert point is not None
    return b"".join(v.to_bytes(8, "little") for v in E.encode_jacobian(point))


def sign(sk: int, m: Sequence[int], nonce: int | None = None) -> bytes:
    """An 80-byte signature s ‖ e over m. `nonce` fixes k (tests); by default it is random."""
    sk %= N
    k = nonce if nonce is not None else secrets.randbelow(N - 1) + 1
    r_point = E.multiply_generator(k)
    if r_point is None:
        raise ValueError("signing nonce is zero mod n")
    e = challenge(E.encode_jacobian(r_point), m)
    s = (k - e * sk) % N
    return s.to_bytes(40, "little") + e.to_bytes(40, "little")


class KeyCache:
    """Decoded public keys with their comb tables, least recently used dropped beyond `size`.
    Safe to share between threads (a table may be built twice in a race; both are equal)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._tables: OrderedDict[bytes, E.CombTable] = OrderedDict()
        self._lock = threading.Lock()

    def table(self, pk: bytes) -> E.CombTable:
        with self._lock:
            table = self._tables.get(pk)
            if table is not None:
                self._tables.move_to_end(pk)
                return table
        w = F.from_bytes(pk)
        if w is None:
            raise InvalidKey("public key must be 40 bytes of canonical limbs")
        point = E.decode(w)
        if point is None:
            raise InvalidKey("public key is zero or not a valid ECgFp5 encoding")
        table = E.CombTable.build(point)
        with self._lock:
            self._tables[pk] = table
            while len(self._tables) > self.size:
                self._tables.popitem(last=False)
        return table

    def __len__(self) -> int:
        return len(self._tables)


DEFAULT_KEYS = KeyCache()


def verify(
    pk: bytes,
    m: Sequence[int],
    sig: bytes,
    *,
    keys: KeyCache = DEFAULT_KEYS,
    accept_noncanonical: bool = False,
) -> bool:
    """True when `sig` is a valid signature of m under pk. Raises InvalidKey for a bad key (the
    caller tells "no such key" from "wrong signature"); a malformed signature is just False.
    Non-canonical s or e (≥ n) are refused unless `accept_noncanonical` (then reduced mod n)."""
    if len(sig) != 80 or len(m) != 5:
        return False
    s = scalar_from_bytes(sig[:40])
    e = scalar_from_bytes(sig[40:])
    if s >= N or e >= N:
        if not accept_noncanonical:
            return False
        s, e = s % N, e % N
    table = keys.table(pk)
    r = E.multi_multiply([(s, E.generator_table()), (e, table)])
    if r is None:  # the neutral, or an exceptional case of the fast formulas: recompute exactly
        r_affine = E.multiply_reference([(s, E.GENERATOR), (e, table.base)])
        w_r = E.encode(r_affine)
    else:
        w_r = E.encode_jacobian(r)
    return challenge(w_r, m) == e
