"""The `xtb` command. Sub-commands join as the runtime grows (`xtb run` comes with the runner)."""

from __future__ import annotations

import argparse
import sys

from xtb import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xtb", description=__doc__)
    parser.add_argument("--version", action="version", version=f"xtb {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help(sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
