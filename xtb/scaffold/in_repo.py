"""Writing a new venue into an xtb clone (`xtb new-venue NAME --in-repo`), as a built-in venue.

Why all or nothing, file by file: inside a clone the venue's directories may exist already (a few
modules written before the scaffold ran), so there is no new directory to rename into place as the
project layout does. Every target is checked first (any existing one refuses the whole run, naming
them all); then each file is written to a temporary file beside its target and linked into place
only if the target is still absent, and a failure removes every file and directory this run made.

Why the tables are printed, not edited: `CONNECTORS`, `EXTRA_TYPES` and `BUILTIN_VENUES` are
reviewed Python source, and registering a venue is also the moment it joins every venue-wide list
(the nightly workflow's matrix and secrets, the README's table, the smoke config, the self-test's
kill table), which take a person's judgement (a testnet or not, which variables). The command
names each line and file; the person adds them in one change.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from xtb.scaffold.layouts import in_repo_layout
from xtb.scaffold.names import ScaffoldError, VenueNames
from xtb.scaffold.project import render_project

MARKER = PurePosixPath("xtb/connectors/base.py")
# the built-in tables: the file → the tables in it a venue adds a line to
TABLES = {
    PurePosixPath("xtb/connectors/__init__.py"): ("CONNECTORS", "EXTRA_TYPES"),
    PurePosixPath("xtb/sim/registry.py"): ("BUILTIN_VENUES",),
}
# the files that list every venue (docs/connectors.md section 1)
VENUE_LISTS = (
    ".github/workflows/nightly.yml: the testnet job's matrix and one secret line per credential "
    "variable (or a comment: no testnet)",
    "README.md: a row of the venue table",
    "examples/smoke_sim.yaml: under connectors: and strategy.connectors:, once the simulator serves",
    "tests/selftest/shared_bugs.py and tests/selftest/venues/NAME.py: the catalog's kill table",
)


@dataclass(frozen=True)
class Registration:
    """One line a built-in table needs: where, which table, the line."""

    path: PurePosixPath
    table: str
    line: str


def registrations(names: VenueNames) -> list[Registration]:
    venue, title = names.venue, names.title
    connectors, registry = TABLES
    return [
        Registration(connectors, "CONNECTORS", f'"{venue}": "xtb.connectors.{venue}:{title}Connector",'),
        Registration(connectors, "EXTRA_TYPES", f'"{venue}": "xtb.connectors.{venue}.settings:{title}Extra",'),
        Registration(registry, "BUILTIN_VENUES", f'"{venue}": "xtb.sim.{venue}:{title}FrontEnd",'),
    ]


def venue_lists(names: VenueNames) -> list[str]:
    return [line.replace("NAME", names.venue) for line in VENUE_LISTS]


def write_in_repo(names: VenueNames, root: Path) -> list[Path]:
    """Write the venue into the clone at `root`; the files written. Nothing is written when it
    refuses (ScaffoldError) or fails."""
    if not (root / MARKER).is_file():
        raise ScaffoldError(
            f"{root} is not the root of an xtb clone (it has no {MARKER}); run from the clone's root or pass "
            "--dir ROOT (without --in-repo, new-venue writes the venue's own repository)"
        )
    _refuse_taken(names, root)
    rendered = render_project(names, in_repo_layout(names))
    files = {root.joinpath(*relative.parts): text for relative, text in rendered.items()}
    existing = sorted(path for path in files if path.exists() or path.is_symlink())
    if existing:
        listed = ", ".join(str(path.relative_to(root)) for path in existing)
        raise ScaffoldError(f"{len(existing)} file(s) the venue would write exist already: {listed}; nothing written")
    try:
        _write_all(files)
    except OSError as exc:
        raise ScaffoldError(f"writing the venue failed ({exc}); everything it had written is removed") from exc
    return sorted(files)


def _refuse_taken(names: VenueNames, root: Path) -> None:
    """A name the clone's own tables hold (with --dir, perhaps not this xtb's), or a module of that
    name where the venue's package would go (xtb/sim/engine.py for a venue `engine`)."""
    venue = names.venue
    for relative, tables in TABLES.items():
        source = root / relative
        if source.is_file() and f'"{venue}":' in source.read_text(encoding="utf-8"):
            raise ScaffoldError(f"venue name {venue!r} is taken: {relative} registers it ({', '.join(tables)})")
    for folder in ("xtb/connectors", "xtb/sim", "tests"):
        module = root / folder / f"{venue}.py"
        if module.exists():
            raise ScaffoldError(
                f"venue name {venue!r} is taken: {module.relative_to(root)} is a module, and the venue's "
                f"package {folder}/{venue}/ would hide it"
            )


def _write_all(files: dict[Path, str]) -> None:
    made_dirs: list[Path] = []
    temporary: list[Path] = []
    placed: list[Path] = []
    try:
        for path, text in files.items():
            made_dirs += _make_dirs(path.parent)
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new-venue", dir=path.parent)
            temporary.append(Path(name))
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
        for (path, _), staged in zip(files.items(), temporary, strict=True):
            _place(staged, path)
            placed.append(path)
    except BaseException:
        for path in [*temporary, *placed]:
            path.unlink(missing_ok=True)
        for folder in reversed(made_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    finally:
        for staged in temporary:
            staged.unlink(missing_ok=True)


def _make_dirs(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; the ones created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir()
    return list(reversed(missing))


def _place(staged: Path, target: Path) -> None:
    """Move a staged file into place, refusing (FileExistsError) if the target appeared meanwhile."""
    os.link(staged, target)
