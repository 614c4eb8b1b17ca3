"""The simulator's verifier (spec §2.3–§2.7, §10.2–§10.5): every spec vector recovers its signer from the
CANONICAL form the simulator builds (canonical.py), the §2.7 negatives recover the stranger the spec
names, and the §2.5 checks run in the venue's order with its exact texts, driven over HTTP.

Signatures, addresses and answers come from fixtures (signing_vectors.json, sim_examples.json)."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from tests.hyperliquid.sim_client import Client, frontend, session, start_hl, vector_clock
from xtb.clock import ManualClock
from xtb.connectors.hyperliquid.signing import connection_id, recover_l1_signer, recover_user_signer
from xtb.sim.hyperliquid.canonical import Undeserializable, canonical_form, parse_action
from xtb.sim.server import SimHandle

FIXTURES = Path(__file__).parent / "fixtures"
VECTORS = json.loads((FIXTURES / "signing_vectors.json").read_text())
EXAMPLES = json.loads((FIXTURES / "sim_examples.json").read_text())
TEXTS = EXAMPLES["texts"]
KEYS = VECTORS["keys"]
K1 = KEYS["K1"]["address"].lower()
L1 = {v["id"]: v for v in VECTORS["l1"]}
C1_NONCE = 1_733_000_000_000
C1_BODY = EXAMPLES["c1_post_only_request"]["body"]
C2_BODY = EXAMPLES["c2_cancel_by_cloid_request"]["body"]


def sig(vector: dict[str, Any]) -> dict[str, Any]:
    return {k: vector["expected"][k] for k in ("r", "s", "v")}


# ------------------------------------------------------------------------------- canonical form


@pytest.mark.parametrize("vector", [v for v in VECTORS["l1"] if "r" in v["expected"]], ids=lambda v: v["id"])
def test_every_l1_vector_recovers_from_the_canonical_form(vector: dict[str, Any]) -> None:
    """§2.7 V2–V9 and C1–C5: the simulator's canonical form of the vector's action recovers its key."""
    action = canonical_form(vector["action"])
    extra = {"vault_address": vector["vault_address"], "expires_after": vector["expires_after"]}
    signer = recover_l1_signer(action, vector["nonce"], sig(vector), mainnet=vector["mainnet"], **extra)
    assert signer.lower() == KEYS[vector["key"]]["address"].lower()
    if "connection_id" in vector["expected"]:
        cid = connection_id(action, vector["nonce"], vector["vault_address"], vector["expires_after"])
        assert cid.hex() == vector["expected"]["connection_id"]


def test_v1_connection_id_from_the_canonical_form() -> None:
    vector = L1["V1"]
    assert connection_id(canonical_form(vector["action"]), vector["nonce"]).hex() == vector["expected"]["connection_id"]


@pytest.mark.parametrize("vector", VECTORS["user"], ids=lambda v: v["id"])
def test_user_signed_vectors_recover(vector: dict[str, Any]) -> None:
    """V10 (usdSend, withdraw) and C4 (approveAgent) recover K1 under their own EIP-712 types."""
    assert recover_user_signer(vector["action"], sig(vector)).lower() == K1


def _variants() -> list[tuple[str, dict[str, Any]]]:
    base = L1["C1-testnet"]["action"]
    trailing = copy.deepcopy(base)
    trailing["orders"][0]["p"] = "3500.50"
    trailing["orders"][0]["s"] = "0.050"
    upper = copy.deepcopy(base)
    upper["orders"][0]["c"] = "0x0000000000000000000000000000ABCD"
    order = base["orders"][0]
    sorted_keys = {"grouping": "na", "orders": [dict(sorted(order.items()))], "type": "order"}
    extra = copy.deepcopy(base)
    extra["orders"][0]["unknownField"] = 1
    return [("trailing zeros", trailing), ("uppercase cloid", upper), ("sorted map", sorted_keys), ("extra key", extra)]


@pytest.mark.parametrize("name,variant", _variants(), ids=[n for n, _ in _variants()])
def test_the_venue_hashes_its_canonical_form_not_the_bytes_sent(name: str, variant: dict[str, Any]) -> None:
    """§2.3 / §10.2: the venue re-serialises its structs, so these all hash as C1 does."""
    vector = L1["C1-testnet"]
    assert canonical_form(variant) == canonical_form(vector["action"])
    assert connection_id(canonical_form(variant), vector["nonce"]).hex() == vector["expected"]["connection_id"]


def test_false_flags_are_left_out() -> None:
    """§2.3: `f:false` / `a:false` are omitted, `true` kept."""
    assert canonical_form({"type": "cancel", "cancels": [{"a": 1, "o": 2}], "f": False}) == {
        "type": "cancel", "cancels": [{"a": 1, "o": 2}]}  # fmt: skip
    assert canonical_form({"type": "cancel", "cancels": [{"o": 2, "a": 1}], "f": True})["f"] is True
    assert "a" not in canonical_form({"type": "batchModify", "modifies": [], "a": False})


LIMIT = {"a": 1, "b": True, "p": "1", "s": "1", "r": False, "t": {"limit": {"tif": "Gtc"}}}


def _orders(**change: Any) -> dict[str, Any]:
    return {"type": "order", "orders": [{**LIMIT, **change}], "grouping": "na"}


@pytest.mark.parametrize(
    "action",
    [
        _orders(p="1e3"),
        _orders(p=3500),
        _orders(t={"limit": {"tif": "Fok"}}),
        _orders(b=1),
        _orders(c="0x12"),
        {"type": "order", "orders": [], "grouping": "sometimes"},
        {"type": "cancel", "cancels": [{"a": 1, "o": -2}]},
        {"type": "twapOrder"},
        {"type": 7},
    ],
)  # fmt: skip
def test_what_the_venue_types_cannot_hold(action: dict[str, Any]) -> None:
    with pytest.raises(Undeserializable):
        parse_action(action)


# --------------------------------------------------------------------------------- over HTTP


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    """The venue clock where C1 was signed; K1 is the test account's master; ETH quoted so that
    C1's 3500.5 bid rests (best ask above it)."""
    handle = await start_hl(clock=vector_clock(C1_NONCE))
    frontend(handle).register(frontend(handle).test_account, K1)
    handle.control.set_mid("ETH", "3510")
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def client(sim: SimHandle) -> AsyncIterator[Client]:
    account = {**sim.account, "account_address": K1, "master_private_key": KEYS["K1"]["private_key"]}
    async with session() as http:
        yield Client(http, sim, account)


