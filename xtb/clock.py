"""Clocks, injectable so that the tracker, connectors and simulators can be driven by tests."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for ordering and durations)."""
        ...

    def time(self) -> float:
        """Wall-clock seconds since the epoch (for venue timestamps)."""
        ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to; `monotonic` and `time` move together."""

    def __init__(self, start: float = 1_000.0, epoch: float = 1_767_225_600.0) -> None:
        self._now = start
        self._epoch_offset = epoch - start

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._now + self._epoch_offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go backwards (advance by {seconds})")
        self._now += seconds


SYSTEM_CLOCK = SystemClock()


def loop_time() -> float:
    """The running event loop's clock. Deadlines and timeouts use it, because waits are real waits
    on that loop; the injectable clocks above only stamp events."""
    import asyncio

    return asyncio.get_running_loop().time()
