"""Writing a new venue's project: the templates (package data beside this module) filled with the
venue's names and laid out by a layout (layouts.py), and the venue file written from the schema.

Why all or nothing: a half-written project is worse than none (the next attempt refuses the
directory, the newcomer edits a skeleton with parts missing). Every check runs before the first
write, and the files go into a hidden sibling directory that is renamed into place at the end.
"""

from __future__ import annotations

import shutil
import string
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from xtb.scaffold.imports import sort_imports
from xtb.scaffold.layouts import Layout, project_layout
from xtb.scaffold.names import ScaffoldError, VenueNames
from xtb.scaffold.venue_file import render_venue_file

SUFFIX = ".tmpl"


def render_project(names: VenueNames, layout: Layout | None = None) -> dict[PurePosixPath, str]:
    """Every file the layout (default: the venue's own repository) has: its path → its text."""
    layout = layout or project_layout(names)
    values = {
        "venue": names.venue,
        "Venue": names.title,
        "distribution": names.distribution,
        "connector_target": names.connector_target,
        "simulator_target": names.simulator_target,
        **layout.values,
    }
    files: dict[PurePosixPath, str] = {}
    for relative, template in _templates(resources.files("xtb.scaffold") / "templates", PurePosixPath()):
        placed = layout.place(relative.with_name(relative.name.removesuffix(SUFFIX)))
        if placed is None:
            continue
        text = string.Template(template).substitute(values)
        if placed.suffix == ".py":
            text = sort_imports(text, layout.first_party)
        files[placed.with_name(placed.name.replace("VENUE", names.venue))] = text
    files.update(layout.extra_files)
    files[PurePosixPath("venues", f"{names.venue}.yaml")] = render_venue_file(names, layout.connector)
    return files


def _templates(folder: Traversable, relative: PurePosixPath) -> list[tuple[PurePosixPath, str]]:
    found: list[tuple[PurePosixPath, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _templates(entry, relative / entry.name)
        elif entry.name.endswith(SUFFIX):
            found.append((relative / entry.name, entry.read_text(encoding="utf-8")))
    return found


def write_project(names: VenueNames, directory: Path) -> list[Path]:
    """Write the project into `directory`, which must not exist yet; the files written."""
    if directory.exists():
        raise ScaffoldError(f"{directory} already exists; new-venue writes only into a new directory (--dir)")
    parent = directory.resolve().parent
    if not parent.is_dir():
        raise ScaffoldError(f"{parent} is not a directory; create it first or choose another --dir")
    files = render_project(names)  # a template or schema problem stops here, before any write
    staging = parent / f".{directory.name}.new-venue"
    if staging.exists():
        raise ScaffoldError(f"{staging} is left from an interrupted new-venue; remove it and run again")
    try:
        for relative, text in files.items():
            path = staging.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [directory.joinpath(*relative.parts) for relative in files]
