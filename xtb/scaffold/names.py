"""The names a new venue's project is built from, checked before anything is written.

Why here: the venue's name becomes a Python package, a distribution, entry-point names and class
names at once, so one bad character or a clash with a known venue would surface far from the
command that caused it (an import error, a shadowed stdlib module, a simulator that is not the one
asked for). Every problem is one `ScaffoldError` naming the name and the rule.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass

from xtb.connectors import registered_connectors
from xtb.errors import XtbError
from xtb.sim.registry import registered_simulators

NAME_RULE = re.compile(r"[a-z][a-z0-9_]{1,19}")
# names a venue package must not take: they would shadow xtb, its tests, or a module of Python's own
RESERVED = frozenset({"xtb", "tests", "test", "venues", "conformance", "scenarios"})


class ScaffoldError(XtbError):
    """`xtb new-venue` refuses: a bad name, a taken name or an existing directory. Nothing was written."""


@dataclass(frozen=True)
class VenueNames:
    """Every name the project uses, derived from the venue's one name (`acme_dex`)."""

    venue: str  # the venue, the Python package and the entry-point name: acme_dex
    title: str  # the class-name stem: AcmeDex

    @property
    def distribution(self) -> str:
        return f"xtb-{self.venue.replace('_', '-')}"

    @property
    def connector_target(self) -> str:
        return f"{self.venue}.connector:{self.title}Connector"

    @property
    def simulator_target(self) -> str:
        return f"{self.venue}.sim.frontend:{self.title}FrontEnd"

    @property
    def env_prefix(self) -> str:
        return self.venue.upper()


def venue_names(name: str) -> VenueNames:
    """The project's names for `name`, or ScaffoldError saying which rule it breaks."""
    if not NAME_RULE.fullmatch(name):
        raise ScaffoldError(
            f"venue name {name!r} is not usable: it becomes a Python package, so use 2-20 characters of "
            "lower-case letters, digits and '_', starting with a letter (e.g. acme or acme_dex)"
        )
    taken = {**registered_simulators(), **registered_connectors()}
    if name in taken:
        raise ScaffoldError(
            f"venue name {name!r} is taken: xtb already knows a venue of that name ({taken[name].origin}, "
            f"{taken[name].target}); pick another name"
        )
    if keyword.iskeyword(name) or name in RESERVED or name in sys.stdlib_module_names:
        raise ScaffoldError(
            f"venue name {name!r} is taken by Python or by xtb (a keyword, a standard-library module or one of "
            f"{', '.join(sorted(RESERVED))}); importing the venue's package would find the other one"
        )
    return VenueNames(name, "".join(part.capitalize() for part in name.split("_") if part))
