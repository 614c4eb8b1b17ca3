"""Work a simulator does on a clock rather than on a request: aggregated depth, tickers, pings,
order expiry. Every venue has some; this is the one task that runs it.

The step gets the beat number (1, 2, ...), so a venue with several rates (depth every 200 ms, a
ticker every second) counts them off one beat. A step that raises is logged and the next beat comes
as usual: one bad frame must not silence a venue's streams for the rest of a run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Step = Callable[[int], Awaitable[None]]


class Periodic:
    """Runs `step(beat)` every `interval` seconds in a task of the running loop, from `start` until
    `stop`."""

    def __init__(self, name: str, interval: float, step: Step) -> None:
        if not interval > 0:
            raise ValueError(f"periodic task {name!r} needs a positive interval, got {interval!r}")
        self.name = name
        self.interval = interval
        self._step = step
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError(f"periodic task {self.name!r} is already running")
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Cancel the task and wait until it has ended; a no-op when it is not running. A stop
        that is itself cancelled while it waits stays cancelled."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    async def _run(self) -> None:
        beat = 0
        while True:
            await asyncio.sleep(self.interval)
            beat += 1
            try:
                await self._step(beat)
            except Exception:
                log.exception("periodic task failed name=%s beat=%d", self.name, beat)
