"""How to fuzz the Lighter simulator: its read parameters, its transactions (sent as `tx_info` form
fields, re-signed with the test account's key and next nonce whenever the hostile fields can still
be hashed, so the checks behind the signature see them), auth tokens for the private reads, its
stream, and a signed order that must still place afterwards."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from tests.lighter.conftest import Client, frontend, order_fields, private_key, signed_tx_info, start_lighter
from tests.sim.engine_checks import check_engine
from tests.sim.hostile_data import Target
from tests.sim.hostile_harness import Harness, StreamProbe, VenueFuzz
from tests.sim.hostile_http import HostileRequest
from tests.sim.venue_errors import lighter_rest, lighter_ws_error
from xtb.crypto import schnorr
from xtb.sim.lighter import txs as T
from xtb.sim.lighter.settings import DEFAULT_KEY_INDEX, TEST_ACCOUNT
from xtb.sim.server import SimHandle

ACCOUNT, KEY = TEST_ACCOUNT, DEFAULT_KEY_INDEX
PARAMS = (
    "account_index", "market_id", "by", "value", "limit", "api_key_index", "l1_address", "auth", "sort_by",
    "sort_dir", "ask_filter", "client_order_indexes", "filter", "resolution", "asset_id", "tx_type", "tx_info",
    "tx_types", "tx_infos", "price_protection",
)  # fmt: skip
HEADERS = ("Authorization",)
PRIVATE = (
    "/api/v1/accountLimits", "/api/v1/accountActiveOrders", "/api/v1/accountInactiveOrders", "/api/v1/accountOrders",
    "/api/v1/trades", "/api/v1/accountTxs",
)  # fmt: skip


def tx_templates() -> dict[int, dict[str, Any]]:
    now = int(time.time() * 1000)
    common = {"AccountIndex": ACCOUNT, "ApiKeyIndex": KEY}
    tail = {"ExpiredAt": now + 600_000, "Nonce": 0}
    return {
        T.CREATE_ORDER: order_fields(ACCOUNT, KEY, 0),
        T.CANCEL_ORDER: {**common, "MarketIndex": 0, "Index": 1, **tail},
        T.CANCEL_ALL: {**common, "TimeInForce": 0, "Time": 0, **tail},
        T.MODIFY_ORDER: {**common, "MarketIndex": 0, "Index": 1, "BaseAmount": 100, "Price": 299000, "TriggerPrice": 0,
                         **tail},
        T.UPDATE_LEVERAGE: {**common, "MarketIndex": 0, "InitialMarginFraction": 1000, "MarginMode": 0, **tail},
    }  # fmt: skip


def targets(h: Harness) -> dict[str, tuple[Target, ...]]:
    sends = tuple(
        Target("main", "POST", "/api/v1/sendTx", (fields,), form_field="tx_info", form_extra=(("tx_type", str(kind)),))
        for kind, fields in tx_templates().items()
    )
    batch = Target(
        "main", "POST", "/api/v1/sendTxBatch", (order_fields(ACCOUNT, KEY, 0),), batch=True, form_field="tx_infos",
        form_extra=(("tx_types", "[14,14]"),),
    )  # fmt: skip
    account = {"account_index": str(ACCOUNT)}
    reads = (
        Target("main", "GET", "/api/v1/accountInactiveOrders", ({**account, "limit": "10", "market_id": "0"},),
               as_query=True),
        Target("main", "GET", "/api/v1/accountOrders", ({**account, "client_order_indexes": "1,2"},), as_query=True),
        Target("main", "GET", "/api/v1/trades", ({**account, "sort_by": "timestamp", "limit": "5"},), as_query=True),
        Target("main", "GET", "/api/v1/account", ({"by": "index", "value": str(ACCOUNT)},), as_query=True),
        Target("main", "GET", "/api/v1/apikeys", ({**account, "api_key_index": "4"},), as_query=True),
        Target("main", "GET", "/api/v1/nextNonce", ({**account, "api_key_index": "4"},), as_query=True),
        Target("main", "GET", "/api/v1/orderBookOrders", ({"market_id": "0", "limit": "10"},), as_query=True),
        Target("main", "GET", "/api/v1/tx", ({"by": "hash", "value": "00"},), as_query=True),
        *(Target("main", "GET", path) for path in PRIVATE),
    )  # fmt: skip
    return {"transactions": (*sends, batch), "reads": reads}


def token(handle: SimHandle) -> str:
    """A valid auth token of the test account, made in Python (the SDK's signer needs a loop)."""
    deadline = int(frontend(handle).clock.time()) + 600
    signature = schnorr.sign(private_key(handle), T.auth_message(deadline, ACCOUNT, KEY))
    return f"{deadline}:{ACCOUNT}:{KEY}:{signature.hex()}"


async def sign(h: Harness, request: HostileRequest) -> HostileRequest:
    """A private read gets a valid token; a transaction whose fields can still be hashed gets the
    account's next nonce and a valid signature."""
    if unquote(request.path) in PRIVATE:
        return request.with_headers(("Authorization", token(h.handle).encode()))
    if unquote(request.path) != "/api/v1/sendTx" or request.body is None:
        return request
    form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        kind, fields = int(form["tx_type"]), json.loads(form["tx_info"])
        fields.pop("Sig", None)
        fields.pop("L2TxAttributes", None)
        account, key = fields["AccountIndex"], fields["ApiKeyIndex"]
        fields["Nonce"] = frontend(h.handle).keys.next_nonce(account, key)
        info = signed_tx_info(kind, fields, private_key(h.handle))
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError):
        return request  # not something a signer could hash: sent as it is
    body = f"tx_type={kind}&tx_info={quote(info, safe='')}".encode()
    return HostileRequest(request.method, request.path, request.query, request.headers, body, request.site)


