"""The parts of the GRVT simulator most desks use, handed to each as one value.

Why: a desk used to hold the whole front-end, and the front-end imports every desk, a circle that
hid what each desk really uses. A desk now receives these parts (and, by name, any other desk it
calls); this module imports no desk, so nothing here leads back to the front-end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xtb.sim.engine import Engine
from xtb.sim.grvt.auth import Accounts
from xtb.sim.grvt.clock import VenueClock
from xtb.sim.grvt.figures import Figures
from xtb.sim.grvt.settings import GrvtSettings, MarketDef
from xtb.sim.grvt.state import VenueState


@dataclass(frozen=True)
class Parts:
    engine: Engine
    settings: GrvtSettings
    markets: Mapping[str, MarketDef]  # instrument → its definition
    state: VenueState
    accounts: Accounts
    clock: VenueClock
    figures: Figures
