"""Each venue's error shapes as its spec (§7, §5) documents them, written down independently of the
simulators' code so the hostile-request tests can tell an answer in the venue's shape from one that
is not. A checker returns None for an answer in the venue's shape, else why it is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from tests.sim.hostile_http import Answer, HostileRequest

RestCheck = Callable[[HostileRequest, Answer], "str | None"]

# Backpack §7.3, the ApiErrorCode enum.
BACKPACK_CODES = frozenset(
    "ACCOUNT_DEACTIVATED ACCOUNT_LIQUIDATING BORROW_LIMIT BORROW_REQUIRES_LEND_REDEEM FORBIDDEN INSUFFICIENT_FUNDS "
    "INSUFFICIENT_MARGIN INSUFFICIENT_SUPPLY INVALID_ASSET INVALID_CLIENT_REQUEST INVALID_MARKET INVALID_ORDER "
    "INVALID_PRICE INVALID_POSITION_ID INVALID_QUANTITY INVALID_RANGE INVALID_SIGNATURE INVALID_SOURCE "
    "INVALID_SYMBOL INVALID_TWO_FACTOR_CODE LEND_LIMIT LEND_REQUIRES_BORROW_REPAY MAINTENANCE MAX_LEVERAGE_REACHED "
    "NOT_IMPLEMENTED ORDER_LIMIT POSITION_LIMIT PRECONDITION_FAILED RESOURCE_NOT_FOUND SERVER_ERROR TIMEOUT "
    "TOO_EARLY TOO_MANY_REQUESTS TRADING_PAUSED UNAUTHORIZED".split()
)
# Backpack §7.2: parameter and body parse failures are plain text, and so is an unknown path.
BACKPACK_TEXTS = ("failed to parse parameter `", "parse request payload error: ")


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def backpack_rest(request: HostileRequest, answer: Answer) -> str | None:
    """§7.2: JSON `{"code": <ApiErrorCode>, "message"}`, or the documented plain-text pages."""
    if answer.content_type == "text/plain":
        text = answer.text
        if text == "not found" or text.startswith(BACKPACK_TEXTS):
            return None
        return f"plain text that is none of §7.2's forms: {text[:120]!r}"
    body = answer.json()
    if isinstance(body, dict) and set(body) == {"code", "message"} and body["code"] in BACKPACK_CODES:
        return None if isinstance(body["message"], str) else "message is not a string"
    return "not {code: ApiErrorCode, message}"


def lighter_rest(request: HostileRequest, answer: Answer) -> str | None:
    """§7: `{"code": <int>, "message": "<text>"}`."""
    body = answer.json()
    if isinstance(body, dict) and set(body) == {"code", "message"} and _int(body["code"]):
        return None if isinstance(body["message"], str) else "message is not a string"
    return "not {code: int, message}"


def grvt_rest(request: HostileRequest, answer: Answer) -> str | None:
    """§7: `{code, message, status}` with the HTTP status, `{c, m, s}` on lite routes, `{status,
    message}` on the edge's login routes (any other `/auth/` path too: the edge answers them). A
    request the HTTP parser refuses (an unknown method, a broken request line) has no path: its
    400 may be in the plain REST shape whatever path it named."""
    path = "/" if request.raw is not None or request.method == "CONNECT" else unquote(request.path.partition("?")[0])
    problem = _grvt_shape(path, answer)  # (a CONNECT request's target is an authority, not a path)
    if problem is not None and answer.status == 400 and _grvt_shape("/", answer) is None:
        return None
    return problem


def _grvt_shape(path: str, answer: Answer) -> str | None:
    body = answer.json()
    if not isinstance(body, dict):
        return "not JSON"
    if path.startswith("/auth/") and path != "/auth/builder/authorize":
        keys, status_key = {"status", "message"}, "status"
    elif path.startswith("/lite/"):
        keys, status_key = {"c", "m", "s"}, "s"
    else:
        keys, status_key = {"code", "message", "status"}, "status"
    if set(body) != keys:
        return f"keys {sorted(body)} are not {sorted(keys)}"
    if body[status_key] != answer.status:
        return f"body status {body[status_key]!r} is not the HTTP status {answer.status}"
    code = body.get("code", body.get("c", 0))
    message = body.get("message", body.get("m"))
    return None if _int(code) and isinstance(message, str) else "code or message of the wrong type"


def aster_rest(request: HostileRequest, answer: Answer) -> str | None:
    """§7: `{"code": -NNNN, "msg": "..."}`."""
    body = answer.json()
    if isinstance(body, dict) and set(body) == {"code", "msg"} and _int(body["code"]) and body["code"] < 0:
        return None if isinstance(body["msg"], str) else "msg is not a string"
    return "not {code: -NNNN, msg}"


def control_rest(request: HostileRequest, answer: Answer) -> str | None:
    """The control API's own shape: `{"error": "<text>"}` (plus `reason` for an engine refusal)."""
    body = answer.json()
    if isinstance(body, dict) and isinstance(body.get("error"), str) and set(body) <= {"error", "reason"}:
        return None
    return 'not {"error": ...}'


def backpack_ws_error(frame: Any) -> bool | None:
    """§5: `{"id": null, "error": {"code", "message"}}`. True: a well-formed error; False: an
    error-like frame of the wrong shape; None: not an error."""
    if not isinstance(frame, dict) or "error" not in frame:
        return None
    error = frame["error"]
    return set(frame) == {"id", "error"} and isinstance(error, dict) and _int(error.get("code"))


def lighter_ws_error(frame: Any) -> bool | None:
    """§5.1: `{"error": {"code": 300xx, "message"}}` (with the request's `id` when it had one)."""
    if not isinstance(frame, dict) or "error" not in frame:
        return None
    error = frame["error"]
    return set(frame) <= {"error", "id"} and isinstance(error, dict) and _int(error.get("code"))


def grvt_ws_error(frame: Any) -> bool | None:
    """JSON-RPC `error: {code, message}` (`e: {c, m}` on lite); the legacy socket's REST shape."""
    if not isinstance(frame, dict):
        return None
    if "error" in frame:
        error = frame["error"]
        return isinstance(error, dict) and _int(error.get("code")) and isinstance(error.get("message"), str)
    if "e" in frame:
        error = frame["e"]
        return isinstance(error, dict) and _int(error.get("c")) and isinstance(error.get("m"), str)
    if "code" in frame and "status" in frame:
        return set(frame) == {"code", "message", "status"} and _int(frame["code"])
    return None


def aster_ws_error(frame: Any) -> bool | None:
    """`{"code": <int>, "msg": "..."}` (with the request's `id`)."""
    if not isinstance(frame, dict) or "code" not in frame:
        return None
    return set(frame) <= {"code", "msg", "id"} and _int(frame["code"]) and isinstance(frame.get("msg"), str)


def hyperliquid_rest(request: HostileRequest, answer: Answer) -> str | None:
    """§4.1 / §10.7: a refusal is plain text (422 `Failed to deserialize…`, 400, 415, 404, 405), or
    the 429's body `null`; never a JSON object, on which the official SDK would crash."""
    if answer.status == 429:
        return None if answer.body.strip() == b"null" else f"429 body {answer.body[:80]!r} is not null"
    if answer.content_type == "text/plain":
        return None if answer.text else "an empty plain-text body"
    return f"{answer.content_type or 'no content type'} instead of plain text"


def hyperliquid_ws_error(frame: Any) -> bool | None:
    """§5.1: `{"channel": "error", "data": "<text>"}`."""
    if not isinstance(frame, dict) or frame.get("channel") != "error":
        return None
    return set(frame) == {"channel", "data"} and isinstance(frame["data"], str)
