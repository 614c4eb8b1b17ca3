"""Aster futures simulator front-end: the venue's `fapi` REST (V3 EIP-712 and V1 HMAC) and its
market and user-data WebSocket streams, over the shared engine."""

from xtb.sim.aster.frontend import AsterFrontEnd
from xtb.sim.aster.parts import VenueFaults
from xtb.sim.aster.settings import DEFAULT_MARKETS, AsterSettings, MarketDef

__all__ = ["DEFAULT_MARKETS", "AsterFrontEnd", "AsterSettings", "MarketDef", "VenueFaults"]