def clock(sim: SimHandle) -> ManualClock:
    assert isinstance(sim.engine.clock, ManualClock)
    return sim.engine.clock


async def test_the_spec_examples_c1_then_c2(client: Client) -> None:
    """§4.3.1 and §4.3.2 word for word: C1 rests as oid 62100000001 with its cloid, C2 cancels it,
    and a second cancel of it is the MissingOrder error."""
    assert await client.post("/exchange", C1_BODY) == (200, EXAMPLES["c1_post_only_request"]["answer"])
    status = await client.ok_info({"type": "orderStatus", "user": K1, "oid": 62100000001})
    expected = EXAMPLES["c1_order_status"]
    assert status["status"] == "order" and status["order"]["status"] == expected["status"]
    assert list(status["order"]["order"]) == expected["order_fields"]
    assert {k: v for k, v in status["order"]["order"].items() if k != "timestamp"} == expected["order"]
    assert await client.post("/exchange", C2_BODY) == (200, EXAMPLES["c2_cancel_by_cloid_request"]["answer"])
    replay = {**C2_BODY, "nonce": C2_BODY["nonce"]}
    assert (await client.post("/exchange", replay))[1] == {
        "status": "err", "response": TEXTS["duplicate_nonce"].format(n=C2_BODY["nonce"])}  # fmt: skip
    again = {"type": "cancelByCloid", "cancels": [{"asset": 1, "cloid": "0x0000000000000000000000000000abcd"}]}
    missing = await client.ok(again, key="master_private_key", nonce=C1_NONCE + 2)
    assert missing == EXAMPLES["c2_cancel_by_cloid_request"]["missing_answer"]["response"]


