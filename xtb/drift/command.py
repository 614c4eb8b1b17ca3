"""`xtb drift A.json B.json [--format markdown|json] [--baseline]`: what differs between two shape
files, and whether it would break a client.

A is what a client meets (the venue's shapes, reports/venue-shapes/VENUE.json of a testnet run); B is
what the client was built against (the simulator's shapes, a documented reference, or with --baseline
the venue's shapes of the last good run, read as "changed since <date>").

Exit codes: 0 nothing would break a client; 1 something would; 2 a file is unreadable or not a shape
file (the message names the file and the problem).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from xtb.drift.compare import breaking, compare, render_markdown, to_json
from xtb.drift.shape_file import ShapeFile, ShapeFileError

EXIT_OK = 0
EXIT_BREAKING = 1
EXIT_INVALID = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", type=Path, metavar="A.json", help="the venue's shapes (what a client meets)")
    parser.add_argument(
        "b", type=Path, metavar="B.json", help="the simulator's, the reference's or the baseline's shapes"
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown", help="output (markdown)")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="B is the venue's own shapes of an earlier run: report what changed since then "
        "(the default when both files come from the venue)",
    )


def main(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        a, b = ShapeFile.read(args.a), ShapeFile.read(args.b)
    except ShapeFileError as exc:
        print(f"xtb drift: {exc}", file=err)
        return EXIT_INVALID
    baseline = True if args.baseline else None
    differences = compare(a, b, baseline=baseline)
    if args.format == "json":
        out.write(json.dumps(to_json(differences, a, b, baseline=baseline), indent=2) + "\n")
    else:
        out.write(render_markdown(differences, a, b, baseline=baseline))
    return EXIT_BREAKING if breaking(differences) else EXIT_OK
