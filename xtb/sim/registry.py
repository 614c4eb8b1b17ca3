"""Which simulators exist: venue name → front-end factory.

Real venues are listed in `BUILTIN_VENUES` as "module:attribute" strings and imported only when
asked for, so running one simulator never imports another venue's SDK. Installed packages add
front-ends of their own through the entry-point group `xtb.simulators` (`registered_simulators`),
so a venue file's `simulator:` block can name them. Tests and plugins add their own front-ends with
`Registry.register` (`python -m xtb.sim --plugin module:function` calls `function(registry)`).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from xtb.entry_points import Registered, merged

if TYPE_CHECKING:
    from xtb.sim.engine import Engine
    from xtb.sim.frontend import FrontEnd

log = logging.getLogger(__name__)

FrontEndFactory = Callable[..., "FrontEnd"]
"""Called as `factory(engine, seed=seed)`; a FrontEnd subclass is one."""

SIMULATOR_GROUP = "xtb.simulators"

BUILTIN_VENUES: dict[str, str] = {
    # venue issues add theirs, e.g. "backpack": "xtb.sim.backpack:BackpackFrontEnd"
    "backpack": "xtb.sim.backpack:BackpackFrontEnd",
    "grvt": "xtb.sim.grvt:GrvtFrontEnd",
    "lighter": "xtb.sim.lighter:LighterFrontEnd",
    "aster": "xtb.sim.aster:AsterFrontEnd",
    "hyperliquid": "xtb.sim.hyperliquid:HyperliquidFrontEnd",
}


class UnknownVenue(LookupError):
    """A simulator name nobody registered; the message names the known ones."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        listed = ", ".join(known) if known else "none"
        super().__init__(f"unknown simulator {name!r}; known simulators: {listed}")
        self.name = name
        self.known = known


def load_object(target: str) -> Any:
    """`module:attribute` (the attribute may be dotted) → the object. ImportError / AttributeError
    / ValueError say which part is wrong."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"{target!r} is not of the form module:attribute")
    obj: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


class Registry:
    """Simulator names in registration order, each with a factory or a lazy "module:attr" target."""

    def __init__(self, entries: Mapping[str, FrontEndFactory | str] | None = None) -> None:
        self._entries: dict[str, FrontEndFactory | str] = dict(entries or {})

    def register(self, name: str, factory: FrontEndFactory | str, *, replace: bool = False) -> None:
        if not isinstance(name, str) or not name or name != name.strip():
            raise ValueError(f"a simulator name must be a non-empty word, got {name!r}")
        if name in self._entries and not replace:
            raise ValueError(f"simulator {name!r} is already registered")
        self._entries[name] = factory

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def factory(self, name: str) -> FrontEndFactory:
        entry = self._entries.get(name)
        if entry is None:
            raise UnknownVenue(name, self.names())
        if isinstance(entry, str):
            entry = load_object(entry)
            self._entries[name] = entry
        return entry  # type: ignore[return-value]

    def create(self, name: str, engine: Engine, *, seed: int = 0) -> FrontEnd:
        return self.factory(name)(engine, seed=seed)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)


def registered_simulators() -> dict[str, Registered]:
    """Every simulator a venue file can name: the built-in ones and those of installed packages."""
    return merged(SIMULATOR_GROUP, BUILTIN_VENUES)


def default_registry() -> Registry:
    """A fresh registry holding the built-in and installed simulators (plugins registered into it
    stay local to it)."""
    return Registry({name: entry.target for name, entry in registered_simulators().items()})


def simulator_markets(name: str, registry: Registry | None = None) -> tuple[str, ...]:
    """The symbols a built-in simulator lists, in its own order: what `start_simulators` would give
    its engine (the same registry and default settings), read without starting anything."""
    from xtb.clock import SYSTEM_CLOCK
    from xtb.sim.engine import Engine

    frontend = (registry if registry is not None else default_registry()).create(name, Engine(SYSTEM_CLOCK))
    return tuple(market.spec.symbol for market in frontend.sim_markets())
