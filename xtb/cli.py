"""The `xtb` command (also `python -m xtb`).

xtb run CONFIG        run a strategy from the runner's YAML (XTB_CONFIG when CONFIG is omitted)
xtb run --list        the strategies and connectors a YAML file can name
xtb new-venue NAME    start a new venue's project: connector, simulator, venue file, tests
"""

from __future__ import annotations

import argparse
import sys

from xtb import __version__


def build_parser() -> argparse.ArgumentParser:
    from xtb.runtime import runner
    from xtb.scaffold import command as new_venue

    parser = argparse.ArgumentParser(
        prog="xtb", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"xtb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a strategy (e.g. the connector smoke test) from a YAML file",
        description=runner.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    runner.add_arguments(run)
    run.set_defaults(handler=runner.main)
    scaffold = commands.add_parser(
        "new-venue",
        help="start a new venue's project (connector, simulator, venue file, tests) from the scaffold",
        description=new_venue.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new_venue.add_arguments(scaffold)
    scaffold.set_defaults(handler=new_venue.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stdout)
        return 0
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
