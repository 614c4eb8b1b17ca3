"""GRVT's leverage (spec §4.9) over the engine's margin model: the leverage an account trades an
instrument at is 1 / its initial margin fraction (`Engine.initial_margin_fraction`), chosen with
`set_initial_leverage` between 1× and the instrument's maximum.

Why the maximum is not a fixed number: the listing's `max_leverage` holds until a run's `margin`
setting raises the maintenance fraction above 1 / that leverage; the engine refuses a fraction below
the maintenance one, so the venue then offers no more than the maintenance fraction allows.
"""

from __future__ import annotations

from decimal import Decimal

from xtb.sim.engine_types import DISPLAY, MarketSpec
from xtb.sim.grvt.settings import MarketDef

MIN_LEVERAGE = Decimal(1)
PLACES = Decimal("1E-9")  # the venue's decimals: a leverage set as 7 reads back as 7, not 6.99…
MAX_DIGITS = 19  # beyond this a leverage is shown unrounded (quantizing would overflow the context)


def max_leverage(market: MarketDef, spec: MarketSpec) -> int:
    """The most an account may choose in this market now (`spec`: the engine's current one)."""
    maintenance = spec.maintenance_margin_fraction
    if not maintenance:
        return market.max_leverage
    return max(1, min(market.max_leverage, int(DISPLAY.divide(1, maintenance))))


def leverage_of(fraction: Decimal, maximum: int) -> Decimal:
    """The leverage an initial margin fraction means; a market that asks no margin (fraction 0)
    shows its maximum."""
    if not fraction:
        return Decimal(maximum)
    leverage = DISPLAY.divide(1, fraction)
    return leverage.quantize(PLACES) if leverage.adjusted() < MAX_DIGITS else leverage


def fraction_of(leverage: Decimal) -> Decimal:
    return DISPLAY.divide(1, leverage)
