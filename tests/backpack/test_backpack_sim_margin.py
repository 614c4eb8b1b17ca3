"""Backpack margin through the simulator (spec §4.14): the account-wide leverage `PATCH
/api/v1/account` sets, and what the venue publishes (`/api/v1/capital/collateral`, `leverageLimit`,
`maxOrderQuantity`, the markets' and collateral's margin functions) against what the engine then
accepts.

Every expected number is worked out here by hand. The test account keeps 1,000 USDC; SOL_USDC_PERP's
mid is 150, so a bid at 140 rests (inside the mark band 135-165) and margins its whole notional at
the account's initial fraction: 1 / leverage, 10 % at the default 10×; the market's imf base 0.02
caps leverage at 50×.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.backpack.conftest import BTC, SOL, Client
from xtb.sim.server import SimHandle

INSUFFICIENT = (400, {"code": "INSUFFICIENT_MARGIN", "message": "Insufficient margin"})
LIMIT = "/api/v1/account/limits/order"


@pytest.fixture
def small(sim: SimHandle) -> SimHandle:
    """The test account down to 1,000 USDC, the SOL book around 150."""
    account = sim.frontend.test_account
    sim.control.fund(account, -(sim.frontend.test_collateral - Decimal(1000)))
    assert sim.control.balances(account)[0].cash == Decimal(1000)
    sim.control.set_mid(SOL, "150")
    return sim


async def place(client: Client, price: str, quantity: str) -> tuple[int, Any]:
    status, body, _ = await client.call("POST", "/api/v1/order", body=client.order(price, quantity))
    return status, body


async def leverage(client: Client, value: Any) -> tuple[int, Any]:
    status, body, _ = await client.call("PATCH", "/api/v1/account", body={"leverageLimit": value})
    return status, body


async def read(client: Client, path: str, **params: Any) -> Any:
    status, body, _ = await client.call("GET", path, params=params)
    assert status == 200, body
    return body


async def max_bid(client: Client, price: str) -> str:
    limit = await read(client, LIMIT, symbol=SOL, side="Bid", price=price)
    return str(limit["maxOrderQuantity"])


async def test_raising_the_leverage_fits_an_order_refused_before(small: SimHandle, client: Client) -> None:
    """72 SOL at 140 is 10,080 notional: 1,008 at 10 % is more than 1,000; 504 at 20× (5 %) fits."""
    assert await place(client, "140", "72") == INSUFFICIENT
    assert await leverage(client, "20") == (200, None)
    assert (await read(client, "/api/v1/account"))["leverageLimit"] == "20"
    status, order = await place(client, "140", "72")
    assert (status, order["status"]) == (200, "New")
    collateral = await read(client, "/api/v1/capital/collateral")
    locked = (collateral["imf"], collateral["netEquityLocked"], collateral["netEquityAvailable"])
    assert locked == ("0.05", "504", "496")


async def test_lowering_the_leverage_refuses_an_order_that_fitted(small: SimHandle, client: Client) -> None:
    """20 SOL at 140 is 2,800 notional: 280 at 10× fits, 1,400 at 2× (50 %) does not."""
    assert await leverage(client, "2") == (200, None)
    assert (await read(client, "/api/v1/account"))["leverageLimit"] == "2"
    assert (await read(client, "/api/v1/capital/collateral"))["imf"] == "0.5"
    assert await place(client, "140", "20") == INSUFFICIENT
    assert await leverage(client, 10) == (200, None)  # a JSON number is a decimal too (§3.3)
    assert (await place(client, "140", "20"))[0] == 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("51", (400, {"code": "MAX_LEVERAGE_REACHED", "message": "Max leverage reached"})),  # above 1 / 0.02
        ("1000", (400, {"code": "MAX_LEVERAGE_REACHED", "message": "Max leverage reached"})),
        ("0.5", (400, {"code": "INVALID_CLIENT_REQUEST", "message": "Leverage limit must be at least 1"})),
        ("0", (400, {"code": "INVALID_CLIENT_REQUEST", "message": "Leverage limit must be at least 1"})),
        ("-5", (400, {"code": "INVALID_CLIENT_REQUEST", "message": "Leverage limit must be at least 1"})),
    ],
)
async def test_a_leverage_out_of_range_is_the_venues_refusal(
    small: SimHandle, client: Client, value: str, expected: tuple[int, Any]
) -> None:
    assert await leverage(client, value) == expected
    assert (await read(client, "/api/v1/account"))["leverageLimit"] == "10"  # unchanged
    assert await max_bid(client, "140") == "71.42"  # 1,000 / (10 % × 140) = 71.428…


async def test_the_highest_leverage_and_badly_typed_settings(small: SimHandle, client: Client) -> None:
    """50× is the imf base's limit and is taken; a value that is no decimal, or a flag that is no
    boolean, is the payload parser's plain-text 400; a settings update without a leverage keeps it."""
    assert await leverage(client, "50") == (200, None)
    assert (await read(client, "/api/v1/account"))["leverageLimit"] == "50"
    assert await max_bid(client, "140") == "357.14"  # 1,000 / (2 % × 140) = 357.142…
    status, body = await leverage(client, "ten")
    assert status == 400 and body.startswith('parse request payload error: failed to parse "Decimal"'), body
    status, body, _ = await client.call("PATCH", "/api/v1/account", body={"autoLend": "yes"})
    assert status == 400 and body.startswith('parse request payload error: failed to parse "boolean"'), body
    assert (await client.call("PATCH", "/api/v1/account", body={"autoLend": False}))[:2] == (200, None)
    assert (await read(client, "/api/v1/account"))["leverageLimit"] == "50"


