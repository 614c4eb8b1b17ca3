from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fake_venue import FakeConnector, FakeVenue


@pytest.fixture
def venue() -> FakeVenue:
    return FakeVenue()


@pytest.fixture
async def connector(venue: FakeVenue) -> AsyncIterator[FakeConnector]:
    conn = FakeConnector(venue)
    await conn.start()
    try:
        yield conn
    finally:
        await conn.stop()
