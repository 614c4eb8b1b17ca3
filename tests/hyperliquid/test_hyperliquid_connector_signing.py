"""The connector's side of signing: the wire it builds hashes to the spec's bytes (vector C1), the
envelope signs on the network the venue file names, nonces are one increasing counter per signer
even under concurrency, the error table reads every §8 text, and no key shows anywhere.

Expected values come from fixtures/signing_vectors.json and fixtures/errors.json (copied from the
spec, §2.7 and §8); none is computed by the code under test.
"""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xtb import errors as xtb_errors
from xtb.connectors.hyperliquid import actions, mapping, signing
from xtb.connectors.hyperliquid.auth import HyperliquidSigner, NonceCounter
from xtb.connectors.hyperliquid.errors import TABLE, InvalidNonce
from xtb.errors import AuthError, ConfigError, InvalidOrder, VenueProtocolError
from xtb.model import OrderRequest, OrderState, OrderType, Side, TimeInForce
from xtb.secrets import Secret

FIXTURES = Path(__file__).parent / "fixtures"
VECTORS = json.loads((FIXTURES / "signing_vectors.json").read_text())
ERRORS = json.loads((FIXTURES / "errors.json").read_text())
PAYLOADS = json.loads((FIXTURES / "payloads.json").read_text())
C1 = next(v for v in VECTORS["l1"] if v["id"] == "C1-testnet")
C1_MAINNET = next(v for v in VECTORS["l1"] if v["id"] == "C1-mainnet")
K1 = VECTORS["keys"]["K1"]
ETH = mapping.parse_markets(PAYLOADS["meta"]["payload"])["ETH"]  # asset 1, szDecimals 4 (§3)
CLASSES = {
    "InvalidNonce": InvalidNonce,
    **{name: getattr(xtb_errors, name) for name in dir(xtb_errors) if name[0].isupper()},
}


def key() -> Secret:
    return Secret(K1["private_key"], "agent_private_key")


def c1_request(price: str = "3500.50") -> OrderRequest:
    (order,) = C1["action"]["orders"]
    return OrderRequest(
        "ETH", Side.BUY, Decimal("0.0500"), OrderType.LIMIT, order["c"], Decimal(price), TimeInForce.POST_ONLY
    )


def signer(environment: str, now_ms: int = 1733000000000) -> HyperliquidSigner:
    base = HyperliquidSigner.from_config({"agent_private_key": key()}, {"account_address": K1["address"]}, environment)
    return HyperliquidSigner(base.key, base.signer, base.account, base.mainnet, NonceCounter(lambda: now_ms))


# ------------------------------------------------------------------------------------ order wire


def test_the_order_wire_hashes_to_the_c1_msgpack_bytes() -> None:
    """C1: post-only ETH buy 0.05 @ 3500.5 with a cloid. Built from Decimals with trailing zeros
    ("3500.50", "0.0500"), which must not reach the signed bytes (hazard 3)."""
    action = actions.order_action([actions.order_wire(c1_request(), ETH, Decimal("3500.50"))])
    assert action == C1["action"]
    preimage = signing.action_preimage(action, C1["nonce"])
    assert preimage.hex() == C1["expected"]["msgpack"] + C1["expected"]["preimage_tail"]


@pytest.mark.parametrize("vector", [C1, C1_MAINNET], ids=lambda v: v["id"])
def test_the_envelope_signs_on_the_environment_network(vector: dict[str, Any]) -> None:
    environment = "mainnet" if vector["mainnet"] else "testnet"
    if environment == "mainnet":
        base = signer("testnet")
        chosen = HyperliquidSigner(base.key, base.signer, base.account, True, NonceCounter(lambda: vector["nonce"]))
    else:
        chosen = signer(environment, vector["nonce"])
    body = chosen.envelope(vector["action"])
    assert body["nonce"] == vector["nonce"]
    assert body["signature"] == {part: vector["expected"][part] for part in ("r", "s", "v")}
    assert body["vaultAddress"] is None and body["expiresAfter"] is None


