"""How to fuzz the Aster simulator: its parameters (query or form, valid-looking ones with hostile
values), signed the V3 way on `/fapi/v3` and the V1 way elsewhere so the checks behind the signature
see them, its stream, and a signed order that must still place afterwards. Rate limits are lifted:
their 429 is a documented answer, but it would hide the validation behind it from the fuzzing."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.aster.conftest import ETH, Client, start_aster, v1_signer, v3_signer
from tests.sim.engine_checks import check_engine
from tests.sim.hostile_data import Target
from tests.sim.hostile_harness import Harness, StreamProbe, VenueFuzz
from tests.sim.hostile_http import HostileRequest
from tests.sim.venue_errors import aster_rest, aster_ws_error
from xtb.sim.aster.settings import RateLimits
from xtb.sim.server import SimHandle

PARAMS = (
    "symbol", "side", "type", "timeInForce", "quantity", "price", "newClientOrderId", "orderId", "origClientOrderId",
    "limit", "startTime", "endTime", "fromId", "leverage", "marginType", "dualSidePosition", "multiAssetsMargin",
    "reduceOnly", "positionSide", "batchOrders", "orderIdList", "origClientOrderIdList", "countdownTime",
    "recvWindow", "timestamp", "listenKey", "stopPrice", "workingType", "priceProtect", "closePosition",
    "newOrderRespType", "interval", "amount", "user", "signer", "nonce", "signature", "stpMode",
)  # fmt: skip
HEADERS = ("X-MBX-APIKEY",)
UNLIMITED = RateLimits(weight_per_minute=10**9, orders_per_10s=10**9, orders_per_minute=10**9)
SYNC = '{"method":"LIST_SUBSCRIPTIONS","id":424242}'


async def start() -> SimHandle:
    return await start_aster(rate_limits=UNLIMITED)


def targets(h: Harness) -> dict[str, tuple[Target, ...]]:
    limit = {"symbol": ETH, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
             "price": "2990.00", "newClientOrderId": "x1"}  # fmt: skip
    market = {"symbol": ETH, "side": "SELL", "type": "MARKET", "quantity": "0.010", "reduceOnly": "true"}
    stop = {**limit, "type": "STOP", "stopPrice": "3100", "workingType": "MARK_PRICE", "positionSide": "BOTH"}
    ids = ({"symbol": ETH, "orderId": "1"}, {"symbol": ETH, "origClientOrderId": "x1"})
    period = {"symbol": ETH, "startTime": "0", "endTime": "1", "limit": "10"}

    def api(method: str, name: str, *templates: dict[str, Any], version: str = "v3") -> Target:
        return Target("main", method, f"/fapi/{version}/{name}", templates, as_query=True)

    return {
        "orders": (
            api("POST", "order", limit, market, stop),
            api("POST", "order", limit, market, version="v1"),
            api("POST", "batchOrders", {"batchOrders": [limit, market]}),
        ),
        "others": (
            api("DELETE", "order", *ids), api("GET", "order", *ids), api("GET", "openOrder", *ids),
            api("GET", "openOrders", {"symbol": ETH}), api("GET", "allOrders", period),
            api("GET", "userTrades", period),
            api("DELETE", "batchOrders", {"symbol": ETH, "orderIdList": "[1,2]"},
                {"symbol": ETH, "origClientOrderIdList": '["x1"]'}),
            api("DELETE", "allOpenOrders", {"symbol": ETH}), api("POST", "leverage", {"symbol": ETH, "leverage": "10"}),
            api("POST", "marginType", {"symbol": ETH, "marginType": "ISOLATED"}),
            api("POST", "positionSide/dual", {"dualSidePosition": "true"}),
            api("POST", "countdownCancelAll", {"symbol": ETH, "countdownTime": "1000"}),
            api("POST", "positionMargin", {"symbol": ETH, "amount": "1", "type": "1"}),
            api("GET", "depth", {"symbol": ETH, "limit": "10"}),
            api("GET", "klines", {"symbol": ETH, "interval": "1m", "limit": "5"}),
            api("GET", "income", {"symbol": ETH, "limit": "5"}), api("POST", "stpMode", {"stpMode": "EXPIRE_TAKER"}),
        ),
    }  # fmt: skip


async def sign(h: Harness, request: HostileRequest) -> HostileRequest:
    """Sign the query's pairs as they arrived: V3 on `/fapi/v3` (and the management routes), V1
    (API key + HMAC) on the other versions."""
    path = unquote(request.path)
    if not path.startswith(("/fapi/", "/api/")):
        return request
    pairs = parse_qsl(request.query, keep_blank_values=True, errors="replace")
    try:
        if "/v3/" in path:
            return HostileRequest(request.method, request.path, v3_signer(h.handle).signed_text(pairs),
                                  request.headers, request.body, request.site)  # fmt: skip
        v1 = v1_signer(h.handle)
        text = v1.signed_text(pairs, h.handle.frontend.now_ms())
    except UnicodeEncodeError:
        return request  # a lone surrogate no signer can encode: sent as it is
    signed = HostileRequest(request.method, request.path, text, request.headers, request.body, request.site)
    return signed.with_headers(*((k, v.encode()) for k, v in v1.headers().items()))


async def probe(h: Harness) -> StreamProbe:
    def is_sync(frame: Any) -> bool:
        return isinstance(frame, dict) and frame.get("id") == 424242 and "result" in frame

    return StreamProbe(h.handle.urls["ws"] + "/ws", SYNC, is_sync, aster_ws_error)


async def still_serves(h: Harness) -> None:
    """A V3-signed limit bid still rests and still cancels, in whichever position mode the fuzzed
    requests left the account (well-formed ones may switch it), with no cancel-all countdown."""
    check_engine(h.handle.engine)
    client = Client(h.http, h.handle)
    disarm = [("symbol", ETH), ("countdownTime", "0")]
    status, body, _ = await client.call("POST", "/fapi/v3/countdownCancelAll", disarm)
    assert status == 200, body
    status, mode, _ = await client.call("GET", "/fapi/v3/positionSide/dual")
    assert status == 200, mode
    side = {"positionSide": "LONG"} if mode["dualSidePosition"] else {}
    status, placed, _ = await client.call("POST", "/fapi/v3/order", client.order("2990.00", **side))
    assert status == 200, placed
    pairs = [("symbol", ETH), ("orderId", str(placed["orderId"]))]
    status, cancelled, _ = await client.call("DELETE", "/fapi/v3/order", pairs)
    assert status == 200 and cancelled["status"] == "CANCELED", cancelled
    check_engine(h.handle.engine)


SUBSCRIBES = (
    {"method": "SUBSCRIBE", "params": ["ethusdt@depth5@100ms", "ethusdt@aggTrade"], "id": 1},
    {"method": "SET_PROPERTY", "params": ["combined", True], "id": 2},
    {"method": "UNSUBSCRIBE", "params": ["ethusdt@depth"], "id": 3},
)
ASTER = VenueFuzz(
    name="aster", start=start, shape=aster_rest, params=PARAMS, headers=HEADERS, targets=targets, probe=probe,
    ws_templates=SUBSCRIBES, still_serves=still_serves, sign=sign, groups=("orders", "others"),
    content_type=b"application/x-www-form-urlencoded",
)  # fmt: skip
