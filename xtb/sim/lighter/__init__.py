"""The Lighter simulator front-end (see `frontend`)."""

from xtb.sim.lighter.frontend import LighterFrontEnd
from xtb.sim.lighter.settings import LighterSettings, MarketDef

__all__ = ["LighterFrontEnd", "LighterSettings", "MarketDef"]
