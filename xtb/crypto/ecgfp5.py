"""The ECgFp5 group (Pornin) for verifying Lighter's Schnorr signatures: point encoding and decoding,
and s·G + e·Q by a joint fixed-base comb.

The curve y² = x(x² + 2x + 263z) over GF(p^5) is used in short Weierstrass form Y² = X³ + A′X + B′
with X = x + 2/3; the group has prime order `N`. Encoding maps a point to w = y / (2/3 − X) (0 for
the neutral); decoding takes the root x that is a square (venue spec §2.3).

Speed: every base (the generator, each public key) gets a comb table once — 8 teeth 40 bits apart,
255 affine points — so a verification is 39 Jacobian doublings and at most 80 mixed additions,
with no inversion until the final encoding. A run that meets an exceptional case of the addition
formula (it cannot happen with honest inputs) ends with Z = 0 and is redone by the slow, complete
affine reference `multiply_reference`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xtb.crypto import field as F

N = 1067993516717146951041484916571792702745057740581727230159139685185762082554198619328292418486241
"""The group order (319 bits)."""

CURVE_A = 2
CURVE_B = F.pack((0, 263, 0, 0, 0))
A_SW = F.pack(((-4 * F.inv_p(3)) % F.P, 263, 0, 0, 0))  # b − a²/3
B_SW = F.pack(((16 * F.inv_p(27)) % F.P, (-18 * 263 * F.inv_p(27)) % F.P, 0, 0, 0))  # (2a³ − 9ab)/27
A_THIRD = F.pack((2 * F.inv_p(3) % F.P, 0, 0, 0, 0))
_FOUR_B = F.pack((0, 4 * 263, 0, 0, 0))
_HALF = F.inv_p(2)

TEETH = 8
SPACING = 40  # TEETH × SPACING ≥ 320 bits
_SPACING_MASK = (1 << SPACING) - 1

Affine = tuple[int, int]
Jacobian = tuple[int, int, int]


def _reduce(a: int) -> int:
    return F.mul(a, F.ONE)


# ----------------------------------------------------------------------------- point arithmetic


def double(p: Jacobian) -> Jacobian:
    """2P in Jacobian coordinates for a general A′ (coordinates below 2^68 in and out)."""
    x, y, z = p
    xx = F.sqr(x)
    yy = F.sqr(y)
    yyyy = F.sqr(yy)
    zz = F.sqr(z)
    s = F.mul(x, yy) << 2
    m = 3 * xx + F.mul(A_SW, F.sqr(zz))
    x3 = _reduce(F.sub(F.sqr(m), s << 1))
    y3 = _reduce(F.sub(F.mul(m, F.sub(s, x3)), yyyy << 3))
    z3 = F.mul(y, z) << 1
    return x3, y3, z3


def add_affine(p: Jacobian, q: Affine) -> Jacobian:
    """P + Q with Q affine (madd-2007-bl). Exceptional when P = ±Q: the result then has Z = 0."""
    x1, y1, z1 = p
    x2, y2 = q
    z1z1 = F.sqr(z1)
    u2 = F.mul(x2, z1z1)
    s2 = F.mul(y2, F.mul(z1, z1z1))
    h = F.sub(u2, x1)
    i = F.sqr(h) << 2
    j = F.mul(h, i)
    r = F.sub(s2, y1) << 1
    v = F.mul(x1, i)
    x3 = _reduce(F.sub(F.sub(F.sqr(r), j), v << 1))
    y3 = _reduce(F.sub(F.mul(r, F.sub(v, x3)), F.mul(y1, j) << 1))
    z3 = F.mul(z1, h) << 1
    return x3, y3, z3


def to_affine_many(points: Sequence[Jacobian]) -> list[Affine]:
    """Batch conversion with one inversion (Montgomery's trick); no point may be the neutral."""
    prefix = []
    acc = F.ONE
    for _, _, z in points:
        acc = F.mul(acc, z)
        prefix.append(acc)
    inv_acc = F.inv(acc)
    out: list[Affine] = [(0, 0)] * len(points)
    for k in range(len(points) - 1, -1, -1):
        x, y, z = points[k]
        z_inv = F.mul(inv_acc, prefix[k - 1]) if k else inv_acc
        inv_acc = F.mul(inv_acc, z)
        z_inv2 = F.sqr(z_inv)
        out[k] = (F.canonical(F.mul(x, z_inv2)), F.canonical(F.mul(y, F.mul(z_inv2, z_inv))))
    return out


def on_curve(point: Affine) -> bool:
    x, y = point
    return F.eq(F.sqr(y), F.add(F.mul(F.add(F.sqr(x), A_SW), x), B_SW))


# ------------------------------------------------------------------------------- encoding


def encode_jacobian(p: Jacobian) -> tuple[int, int, int, int, int]:
    """w = Y / (Z·(A3·Z² − X)) as five canonical limbs; the neutral (Z = 0) encodes to 0."""
    x, y, z = p
    d = F.mul(z, F.sub(F.mul(A_THIRD, F.sqr(z)), x))
    if F.is_zero(d):
        return (0, 0, 0, 0, 0)
    return F.limbs(F.mul(y, F.inv(d)))


def encode(point: Affine | None) -> tuple[int, int, int, int, int]:
    if point is None:
        return (0, 0, 0, 0, 0)
    return encode_jacobian((point[0], point[1], F.ONE))


def decode(w: int) -> Affine | None:
    """The group point encoded by w (a packed element), or None when w is not a valid encoding.
    w = 0 (the neutral) is refused: no public key or signature point may be it."""
    if F.is_zero(w):
        return None
    e = F.sub(F.sqr(w), CURVE_A)
    delta = F.sub(F.sqr(e), _FOUR_B)
    root = F.sqrt(delta)
    if root is None:
        return None
    x1 = F.scale(F.add(e, root), _HALF)
    x = x1 if F.legendre(x1) == 1 else F.scale(F.sub(e, root), _HALF)
    y = F.neg(F.mul(w, x))
    return F.canonical(F.add(x, A_THIRD)), F.canonical(y)


# -------------------------------------------------------------------------- reference (slow)


def _affine_add(p: Affine | None, q: Affine | None) -> Affine | None:
    """Complete affine addition (handles the neutral, doubling and inverses)."""
    if p is None:
        return q
    if q is None:
        return p
    x1, y1 = p
    x2, y2 = q
    if F.eq(x1, x2):
        if F.is_zero(F.add(y1, y2)):
            return None
        slope = F.mul(F.add(3 * F.sqr(x1), A_SW), F.inv(y1 << 1))
    else:
        slope = F.mul(F.sub(y2, y1), F.inv(F.sub(x2, x1)))
    x3 = F.canonical(F.sub(F.sub(F.sqr(slope), x1), x2))
    y3 = F.canonical(F.sub(F.mul(slope, F.sub(x1, x3)), y1))
    return x3, y3


def multiply_reference(terms: Sequence[tuple[int, Affine | None]]) -> Affine | None:
    """Σ k·P by affine double-and-add: slow, but right in every case (tests, fallback)."""
    acc: Affine | None = None
    for k, point in terms:
        k %= N
        run = point
        while k:
            if k & 1:
                acc = _affine_add(acc, run)
            run = _affine_add(run, run)
            k >>= 1
    return acc


# ----------------------------------------------------------------------------------- combs


@dataclass(frozen=True)
class CombTable:
    """T[b] = Σ_{bit j of b} 2^(40·j)·P for b = 1..255, affine: the precomputation of one base."""

    base: Affine
    points: tuple[Affine, ...]  # index b − 1

    @classmethod
    def build(cls, base: Affine) -> CombTable:
        teeth: list[Jacobian] = [(base[0], base[1], F.ONE)]
        for _ in range(TEETH - 1):
            p = teeth[-1]
            for _ in range(SPACING):
                p = double(p)
            teeth.append(p)
        tooth = [base, *to_affine_many(teeth[1:])]
        table: list[Jacobian] = [(0, 0, 0)] * 256
        for b in range(1, 256):
            j = (b & -b).bit_length() - 1
            rest = b & (b - 1)
            table[b] = (tooth[j][0], tooth[j][1], F.ONE) if rest == 0 else add_affine(table[rest], tooth[j])
        return cls(base, tuple(to_affine_many(table[1:])))


def _spread_table() -> tuple[int, ...]:
    """Byte → the same bits spread 8 apart, so eight bytes interleave into column bytes."""
    return tuple(sum(1 << (8 * t) for t in range(8) if byte >> t & 1) for byte in range(256))


_SPREAD = _spread_table()


def columns(k: int) -> list[int]:
    """The comb digits of k: digit i collects bit i + 40·j of k as its bit j."""
    chunks = [(k >> (SPACING * j)) & _SPACING_MASK for j in range(TEETH)]
    digits = []
    for q in range(SPACING // 8):
        word = 0
        for j, chunk in enumerate(chunks):
            word |= _SPREAD[(chunk >> (8 * q)) & 0xFF] << j
        digits += [(word >> (8 * t)) & 0xFF for t in range(8)]
    return digits


def multi_multiply(terms: Sequence[tuple[int, CombTable]]) -> Jacobian | None:
    """Σ k·P over comb tables sharing the doublings; None when the result is the neutral or the
    fast formulas met an exceptional case (the caller then uses `multiply_reference`)."""
    digit_rows = [(columns(k % N), table.points) for k, table in terms]
    acc: Jacobian | None = None
    for i in range(SPACING - 1, -1, -1):
        if acc is not None:
            acc = double(acc)
        for digits, points in digit_rows:
            b = digits[i]
            if b:
                point = points[b - 1]
                acc = (point[0], point[1], F.ONE) if acc is None else add_affine(acc, point)
    if acc is None or F.is_zero(acc[2]):
        return None
    return acc


GENERATOR_W = F.pack((4, 0, 0, 0, 0))
_generator = decode(GENERATOR_W)
assert _generator is not None
GENERATOR: Affine = _generator
_generator_table: CombTable | None = None


def generator_table() -> CombTable:
    """The comb table of G, built on first use (tens of milliseconds)."""
    global _generator_table
    if _generator_table is None:
        _generator_table = CombTable.build(GENERATOR)
    return _generator_table


def multiply_generator(k: int) -> Jacobian | None:
    return multi_multiply([(k, generator_table())])
