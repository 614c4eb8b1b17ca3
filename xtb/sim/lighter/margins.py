"""Lighter's margin numbers, read from the engine so the venue publishes what it enforces.

Why here and not in the market definition: a run may change a market's fractions
(`PUT /_sim/settings {"margin": ...}`) and an account may choose its leverage (UpdateLeverage), and
both live in the engine. `orderBookDetails`, positions and account figures all come from this module
and `Engine.margin`, so no published figure can disagree with the order-entry check.

The venue writes fractions in 1/10000 (`default_initial_margin_fraction` 500 is 20×). Its highest
leverage is the market definition's `min_imf`, held between the market's current maintenance and
default fractions so the default leverage is always one an account may choose and the engine never
refuses a fraction the venue allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from xtb.sim.engine_types import MarketSpec
from xtb.sim.lighter.settings import MARGIN_FRACTION_UNITS, MarketDef


def to_units(fraction: Decimal) -> int:
    """A fraction as the venue writes it, in 1/10000 (a runtime setting finer than that rounds)."""
    return int((fraction * MARGIN_FRACTION_UNITS).to_integral_value(rounding=ROUND_HALF_EVEN))


def from_units(units: int) -> Decimal:
    """A fraction the venue wrote in 1/10000, exactly."""
    return Decimal(units).scaleb(-4)


def lowest_initial_fraction(spec: MarketSpec, market: MarketDef) -> Decimal:
    """The smallest initial margin fraction (the highest leverage) an account may choose now."""
    floor = from_units(market.min_imf)
    return min(max(floor, spec.maintenance_margin_fraction), spec.initial_margin_fraction)


@dataclass(frozen=True)
class MarketFractions:
    """A market's margin fractions as `orderBookDetails` publishes them (1/10000)."""

    default_initial: int
    min_initial: int
    maintenance: int
    closeout: int

    @classmethod
    def of(cls, spec: MarketSpec, market: MarketDef) -> MarketFractions:
        return cls(
            to_units(spec.initial_margin_fraction),
            to_units(lowest_initial_fraction(spec, market)),
            to_units(spec.maintenance_margin_fraction),
            market.closeout_mf,
        )