async def test_published_available_and_max_quantity_are_what_the_engine_accepts(
    small: SimHandle, client: Client
) -> None:
    """At 10× a bid at 140 margins 14 per SOL: 1,000 / 14 = 71.428… → 71.42 (999.88); one step
    more, 71.43, would need 1,000.02. Then 0.12 is left: less than one step (0.14)."""
    collateral = await read(client, "/api/v1/capital/collateral")
    assert (collateral["netEquity"], collateral["netEquityAvailable"], collateral["netEquityLocked"]) == (
        "1000", "1000", "0",
    )  # fmt: skip
    assert await max_bid(client, "140") == "71.42"
    assert await place(client, "140", "71.43") == INSUFFICIENT
    assert (await place(client, "140", "71.42"))[0] == 200
    collateral = await read(client, "/api/v1/capital/collateral")
    assert (collateral["netEquityAvailable"], collateral["netEquityLocked"]) == ("0.12", "999.88")
    withdrawal = await read(client, "/api/v1/account/limits/withdrawal", symbol="USDC")
    assert withdrawal["maxWithdrawalQuantity"] == "0.12"
    assert await max_bid(client, "140") == "0"
    assert await place(client, "140", "0.01") == INSUFFICIENT


async def test_a_runtime_margin_setting_shows_in_what_the_venue_publishes(
    small: SimHandle, client: Client, http: aiohttp.ClientSession
) -> None:
    """SOL at initial 5 % / maintenance 2.5 %: an account that chose no leverage margins SOL at 5 %
    (1,000 / (5 % × 140) = 142.857… → 142.85), its loosest market gives 20×, and the highest
    maintenance fraction is SOL's. BTC keeps 10 % / 1.25 %."""
    margin = {"margin": {SOL: {"initial": "0.05", "maintenance": "0.025"}}}
    async with http.put(small.urls["control"] + "/settings", json=margin) as resp:
        assert resp.status == 200, await resp.text()
    status, markets, _ = await client.call("GET", "/api/v1/markets", signed=False)
    assert status == 200
    functions = {m["symbol"]: (m["imfFunction"]["base"], m["mmfFunction"]["base"]) for m in markets}
    assert functions == {SOL: ("0.02", "0.025"), BTC: ("0.02", "0.0125")}
    status, public, _ = await client.call("GET", "/api/v1/collateral", signed=False)
    assert (public[0]["imfFunction"]["base"], public[0]["mmfFunction"]["base"]) == ("0.05", "0.025")
    collateral = await read(client, "/api/v1/capital/collateral")
    assert (collateral["imf"], collateral["mmf"]) == ("0.05", "0.025")
    assert (await read(client, "/api/v1/account"))["leverageLimit"] == "20"
    assert await max_bid(client, "140") == "142.85"
    assert await place(client, "140", "142.86") == INSUFFICIENT
    assert (await place(client, "140", "142.85"))[0] == 200


async def test_the_leverage_never_goes_below_a_markets_floor(
    small: SimHandle, client: Client, http: aiohttp.ClientSession
) -> None:
    """With SOL's maintenance at 2.5 %, 50× (2 %) is still BTC's; SOL margins at 2.5 %:
    1,000 / (2.5 % × 140) = 285.714… → 285.71. A position shows the fractions it is held to."""
    margin = {"margin": {SOL: {"maintenance": "0.025"}}}
    async with http.put(small.urls["control"] + "/settings", json=margin) as resp:
        assert resp.status == 200, await resp.text()
    assert await leverage(client, "50") == (200, None)
    assert (await read(client, "/api/v1/account"))["leverageLimit"] == "50"
    assert await max_bid(client, "140") == "285.71"
    body = {"symbol": SOL, "side": "Bid", "orderType": "Market", "quantity": "1"}
    assert (await client.call("POST", "/api/v1/order", body=body))[0] == 200
    (position,) = await read(client, "/api/v1/position")
    assert (position["imf"], position["mmf"], position["mmfFunction"]["base"]) == ("0.025", "0.025", "0.025")
