"""What every Backpack desk (orders, account, public and market data, streams) is built from, in
one value, so a desk takes exactly these parts and never the whole front-end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xtb.sim.backpack.figures import VenueFigures
from xtb.sim.backpack.params import query_symbol
from xtb.sim.backpack.settings import BackpackSettings, MarketDef
from xtb.sim.backpack.state import VenueState
from xtb.sim.engine import Engine


@dataclass(frozen=True)
class VenueParts:
    engine: Engine
    settings: BackpackSettings
    state: VenueState
    markets: Mapping[str, MarketDef]
    figures: VenueFigures

    def market(self, query: Mapping[str, str]) -> MarketDef:
        """The required `symbol` query parameter's market (the venue's errors when missing or unknown)."""
        market = query_symbol(query, self.markets)
        assert market is not None
        return market

    def maybe_market(self, query: Mapping[str, str]) -> MarketDef | None:
        """The optional `symbol` query parameter's market (None: not given)."""
        return query_symbol(query, self.markets, required=False)
