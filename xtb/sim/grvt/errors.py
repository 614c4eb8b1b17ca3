"""GRVT's error shapes (spec §7): `{code, message, status}` on REST with the same HTTP status (`{c, m,
s}` on lite routes), `{status, message}` on the edge's login routes, `error: {code, message}` in
JSON-RPC frames. The messages are the venue's own (api-spec `apispec.json`)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json"

CATALOGUE: dict[int, tuple[str, int]] = {
    1000: ("You need to authenticate prior to using this functionality", 401),
    1001: ("You are not authorized to access this functionality", 403),
    1002: ("Internal Server Error", 500),
    1003: ("Request could not be processed due to malformed syntax", 400),
    1004: ("Data Not Found", 404),
    1005: ("Unknown Error", 500),
    1006: ("You have surpassed the allocated rate limit for your tier", 429),
    1008: ("Your IP has not been whitelisted for access", 401),
    1009: ("We are temporarily deactivating this API endpoint, please try again later", 503),
    1012: ("Invalid signature chain ID", 400),
    1101: ("Feed Format must be in the format of <primary>@<secondary>", 400),
    1102: ("Wrong number of primary selectors", 400),
    1103: ("Wrong number of secondary selectors", 400),
    1400: ("Signer does not have trade permission", 403),
    2000: ("Signature is from an unauthorized signer", 403),
    2001: ("Signature has expired", 403),
    2002: ("Signature does not match payload", 403),
    2003: ("Order sub account does not match logged in user", 403),
    2004: ("Signature is from an expired session key", 403),
    2005: ("Signature V must be 27/28", 403),
    2006: ("Signature R/S must have exactly 64 characters long without 0x prefix", 403),
    2007: ("Signature S must be in the lower half of the curve", 403),
    2008: ("Signature exceeds maximum allowed duration.", 403),
    2010: ("Order ID should be empty when creating an order", 400),
    2011: ("Client Order ID should be supplied when creating an order", 400),
    2012: ("Client Order ID overlaps with existing active order", 400),
    2020: ("Market Order must always be supplied without a limit price", 400),
    2021: ("Limit Order must always be supplied with a limit price", 400),
    2030: ("Orderbook Orders must have a TimeInForce of GTT/IOC/FOK", 400),
    2032: ("Post Only can only be set to true for GTT/AON orders", 400),
    2040: ("Order must contain at least one leg", 400),
    2042: ("Orderbook Orders must contain only one leg", 400),
    2050: ("Order state must be empty upon creation", 400),
    2060: ("Order Legs contain one or more inactive derivative", 400),
    2061: ("Unsupported Instrument Requested", 400),
    2062: ("Order size smaller than min size", 400),
    2064: ("Invalid limit price tick", 400),
    2065: ("Order size too granular", 400),
    2066: ("Order below minimum notional. Please try again with a higher price or size.", 400),
    2067: ("Order below minimum notional. Please try reducing your position again with a higher price or size.", 400),
    2081: ("Order Fill would result in exceeding maximum position size", 400),
    2082: ("Pre-order check failed", 400),
    2090: ("Max open orders exceeded", 429),
    2100: ("Invalid initial leverage", 400),
    2107: ("Attempted to set leverage below minimum", 400),
    2108: ("Attempted to set leverage above maximum", 400),
    2233: ("Both order ID and client order ID cannot be provided", 400),
    2300: ("Order cancel time-to-live settings currently disabled.", 400),
    2301: ("Order cancel time-to-live exceeds maximum allowed value.", 400),
    2400: ("Reduce only order with no position", 400),
    2401: ("Reduce only order must not increase position size", 400),
    2402: ("Reduce only order size exceeds maximum allowed value", 400),
    3000: ("Instrument is invalid", 400),
    3011: ("Limit exceeds min or max value", 400),
    3020: ("Sub account ID must be an uint64 integer", 400),
    3021: ("Either order ID or client order ID must be supplied", 400),
    3030: ("Feed rate is invalid", 400),
    3031: ("Depth is invalid", 400),
    3040: ("Candlestick interval is invalid", 400),
    3041: ("Candlestick type is invalid", 400),
    6000: ("Countdown time is bigger than 300s supported", 400),
    # builder codes (§4.10); the api-spec file has no text for them
    7500: ("Builder fee exceeds the maximum authorized by the user", 400),
    7501: ("Builder fee must not be negative", 400),
    7502: ("Builder does not exist", 400),
    7503: ("Builder is already authorized with this fee", 400),
    7504: ("Builder is not authorized by the user", 400),
}

_STATUS_CODES = {400: 1003, 401: 1000, 403: 1001, 404: 1004, 429: 1006, 500: 1002, 503: 1009}


class GrvtError(Exception):
    """A venue error a handler raises; the transport renders it in its own shape."""

    def __init__(self, code: int, message: str | None = None, status: int | None = None) -> None:
        text, default_status = CATALOGUE.get(code, ("Unknown Error", 500))
        self.code = code
        self.message = message or text
        self.status = status or default_status
        super().__init__(f"{self.code} {self.message}")

    @classmethod
    def for_status(cls, status: int, message: str) -> GrvtError:
        """A generic error for a bare HTTP status (faults, crashes)."""
        return cls(_STATUS_CODES.get(status, 1005), message, status)

    def body(self, lite: bool = False) -> dict[str, Any]:
        if lite:
            return {"c": self.code, "m": self.message, "s": self.status}
        return {"code": self.code, "message": self.message, "status": self.status}

    def response(self, lite: bool = False) -> web.Response:
        return json_response(self.body(lite), status=self.status)


class EdgeError(Exception):
    """A login-route error: `{"status", "message"}` (observed shape)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message

    def response(self) -> web.Response:
        return json_response({"status": self.status, "message": self.message}, status=self.status)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON served as `application/json` (the async SDK decodes nothing else)."""
    return web.Response(
        text=json.dumps(data, separators=(",", ":")), status=status, content_type=JSON_TYPE, headers=headers
    )