def test_mainnet_needs_the_opt_in_and_simulator_signs_testnet() -> None:
    assert signer("simulator").mainnet is False and signer("testnet").mainnet is False
    from xtb.connectors.config import ConnectorConfig

    with pytest.raises(ConfigError, match="opt-in"):
        ConnectorConfig(venue="hyperliquid", rest_url="http://x", ws_url="ws://x", environment="mainnet")


@pytest.mark.parametrize(("price", "size"), [("3500.55", "0.05"), ("3500.5", "0.00005"), ("-1", "0.05")])
def test_numbers_the_venue_would_refuse_are_refused_never_rounded(price: str, size: str) -> None:
    request = OrderRequest(
        "ETH", Side.BUY, Decimal(size), OrderType.LIMIT, C1["action"]["orders"][0]["c"], Decimal("1"), TimeInForce.GTC
    )
    with pytest.raises(InvalidOrder):
        actions.order_wire(request, ETH, Decimal(price))


def test_tif_and_reduce_only_and_cloid_case() -> None:
    request = OrderRequest(
        "ETH",
        Side.SELL,
        Decimal("0.05"),
        OrderType.LIMIT,
        "0x0000000000000000000000000000ABCD",
        Decimal("3500"),
        TimeInForce.IOC,
        reduce_only=True,
    )
    wire = actions.order_wire(request, ETH, Decimal("3500"))
    assert (wire["b"], wire["p"], wire["r"], wire["t"], wire["c"]) == (
        False,
        "3500",
        True,
        {"limit": {"tif": "Ioc"}},
        "0x0000000000000000000000000000abcd",
    )
    fok = OrderRequest("ETH", Side.SELL, Decimal("0.05"), OrderType.LIMIT, "0x1", Decimal("3500"), TimeInForce.FOK)
    with pytest.raises(VenueProtocolError, match="fok"):
        actions.order_wire(fok, ETH, Decimal("3500"))


def test_cancel_wires_are_the_venue_shapes() -> None:
    assert actions.cancel_action([(1, 62100000001)]) == {"type": "cancel", "cancels": [{"a": 1, "o": 62100000001}]}
    c2 = next(v for v in VECTORS["l1"] if v["id"] == "C2-testnet")
    assert actions.cancel_by_cloid_action(1, "0x0000000000000000000000000000ABCD") == c2["action"]


# ---------------------------------------------------------------------------------------- nonces


async def test_concurrent_actions_in_one_millisecond_get_distinct_increasing_nonces() -> None:
    chosen = signer("testnet", now_ms=1733000000000)  # the clock stands still: one millisecond
    actions_ = [{"type": "noop"}] * 5

    async def sign(action: dict[str, Any]) -> int:
        await asyncio.sleep(0)  # interleave the tasks
        return int(chosen.envelope(action)["nonce"])

    nonces = await asyncio.gather(*(sign(a) for a in actions_))
    assert sorted(nonces) == list(range(1733000000000, 1733000000005))
    assert len(set(nonces)) == 5


def test_the_counter_follows_the_clock_and_never_goes_back() -> None:
    now = [1000]
    counter = NonceCounter(lambda: now[0])
    assert [counter.next(), counter.next()] == [1000, 1001]
    now[0] = 5000
    assert counter.next() == 5000  # fast-forwarded to the clock: stays inside the venue's 2-day window
    now[0] = 10  # a clock that steps back does not make a nonce go back
    assert counter.next() == 5001


def test_one_counter_per_signer_for_the_process() -> None:
    a = HyperliquidSigner.from_config({"agent_private_key": key()}, {"account_address": K1["address"]}, "testnet")
    b = HyperliquidSigner.from_config({"agent_private_key": key()}, {"account_address": "0x" + "11" * 20}, "testnet")
    assert a.nonces is b.nonces  # two connectors on one key share it


# --------------------------------------------------------------------------------------- answers


@pytest.mark.parametrize("case", ERRORS["cases"], ids=lambda c: c["text"][:40])
@pytest.mark.parametrize("suffix", ["", " asset=1"])
def test_every_refusal_text_maps_to_its_error(case: dict[str, Any], suffix: str) -> None:
    text = case["text"] + (suffix if case.get("asset") else "")
    error = TABLE.error("POST /exchange order", 200, None, text)
    assert type(error) is CLASSES[case["error"]], text


