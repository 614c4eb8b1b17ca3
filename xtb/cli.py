"""The `xtb` command (also `python -m xtb`).

xtb run CONFIG        run a strategy from the runner's YAML (XTB_CONFIG when CONFIG is omitted)
xtb run --list        the strategies and connectors a YAML file can name
xtb new-venue NAME    start a new venue's project: connector, simulator, venue file, tests
xtb drift A.json B.json
                      compare two venue shape files (venue vs simulator, or vs a baseline)
xtb venues            the venues xtb knows: built in, from installed packages' entry points, and
                      from venue files (./venues/*.yaml and each --venue-config PATH)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xtb import __version__
from xtb.errors import ConfigError


def build_parser() -> argparse.ArgumentParser:
    from xtb.drift import command as drift
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
    compare = commands.add_parser(
        "drift",
        help="compare two venue shape files and say what would break a client (exit 1 when something would)",
        description=drift.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    drift.add_arguments(compare)
    compare.set_defaults(handler=drift.main)
    venues = commands.add_parser(
        "venues",
        help="list the venues xtb knows: name, connector, simulator, and where each came from",
        description="Built-in venues, those installed packages register (entry-point groups xtb.connectors "
        "and xtb.simulators), and venue files: ./venues/*.yaml and each --venue-config PATH.",
    )
    venues.add_argument("--venue-config", action="append", default=[], metavar="PATH", help="a venue file to list too")
    venues.set_defaults(handler=list_venues)
    return parser


def list_venues(args: argparse.Namespace) -> int:
    """What a venue file or the suite can name, and where each name comes from: a team checks here
    that its package's entry points were found before it runs the catalog."""
    try:
        rows = venue_rows([*sorted(Path("venues").glob("*.yaml")), *map(Path, args.venue_config)])
    except ConfigError as exc:
        print(f"xtb venues: {exc}", file=sys.stderr)
        return 2
    rows.insert(0, ("name", "connector", "simulator", "from"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]]).rstrip())
    return 0


def venue_rows(files: list[Path]) -> list[tuple[str, str, str, str]]:
    """(name, connector, simulator, from): the registered names first, then each venue file's venue."""
    from xtb.config.venue_file import load_venue_config
    from xtb.connectors import registered_connectors
    from xtb.sim.registry import registered_simulators

    connectors, simulators = registered_connectors(), registered_simulators()
    rows = []
    for name in [*connectors, *(s for s in simulators if s not in connectors)]:
        connector, simulator = connectors.get(name), simulators.get(name)
        if connector is not None and simulator is not None and connector.origin != simulator.origin:
            origin = f"connector: {connector.origin}; simulator: {simulator.origin}"
        else:
            origin = (connector or simulator).origin  # type: ignore[union-attr]
        rows.append((name, connector.target if connector else "-", name if simulator else "-", origin))
    for path in files:
        config = load_venue_config(path)
        rows.append((config.venue, config.connector, config.simulator or "-", f"venue file {path}"))
    return rows


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
