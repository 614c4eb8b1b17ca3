"""What the latency benchmarks share: the simulators in a child process, xtb connectors built the
way the conformance `venue` fixture builds them, request budgets, percentiles, and the rate-limit
check.

The simulators run as `python -m xtb.sim` in their own process, as a real venue would: they never
compete with the client for its GIL or its event loop, and a client process's CPU time
(`time.process_time`) is the client's, not the simulator's.
"""

from __future__ import annotations

import asyncio
import json
import math
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xtb.checks import steps
from xtb.config.venue_file import VenueConfig, load_venue_config
from xtb.connectors import load_connector_class
from xtb.connectors.base import BaseConnector
from xtb.model import MarketInfo, Rounding, Side

ROOT = Path(__file__).resolve().parents[1]
VENUES = ("backpack", "lighter", "grvt", "aster")
START_TIMEOUT_S = 60.0  # five simulators build their books and bind their ports in a few seconds
STOP_TIMEOUT_S = 15.0
RATE_LIMITED = (429, 418)  # 418: Aster's ban for persisting past 429


class SimulatorError(RuntimeError):
    """The simulator process could not start, or stopped answering."""


class SimProcess:
    """`python -m xtb.sim VENUE ...` in a child process; `described[venue]` is the line it printed
    for that venue (`rest`, `ws`, `control`, other hosts, and the test account's credentials)."""

    def __init__(self, venues: Sequence[str], *, seed: int = 0) -> None:
        self.venues = list(venues)
        self.seed = seed
        self.described: dict[str, dict[str, Any]] = {}
        self._process: asyncio.subprocess.Process | None = None
        self._log = tempfile.TemporaryFile()  # the simulators' stderr: shown if they fail

    async def __aenter__(self) -> SimProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "xtb.sim", *self.venues, "--seed", str(self.seed),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=self._log,
        )  # fmt: skip
        assert self._process.stdout is not None
        try:
            while len(self.described) < len(self.venues):
                line = await asyncio.wait_for(self._process.stdout.readline(), START_TIMEOUT_S)
                if not line:
                    raise SimulatorError(f"python -m xtb.sim exited before serving: {self.stderr_tail()}")
                entry = json.loads(line)
                self.described[entry["venue"]] = entry
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGINT)  # the simulator's documented clean stop
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()

    def stderr_tail(self, lines: int = 20) -> str:
        self._log.seek(0)
        return "\n".join(self._log.read().decode(errors="replace").splitlines()[-lines:])


def venue_config(venue: str) -> VenueConfig:
    """The venue file, pointed at its built-in simulator (the file's `simulator:` settings)."""
    return load_venue_config(ROOT / "venues" / f"{venue}.yaml").for_simulator()


def build_connector(config: VenueConfig, described: dict[str, Any]) -> BaseConnector:
    """An xtb connector for a running simulator, as the conformance `venue` fixture builds it."""
    connector_class = load_connector_class(config.connector)
    return connector_class(steps.simulator_connector_config(config, described))


async def start_connector(connector: BaseConnector, config: VenueConfig) -> None:
    """Started, with the first stream book in and the private streams live (the fixture's rule)."""
    await connector.start()
    await steps.wait_for_book(connector, config.symbol, config.tracking.timeout)
    await connector.wait_streams_live(config.tracking.timeout)


def resting_price(market: MarketInfo, bid: Decimal, side: Side, away: Decimal) -> Decimal:
    """A post-only price `away` (a fraction) behind the touch, on a tick: it rests and never fills."""
    if side is Side.BUY:
        return market.round_price(bid * (1 - away), Rounding.DOWN)
    return market.round_price(bid * (1 + away), Rounding.UP)


class Budget:
    """At most `count` units of work in any `window` seconds, for each (count, window) given: `take`
    waits only when the next unit would exceed one of them (a venue's request budget, not a pause)."""

    def __init__(self, *limits: tuple[int, float]) -> None:
        self.limits = limits
        self._taken: deque[float] = deque()
        self.waited_s = 0.0

    async def take(self) -> None:
        horizon = max((window for _, window in self.limits), default=0.0)
        while True:
            now = time.monotonic()
            while self._taken and self._taken[0] <= now - horizon:
                self._taken.popleft()
            wait = 0.0
            for count, window in self.limits:
                inside = [t for t in self._taken if t > now - window]
                if len(inside) >= count:
                    wait = max(wait, inside[-count] + window - now)
            if wait <= 0:
                self._taken.append(now)
                return
            self.waited_s += wait
            await asyncio.sleep(wait)  # until the oldest unit leaves the window


def percentile(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of an empty sample")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def rate_limited(requests: Iterable[dict[str, Any]]) -> list[str]:
    """The requests in a simulator request log that were answered 429 / 418."""
    return [
        f"{r.get('method')} {r.get('path')} -> {r.get('status')}"
        for r in requests
        if r.get("status") in RATE_LIMITED and not r.get("fault")
    ]


def quiet_logs() -> None:
    """Libraries log at INFO on every request (grvt-pysdk, lighter-sdk); a benchmark shows warnings."""
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
