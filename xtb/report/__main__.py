"""`python -m xtb.report RESULTS.json [--out DIR]`

Regenerates conformance.md and conformance.html from a results document (by default next to it) and
prints the paths written. A file that is missing, not JSON or not a valid document exits 2 with the
reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from xtb.report import write_report_files
from xtb.report.model import load_report

EXIT_INVALID = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m xtb.report", description="Render a conformance results document as Markdown and HTML."
    )
    parser.add_argument("results", type=Path, metavar="RESULTS.json", help="the document the suite wrote")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="where to write (default: beside it)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        report = load_report(args.results)
    except FileNotFoundError:
        print(f"python -m xtb.report: {args.results}: no such file", file=sys.stderr)
        return EXIT_INVALID
    except (OSError, UnicodeDecodeError) as exc:
        print(f"python -m xtb.report: {args.results}: cannot read: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except ValueError as exc:
        print(f"python -m xtb.report: invalid results document: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for path in write_report_files(report, args.out or args.results.parent):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
