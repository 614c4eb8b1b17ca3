"""How to fuzz the Hyperliquid simulator: JSON bodies on `POST /info` (every type the simulator
answers, with hostile values) and `POST /exchange` (the envelope of each action, re-signed with the
test account's agent key over the simulator's canonical form whenever the mutated action still fits
the venue's types, so the checks behind the signature see it), and a signed order that must still
rest and cancel afterwards. The IP weight limit is lifted: its 429 is a documented answer, but it
would hide the validation behind it."""

from __future__ import annotations

import json

from tests.hyperliquid.sim_client import ETH, Client, order, start_hl
from tests.sim.engine_checks import check_engine
from tests.sim.hostile_data import Target
from tests.sim.hostile_harness import Harness, StreamProbe, VenueFuzz
from tests.sim.hostile_http import HostileRequest
from tests.sim.venue_errors import hyperliquid_rest, hyperliquid_ws_error
from xtb.connectors.hyperliquid.signing import sign_l1_action, sign_user_action
from xtb.secrets import Secret
from xtb.sim.hyperliquid.canonical import parse_action
from xtb.sim.server import SimHandle

PARAMS = ("type", "user", "coin", "oid", "req", "startTime", "endTime", "dex", "nSigFigs", "mantissa")
USER = "0x0000000000000000000000000000000000000001"
CLOID = "0x0000000000000000000000000000abcd"


async def start() -> SimHandle:
    return await start_hl(ip_weight_per_minute=10**9, address_budget_base=10**9)


def targets(h: Harness) -> dict[str, tuple[Target, ...]]:
    user = h.handle.account["account_address"]
    infos = (
        {"type": "meta", "dex": ""}, {"type": "spotMeta"}, {"type": "metaAndAssetCtxs"}, {"type": "allMids"},
        {"type": "l2Book", "coin": "ETH", "nSigFigs": 5, "mantissa": 2}, {"type": "clearinghouseState", "user": user},
        {"type": "openOrders", "user": user}, {"type": "frontendOpenOrders", "user": user, "dex": ""},
        {"type": "orderStatus", "user": user, "oid": CLOID}, {"type": "historicalOrders", "user": user},
        {"type": "userFills", "user": user, "aggregateByTime": True},
        {"type": "userFillsByTime", "user": user, "startTime": 0, "endTime": 1},
        {"type": "userRateLimit", "user": user},
        {"type": "candleSnapshot", "req": {"coin": "ETH", "interval": "1m", "startTime": 0, "endTime": 1}},
        {"type": "fundingHistory", "coin": "ETH", "startTime": 0},
        {"type": "userFunding", "user": user, "startTime": 0},
        {"type": "userFees", "user": user}, {"type": "userRole", "user": USER}, {"type": "extraAgents", "user": user},
        {"type": "exchangeStatus"}, {"type": "activeAssetData", "user": user, "coin": "ETH"},
        {"type": "maxBuilderFee", "user": user, "builder": USER}, {"type": "webData2", "user": user},
        {"type": "perpDexs"}, {"type": "subAccounts", "user": user}, {"type": "portfolio", "user": user},
    )  # fmt: skip
    wire = order(ETH, True, "3400", "0.01", cloid=CLOID)
    actions = (
        {"type": "order", "orders": [wire, order(ETH, False, "3600", "0.01", "Alo")], "grouping": "na"},
        {"type": "order", "orders": [{**wire, "t": {"trigger": {"isMarket": True, "triggerPx": "3300", "tpsl": "sl"}}}],
         "grouping": "normalTpsl", "builder": {"b": USER, "f": 1}},
        {"type": "cancel", "cancels": [{"a": ETH, "o": 62100000001}]},
        {"type": "cancelByCloid", "cancels": [{"asset": ETH, "cloid": CLOID}]},
        {"type": "modify", "oid": 62100000001, "order": wire},
        {"type": "batchModify", "modifies": [{"oid": CLOID, "order": wire}]},
        {"type": "scheduleCancel", "time": 1},
        {"type": "updateLeverage", "asset": ETH, "isCross": True, "leverage": 10},
        {"type": "noop"},
        {"type": "updateIsolatedMargin", "asset": ETH, "isBuy": True, "ntli": 1000000},
        {"type": "topUpIsolatedOnlyMargin", "asset": ETH, "leverage": "5"},
        {"type": "approveBuilderFee", "signatureChainId": "0x66eee", "hyperliquidChain": "Testnet",
         "maxFeeRate": "0.001%", "builder": USER, "nonce": 1},
        {"type": "approveAgent", "signatureChainId": "0x66eee", "hyperliquidChain": "Testnet", "agentAddress": USER,
         "agentName": "fuzz", "nonce": 1},
    )  # fmt: skip
    signature = {"r": "0x1", "s": "0x1", "v": 27}
    envelopes = tuple(
        {"action": a, "nonce": 1, "signature": signature, "vaultAddress": None, "expiresAfter": None} for a in actions
    )
    return {
        "info": (Target("main", "POST", "/info", infos),),
        "exchange": (Target("main", "POST", "/exchange", envelopes),),
    }


