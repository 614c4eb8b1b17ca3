"""What the hyperliquid simulator lists and how it matches: its markets and the venue's policy.

Every point the venue's documentation leaves open becomes a field here whose default is the
behaviour you expect, so a test can switch to the alternative (docs/connectors.md section 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xtb.model import MarketInfo
from xtb.sim.engine_types import VenuePolicy
from xtb.sim.market_def import MarketDef, VenueMarkets


@dataclass(frozen=True, kw_only=True)
class HyperliquidMarketDef(MarketDef):
    """One market as the venue lists it, and where the synthetic market quotes it."""

    symbol: str
    # the margin the venue's documentation states for the market (placeholders until then)
    initial_margin_fraction: Decimal = Decimal("0.1")
    maintenance_margin_fraction: Decimal = Decimal("0.05")

    def info(self) -> MarketInfo:
        raise NotImplementedError(
            f"{type(self).__name__}.info ({self.symbol}): not implemented yet — the market's rules as the venue "
            "lists them (tick, step, minimum size and notional: add them as fields of the market definition) "
            "(docs/connectors.md section 7, sim_markets)"
        )


DEFAULT_MARKETS: tuple[HyperliquidMarketDef, ...] = (
    HyperliquidMarketDef(symbol="BTC-PERP", mid=Decimal("60000"), level_size=Decimal("0.5")),
    HyperliquidMarketDef(symbol="ETH-PERP", mid=Decimal("3000"), level_size=Decimal("5")),
)


@dataclass(frozen=True)
class HyperliquidSimSettings(VenueMarkets):
    markets: tuple[HyperliquidMarketDef, ...] = DEFAULT_MARKETS

    def policy(self) -> VenuePolicy:
        raise NotImplementedError(
            f"{type(self).__name__}.policy: not implemented yet — the venue's matching differences as a "
            "VenuePolicy: post_only_cross, reduce_only_oversize, self_trade, fee rates "
            "(xtb/sim/engine_types.py; docs/connectors.md section 7)"
        )
