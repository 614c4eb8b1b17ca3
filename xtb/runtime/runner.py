"""`xtb run CONFIG` (also `python -m xtb run CONFIG`): one run of a strategy from the runner's YAML.

It checks the file before anything connects, starts the simulators the file asks for, runs the
strategy in a TradingCore with a live progress line per connector, prints a summary table, writes a
JSON report (a conformance results document, made by the suite's own `build_report`, so
`python -m xtb.report` renders it) and exits:

    0  every check passed
    1  a check failed (or cleanup left something behind)
    2  a configuration or connection error (nothing traded, or the venue could not be reached)
    130 / 143  stopped by SIGINT / SIGTERM, with this run's orders cancelled and its position closed

Ctrl-C or SIGTERM asks the core to stop; the stop cancels this run's orders and flattens, and a
second signal only says that cleanup is under way. Every wait has a deadline, so the runner exits.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from xtb.errors import ConfigError
from xtb.logs import debug_requested, enable_debug_logging
from xtb.report import Outcome, Report, build_report, save_report
from xtb.report.model import RunInfo, ScenarioInfo, VenueInfo
from xtb.runtime import classes
from xtb.runtime.builders import build_core, start_simulators
from xtb.runtime.config import RunConfig, load_run_config
from xtb.runtime.core import StartFailed, TradingCore
from xtb.secrets import redact
from xtb.sim.cluster import SimulatorCluster
from xtb.strategies.base import Table, describe_error, label

log = logging.getLogger(__name__)

CONFIG_ENV = "XTB_CONFIG"
EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
_EXITS = {Outcome.PASSED: EXIT_PASSED, Outcome.FAILED: EXIT_FAILED, Outcome.ERROR: EXIT_ERROR}
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", metavar="CONFIG", help=f"the run's YAML file (default: ${CONFIG_ENV})")
    parser.add_argument("--list", action="store_true", help="list strategies and connectors, then exit")
    parser.add_argument("--debug", action="store_true", help="log every order transition (or XTB_DEBUG=1)")
    parser.add_argument("--report", type=Path, metavar="PATH", help="write the JSON report here (general.report)")


def main(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    path = args.config or os.environ.get(CONFIG_ENV) or None
    if args.list:
        return list_everything(out, err, path)
    if path is None:
        err.write(f"xtb run: no configuration: give CONFIG or set {CONFIG_ENV}\n")
        return EXIT_ERROR
    config = _load(path, err)
    if config is None:
        return EXIT_ERROR
    general = config.general
    config = replace(
        config,
        general=replace(
            general, debug=debug_requested(args.debug or general.debug), report=args.report or general.report
        ),
    )
    _setup_logging(config.general.debug)
    return asyncio.run(run(config, out))


def _load(path: str, err: TextIO) -> RunConfig | None:
    try:
        return load_run_config(path)
    except ConfigError as exc:
        err.write(f"xtb run: configuration error: {exc}\n")
        return None


def _setup_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if debug:
        enable_debug_logging()
        logging.getLogger("xtb.sim").setLevel(logging.INFO)  # the simulators' market ticks would drown the orders


@dataclass
class _Interrupt:
    signal: signal.Signals | None = None


async def run(config: RunConfig, out: TextIO) -> int:
    """One run; returns the exit status. Writes progress, the summary and the report."""
    loop = asyncio.get_running_loop()
    interrupt = _Interrupt()
    core: TradingCore | None = None

    def on_signal(sig: signal.Signals) -> None:
        if interrupt.signal is not None:
            _say(out, f"{sig.name}: already stopping; waiting for cleanup (at most {config.general.stop_timeout:g}s)")
            return
        interrupt.signal = sig
        _say(out, f"{sig.name}: stopping — cancelling this run's orders and flattening")
        if core is not None:
            core.request_stop(f"interrupted by {sig.name}")

    for sig in _SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    started_at = time.time()
    started = loop.time()
    cluster: SimulatorCluster | None = None
    reasons: list[str] = []
    outcome = Outcome.ERROR
    try:
        _say(out, _header(config))
        try:
            cluster = await asyncio.to_thread(start_simulators, config)
        except Exception as exc:
            reasons.append(f"could not start the simulators {config.simulators}: {describe_error(exc)}")
        else:
            for name, described in (cluster.described if cluster else {}).items():
                _say(out, f"simulator {name}: rest {described['rest']}  control {described['control']}")
            try:
                core = build_core(config, cluster)
            except Exception as exc:  # e.g. a credential the connector cannot use
                reasons.append(f"could not build the run: {describe_error(exc)}")
            else:
                outcome, reasons = await _drive(core, config, out, interrupt)
    finally:
        for sig in _SIGNALS:
            loop.remove_signal_handler(sig)
        if cluster is not None:
            await asyncio.to_thread(cluster.stop)
    code = exit_code(outcome, interrupt.signal)
    if core is not None:
        _print_summary(out, core.strategy.summary())
    report = report_document(config, core, outcome, reasons, code, interrupt.signal, started_at, loop.time() - started)
    verdict = label(outcome)
    try:
        where = f"report: {save_report(report, config.general.report)}"
    except OSError as exc:  # a pass nobody can read about is not a pass
        where = f"could not write the report {config.general.report}: {exc}"
        verdict, code = (f"ERROR after {verdict}", EXIT_ERROR) if code == EXIT_PASSED else (verdict, code)
    _say(out, f"{verdict} (exit {code}); {where}")
    for reason in reasons:
        _say(out, f"  {reason}")
    return code


async def _drive(core: TradingCore, config: RunConfig, out: TextIO, interrupt: _Interrupt) -> tuple[Outcome, list[str]]:
    if interrupt.signal is not None:
        return Outcome.INTERRUPTED, [f"interrupted by {interrupt.signal.name} before the run started"]
    progress = Progress(out, live=out.isatty())
    core.add_tick_listener(lambda c: progress.update(c.strategy.progress()))
    try:
        await core.run(timeout=config.general.timeout)
    except StartFailed as exc:
        return Outcome.ERROR, [f"{name}: could not start: {describe_error(e)}" for name, e in exc.failures.items()]
    finally:
        progress.update(core.strategy.progress())
    # the run loop always ends the strategy; one that had not would not have passed
    return core.strategy.outcome or Outcome.FAILED, list(core.strategy.reasons)


def exit_code(outcome: Outcome, interrupted_by: signal.Signals | None) -> int:
    """0 only for a pass; a clean interruption is 128 + the signal; anything unknown is a failure."""
    if outcome is Outcome.INTERRUPTED:
        return 128 + interrupted_by.value if interrupted_by is not None else EXIT_FAILED
    return _EXITS.get(outcome, EXIT_FAILED)


# ---------------------------------------------------------------------------------- output


def _say(out: TextIO, line: str) -> None:
    out.write(redact(line) + "\n")
    out.flush()


def _header(config: RunConfig) -> str:
    connectors = ", ".join(
        f"{name} ({entry.venue.venue} {entry.environment} {entry.venue.symbol})"
        for name, entry in config.connectors.items()
    )
    return f"xtb run {config.source}: {config.strategy_name} on {connectors}"


class Progress:
    """A live line per connector: redrawn in place on a terminal, printed when it changes otherwise
    (a log file or a pipe gets one line per change, not a line per tick)."""

    def __init__(self, out: TextIO, *, live: bool) -> None:
        self.out = out
        self.live = live
        self._shown: dict[str, str] = {}
        self._drawn = 0

    def update(self, lines: dict[str, str]) -> None:
        if not lines or lines == self._shown:
            return
        width = max(len(name) for name in lines)
        if self.live:
            columns = shutil.get_terminal_size().columns - 1
            text = "".join(f"\x1b[2K{redact(f'{name:<{width}}  {line}')[:columns]}\n" for name, line in lines.items())
            up = f"\x1b[{self._drawn}F" if self._drawn else ""
            self.out.write(up + text)
            self._drawn = len(lines)
        else:
            for name, line in lines.items():
                if self._shown.get(name) != line:
                    self.out.write(redact(f"{name:<{width}}  {line}") + "\n")
        self.out.flush()
        self._shown = dict(lines)


def _print_summary(out: TextIO, table: Table | None) -> None:
    if table is None or not table.rows:
        return
    widths = [max(len(str(cell)) for cell in column) for column in zip(table.headers, *table.rows, strict=True)]
    _say(out, "")
    for row in (table.headers, *table.rows):
        _say(out, "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    _say(out, "")


def list_everything(out: TextIO, err: TextIO, path: str | None) -> int:
    """`--list`: the strategies and connectors a YAML file can name (and the file's own, if given)."""
    simulators = set(classes.simulator_names())
    _say(out, "strategies:")
    for name in classes.strategy_names():
        _say(out, f"  {name:<24} {classes.strategy_summary(name)}")
    _say(out, "connectors:")
    for name in classes.connector_names():
        note = "built-in simulator" if name in simulators else "no built-in simulator yet"
        _say(out, f"  {name:<24} {note}")
    if path is None:
        return EXIT_PASSED
    config = _load(path, err)
    if config is None:
        return EXIT_ERROR
    _say(out, f"{path}:")
    _say(out, f"  strategy   {config.strategy_name}")
    for name, entry in config.connectors.items():
        where = "built-in simulator" if entry.simulator else entry.venue.hosts.get("rest", "")
        _say(out, f"  connector  {name}: {entry.venue.venue} {entry.environment} {entry.venue.symbol} ({where})")
    return EXIT_PASSED


# ---------------------------------------------------------------------------------- report


def report_document(
    config: RunConfig,
    core: TradingCore | None,
    outcome: Outcome,
    reasons: list[str],
    code: int,
    interrupted_by: signal.Signals | None,
    started_at: float,
    duration_s: float,
) -> Report:
    """The run as a results document (a row per connector, with orders, attempts, steps and the
    transcript), plus its `run` block: outcome, exit code, reasons, what stopped it."""
    strategy_doc = (config.strategy_class.__doc__ or "").strip()
    title = strategy_doc.splitlines()[0] if strategy_doc else ""
    results = core.strategy.results() if core is not None else []
    return build_report(
        results=results,
        scenarios={r.scenario: ScenarioInfo(r.scenario, title=title, doc=strategy_doc) for r in results},
        venues=[
            VenueInfo(name, environment=e.environment, symbol=e.venue.symbol, config=e.where)
            for name, e in config.connectors.items()
        ],
        duration_s=duration_s,
        interrupted=interrupted_by.name if interrupted_by is not None else "",
        run=RunInfo(
            config=config.source,
            strategy=config.strategy_name,
            started_at=datetime.fromtimestamp(started_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            outcome=outcome,
            exit_code=code,
            reasons=tuple(redact(r) for r in reasons),
            interrupted_by=interrupted_by.name if interrupted_by is not None else None,
            stop_errors=tuple(redact(e) for e in core.stop_errors) if core is not None else (),
        ),
    )