@pytest.mark.parametrize("case", ERRORS["transport"], ids=lambda c: str(c["status"]))
def test_transport_statuses(case: dict[str, Any]) -> None:
    assert type(TABLE.error("POST /info", case["status"], None, case["body"])) is CLASSES[case["error"]]


def test_a_whole_request_error_fans_out_to_every_order() -> None:
    answers = PAYLOADS["exchange_answers"]
    fanned = actions.statuses(answers["over_weight"], 3, "order")
    assert fanned == [{"error": "Signed action over weight limit of 200."}] * 3
    batch = actions.statuses(answers["batch"], 3, "order")
    assert batch[0] == {"resting": {"oid": 62100000002}}
    with pytest.raises(VenueProtocolError):
        actions.statuses(answers["batch"], 2, "order")  # a count that does not match
    with pytest.raises(VenueProtocolError):
        actions.statuses(answers["cancel_success"], 1, "order")


def test_order_results() -> None:
    request = c1_request("3500.5")
    answers = PAYLOADS["exchange_answers"]
    (resting,) = actions.statuses(answers["resting"], 1, "order")
    snap = actions.order_result(resting, request)
    assert snap is not None and (snap.state, snap.venue_id) == (OrderState.OPEN, "62100000001")
    for name, error in (
        ("post_only_cross", xtb_errors.PostOnlyWouldCross),
        ("min_value", InvalidOrder),
        ("tick", InvalidOrder),
    ):
        (entry,) = actions.statuses(answers[name], 1, "order")
        with pytest.raises(error):
            actions.order_result(entry, request)
    full = actions.order_result({"filled": {"totalSz": "0.05", "avgPx": "3500.5", "oid": 1}}, request)
    assert full is not None and full.state is OrderState.FILLED and full.avg_fill_price == Decimal("3500.5")
    ioc = OrderRequest("ETH", Side.BUY, Decimal("0.05"), OrderType.LIMIT, "0x1", Decimal("3501"), TimeInForce.IOC)
    part = actions.order_result({"filled": {"totalSz": "0.02", "avgPx": "3500.5", "oid": 1}}, ioc)
    assert part is not None and part.state is OrderState.CANCELLED and part.filled == Decimal("0.02")
    for unknown in ({"accepted": {"oid": 1}}, "resting", {"filled": {"totalSz": "0.06", "avgPx": "1", "oid": 1}}):
        with pytest.raises(VenueProtocolError):
            actions.order_result(unknown, request)


def test_cancel_results() -> None:
    answers = PAYLOADS["exchange_answers"]
    entries = actions.statuses(answers["cancel_batch"], 3, "cancel")
    actions.cancel_result(entries[0])
    for entry in entries[1:]:
        with pytest.raises(xtb_errors.OrderNotFound):
            actions.cancel_result(entry)
    with pytest.raises(VenueProtocolError):
        actions.cancel_result("cancelled")


# --------------------------------------------------------------------------------------- secrets


def test_the_key_never_shows(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    raw = K1["private_key"].removeprefix("0x")
    chosen = signer("testnet")
    texts = [repr(chosen), str(chosen), repr(chosen.key)]
    with pytest.raises(AuthError) as caught:
        HyperliquidSigner.from_config(
            {"agent_private_key": Secret("0x" + "zz" * 32, "agent_private_key")},
            {"account_address": K1["address"]},
            "testnet",
        )
    texts.append(str(caught.value))
    texts += [r.getMessage() for r in caplog.records]
    assert all(raw not in text for text in texts)
    assert K1["address"].lower() in repr(chosen)  # the public address is shown, the key is not


def test_missing_credentials_name_what_the_venue_file_needs() -> None:
    with pytest.raises(ConfigError, match="agent_private_key"):
        HyperliquidSigner.from_config({}, {"account_address": K1["address"]}, "testnet")
    with pytest.raises(ConfigError, match="account_address"):
        HyperliquidSigner.from_config({"agent_private_key": key()}, {}, "testnet")
    with pytest.raises(ConfigError, match="40 hex"):
        HyperliquidSigner.from_config({"agent_private_key": key()}, {"account_address": "0x12"}, "testnet")
