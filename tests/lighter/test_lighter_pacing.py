"""Lighter's request limits: the tier decides the budget and the weights (standard counts requests,
premium weighs them), the tier is the setting or else what the venue reports for the account, and
the SDK's own key check is paced and counted like the connector's requests."""

from __future__ import annotations

from dataclasses import replace

import pytest
from yarl import URL

from tests.lighter.test_lighter_connector import config
from xtb.connectors.lighter import LighterConnector
from xtb.connectors.lighter.limits import KNOWN_TIERS, TIER_LIMITS, UNKNOWN_TIER_LIMITS, rate_card
from xtb.connectors.pacing import Limit
from xtb.errors import ConfigError
from xtb.sim.server import SimHandle

API = "http://venue/api/v1/"


def cost(tier: str, path: str) -> tuple[int, int]:
    """(weight, sendTx bucket units) of a request under `tier`."""
    price = rate_card(tier).cost("GET", URL(API + path))
    return price.weight, price.units("tx")


def test_standard_counts_requests_premium_weighs_them() -> None:
    assert TIER_LIMITS["standard"] == (Limit("requests", 60, 60, "account"), Limit("tx", 60, 60, "account"))
    assert TIER_LIMITS["premium"] == (Limit("weight", 24_000, 60, "account"), Limit("tx", 4_000, 60, "account"))
    assert cost("standard", "account") == (1, 0)
    assert cost("standard", "sendTx") == (1, 1)
    assert cost("premium", "sendTx") == (6, 1)
    assert cost("premium", "nextNonce") == (6, 0)
    assert cost("premium", "accountInactiveOrders") == (100, 0)
    assert cost("premium", "apikeys") == (150, 0)
    assert cost("premium", "publicPools") == (50, 0)
    assert cost("premium", "accountActiveOrders") == (300, 0)  # every other endpoint
    assert rate_card("Premium").limits == TIER_LIMITS["premium"]
    unknown = rate_card(None)  # before the venue names the tier: priced as premium, paced by both
    assert unknown.cost("GET", URL(API + "apikeys")).weight == 150
    assert {lim.meter for lim in unknown.limits} == {"requests", "weight", "tx"}
    with pytest.raises(ValueError, match="unknown Lighter rate tier"):
        rate_card("gold")


async def test_the_tier_the_venue_reports_sets_the_budget(sim: SimHandle) -> None:
    connector = LighterConnector(config(sim))
    # until the venue names the tier: the standard tier's request count and the premium weights at once
    assert connector.pacer.limits == UNKNOWN_TIER_LIMITS
    await connector.start()
    try:
        assert connector.pacer.limits == TIER_LIMITS["plus"]  # the simulator's test account is a plus account
        assert KNOWN_TIERS[(sim.urls["rest"], sim.account["account_index"])] == "plus"
        # what was sent before the tier was known is in the weight ledger, at its weights
        weight = connector.pacer.status()[0]
        assert (weight.meter, weight.used) == ("weight", sum(e.weight for e in connector.transcript))
        assert weight.used > 300 + 150 + 150 + 300  # the status, both key checks, accountLimits, ...
    finally:
        await connector.stop()


async def test_the_tier_setting_wins_over_the_venues_word(sim: SimHandle) -> None:
    connector = LighterConnector(config(sim, rate_tier="standard"))
    await connector.start()
    try:
        assert connector.pacer.limits == TIER_LIMITS["standard"]
    finally:
        await connector.stop()
    with pytest.raises(ConfigError, match="rate_tier"):
        LighterConnector(replace(config(sim), extra={"rate_tier": "gold"}))


async def test_every_request_the_venue_sees_is_paced_and_counted(sim: SimHandle) -> None:
    connector = LighterConnector(config(sim))
    await connector.start()
    try:
        await connector.get_positions()
    finally:
        await connector.stop()
    seen = [r.path for r in sim.frontend.request_log.records() if not r.path.startswith("/stream")]
    ours = [URL(e.url).path for e in connector.transcript if e.status is not None and e.weight > 0]
    # every request goes through our session (the key is proved over it, not by the SDK's own client)
    assert [e for e in connector.transcript if e.status is None] == []
    assert sorted(ours) == sorted(seen) and "/api/v1/apikeys" in ours
    assert connector.request_usage.requests == len(ours)
    assert sum(e.weight for e in connector.transcript) == connector.request_usage.weight
    premium = [e.weight for e in connector.transcript if URL(e.url).path == "/api/v1/account"]
    assert premium == [300]  # weighed by the premium table once the venue reported the tier


async def test_a_connector_started_later_starts_with_the_tier_this_process_saw(sim: SimHandle) -> None:
    """The suite starts a connector per scenario: the second must not start as a standard stranger
    (60 requests a minute, shared with every earlier start), which held each start for a minute."""
    first = LighterConnector(config(sim))
    await first.start()
    await first.stop()
    second = LighterConnector(config(sim))
    at_first_request = []
    second.pacer.acquire = _spy(second.pacer.acquire, lambda: at_first_request.append(second.pacer.limits))
    await second.start()
    try:
        assert at_first_request[0] == TIER_LIMITS["plus"]
    finally:
        await second.stop()


def _spy(method, before):  # type: ignore[no-untyped-def]
    async def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        before()
        return await method(*args, **kwargs)

    return wrapped
