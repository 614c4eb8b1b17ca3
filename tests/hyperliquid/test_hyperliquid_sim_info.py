"""The Hyperliquid simulator's `/info` and its run settings, over HTTP (spec §3, §4.2, §9, §10).

Expected shapes and texts come from the spec (fixtures/sim_examples.json and the sections named)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hyperliquid.sim_client import Client, frontend
from xtb.sim.registry import default_registry
from xtb.sim.server import SimHandle

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "sim_examples.json").read_text())
TEXTS = EXAMPLES["texts"]
STRANGER = "0x00000000000000000000000000000000000000aa"


def test_registered_as_builtin() -> None:
    assert "hyperliquid" in default_registry().names()


async def test_meta_numbers_assets_by_index_with_the_delisted_entry(client: Client) -> None:
    """§3: the array index is the asset id and delisted entries keep their index."""
    meta = await client.ok_info({"type": "meta", "dex": ""})
    names = [entry["name"] for entry in meta["universe"]]
    assert names == ["BTC", "ETH", "MATIC", "SOL"]
    assert meta["universe"][2]["isDelisted"] is True
    assert "isDelisted" not in meta["universe"][3]
    assert [(e["szDecimals"], e["maxLeverage"]) for e in meta["universe"]] == [(5, 40), (4, 25), (1, 20), (2, 20)]
    ctxs = await client.ok_info({"type": "metaAndAssetCtxs"})
    assert ctxs[0] == meta and len(ctxs[1]) == 4
    assert set(ctxs[1][1]) == {"dayNtlVlm", "funding", "impactPxs", "markPx", "midPx", "openInterest", "oraclePx",
                               "premium", "prevDayPx", "dayBaseVlm"}  # fmt: skip


async def test_spot_meta_is_consistent_for_the_sdk_constructor(client: Client) -> None:
    """§9: every pair of spotMeta.universe must reference tokens listed in tokens."""
    spot = await client.ok_info({"type": "spotMeta"})
    indices = {token["index"] for token in spot["tokens"]}
    assert all(set(pair["tokens"]) <= indices for pair in spot["universe"])
    assert any(token["name"] == "USDC" for token in spot["tokens"])


async def test_books_and_mids(client: Client) -> None:
    book = await client.ok_info({"type": "l2Book", "coin": "ETH"})
    assert book["coin"] == "ETH" and len(book["levels"]) == 2
    bid, ask = book["levels"][0][0], book["levels"][1][0]
    assert set(bid) == {"px", "sz", "n"} and float(bid["px"]) < float(ask["px"])
    assert await client.ok_info({"type": "l2Book", "coin": "NOPE"}) is None  # §4.2.1 / §10.8
    assert await client.ok_info({"type": "l2Book", "coin": "MATIC"}) is None  # delisted: no book
    mids = await client.ok_info({"type": "allMids", "dex": ""})
    assert set(mids) == {"BTC", "ETH", "SOL"}


async def test_unknown_or_agent_address_has_the_zero_state(client: Client, sim: SimHandle) -> None:
    """§10.8 / hazard 6: an unknown address and the agent's address both get the flat zero shape."""
    agent = frontend(sim).signers.agents_of(client.user)["xtb-sim"]
    expected = json.loads(json.dumps(EXAMPLES["flat_state"]["body"]).replace("1000.0", "0.0"))
    for user in (STRANGER, agent):
        state = await client.ok_info({"type": "clearinghouseState", "user": user, "dex": ""})
        assert {k: v for k, v in state.items() if k != "time"} == expected
        assert isinstance(state["time"], int)
        assert await client.ok_info({"type": "openOrders", "user": user}) == []
        assert await client.ok_info({"type": "userFills", "user": user}) == []


async def test_funded_account_state(client: Client) -> None:
    state = await client.state()
    assert state["marginSummary"]["accountValue"] == "1000000.0"
    assert state["withdrawable"] == "1000000.0"
    assert state["assetPositions"] == []


async def test_order_status_unknown_oid(client: Client) -> None:
    body = await client.ok_info({"type": "orderStatus", "user": client.user, "oid": 1})
    assert body == EXAMPLES["c1_order_status"]["unknown"]


async def test_user_roles(client: Client, sim: SimHandle) -> None:
    """§2.1: userRole for the master, its agent and a stranger."""
    agent = frontend(sim).signers.agents_of(client.user)["xtb-sim"]
    assert await client.ok_info({"type": "userRole", "user": client.user}) == {"role": "user"}
    assert await client.ok_info({"type": "userRole", "user": agent}) == {"role": "agent", "data": {"user": client.user}}
    assert await client.ok_info({"type": "userRole", "user": STRANGER}) == {"role": "missing"}
    agents = await client.ok_info({"type": "extraAgents", "user": client.user})
    assert [(a["name"], a["address"]) for a in agents] == [("xtb-sim", agent)]