async def test_a_client_that_signed_trailing_zeros_recovers_a_stranger(client: Client) -> None:
    """§2.7 negative: K1 signed C1 with p "3500.50"; the venue hashes "3500.5" and names a stranger."""
    negative = VECTORS["negative"]["changed_price"]
    body = copy.deepcopy(C1_BODY)
    body["action"]["orders"][0]["p"] = negative["signed_price"]
    body["signature"] = negative["signature"]
    stranger = negative["stranger"].lower()
    assert await client.post("/exchange", body) == (
        200,
        {"status": "err", "response": TEXTS["does_not_exist"].format(addr=stranger)},
    )


async def test_wrong_network_letter_recovers_a_stranger(client: Client, sim: SimHandle) -> None:
    """§2.7 negative: C1's testnet signature read as mainnet (source "a")."""
    control = sim.urls["control"]
    async with client.http.put(control + "/settings", json={"network": "mainnet"}) as response:
        assert response.status == 200
    stranger = VECTORS["negative"]["wrong_source"]["stranger"].lower()
    assert (await client.post("/exchange", C1_BODY))[1] == {
        "status": "err",
        "response": TEXTS["does_not_exist"].format(addr=stranger),
    }
    async with client.http.put(control + "/settings", json={"accept_both_networks": True}) as response:
        assert response.status == 200
    assert (await client.post("/exchange", C1_BODY))[1]["status"] == "ok"  # §10.1: both letters


async def test_expires_after_vector_c3(client: Client, sim: SimHandle) -> None:
    """C3: C1 with expiresAfter recovers K1 while fresh; past it, `Action already expired`, and the
    nonce is consumed (§10.5)."""
    c3 = L1["C3-testnet"]
    body = {**C1_BODY, "signature": sig(c3), "expiresAfter": c3["expires_after"]}
    clock(sim).advance(61)
    assert (await client.post("/exchange", body))[1] == {"status": "err", "response": TEXTS["expired"]}
    assert (await client.post("/exchange", body))[1] == {
        "status": "err",
        "response": TEXTS["duplicate_nonce"].format(n=C1_NONCE),
    }
    limits = await client.ok_info({"type": "userRateLimit", "user": K1})
    assert limits["nRequestsUsed"] == 5  # §10.5: 5 budget units


async def test_expires_after_in_time(client: Client) -> None:
    c3 = L1["C3-testnet"]
    body = {**C1_BODY, "signature": sig(c3), "expiresAfter": c3["expires_after"]}
    assert (await client.post("/exchange", body))[1]["status"] == "ok"


async def test_nonce_window_is_checked_before_the_signature(client: Client) -> None:
    """§2.5 step 2: a nonce outside (T − 2 d, T + 1 d) is refused whatever the signature."""
    low, high = C1_NONCE - 172_800_000, C1_NONCE + 86_400_000
    for nonce, text in ((low - 1, TEXTS["nonce_too_low"].format(n=low - 1, m=low)),
                        (high + 1, TEXTS["nonce_too_high"].format(n=high + 1, m=high))):  # fmt: skip
        body = {**C1_BODY, "nonce": nonce, "signature": {"r": "0x1", "s": "0x1", "v": 27}}
        assert (await client.post("/exchange", body))[1] == {"status": "err", "response": text}


async def test_unrecoverable_signatures(client: Client) -> None:
    for signature in (
        {"r": "0xzz", "s": "0x1", "v": 27},
        {"r": "0x1", "s": "0x1", "v": 29},
        {"r": "0x" + "f" * 64, "s": "0x1", "v": 27},
    ):
        body = {**C1_BODY, "signature": signature}
        assert (await client.post("/exchange", body))[1] == {"status": "err", "response": TEXTS["unable_to_recover"]}


async def test_unpadded_and_unprefixed_signatures_are_accepted(client: Client) -> None:
    """§10.3: r/s with or without `0x`, v 0/1 for 27/28."""
    signature = dict(C1_BODY["signature"])
    signature["r"] = signature["r"].removeprefix("0x")
    signature["v"] -= 27
    assert (await client.post("/exchange", {**C1_BODY, "signature": signature}))[1]["status"] == "ok"


