"""A manual clock with sleeps that end only when the test moves it: pacing waits of a minute are
driven in no time, and a test can prove that a request is still held (its sleep has not ended)."""

from __future__ import annotations

import asyncio

from xtb.change_signal import Changed
from xtb.clock import ManualClock


class ManualTime:
    def __init__(self, start: float = 0.0) -> None:
        self.clock = ManualClock(start=start)
        self.asked: list[float] = []  # every sleep asked for, in seconds
        self.sleeping_changed = Changed()
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    @property
    def sleeping(self) -> int:
        return len(self._sleepers)

    async def sleep(self, seconds: float) -> None:
        """Return once the clock has been moved `seconds` on (never by itself)."""
        self.asked.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.clock.monotonic() + seconds, future))
        self.sleeping_changed.notify()
        try:
            await future
        finally:
            self._sleepers = [s for s in self._sleepers if s[1] is not future]

    def advance(self, seconds: float) -> None:
        """Move the clock on and end every sleep whose time has come."""
        self.clock.advance(seconds)
        now = self.clock.monotonic()
        due = [s for s in self._sleepers if s[0] <= now]
        self._sleepers = [s for s in self._sleepers if s[0] > now]
        for _, future in due:
            if not future.done():
                future.set_result(None)

    async def until_sleeping(self, count: int = 1, timeout: float = 5.0) -> None:
        """Until `count` sleeps are pending (a signal: no polling)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.sleeping < count:
            seen = self.sleeping_changed.version
            if self.sleeping >= count:
                return
            left = deadline - loop.time()
            if left <= 0 or not await self.sleeping_changed.wait(seen, left):
                raise AssertionError(f"{count} sleeps not pending within {timeout}s (pending: {self.sleeping})")
