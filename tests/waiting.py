"""Waiting helpers shared by the venue tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from xtb.clock import loop_time

TIMEOUT = 5.0


async def eventually(condition: Callable[[], bool | Awaitable[bool]], timeout: float = TIMEOUT, what: str = "") -> None:
    """Await a condition with a deadline (re-checked every loop turn: it has no signal of its own)."""
    deadline = loop_time() + timeout
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop_time() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s: {what or condition}")
        await asyncio.sleep(0.01)