async def test_nonces_per_signer(client: Client, sim: SimHandle) -> None:
    """§2.6: the set is per signer: the master and its agent may each use one nonce once."""
    nonce = client.nonce()
    assert (await client.ok({"type": "noop"}, nonce=nonce)) == {"type": "default"}
    assert await client.err({"type": "noop"}, nonce=nonce) == TEXTS["duplicate_nonce"].format(n=nonce)
    assert (await client.ok({"type": "noop"}, nonce=nonce, key="master_private_key")) == {"type": "default"}


async def test_full_nonce_set_refuses_a_nonce_below_its_minimum(client: Client, sim: SimHandle) -> None:
    control = sim.urls["control"]
    async with client.http.put(control + "/settings", json={"nonce_set_size": 3}) as response:
        assert response.status == 200
    nonces = [C1_NONCE + 10, C1_NONCE + 11, C1_NONCE + 12]
    for nonce in nonces:
        await client.ok({"type": "noop"}, nonce=nonce)
    assert await client.err({"type": "noop"}, nonce=C1_NONCE + 5) == TEXTS["nonce_too_low"].format(
        n=C1_NONCE + 5, m=C1_NONCE + 10
    )


async def test_refused_actions_consume_no_nonce(client: Client) -> None:
    """§2.6: an action answered `status:err` leaves its nonce unused."""
    nonce = client.nonce()
    modify = {"type": "modify", "oid": 1, "order": {**LIMIT, "p": "3400", "s": "0.01"}}
    assert await client.err(modify, nonce=nonce) == TEXTS["cannot_modify"]
    assert await client.ok({"type": "noop"}, nonce=nonce) == {"type": "default"}


async def test_unknown_signer_and_unfunded(client: Client, sim: SimHandle) -> None:
    stranger_key = "0x" + "11" * 32
    account = {**client.account, "agent_private_key": stranger_key}
    stranger = Account.from_key(stranger_key).address.lower()
    other = Client(client.http, sim, account)
    assert await other.err({"type": "noop"}) == TEXTS["does_not_exist"].format(addr=stranger)


async def test_agent_flows_c4(client: Client, sim: SimHandle) -> None:
    """C4: the master approves agent 0x…0001 named bot1 (user-signed, testnet); the agent cannot sign
    user-signed actions; extraAgents lists it; a named agent beyond the quota is refused."""
    c4 = next(v for v in VECTORS["user"] if v["id"] == "C4-approveAgent")
    body = {
        "action": c4["action"],
        "nonce": c4["action"]["nonce"],
        "signature": sig(c4),
        "vaultAddress": None,
        "expiresAfter": None,
    }
    assert await client.post("/exchange", body) == (200, {"status": "ok", "response": {"type": "default"}})
    agents = await client.ok_info({"type": "extraAgents", "user": K1})
    assert ("bot1", "0x0000000000000000000000000000000000000001") in [(a["name"], a["address"]) for a in agents]
    role = await client.ok_info({"type": "userRole", "user": "0x0000000000000000000000000000000000000001"})
    assert role == {"role": "agent", "data": {"user": K1}}
    agent = frontend(sim).signers.agents_of(K1)["xtb-sim"]
    approve = {"type": "approveAgent", "signatureChainId": "0x66eee", "hyperliquidChain": "Testnet",
               "agentAddress": "0x0000000000000000000000000000000000000002", "agentName": "bot2"}  # fmt: skip
    nonce = client.nonce()
    assert await client.err({**approve, "nonce": nonce}, nonce=nonce) == TEXTS["must_deposit"].format(addr=agent)
    nonce = client.nonce()
    assert await client.ok({**approve, "nonce": nonce}, nonce=nonce, key="master_private_key") == {"type": "default"}
    third = {**approve, "agentAddress": "0x0000000000000000000000000000000000000003", "agentName": "bot3"}
    nonce = client.nonce()
    assert await client.err({**third, "nonce": nonce}, nonce=nonce, key="master_private_key") == TEXTS["agent_quota"]
