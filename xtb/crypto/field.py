"""Goldilocks arithmetic: the base field GF(p), p = 2^64 − 2^32 + 1, and its quintic extension
GF(p^5) = GF(p)[z]/(z^5 − 3), fast enough in pure Python to verify a Schnorr signature in a few ms.

An extension element is one Python int holding its five coefficients in 160-bit slots (Kronecker
packing), so a product is one big-int multiplication plus a handful of shifts and masks instead of
25 small multiplications. Slots are kept loosely reduced; the bounds that make this exact:

* `mul` / `sqr` accept slots below 2^77 and return slots below 2^66 ("normal");
* `add` of normal elements gives slots below 2^67; `sub(a, b)` adds 256·p per slot, so it needs
  b's slots below 2^72 and returns slots below a + 2^72;
* `canonical` / `limbs` reduce each slot mod p for comparison, hashing and serialisation.

Reduction uses 2^96 ≡ −1 and 2^64 ≡ 2^32 − 1 (mod p) on all five slots at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

P = 0xFFFFFFFF00000001
"""The Goldilocks prime 2^64 − 2^32 + 1."""

SLOT = 160
_SLOTS5 = 5 * SLOT
_MASK5 = (1 << _SLOTS5) - 1


def _every_slot(value: int) -> int:
    return sum(value << (SLOT * i) for i in range(5))


_M96 = _every_slot((1 << 96) - 1)
_MH96 = _every_slot((1 << (SLOT - 96)) - 1)
_M64 = _every_slot((1 << 64) - 1)
_MH64 = _every_slot((1 << (SLOT - 64)) - 1)
_MSLOT = (1 << SLOT) - 1
_BIAS_2P = _every_slot(2 * P)
_SUB_BIAS = _every_slot(P << 8)

ZERO = 0
ONE = 1


# ------------------------------------------------------------------------------------------ GF(p)


def inv_p(x: int) -> int:
    """x^-1 mod p (x must be non-zero mod p)."""
    return pow(x, -1, P)


_TWO_ADICITY = 32
_ODD_PART = (P - 1) >> _TWO_ADICITY
_NON_RESIDUE_ROOT = pow(7, _ODD_PART, P)  # 7 generates GF(p)*, so this has order exactly 2^32


def legendre_p(x: int) -> int:
    """1 for a non-zero square, −1 for a non-square, 0 for zero."""
    x %= P
    if x == 0:
        return 0
    return 1 if pow(x, (P - 1) // 2, P) == 1 else -1


def sqrt_p(x: int) -> int | None:
    """A square root of x in GF(p) (Tonelli–Shanks), or None when x is not a square."""
    x %= P
    if x == 0:
        return 0
    if pow(x, (P - 1) // 2, P) != 1:
        return None
    m, c = _TWO_ADICITY, _NON_RESIDUE_ROOT
    t = pow(x, _ODD_PART, P)
    r = pow(x, (_ODD_PART + 1) // 2, P)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2 = t2 * t2 % P
            i += 1
        b = pow(c, 1 << (m - i - 1), P)
        m, c = i, b * b % P
        t, r = t * c % P, r * b % P
    return r


# ----------------------------------------------------------------------------------- GF(p^5)


def pack(limbs: Sequence[int]) -> int:
    """Five coefficients (c0 + c1·z + ... + c4·z^4, each reduced mod p) → a packed element."""
    if len(limbs) != 5:
        raise ValueError(f"a GF(p^5) element has 5 limbs, got {len(limbs)}")
    a0, a1, a2, a3, a4 = (v % P for v in limbs)
    return a0 | (a1 << SLOT) | (a2 << (2 * SLOT)) | (a3 << (3 * SLOT)) | (a4 << (4 * SLOT))


def limbs(a: int) -> tuple[int, int, int, int, int]:
    """The five canonical coefficients of a packed element."""
    return (
        (a & _MSLOT) % P,
        ((a >> SLOT) & _MSLOT) % P,
        ((a >> (2 * SLOT)) & _MSLOT) % P,
        ((a >> (3 * SLOT)) & _MSLOT) % P,
        ((a >> (4 * SLOT)) & _MSLOT) % P,
    )


def canonical(a: int) -> int:
    """The unique packed form of `a` (every slot < p): what equality tests compare."""
    return pack(limbs(a))


def is_zero(a: int) -> bool:
    return canonical(a) == 0


def eq(a: int, b: int) -> bool:
    return canonical(a) == canonical(b)


def add(a: int, b: int) -> int:
    return a + b


def sub(a: int, b: int) -> int:
    return a - b + _SUB_BIAS


def neg(a: int) -> int:
    return _SUB_BIAS - a


def mul(a: int, b: int) -> int:
    """a·b mod (z^5 − 3), slots reduced to below 2^66 (inputs' slots below 2^77)."""
    t = a * b
    t = (t & _MASK5) + 3 * (t >> _SLOTS5)
    t = (t & _M96) - ((t >> 96) & _MH96) + _BIAS_2P
    h = (t >> 64) & _MH64
    return (t & _M64) + (h << 32) - h


def sqr(a: int) -> int:
    t = a * a
    t = (t & _MASK5) + 3 * (t >> _SLOTS5)
    t = (t & _M96) - ((t >> 96) & _MH96) + _BIAS_2P
    h = (t >> 64) & _MH64
    return (t & _M64) + (h << 32) - h


def scale(a: int, c: int) -> int:
    """a·c for a base-field scalar c (0 ≤ c < p); a's slots below 2^77."""
    t = a * c
    t = (t & _M96) - ((t >> 96) & _MH96) + _BIAS_2P
    h = (t >> 64) & _MH64
    return (t & _M64) + (h << 32) - h


def power(a: int, exponent: int) -> int:
    """a^exponent by square-and-multiply (exponent ≥ 0)."""
    result = ONE
    for bit in bin(exponent)[2:]:
        result = sqr(result)
        if bit == "1":
            result = mul(result, a)
    return result


# Frobenius: φ^k(a) = Σ a_i·g^(i·k)·z^i with g = 3^((p−1)/5), since z^p = z·3^((p−1)/5).
_G5 = pow(3, (P - 1) // 5, P)
_FROB = [[pow(_G5, i * k, P) for i in range(5)] for k in range(5)]


def frobenius(a: int, k: int = 1) -> int:
    """a^(p^k)."""
    c = _FROB[k % 5]
    a0, a1, a2, a3, a4 = limbs(a)
    return pack((a0, a1 * c[1], a2 * c[2], a3 * c[3], a4 * c[4]))


def _norm_parts(a: int) -> tuple[int, int]:
    """(a^(r−1), N(a)) with r = 1 + p + ... + p^4: the norm N(a) = a^r lies in GF(p)."""
    u = mul(frobenius(a, 1), frobenius(a, 2))
    rest = mul(u, frobenius(u, 2))  # a^(p + p^2 + p^3 + p^4)
    a0, a1, a2, a3, a4 = limbs(a)
    b0, b1, b2, b3, b4 = limbs(rest)
    norm = (a0 * b0 + 3 * (a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1)) % P
    return rest, norm


def norm(a: int) -> int:
    return _norm_parts(a)[1]


def inv(a: int) -> int:
    """a^-1 = a^(r−1) / N(a); ZeroDivisionError for zero."""
    rest, n = _norm_parts(a)
    if n == 0:
        raise ZeroDivisionError("inverse of zero in GF(p^5)")
    return scale(rest, inv_p(n))


def legendre(a: int) -> int:
    """a^((p^5−1)/2) ∈ {0, 1, −1}, computed as the Legendre symbol of the norm."""
    return legendre_p(norm(a))


_R = sum(P**i for i in range(5))
_HALF_R_PLUS_ONE = (_R + 1) // 2


def sqrt(a: int) -> int | None:
    """A square root of a, or None when a is not a square. With n = N(a) and y = a^((r+1)/2),
    y^2 = a·n, so y / sqrt(n) is a root (r is odd)."""
    n = norm(a)
    if n == 0:
        return ZERO
    root_n = sqrt_p(n)
    if root_n is None:
        return None
    root = scale(power(a, _HALF_R_PLUS_ONE), inv_p(root_n))
    if not eq(sqr(root), a):  # cannot happen for a square; a guard against a wrong constant
        raise ArithmeticError("GF(p^5) square root failed")
    return root


def from_limbs_checked(values: Iterable[int]) -> int | None:
    """A packed element from five limbs that must each be canonical (< p), else None."""
    values = list(values)
    if len(values) != 5 or any(not 0 <= v < P for v in values):
        return None
    return pack(values)


def to_bytes(a: int) -> bytes:
    """40 bytes: limb i as a little-endian u64 at offset 8i."""
    return b"".join(v.to_bytes(8, "little") for v in limbs(a))


def from_bytes(data: bytes) -> int | None:
    """The element of 40 little-endian bytes, or None when a limb is not canonical."""
    if len(data) != 40:
        return None
    return from_limbs_checked(int.from_bytes(data[8 * i : 8 * i + 8], "little") for i in range(5))
