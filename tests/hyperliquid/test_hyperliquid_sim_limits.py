"""The two rate limits (spec §8): IP weight per minute with HTTP 429 and body `null`, and the
per-address action budget with the venue's exact text and its one-per-10-s trickle."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.hyperliquid.sim_client import ETH, Client, order, session, start_hl
from xtb.sim.hyperliquid.limits import exchange_weight, info_weight
from xtb.sim.server import SimHandle

TEXTS = json.loads((Path(__file__).parent / "fixtures" / "sim_examples.json").read_text())["texts"]


def test_weights() -> None:
    """§8: cheap types 2, userRole 60, the rest 20, +1 per 20 history items; /exchange 1 + n // 40."""
    assert info_weight("l2Book", None) == info_weight("clearinghouseState", {}) == 2
    assert info_weight("userRole", {}) == 60
    assert info_weight("meta", {}) == 20
    assert info_weight("userFills", [{}] * 45) == 22
    assert info_weight("candleSnapshot", [{}] * 130) == 22
    assert (exchange_weight(1), exchange_weight(39), exchange_weight(40), exchange_weight(200)) == (1, 1, 2, 6)


@pytest.fixture
async def tight() -> AsyncIterator[SimHandle]:
    handle = await start_hl(ip_weight_per_minute=20, address_budget_base=2)
    try:
        yield handle
    finally:
        await handle.stop()


async def test_ip_limit_is_429_null(tight: SimHandle) -> None:
    async with session() as http:
        client = Client(http, tight)
        assert (await client.info({"type": "meta"}))[0] == 200
        async with http.post(client.url + "/info", json={"type": "meta"}) as response:
            assert response.status == 429 and await response.text() == "null"
        status, body = await client.exchange({"type": "noop"})
        assert (status, body) == (429, None)


async def test_address_budget(tight: SimHandle) -> None:
    """Cap 2 + floor(0): two actions pass, a third passes on the 10-s trickle, the fourth is refused
    with the venue's text; a refused action costs nothing."""
    tight.control.configure({"ip_weight_per_minute": 10_000})
    async with session() as http:
        client = Client(http, tight)
        for _ in range(3):
            assert await client.ok({"type": "noop"}) == {"type": "default"}
        text = await client.err({"type": "noop"})
        assert text == TEXTS["budget"].format(used=4, cap=2, vlm="0.00")
        limits = await client.ok_info({"type": "userRateLimit", "user": client.user})
        assert (limits["nRequestsUsed"], limits["nRequestsCap"]) == (3, 2)


async def test_budget_grows_with_volume(tight: SimHandle) -> None:
    """§8: one request per USDC traded: a 3500 USDC fill lifts the cap to 2 + 3500."""
    tight.control.configure({"ip_weight_per_minute": 10_000})
    async with session() as http:
        client = Client(http, tight)
        await client.place(order(ETH, True, "3600", "1", "Ioc"))
        limits = await client.ok_info({"type": "userRateLimit", "user": client.user})
        assert limits["cumVlm"] == "3500.1" and limits["nRequestsCap"] == 2 + 3500
