"""`python -m xtb.sim [VENUE ...] [--host H] [--port P] [--seed S] [--plugin module:function]`

Runs simulated venues as a local testnet. Once every venue is serving it prints one JSON line per
venue on stdout (`venue`, `rest`, `ws`, `control`, `account`), so a script can read where to connect,
then serves until SIGINT / SIGTERM and exits 0. Errors go to stderr with exit status 2 (usage) or 1
(could not start). Plugins (`--plugin`, or `XTB_SIM_PLUGINS` separated by commas) are called with the
registry to add front-ends, e.g. `--plugin tests.sim.plain_venue:register`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence

from xtb.logs import debug_requested, enable_debug_logging
from xtb.sim.frontend import jsonable
from xtb.sim.registry import Registry, UnknownVenue, default_registry, load_object
from xtb.sim.server import start_simulators, stop_simulators

log = logging.getLogger("xtb.sim.main")  # not __name__: under -m that is "__main__", outside "xtb"

PLUGINS_ENV = "XTB_SIM_PLUGINS"
EXIT_USAGE = 2
EXIT_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m xtb.sim", description="Run local venue simulators (a loopback testnet)."
    )
    parser.add_argument("venues", nargs="*", metavar="VENUE", help="simulators to run (default: all registered)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="first port; 0 picks free ports (default)")
    parser.add_argument("--seed", type=int, default=0, help="seed for markets and account credentials")
    parser.add_argument(
        "--plugin", action="append", default=[], metavar="MODULE:FUNCTION", help="call FUNCTION(registry)"
    )
    parser.add_argument("--debug", action="store_true", help="debug logging on stderr (or XTB_DEBUG=1)")
    return parser


def load_plugins(registry: Registry, targets: Sequence[str]) -> None:
    """Import and call each plugin with the registry; ValueError names the one that failed."""
    for target in targets:
        try:
            plugin = load_object(target)
            plugin(registry)
        except Exception as exc:
            raise ValueError(f"cannot load plugin {target!r}: {exc}") from exc


async def serve(args: argparse.Namespace, registry: Registry) -> int:
    handles = await start_simulators(
        args.venues or None, registry=registry, host=args.host, port=args.port, seed=args.seed
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        for handle in handles:
            sys.stdout.write(json.dumps(jsonable(handle.describe())) + "\n")
        sys.stdout.flush()
        await stop.wait()
        log.info("signal received: stopping simulators")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await stop_simulators(handles)
    return 0


def main(argv: Sequence[str] | None = None, *, registry: Registry | None = None) -> int:
    args = build_parser().parse_intermixed_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    if debug_requested(args.debug):
        enable_debug_logging()
    registry = registry if registry is not None else default_registry()
    plugins = [p.strip() for p in os.environ.get(PLUGINS_ENV, "").split(",") if p.strip()] + args.plugin
    try:
        load_plugins(registry, plugins)
    except ValueError as exc:
        _complain(str(exc))
        return EXIT_USAGE
    if not len(registry):
        _complain(
            f"no simulators are registered; add one with --plugin MODULE:FUNCTION or {PLUGINS_ENV}=MODULE:FUNCTION"
        )
        return EXIT_USAGE
    for name in args.venues:
        if name not in registry:
            _complain(str(UnknownVenue(name, registry.names())))
            return EXIT_USAGE
    try:
        return asyncio.run(serve(args, registry))
    except Exception as exc:  # a busy port, a front-end that fails to build
        log.debug("start failed", exc_info=True)
        _complain(f"could not start: {exc}")
        return EXIT_FAILED


def _complain(message: str) -> None:
    sys.stderr.write(f"xtb.sim: {message}\n")


if __name__ == "__main__":
    raise SystemExit(main())
