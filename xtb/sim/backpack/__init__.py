"""Backpack Exchange simulator front-end: the venue's REST + WebSocket protocol over the shared engine."""

from xtb.sim.backpack.frontend import BackpackFrontEnd
from xtb.sim.backpack.orders import VenueFaults
from xtb.sim.backpack.settings import DEFAULT_MARKETS, BackpackSettings, MarketDef

__all__ = ["DEFAULT_MARKETS", "BackpackFrontEnd", "BackpackSettings", "MarketDef", "VenueFaults"]
