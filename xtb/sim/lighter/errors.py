"""Lighter's error shape, `{"code": <int>, "message": "<text>"}` (HTTP 400 unless said otherwise),
and the codes of the spec's §7 table the simulator answers with (21113, which the table leaves
out, is from the venue's published error list: a leverage above the market's maximum)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

ACCOUNT_NOT_FOUND = 21100
INVALID_NONCE = 21104
BATCH_NONCE = 21105
KEY_NOT_REGISTERED = 21108
API_KEY_NOT_FOUND = 21109
INVALID_API_KEY_INDEX = 21110
INVALID_INITIAL_MARGIN_FRACTION = 21113
INVALID_SIGNATURE = 21120
BATCH_MIXED_KEYS = 21121
INVALID_TX_INFO = 21501
UNSUPPORTED_TX_TYPE = 21505
BATCH_LENGTH = 21513
BATCH_TOO_LONG = 21514
NOT_ACTIVE_LIMIT_ORDER = 21600
INVALID_MARKET = 21602
INVALID_ORDER_INDEX = 21700
INVALID_BASE_AMOUNT = 21701
INVALID_PRICE = 21702
INVALID_IS_ASK = 21703
INVALID_ORDER_TYPE = 21704
INVALID_TIME_IN_FORCE = 21705
INVALID_AMOUNT = 21706
INVALID_EXPIRY = 21711
CANCEL_ALL_QUEUED = 21712
INVALID_CANCEL_ALL_TIF = 21713
INVALID_CANCEL_ALL_TIME = 21714
INVALID_CLIENT_ORDER_INDEX = 21727
CLIENT_ORDER_INDEX_EXISTS = 21728
INVALID_TRIGGER_PRICE = 21729
REDUCE_ONLY_INCREASES = 21732
REDUCE_ONLY_DIRECTION = 21738
NOT_ENOUGH_MARGIN = 21739
INVALID_REDUCE_ONLY = 21740
INVALID_PARAM = 20001  # not in the spec's table: the simulator's answer to a malformed parameter
TOO_MANY_REQUESTS = 23000
NOT_FOUND = 29404
INTERNAL = 29500

MESSAGES = {
    INVALID_PARAM: "invalid param",
    ACCOUNT_NOT_FOUND: "account not found",
    INVALID_NONCE: "invalid nonce",
    BATCH_NONCE: "batch transaction nonce is not increasing",
    KEY_NOT_REGISTERED: "invalid PublicKey,please run changePubKey",
    API_KEY_NOT_FOUND: "api key not found",
    INVALID_API_KEY_INDEX: "invalid api key index",
    INVALID_INITIAL_MARGIN_FRACTION: "invalid initial margin fraction",
    INVALID_SIGNATURE: "invalid signature",
    BATCH_MIXED_KEYS: "all transactions in the batch must have use same account and apikey",
    INVALID_TX_INFO: "invalid tx info",
    UNSUPPORTED_TX_TYPE: "unsupported tx type",
    BATCH_LENGTH: "batch length mismatch",
    BATCH_TOO_LONG: "maximum 50 transactions allowed per batch",
    NOT_ACTIVE_LIMIT_ORDER: "given order is not an active limit order",
    INVALID_MARKET: "invalid market index",
    INVALID_ORDER_INDEX: "invalid order index",
    INVALID_BASE_AMOUNT: "invalid base amount",
    INVALID_PRICE: "invalid price",
    INVALID_IS_ASK: "invalid isAsk",
    INVALID_ORDER_TYPE: "invalid OrderType",
    INVALID_TIME_IN_FORCE: "invalid OrderTimeInForce",
    INVALID_AMOUNT: "invalid order base or quote amount",
    INVALID_EXPIRY: "invalid expiry",
    CANCEL_ALL_QUEUED: "queued cancel all orders exists",
    INVALID_CANCEL_ALL_TIF: "invalid cancel all time in force",
    INVALID_CANCEL_ALL_TIME: "invalid cancel all time",
    INVALID_CLIENT_ORDER_INDEX: "invalid client order index",
    CLIENT_ORDER_INDEX_EXISTS: "client order index already exists",
    INVALID_TRIGGER_PRICE: "invalid order trigger price",
    REDUCE_ONLY_INCREASES: "reduce only order increases position",
    REDUCE_ONLY_DIRECTION: "invalid reduce only direction",
    NOT_ENOUGH_MARGIN: "not enough margin to create the order",
    INVALID_REDUCE_ONLY: "invalid reduce only mode",
    TOO_MANY_REQUESTS: "Too Many Requests!",
    NOT_FOUND: "not found",
    INTERNAL: "internal server error",
}


def json_response(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(data, separators=(",", ":")), status=status, content_type="application/json", headers=headers
    )


class LighterError(Exception):
    """A refusal in the venue's shape; `detail` (when given) follows the code's message after ": "."""

    def __init__(self, code: int, detail: str = "", *, status: int = 400, message: str | None = None) -> None:
        text = message if message is not None else MESSAGES.get(code, "error")
        if detail:
            text = f"{text}: {detail}"
        super().__init__(f"{code} {text}")
        self.code = code
        self.message = text
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}

    def response(self) -> web.Response:
        return json_response(self.body(), status=self.status)


def invalid_tx_info(detail: str) -> LighterError:
    return LighterError(INVALID_TX_INFO, detail)
