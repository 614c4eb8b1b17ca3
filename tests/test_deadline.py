"""A step's deadline is on the venue's time: waiting for our own request budget extends it."""

from __future__ import annotations

from tests.fake_venue import FakeConnector, FakeVenue
from xtb.connectors.deadline import VenueDeadline
from xtb.connectors.pacing import Cost, Limit, Pacer, RateCard


async def test_a_wait_for_request_budget_does_not_use_up_the_deadline() -> None:
    connector = FakeConnector(FakeVenue())
    card = RateCard((Limit("weight", 1, 0.3),))
    connector.pacer = Pacer(card, key="deadline-test", clock=connector.clock, margin=1.0)
    await connector.pacer.acquire(Cost(1))  # the budget of the next 0.3 s is spent
    deadline = VenueDeadline(connector, 0.1)
    waited = await connector.pacer.acquire(Cost(1))  # held back by our own pacing, ~0.3 s
    assert waited > 0.1, "the pacer did not hold the request back: the test shows nothing"
    assert not deadline.expired, "a throttled step was counted as the venue not answering"
    assert 0 < deadline.remaining() <= 0.1


async def test_without_pacing_the_deadline_is_the_timeout() -> None:
    connector = FakeConnector(FakeVenue())
    assert VenueDeadline(connector, 0).expired
    later = VenueDeadline(connector, 60)
    assert not later.expired and 59 < later.remaining() <= 60
