"""Aster's error shape `{"code": -NNNN, "msg": "..."}` (spec §7) and the messages it uses.

Handlers raise `AsterError`; the route wrapper turns it into the answer (HTTP 400 unless the code
has its own status). `VenueFaults.error_with_200` makes the next errors come back with HTTP 200,
as the venue sometimes does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json"

MESSAGES: dict[int, str] = {
    -1000: "An unknown error occured while processing the request.",
    -1003: "Too many requests; current limit is %s requests per minute. Please use the websocket for live "
    "updates to avoid polling the API.",
    -1007: "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
    -1015: "Too many new orders; current limit is %s orders per %s.",
    -1020: "This operation is not supported.",
    -1021: "Timestamp for this request is outside of the recvWindow.",
    -1022: "Signature for this request is not valid.",
    -1101: "Duplicate values for a parameter detected.",
    -1104: "Not all sent parameters were read.",
    -1111: "Precision is over the maximum defined for this asset.",
    -1115: "Invalid timeInForce.",
    -1116: "Invalid orderType.",
    -1117: "Invalid side.",
    -1121: "Invalid symbol.",
    -1125: "This listenKey does not exist.",
    -2010: "Duplicate order sent.",
    -2011: "Unknown order sent.",
    -2013: "Order does not exist.",
    -2014: "API-key format invalid.",
    -2015: "Invalid API-key, IP, or permissions for action.",
    -2019: "Margin is insufficient.",
    -2020: "Unable to fill.",
    -2021: "Order would immediately trigger.",
    -2022: "ReduceOnly Order is rejected.",
    -2025: "Reach max open order limit.",
    -4002: "Price greater than max price.",
    -4004: "Quantity less than min quantity.",
    -4005: "Quantity greater than max quantity.",
    -4013: "Price less than min price.",
    -4014: "Price not increased by tick size.",
    -4015: "Client order id is not valid.",
    -4016: "Limit price can't be higher than %s.",
    -4021: "Invalid depth limit.",
    -4023: "Qty not increased by step size.",
    -4024: "Limit price can't be lower than %s.",
    -4046: "No need to change margin type.",
    -4047: "Margin type cannot be changed if there exists open orders.",
    -4048: "Margin type cannot be changed if there exists position.",
    -4059: "No need to change position side.",
    -4060: "Invalid position side.",
    -4061: "Order's position side does not match user's setting.",
    -4062: "Invalid or improper reduceOnly value.",
    -4067: "Position side cannot be changed if there exists open orders.",
    -4068: "Position side cannot be changed if there exists position.",
    -4082: "Invalid number of batch place orders.",
    -4116: "ClientOrderId is duplicated.",
    -4118: "ReduceOnly Order Failed. Please check your existing position and open orders",
    -4131: "The counterparty's best price does not meet the PERCENT_PRICE filter limit.",
    -4164: "Order's notional must be no smaller than 5.0 (unless you choose reduce only)",
    -4225: "Nonce Expired",
    -5021: "Due to the order could not be filled immediately, the FOK order has been rejected.",
    -5022: "Due to the order could not be executed as maker, the Post Only order will be rejected.",
    -5050: "The master wallet has not deposited.",
    -5060: "The limit order price does not meet the PERCENT_PRICE filter limit.",
    -5076: "Total order value should be more than 5 USDT",
}
STATUS: dict[int, int] = {-1003: 429, -1006: 503, -1007: 503}


def json_response(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """Compact JSON in the order the payload builder wrote the keys (the venue does not sort)."""
    return web.Response(
        text=json.dumps(data, separators=(",", ":")), status=status, content_type=JSON_TYPE, headers=headers
    )


class AsterError(Exception):
    """An answer the venue gives instead of the result."""

    def __init__(self, code: int, msg: str | None = None, *, status: int | None = None) -> None:
        self.code = code
        self.msg = msg if msg is not None else MESSAGES.get(code, "An unknown error occured.")
        self.status = status if status is not None else STATUS.get(code, 400)
        self.headers: dict[str, str] = {}
        super().__init__(f"{self.status} {code} {self.msg}")

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "msg": self.msg}

    def response(self, *, status: int | None = None) -> web.Response:
        return json_response(self.body(), status=self.status if status is None else status, headers=self.headers)


def mandatory(name: str) -> AsterError:
    return AsterError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def invalid(name: str) -> AsterError:
    return AsterError(-1130, f"Data sent for parameter '{name}' is not valid.")


def either_id() -> AsterError:
    return AsterError(-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!")


def unsupported() -> AsterError:
    return AsterError(-1020)
