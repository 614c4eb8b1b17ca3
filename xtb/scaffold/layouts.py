"""Where the scaffold's files go, and how their imports are rooted: a venue's own repository, or
a venue inside xtb (`--in-repo`).

Why one table per layout and not two template sets: the skeleton's text (every hook, every "not
implemented yet —" step) must be the same wherever a venue starts, so the templates exist once and
a layout only says where each file lands, what the import roots are (`${package}`,
`${sim_package}`) and which packages are first-party for the import order (imports.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from xtb.scaffold.names import VenueNames

Placement = Callable[[PurePosixPath], PurePosixPath | None]
ENTRY_POINTS = "the `{}` entry-point group (pyproject.toml)"
CONNECTOR_TABLES = "xtb/connectors/__init__.py"


@dataclass(frozen=True)
class Layout:
    """One way of laying a venue out: the templates' variables, where each template lands (its path
    in the templates folder, `.tmpl` removed → its path in the layout, None: not written in this
    layout), the files only this layout has, and the venue file's `connector:`."""

    name: str
    values: dict[str, str]
    first_party: frozenset[str]
    place: Placement
    connector: str  # the venue file's `connector:`
    extra_files: dict[PurePosixPath, str] = field(default_factory=dict)


def project_layout(names: VenueNames) -> Layout:
    """A venue's own repository: the package `NAME/` (simulator in `NAME/sim/`), `tests/`,
    `venues/`, and a pyproject.toml registering both under xtb's entry-point groups."""
    venue = names.venue
    values = {
        "package": venue,
        "sim_package": f"{venue}.sim",
        "sim_dir": f"{venue}/sim",
        "tests": "tests",
        "connector_registration": f"Registered as `{venue}` in {ENTRY_POINTS.format('xtb.connectors')}.",
        "simulator_registration": f"Registered as `{venue}` in {ENTRY_POINTS.format('xtb.simulators')}.",
    }

    def place(template: PurePosixPath) -> PurePosixPath:
        return PurePosixPath(venue if template.parts[0] == "PACKAGE" else template.parts[0], *template.parts[1:])

    return Layout("project", values, frozenset({venue}), place, names.connector_target)


IN_REPO_DROPPED = frozenset({"pyproject.toml", "README.md", "tests/test_VENUE_conformance.py"})


def in_repo_layout(names: VenueNames) -> Layout:
    """A venue inside xtb, laid out as the built-in venues are: the connector in
    `xtb/connectors/NAME/`, the simulator in `xtb/sim/NAME/`, the tests in `tests/NAME/` (a package,
    as every venue's tests are). No pyproject.toml or README (xtb's own), and no conformance test:
    inside xtb the gate is `python -m pytest conformance -k NAME`, which runs every venues/*.yaml."""
    venue = names.venue
    values = {
        "package": f"xtb.connectors.{venue}",
        "sim_package": f"xtb.sim.{venue}",
        "sim_dir": f"xtb/sim/{venue}",
        "tests": f"tests/{venue}",
        "connector_registration": f"Registered as `{venue}` in `CONNECTORS` and `EXTRA_TYPES` ({CONNECTOR_TABLES}).",
        "simulator_registration": f"Registered as `{venue}` in `BUILTIN_VENUES` (xtb/sim/registry.py).",
    }

    def place(template: PurePosixPath) -> PurePosixPath | None:
        if template.as_posix() in IN_REPO_DROPPED:
            return None
        top, rest = template.parts[0], template.parts[1:]
        if top == "PACKAGE" and rest[:1] == ("sim",):
            return PurePosixPath("xtb", "sim", venue, *rest[1:])
        if top == "PACKAGE":
            return PurePosixPath("xtb", "connectors", venue, *rest)
        if top == "tests":
            return PurePosixPath("tests", venue, *rest)
        raise ValueError(f"the in-repo layout has no place for the template {template}")

    init = f'"""{names.title}\'s tests (docs/connectors.md section 8); the facts they rest on go in fixtures/."""\n'
    return Layout(
        "in-repo",
        values,
        frozenset({"xtb", "tests"}),
        place,
        venue,
        extra_files={PurePosixPath("tests", venue, "__init__.py"): init},
    )
