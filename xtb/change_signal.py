"""A change signal that many coroutines can await without missing a change.

`Changed.wait(version)` returns as soon as the version has moved past the one the waiter saw, so a
change that happens between reading state and starting to wait is never lost.
"""

from __future__ import annotations

import asyncio


class Changed:
    def __init__(self) -> None:
        self.version = 0
        self._waiters: list[asyncio.Future[int]] = []

    def notify(self) -> None:
        self.version += 1
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(self.version)

    async def wait(self, seen: int, timeout: float | None = None) -> bool:
        """Wait until the version differs from `seen`. Returns False if `timeout` ran out first."""
        if self.version != seen:
            return True
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(asyncio.shield(fut), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            if not fut.done():
                fut.cancel()
            if fut in self._waiters:
                self._waiters.remove(fut)


async def wait_any(watches: list[tuple[Changed, int]], timeout: float | None) -> bool:
    """Wait until any of the signals moves past the version seen. False if `timeout` ran out."""
    if any(changed.version != seen for changed, seen in watches):
        return True
    tasks = [asyncio.ensure_future(changed.wait(seen)) for changed, seen in watches]
    try:
        done, _ = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return bool(done)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
