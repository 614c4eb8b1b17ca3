"""The Hyperliquid tests' simulator: one per test, its markets quoted and frozen (`start_hl`), and
a client that speaks the venue's protocol to it. A test module that needs another clock or market
defines its own `sim`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.hyperliquid.sim_client import Client, session, start_hl
from xtb.sim.server import SimHandle


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_hl()
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def client(sim: SimHandle) -> AsyncIterator[Client]:
    async with session() as http:
        yield Client(http, sim)
