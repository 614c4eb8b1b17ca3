"""`python -m xtb.report RESULTS.json [--out DIR]`

Renders a results document as Markdown and HTML under the document's own name, by default beside it
(`reports/smoke_sim.json` → reports/smoke_sim.md and reports/smoke_sim.html; `--out DIR` keeps the
name), and prints the paths written. A file that is missing, not JSON or not a valid document, or
one the pages would overwrite, exits 2 with the reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from xtb.report import load_report, report_paths, write_report_files

EXIT_INVALID = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m xtb.report", description="Render a conformance results document as Markdown and HTML."
    )
    parser.add_argument("results", type=Path, metavar="RESULTS.json", help="the document the suite wrote")
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="where to write RESULTS.md/.html (default: beside it)"
    )
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
    out, stem = args.out or args.results.parent, args.results.stem
    if any(path.resolve() == args.results.resolve() for path in report_paths(out, stem)):
        print(f"python -m xtb.report: {args.results}: the pages would overwrite it; pass --out DIR", file=sys.stderr)
        return EXIT_INVALID
    for path in write_report_files(report, out, stem=stem, source=args.results):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
