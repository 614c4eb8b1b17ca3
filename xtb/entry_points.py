"""Names that installed packages add to xtb's built-in tables through entry points.

A team's package registers its connector (group `xtb.connectors`) or simulator front-end (group
`xtb.simulators`) as `name = "module:Class"` in its own pyproject; xtb reads the names next to its
built-in tables without importing anything. A name claimed twice is an error naming both claimants:
quietly preferring one would test a different class than the venue file's author meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from xtb.errors import ConfigError

BUILT_IN = "built-in"


@dataclass(frozen=True)
class Registered:
    """One name of a table: its "module:Class" target (imported when used) and where it came from."""

    name: str
    target: str
    origin: str  # BUILT_IN, or "entry point of DIST VERSION"


def merged(group: str, builtin: Mapping[str, str]) -> dict[str, Registered]:
    """The built-in table, then the group's entry points in name order."""
    table = {name: Registered(name, target, BUILT_IN) for name, target in builtin.items()}
    for point in sorted(entry_points(group=group), key=lambda p: p.name):
        claimed = Registered(point.name, point.value, f"entry point of {_distribution(point)}")
        known = table.get(point.name)
        if known is not None:
            raise ConfigError(
                f"{group} name {point.name!r} is registered twice: {known.origin} ({known.target}) "
                f"and {claimed.origin} ({claimed.target}); rename the entry point"
            )
        table[point.name] = claimed
    return table


def _distribution(point: EntryPoint) -> str:
    dist = point.dist
    return "an unnamed distribution" if dist is None else f"{dist.name} {dist.version}"
