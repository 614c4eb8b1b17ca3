"""How to fuzz the Backpack simulator: its fields, headers and payloads, a signer that signs any
payload the way the venue rebuilds the signed text (so the checks behind the signature see the
hostile fields), its stream, and a signed order that must still place afterwards."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import unquote

from nacl.signing import SigningKey
from yarl import URL

from tests.backpack.conftest import SOL, Client, signer_for, start_backpack
from tests.sim.engine_checks import check_engine
from tests.sim.hostile_data import Target
from tests.sim.hostile_harness import Harness, StreamProbe, VenueFuzz
from tests.sim.hostile_http import HostileRequest
from tests.sim.venue_errors import backpack_rest, backpack_ws_error
from xtb.sim.backpack.auth import INSTRUCTIONS, parse_json, signing_string

PARAMS = (
    "symbol", "orderId", "clientId", "limit", "offset", "marketType", "interval", "sortDirection", "from", "to",
    "fillType", "strategyId", "side", "orderType", "price", "quantity", "quoteQuantity", "timeInForce", "postOnly",
    "reduceOnly", "selfTradePrevention", "triggerPrice", "triggerQuantity",
)  # fmt: skip
HEADERS = ("X-API-Key", "X-Signature", "X-Timestamp", "X-Window")
ORDERS: tuple[dict[str, Any], ...] = (
    {"symbol": SOL, "side": "Bid", "orderType": "Limit", "price": "140.00", "quantity": "1", "clientId": 7},
    {"symbol": SOL, "side": "Ask", "orderType": "Market", "quantity": "1", "timeInForce": "IOC", "reduceOnly": True},
    {"symbol": SOL, "side": "Bid", "orderType": "Limit", "price": "140", "quantity": "0.5", "postOnly": True,
     "selfTradePrevention": "RejectBoth", "autoLend": False},
    {"symbol": SOL, "side": "Bid", "orderType": "Market", "quoteQuantity": "100"},
)  # fmt: skip
CANCELS: tuple[dict[str, Any], ...] = (
    {"symbol": SOL, "orderId": "1"}, {"symbol": SOL, "clientId": 7}, {"symbol": SOL, "orderType": "RestingLimitOrder"},
)  # fmt: skip
QUERIES = ("/api/v1/order", "/api/v1/orders", "/api/v1/position", "/wapi/v1/history/orders", "/wapi/v1/history/fills")
SUBSCRIBES = (
    {"method": "SUBSCRIBE", "params": [f"depth.{SOL}"]},
    {"method": "SUBSCRIBE", "params": ["account.orderUpdate"], "signature": ["k", "s", "1", "5000"]},
)
SYNC = {"method": "SUBSCRIBE", "params": ["account.orderUpdate"], "signature": ["x", "y", "1", "1"]}
SYNC_REPLY = {"id": None, "error": {"code": 4003, "message": "Invalid signature"}}


def targets(h: Harness) -> dict[str, tuple[Target, ...]]:
    return {
        "orders": (
            Target("main", "POST", "/api/v1/order", ORDERS),
            Target("main", "POST", "/api/v1/orders", ORDERS, batch=True),
        ),
        "cancels-and-queries": (
            Target("main", "DELETE", "/api/v1/order", CANCELS),
            Target("main", "DELETE", "/api/v1/orders", CANCELS),
            *(Target("main", "GET", path) for path in QUERIES),
        ),
    }  # fmt: skip


async def sign(h: Harness, request: HostileRequest) -> HostileRequest:
    """Sign whatever the request carries with the test account's key (unless it cannot be signed:
    an unknown instruction, a query that is not ASCII, a string no UTF-8 can carry)."""
    instruction = INSTRUCTIONS.get((request.method, unquote(request.path)))
    if instruction is None or not request.query.isascii():
        return request
    query = list(URL("/?" + request.query, encoded=True).query.items())
    try:
        body = parse_json(request.body) if request.body and request.body.strip() else None
    except (ValueError, RecursionError):  # not JSON: the venue refuses it before the signature matters
        body = None
    timestamp = h.handle.frontend.now_ms()
    try:
        message = signing_string(instruction, query, body, timestamp, 5000).encode()
    except (UnicodeEncodeError, RecursionError):
        return request
    creds = h.handle.account
    signature = SigningKey(base64.b64decode(creds["api_secret"])).sign(message).signature
    return request.with_headers(
        ("X-API-Key", creds["api_key"].encode()),
        ("X-Signature", base64.b64encode(signature)),
        ("X-Timestamp", str(timestamp).encode()),
        ("X-Window", b"5000"),
    )


async def probe(h: Harness) -> StreamProbe:
    return StreamProbe(h.handle.urls["ws"], json.dumps(SYNC), lambda f: f == SYNC_REPLY, backpack_ws_error)


async def still_serves(h: Harness) -> None:
    """A signed order still places and cancels; the books and accounts still add up."""
    client = Client(h.http, h.handle, signer_for(h.handle))
    status, placed, _ = await client.call("POST", "/api/v1/order", body=client.order("140.00", clientId=4242))
    assert status == 200, placed
    status, cancelled, _ = await client.call("DELETE", "/api/v1/order", body={"symbol": SOL, "clientId": 4242})
    assert status == 200 and cancelled["status"] == "Cancelled", cancelled
    check_engine(h.handle.engine)


BACKPACK = VenueFuzz(
    name="backpack", start=start_backpack, shape=backpack_rest, params=PARAMS, headers=HEADERS, targets=targets,
    probe=probe, ws_templates=SUBSCRIBES, still_serves=still_serves, sign=sign,
    groups=("orders", "cancels-and-queries"),
)  # fmt: skip
