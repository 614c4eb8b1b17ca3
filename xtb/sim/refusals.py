"""Requests a simulator refuses before any venue handler sees them, and how a refusal is answered.

Why one place: a broken or hostile client (an unknown route, a wrong method, a body or URL larger
than any venue request, dot segments, undecodable header bytes) must get each venue's own error
shape, never aiohttp's plain-text pages, and must never reach a handler that would crash on it. What
is refused is the same for every venue; only the shape differs. So the front-end base screens every
request here and asks the venue for the shape through one hook (`FrontEnd.refusal`: a `Refusal`
kind and a message in, status and body out).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

CONTROL_PREFIX = "/_sim"
"""Reserved path prefix of the control API on a front-end's main site."""


class Refusal(enum.Enum):
    """What is wrong with a request the venue's handlers never get to answer."""

    NOT_FOUND = "not_found"  # no such route (dot segments included)
    METHOD_NOT_ALLOWED = "method_not_allowed"  # the route exists, not with this method
    BAD_REQUEST = "bad_request"  # unparseable HTTP, undecodable bytes, a malformed body or upgrade
    TOO_LARGE = "too_large"  # a body, URL or header line beyond the limits
    INTERNAL = "internal"  # a bug: the last resort, logged with its traceback

    @property
    def status(self) -> int:
        """The status a plain web server gives this refusal (venues pick their own)."""
        return _STATUS[self]

    @classmethod
    def for_status(cls, status: int) -> Refusal:
        """The refusal an HTTP error status (from aiohttp or a handler) stands for."""
        if status == 404:
            return cls.NOT_FOUND
        if status == 405:
            return cls.METHOD_NOT_ALLOWED
        if status in (413, 414, 431):
            return cls.TOO_LARGE
        return cls.INTERNAL if status >= 500 else cls.BAD_REQUEST


_STATUS = {
    Refusal.NOT_FOUND: 404,
    Refusal.METHOD_NOT_ALLOWED: 405,
    Refusal.BAD_REQUEST: 400,
    Refusal.TOO_LARGE: 413,
    Refusal.INTERNAL: 500,
}


class Refused(Exception):
    """Raised anywhere under a front-end's request handling: the client gets the venue's answer for
    `kind` (a venue handler catches it first when the venue has a more specific error)."""

    def __init__(self, kind: Refusal, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Bounds on one request. Real venue requests are far smaller (a batch of 50 orders is a few
    tens of KiB), so anything beyond is refused before it is read, in the venue's shape.

    `parser` is the line length aiohttp's HTTP parser accepts; it is above `url` and `header` so an
    over-long URL or header still parses and gets the venue's answer instead of aiohttp's.
    """

    body: int = 1024 * 1024
    url: int = 8 * 1024
    header: int = 8 * 1024
    parser: int = 64 * 1024
    ws_message: int = 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("body", "url", "header", "parser", "ws_message"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"limit {name} must be a positive int, got {value!r}")
        if self.parser < max(self.url, self.header):
            raise ValueError("the parser's line limit must be at least the URL and header limits")


def is_control(request: web.BaseRequest) -> bool:
    path = request.path
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def screen(request: web.BaseRequest, limits: Limits) -> Refused | None:
    """The refusal of a request on what arrived before its body: URL and header sizes, header
    bytes that are not UTF-8, the declared body size, dot segments. None: it may go on."""
    if len(request.raw_path) > limits.url:
        return Refused(Refusal.TOO_LARGE, f"URL of {len(request.raw_path)} bytes is longer than {limits.url}")
    for name, value in request.headers.items():
        if len(name) + len(value) > limits.header:
            return Refused(Refusal.TOO_LARGE, f"header {name[:64]!r} is longer than {limits.header} bytes")
        if not _encodable(name) or not _encodable(value):  # aiohttp keeps undecodable bytes as surrogates
            return Refused(Refusal.BAD_REQUEST, f"header {name[:64]!r} is not valid UTF-8")
    try:
        length = request.content_length
    except ValueError:  # aiohttp's parser refuses a bad Content-Length first; kept as a net
        return Refused(Refusal.BAD_REQUEST, "Content-Length is not a number")
    if length is not None and length > limits.body:
        return Refused(Refusal.TOO_LARGE, f"body of {length} bytes is larger than {limits.body}")
    if any(segment in (".", "..") for segment in request.path.split("/")):
        # no client sends them; routing them anywhere (`/_sim/../api`) would only invite confusion
        return Refused(Refusal.NOT_FOUND, f"no route for {request.method} {_short(request.path)}")
    return None


def match_refusal(request: web.Request) -> Refused | None:
    """aiohttp's router found no route (404) or not for this method (405)."""
    error = getattr(request.match_info, "http_exception", None)
    if not isinstance(error, web.HTTPException):
        return None
    kind = Refusal.for_status(error.status)
    return Refused(kind, f"no route for {request.method} {_short(request.path)}")


def answer(status: int, body: Any) -> web.Response:
    """A refusal's response: JSON, or plain text when `body` is a str (venues whose documented
    answer is a text page, e.g. Backpack's `not found`)."""
    if isinstance(body, str):
        return web.Response(text=body, status=status, content_type="text/plain", charset="utf-8")
    return web.Response(text=json.dumps(body, separators=(",", ":")), status=status, content_type="application/json")


def control_answer(status: int, message: str) -> web.Response:
    """The control API's error shape, `{"error": ...}`."""
    return web.json_response({"error": message}, status=status)


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
