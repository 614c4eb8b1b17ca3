"""What the runner's YAML can name: strategies (`strategy.name`), connectors (a venue's `connector`)
and built-in simulators (`simulator: true`).

Entries are "module:Class" strings imported only when asked for, so listing them or running one
venue never imports another venue's SDK. A YAML file may also name a class directly as
`module:Class` (a team's own strategy or connector).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from xtb.connectors import load_connector_class, registered_connectors
from xtb.errors import ConfigError
from xtb.sim.registry import default_registry, load_object, simulator_markets

if TYPE_CHECKING:
    from xtb.strategies.base import StrategyBase

__all__ = [
    "STRATEGIES",
    "connector_names",
    "load_connector_class",
    "load_strategy_class",
    "simulator_markets",
    "simulator_names",
    "strategy_names",
    "strategy_summary",
]

STRATEGIES: dict[str, str] = {
    "connector_smoke_test": "xtb.strategies.connector_smoke:ConnectorSmokeTestStrategy",
}


def strategy_names() -> tuple[str, ...]:
    return tuple(STRATEGIES)


def connector_names() -> tuple[str, ...]:
    """The built-in connectors and those installed packages register (`xtb.connectors` entry points)."""
    return tuple(registered_connectors())


def simulator_names() -> tuple[str, ...]:
    return default_registry().names()


@cache
def load_strategy_class(name: str) -> type[StrategyBase]:
    """The strategy class for a registered name or a `module:Class` path; ConfigError otherwise."""
    from xtb.strategies.base import StrategyBase

    target = STRATEGIES.get(name, name)
    if ":" not in target:
        raise ConfigError(f"unknown strategy {name!r}; known: {sorted(STRATEGIES)}")
    try:
        cls = load_object(target)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"cannot load strategy {target!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, StrategyBase)):
        raise ConfigError(f"{target!r} is not a StrategyBase subclass")
    return cls


def strategy_summary(name: str) -> str:
    """The first line of a strategy's docstring, for `xtb run --list`."""
    doc = (load_strategy_class(name).__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""
