"""GRVT simulator front-end: the venue's three hosts, both REST dialects and both WebSocket protocols
over the shared engine, with session auth and EIP-712 order verification."""

from xtb.sim.grvt.frontend import GrvtFrontEnd
from xtb.sim.grvt.settings import DEFAULT_MARKETS, GrvtSettings, MarketDef

__all__ = ["DEFAULT_MARKETS", "GrvtFrontEnd", "GrvtSettings", "MarketDef"]