async def test_cheap_types(client: Client) -> None:
    status = await client.ok_info({"type": "exchangeStatus"})
    assert status["specialStatuses"] is None and isinstance(status["time"], int)
    limits = await client.ok_info({"type": "userRateLimit", "user": client.user})
    assert limits == {"cumVlm": "0.0", "nRequestsUsed": 0, "nRequestsCap": 10000, "nRequestsSurplus": 0}
    fees = await client.ok_info({"type": "userFees", "user": client.user})
    assert (fees["userCrossRate"], fees["userAddRate"]) == ("0.00045", "0.00015")  # §10.18
    data = await client.ok_info({"type": "activeAssetData", "user": client.user, "coin": "ETH"})
    assert data["leverage"] == {"type": "cross", "value": 20}  # §10.20: min(20, maxLeverage)
    assert await client.ok_info({"type": "candleSnapshot", "req": {"coin": "ETH", "interval": "1m",
                                                                    "startTime": 0}}) == []  # fmt: skip


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "nope"},
        {"notype": 1},
        {"type": "clearinghouseState"},
        {"type": "clearinghouseState", "user": 12},
        {"type": "clearinghouseState", "user": "0x12"},
        {"type": "orderStatus", "user": STRANGER, "oid": -1},
        {"type": "orderStatus", "user": STRANGER, "oid": "0xnothex"},
        {"type": "l2Book", "coin": "ETH", "nSigFigs": 7},
        {"type": "l2Book", "coin": "ETH", "mantissa": 2},
        {"type": "candleSnapshot", "req": {"coin": "ETH", "interval": "7m", "startTime": 0}},
        [1, 2],
        "text",
    ],
)
async def test_bad_info_requests_are_422_plain_text(client: Client, payload: object) -> None:
    """§4.1 / §10.7: HTTP 422 plain text, never a JSON object on 4xx (the SDK would crash)."""
    status, body = await client.info(payload)  # type: ignore[arg-type]
    assert (status, body) == (422, TEXTS["deserialize"])


async def test_transport_errors(client: Client) -> None:
    """§10.7: malformed JSON 400, a missing JSON content type 415; plain text both."""
    assert await client.post("/info", "{", raw=True) == (400, TEXTS["malformed_json"])
    async with client.http.post(client.url + "/info", data=b'{"type":"meta"}') as response:
        assert response.status == 415 and response.content_type == "text/plain"
    async with client.http.get(client.url + "/info") as response:
        assert response.status == 405 and response.content_type == "text/plain"
    async with client.http.post(client.url + "/nope", json={}) as response:
        assert response.status == 404 and response.content_type == "text/plain"


# ------------------------------------------------------------------------------------ settings


async def test_run_settings_through_the_control_api(client: Client, sim: SimHandle) -> None:
    """Every §10 switch is a run setting: PUT /_sim/settings changes it, unknown names are refused."""
    control = sim.urls["control"]
    async with client.http.get(control + "/settings") as response:
        current = await response.json()
    assert current["asset_suffix"] is True and current["network"] == "testnet"
    assert current["taker_fee_rate"] == "0.00045"
    async with client.http.put(control + "/settings", json={"asset_suffix": False, "min_order_value": "20"}) as r:
        assert r.status == 200, await r.text()
    assert frontend(sim).settings.asset_suffix is False
    assert str(frontend(sim).settings.min_order_value) == "20"
    for bad in ({"no_such_switch": 1}, {"asset_suffix": "yes"}, {"network": "devnet"}, {"price_band": "-1"}):
        async with client.http.put(control + "/settings", json=bad) as r:
            assert r.status == 400, bad
    async with client.http.get(control + "/openapi.json") as response:
        schema = json.dumps(await response.json())
    assert "asset_suffix" in schema


def test_credentials_are_deterministic_per_seed() -> None:
    from xtb.clock import ManualClock
    from xtb.sim.engine import Engine
    from xtb.sim.hyperliquid import HyperliquidFrontEnd

    one = HyperliquidFrontEnd(Engine(ManualClock()), seed=7).issue_credentials("a")
    two = HyperliquidFrontEnd(Engine(ManualClock()), seed=7).issue_credentials("a")
    other = HyperliquidFrontEnd(Engine(ManualClock()), seed=8).issue_credentials("a")
    assert one == two != other
    assert set(one) == {"account_address", "agent_private_key", "master_private_key"}
    assert one["account_address"] == one["account_address"].lower() and one["account_address"].startswith("0x")