async def probe(h: Harness) -> StreamProbe:
    return StreamProbe(h.handle.urls["ws"], '{"type":"ping"}', lambda f: f == {"type": "pong"}, lighter_ws_error)


async def still_serves(h: Harness) -> None:
    """A signed post-only bid still rests and a signed cancel-all still cancels it."""
    client = Client(h.http, h.handle)
    keys, sk = frontend(h.handle).keys, private_key(h.handle)
    fields = order_fields(ACCOUNT, KEY, keys.next_nonce(ACCOUNT, KEY), ClientOrderIndex=4242)
    status, body = await client.send_tx(T.CREATE_ORDER, signed_tx_info(T.CREATE_ORDER, fields, sk))
    assert status == 200, body
    view = h.handle.engine.order_by_client_id(ACCOUNT, 4242)
    assert view is not None and view.is_open, view
    cancel = {"AccountIndex": ACCOUNT, "ApiKeyIndex": KEY, "TimeInForce": 0, "Time": 0,
              "ExpiredAt": int(time.time() * 1000) + 600_000, "Nonce": keys.next_nonce(ACCOUNT, KEY)}  # fmt: skip
    status, body = await client.send_tx(T.CANCEL_ALL, signed_tx_info(T.CANCEL_ALL, cancel, sk))
    assert status == 200, body
    view = h.handle.engine.order(view.order_id)
    assert view is not None and not view.is_open, view
    check_engine(h.handle.engine)


SUBSCRIBES = (
    {"type": "subscribe", "channel": "order_book/0"},
    {"type": "subscribe", "channel": f"account_all/{ACCOUNT}", "auth": "1:2:3:00"},
    {"type": "jsonapi/sendtx", "data": {"tx_type": 14, "tx_info": order_fields(ACCOUNT, KEY, 0), "id": 1}},
)
LIGHTER = VenueFuzz(
    name="lighter", start=start_lighter, shape=lighter_rest, params=PARAMS, headers=HEADERS, targets=targets,
    probe=probe, ws_templates=SUBSCRIBES, still_serves=still_serves, sign=sign,
    content_type=b"application/x-www-form-urlencoded", groups=("transactions", "reads"),
)  # fmt: skip
