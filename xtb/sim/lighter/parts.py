"""What the Lighter simulator's desks share, handed to each of them instead of the whole front-end.

Why a bundle: the transaction desk, the pipeline, the read API, the charts, the snapshots and the
stream side all read the same engine, settings, venue state, clock, key book and market tables.
Passing these few parts (and nothing that imports a desk) keeps every desk importable on its own:
the front-end builds the parts, then the desks, and only it knows them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xtb.clock import Clock
from xtb.sim.engine import Engine
from xtb.sim.lighter.keys import KeyBook
from xtb.sim.lighter.settings import LighterSettings, MarketDef
from xtb.sim.lighter.state import VenueState


class VenueClock:
    """The venue's wall clock (ExpiredAt, OrderExpiry, token deadlines, timestamps). `source` may
    be replaced while the simulator runs, so transactions signed in the past can be replayed (the
    spec's vectors): every desk reads the time through this one object."""

    def __init__(self, source: Clock) -> None:
        self.source = source

    def time(self) -> float:
        return self.source.time()

    def now_ms(self) -> int:
        return round(self.source.time() * 1000)


@dataclass(frozen=True)
class VenueParts:
    """The engine and the venue's own memory beside it, as every desk reads them."""

    engine: Engine
    settings: LighterSettings
    state: VenueState
    clock: VenueClock
    keys: KeyBook
    l1_addresses: dict[int, str]  # account index → the owner's L1 address (filled as accounts are made)
    markets: Mapping[str, MarketDef]  # by symbol
    markets_by_id: Mapping[int, MarketDef]

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def accounts(self) -> frozenset[int]:
        """The Lighter accounts: engine accounts with integer ids (the synthetic market's are not)."""
        return frozenset(a for a in self.engine.accounts() if isinstance(a, int))
