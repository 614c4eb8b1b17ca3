"""`xtb new-venue NAME [--dir DIR]`, `xtb new-venue NAME --in-repo [--dir ROOT]`: start a new venue
from the scaffold.

Without --in-repo it writes a project (its own repository, installed next to xtb) with the
connector skeleton, the simulator front-end skeleton, a venue file with every key explained and the
tests; its pyproject.toml registers the connector and the simulator under xtb's entry-point groups.

With --in-repo, run from an xtb clone's root (or --dir ROOT), it writes the same skeleton where a
built-in venue lives: xtb/connectors/NAME/, xtb/sim/NAME/, tests/NAME/ and venues/NAME.yaml
(`connector: NAME`). It refuses, writing nothing, when ROOT is not an xtb clone, when the name is
taken, or when any file it would write exists (existing directories are fine). It does not edit
the built-in tables (CONNECTORS and EXTRA_TYPES in xtb/connectors/__init__.py, BUILTIN_VENUES in
xtb/sim/registry.py): they are reviewed source, and registering a venue is also when it joins every
list of venues (the nightly workflow, the README's table, the smoke config, the self-test's kill
table), which needs a person's judgement. It prints each line to add and each file to update.

Either way every part not written yet raises NotImplementedError saying what to do next
(docs/connectors.md section 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from xtb.scaffold.in_repo import registrations, venue_lists, write_in_repo
from xtb.scaffold.names import ScaffoldError, VenueNames, venue_names
from xtb.scaffold.project import write_project

EXIT_OK = 0
EXIT_REFUSED = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the venue's name: a Python package name, e.g. acme or acme_dex")
    parser.add_argument(
        "--in-repo",
        action="store_true",
        help="write the venue into an xtb clone, as a built-in venue (xtb/connectors/NAME/, xtb/sim/NAME/, "
        "tests/NAME/, venues/NAME.yaml)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="the project's directory, which must not exist (default: ./xtb-NAME); with --in-repo, the xtb "
        "clone's root (default: .)",
    )


def main(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        names = venue_names(args.name)
        if args.in_repo:
            directory = args.dir if args.dir is not None else Path()
            written = write_in_repo(names, directory)
        else:
            directory = args.dir if args.dir is not None else Path(names.distribution)
            written = write_project(names, directory)
    except ScaffoldError as exc:
        err.write(f"xtb new-venue: {exc}\n")
        return EXIT_REFUSED
    out.write(f"xtb new-venue: wrote {len(written)} files into {directory}\n")
    for path in written:
        out.write(f"  {path}\n")
    if args.in_repo:
        out.write(in_repo_next(names))
    else:
        out.write(
            f"next: cd {directory} && pip install -e . && python -m pytest -q  (every test fails with the next "
            "step to take; docs/connectors.md explains each)\n"
        )
    return EXIT_OK


def in_repo_next(names: VenueNames) -> str:
    """What is left to do by hand after --in-repo, and how to see the next step."""
    venue = names.venue
    lines = [
        f"register {venue} by hand (the tables are reviewed source); until they have it, venues/{venue}.yaml "
        "names a connector xtb does not know: loading it fails, and so does a conformance run over every "
        "venues/*.yaml:"
    ]
    lines += [f"  {r.path}  {r.table}:  {r.line}" for r in registrations(names)]
    lines.append("and add it where every venue is listed (docs/connectors.md section 1):")
    lines += [f"  {entry}" for entry in venue_lists(names)]
    lines.append(
        f"next: python -m pytest tests/{venue} -q -p no:cacheprovider  (every test fails with the next step to "
        "take; docs/connectors.md explains each); the gate, once registered: "
        f"python -m pytest conformance -k {venue} -q -p no:cacheprovider --report-dir /tmp/{venue}-reports"
    )
    return "".join(f"{line}\n" for line in lines)
