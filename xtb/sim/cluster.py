"""Built-in simulators run in a thread with its own event loop, started on demand on free loopback
ports, so connectors on other loops (pytest's, the runner's) reach them only over the network,
exactly as they would reach a venue."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from xtb.sim.server import SimHandle, start_simulators, stop_simulators

log = logging.getLogger(__name__)


class SimulatorCluster:
    """Simulators started on demand, each the first time a scenario needs it: a parallel worker
    that runs one venue's scenarios starts that venue's simulator only."""

    def __init__(self, *, seed: int = 0, start_timeout: float = 30.0) -> None:
        self.seed = seed
        self._timeout = start_timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="xtb-simulators", daemon=True)
        self._handles: list[SimHandle] = []
        self.described: dict[str, dict[str, Any]] = {}

    def ensure(self, name: str) -> dict[str, Any]:
        """The running simulator's description (URLs, test account), starting it if needed."""
        if name not in self.described:
            if not self._thread.is_alive():
                self._thread.start()
            future = asyncio.run_coroutine_threadsafe(start_simulators([name], seed=self.seed), self._loop)
            (handle,) = future.result(self._timeout)
            self._handles.append(handle)
            self.described[name] = handle.describe()
            log.info("simulator up: %s at %s", name, self.described[name]["rest"])
        return self.described[name]

    def stop(self) -> None:
        if self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(stop_simulators(self._handles), self._loop)
            try:
                future.result(self._timeout)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(self._timeout)
        self._loop.close()
