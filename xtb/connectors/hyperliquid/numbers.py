"""Hyperliquid perp prices and sizes → the exact strings the venue signs and accepts (spec §3).

The venue publishes no tick size. A perp price is valid iff it is an integer, or it has at most 5
significant figures and at most `6 − szDecimals` decimals; a size is a multiple of `10^-szDecimals`.
The venue refuses what breaks these rules (`Price must be divisible by tick size.`, `Order has
invalid size.`) rather than rounding, and the signature covers the string, so trailing zeros are
stripped (`"3500.5"`, never `"3500.50"`). We refuse locally with `InvalidOrder` and never round: a
rounded order is an order the caller did not ask for.

For a `MarketInfo`: the step is `step(sz_decimals)`; the tick depends on the price, so `tick_at(price,
sz_decimals)` gives the increment valid around a price (BTC 1 at 83 767, ETH 0.1 at 3 500) and
`finest_tick(sz_decimals)` the smallest one the market ever allows. A tick taken at a reference price
is only valid while the price stays within the same power of ten; `price_wire` is the final judge.
"""

from __future__ import annotations

from decimal import Context, Decimal

from xtb.errors import InvalidOrder, VenueProtocolError
from xtb.model import MAX_MAGNITUDE

VENUE = "hyperliquid"
PERP_MAX_DECIMALS = 6
"""`MAX_DECIMALS` for perps (spot would be 8): a price has at most this minus szDecimals decimals."""
MAX_SIGNIFICANT_FIGURES = 5
"""Non-integer prices carry at most 5 significant figures; integer prices are exempt."""


def price_wire(price: Decimal, sz_decimals: int) -> str:
    """The wire string for a perp limit or trigger price; InvalidOrder if the venue would refuse it."""
    value = _positive(price, "price")
    max_decimals = PERP_MAX_DECIMALS - _sz_decimals(sz_decimals)
    if value != value.to_integral_value():
        figures = len(value.as_tuple().digits)
        if figures > MAX_SIGNIFICANT_FIGURES:
            raise _refused(
                f"price {price} has {figures} significant figures; "
                f"at most {MAX_SIGNIFICANT_FIGURES} unless it is an integer"
            )
        if _decimals(value) > max_decimals:
            raise _refused(
                f"price {price} has {_decimals(value)} decimals; at most {max_decimals} (6 - szDecimals {sz_decimals})"
            )
    return _plain(value)


def size_wire(size: Decimal, sz_decimals: int) -> str:
    """The wire string for an order size; InvalidOrder if it is not a multiple of the step."""
    value = _positive(size, "size")
    if _decimals(value) > _sz_decimals(sz_decimals):
        raise _refused(f"size {size} has {_decimals(value)} decimals; at most szDecimals {sz_decimals}")
    return _plain(value)


def step(sz_decimals: int) -> Decimal:
    """The size increment: `10^-szDecimals`."""
    return Decimal(1).scaleb(-_sz_decimals(sz_decimals))


def finest_tick(sz_decimals: int) -> Decimal:
    """The smallest price increment the market allows at any price: `10^-(6 − szDecimals)`."""
    return Decimal(1).scaleb(-(PERP_MAX_DECIMALS - _sz_decimals(sz_decimals)))


def tick_at(price: Decimal, sz_decimals: int) -> Decimal:
    """The price increment valid around `price`: the coarser of the 5th significant figure and the
    decimals cap, never above 1 since integers are always valid. A price is accepted by `price_wire`
    exactly when it is a multiple of its own `tick_at`."""
    value = _positive(price, "price")
    by_figures = Decimal(1).scaleb(value.adjusted() - MAX_SIGNIFICANT_FIGURES + 1)
    return min(Decimal(1), max(by_figures, finest_tick(sz_decimals)))


def _positive(value: Decimal, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise _refused(f"{what} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or not 0 < value < MAX_MAGNITUDE:
        raise _refused(f"{what} must be a positive finite number below 1e30, got {value}")
    # normalize() rounds to the context's precision; give it every digit the value has
    return value.normalize(Context(prec=max(1, len(value.as_tuple().digits))))


def _sz_decimals(sz_decimals: int) -> int:
    """szDecimals comes from `meta`; outside 0..6 the perp price rule has no meaning."""
    if isinstance(sz_decimals, bool) or not isinstance(sz_decimals, int):
        raise VenueProtocolError(f"szDecimals must be an integer, got {sz_decimals!r}", venue=VENUE)
    if not 0 <= sz_decimals <= PERP_MAX_DECIMALS:
        raise VenueProtocolError(f"szDecimals {sz_decimals} is outside 0..{PERP_MAX_DECIMALS}", venue=VENUE)
    return sz_decimals


def _decimals(normalized: Decimal) -> int:
    exponent = normalized.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked by _positive
    return max(0, -exponent)


def _plain(normalized: Decimal) -> str:
    """Plain notation, no trailing zeros, no point on integers (`1E+2` → `"100"`)."""
    return format(normalized, "f")


def _refused(message: str) -> InvalidOrder:
    return InvalidOrder(message, venue=VENUE, reason=message)
