"""`xtb new-venue NAME [--dir DIR]`: start a new venue's project from the scaffold.

Writes a project (its own repository, installed next to xtb) with the connector skeleton, the
simulator front-end skeleton, a venue file with every key explained and the tests; every part not
written yet raises NotImplementedError saying what to do next (docs/connectors.md section 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from xtb.scaffold.names import ScaffoldError, venue_names
from xtb.scaffold.project import write_project

EXIT_OK = 0
EXIT_REFUSED = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the venue's name: a Python package name, e.g. acme or acme_dex")
    parser.add_argument(
        "--dir", type=Path, metavar="DIR", help="the project's directory, which must not exist (default: ./xtb-NAME)"
    )


def main(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        names = venue_names(args.name)
        directory = args.dir if args.dir is not None else Path(names.distribution)
        written = write_project(names, directory)
    except ScaffoldError as exc:
        err.write(f"xtb new-venue: {exc}\n")
        return EXIT_REFUSED
    out.write(f"xtb new-venue: wrote {len(written)} files into {directory}\n")
    for path in written:
        out.write(f"  {path}\n")
    out.write(
        f"next: cd {directory} && pip install -e . && python -m pytest -q  (every test fails with the next step "
        "to take; docs/connectors.md explains each)\n"
    )
    return EXIT_OK
