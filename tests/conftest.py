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


# ---------------------------------------------------------------------------------------------------
# Hypothesis profiles for the property tests (the simulators' hostile-request tests among them):
# "xtb" keeps the default run fast; `--hypothesis-profile soak` runs many more examples.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - a dev dependency; the property tests need it, nothing else does
    pass
else:
    settings.register_profile(
        "xtb", max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.register_profile("soak", parent=settings.get_profile("xtb"), max_examples=3000)
    settings.load_profile("xtb")