async def sign(h: Harness, request: HostileRequest) -> HostileRequest:
    """An `/exchange` body whose action still fits the venue's types gets a fresh nonce and the
    agent's signature (the master's for a user-signed action) over the canonical form."""
    if request.path != "/exchange" or request.body is None:
        return request
    try:
        body = json.loads(request.body)
        parsed = parse_action(body["action"])
        nonce = Client(h.http, h.handle).nonce() + h.state.setdefault("nonces", 0)
        h.state["nonces"] += 1
        account = h.handle.account
        if parsed.user_signed:
            action = {**body["action"], "nonce": nonce}
            signature = sign_user_action(
                Secret(account["master_private_key"], name="master"), parsed.canonical | {"nonce": nonce}
            )
        else:
            action = body["action"]
            vault = body.get("vaultAddress") if isinstance(body.get("vaultAddress"), str) else None
            expires = body.get("expiresAfter") if type(body.get("expiresAfter")) is int else None
            signature = sign_l1_action(Secret(account["agent_private_key"], name="agent"), parsed.canonical, nonce,
                                       mainnet=False, vault_address=vault, expires_after=expires)  # fmt: skip
        text = json.dumps({**body, "action": action, "nonce": nonce, "signature": signature})
    except Exception:  # Undeserializable, or a field no signer can hash
        return request  # not something a signer could hash: sent as it is
    return HostileRequest(request.method, request.path, request.query, request.headers, text.encode(), request.site)


async def probe(h: Harness) -> StreamProbe:
    """§5.1: `{"method":"ping"}` → `{"channel":"pong"}` (answered once H-simws's streams land)."""
    return StreamProbe(
        h.handle.urls["ws"], '{"method":"ping"}', lambda f: f == {"channel": "pong"}, hyperliquid_ws_error
    )


async def still_serves(h: Harness) -> None:
    """With any scheduled cancel cleared, a signed bid still rests and a signed cancel still cancels it."""
    check_engine(h.handle.engine)
    client = Client(h.http, h.handle)
    client._last_nonce = client.nonce() + h.state.get("nonces", 0) + 1
    assert await client.ok({"type": "scheduleCancel"}) == {"type": "default"}  # disarm a fuzzed schedule
    statuses = await client.place(order(ETH, True, "3400", "0.01"))
    oid = statuses[0]["resting"]["oid"]
    response = await client.ok({"type": "cancel", "cancels": [{"a": ETH, "o": oid}]})
    assert response["data"]["statuses"] == ["success"], response
    check_engine(h.handle.engine)


SUBSCRIBES = (
    {"method": "subscribe", "subscription": {"type": "l2Book", "coin": "ETH"}},
    {"method": "subscribe", "subscription": {"type": "activeAssetData", "user": USER, "coin": "ETH"}},
    {"method": "subscribe", "subscription": {"type": "webData2", "user": USER}},
    {"method": "post", "id": 1, "request": {"type": "info", "payload": {"type": "meta"}}},
)
HYPERLIQUID = VenueFuzz(
    name="hyperliquid", start=start, shape=hyperliquid_rest, params=PARAMS, headers=(), targets=targets, probe=probe,
    ws_templates=SUBSCRIBES, still_serves=still_serves, sign=sign, groups=("info", "exchange"),
)  # fmt: skip
