"""One market definition for every simulator: what the engine and the synthetic market need of a
listed market, and how a venue's settings hand them over.

Why shared: each venue lists its markets in its own words (Aster's `exchangeInfo` filters, Lighter's
integer decimals, GRVT's instrument names), but where the synthetic market quotes, how it trades and
how much margin a position needs are the same questions everywhere. A venue's `MarketDef` extends
this one with its listing fields and its `info()`, and a venue's settings extend `VenueMarkets` with
their `policy()`; nothing else is written four times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from xtb.model import MarketInfo
from xtb.sim.engine_types import MarketSpec, VenuePolicy
from xtb.sim.market import MarketSettings


@dataclass(frozen=True, kw_only=True)
class MarketDef:
    """Where the synthetic market quotes a market and what margin the venue asks of it.

    The margin fractions have no shared default: each venue's definition gives the ones its docs
    state (a venue's `MarketDef` redeclares them with its default), and a run may change them per
    market (`dataclasses.replace` in the venue settings' `markets`).
    """

    mid: Decimal
    level_size: Decimal
    spread_ticks: int = 2
    volatility_ticks: float = 0.5
    taker_rate: float = 3.0
    taker_fraction: Decimal = Decimal("0.5")
    initial_margin_fraction: Decimal  # equity per unit of notional to open exposure: 1 / leverage
    maintenance_margin_fraction: Decimal  # what an open position must keep (reported)

    def __post_init__(self) -> None:
        # MarketSpec checks the same bounds; checking here names the market definition at fault
        imf, mmf = self.initial_margin_fraction, self.maintenance_margin_fraction
        for name, value in (("initial_margin_fraction", imf), ("maintenance_margin_fraction", mmf)):
            if not isinstance(value, Decimal) or not value.is_finite() or not 0 < value <= 1:
                raise ValueError(f"{name} must be a Decimal in (0, 1], got {value!r}")
        if mmf > imf:
            raise ValueError(f"maintenance_margin_fraction {mmf} exceeds initial_margin_fraction {imf}")

    def info(self) -> MarketInfo:
        """The market's trading rules as the runtime models them (the venue's definition says)."""
        raise NotImplementedError


class VenueMarkets:
    """What every simulator's settings do with their markets: the engine's spec (rules, the venue's
    policy, margin) and the synthetic market's settings. A venue's settings dataclass extends it and
    supplies `markets` and `policy()`."""

    markets: Sequence[MarketDef]

    def policy(self) -> VenuePolicy:
        raise NotImplementedError

    def market_spec(self, market: MarketDef) -> MarketSpec:
        return MarketSpec(
            market.info(),
            self.policy(),
            initial_margin_fraction=market.initial_margin_fraction,
            maintenance_margin_fraction=market.maintenance_margin_fraction,
        )

    @staticmethod
    def market_settings(market: MarketDef) -> MarketSettings:
        return MarketSettings(
            mid=market.mid,
            level_size=market.level_size,
            spread_ticks=market.spread_ticks,
            volatility_ticks=market.volatility_ticks,
            taker_rate=market.taker_rate,
            taker_fraction=market.taker_fraction,
        )
