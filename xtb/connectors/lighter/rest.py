"""Lighter REST on the connector's own aiohttp session (so every request lands in its transcript),
with answers classified by the venue's `code` (HTTP 400 carries most refusals, and a 200 whose body
code is not 0 / 200 is a refusal too).

The SDK's typed API classes are not used here: they run their own session and nonce manager, and
raise generic exceptions for what the runtime needs to tell apart (rate limit, ambiguous, refusal).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from xtb import safejson
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.parsing import UnreadableAnswer
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    ConnectorError,
    OrderNotFound,
    RateLimited,
    VenueProtocolError,
    VenueRejected,
)

log = logging.getLogger(__name__)
VENUE = "lighter"

AUTH_CODES = frozenset({21108, 21109, 21110, 21136})
INVALID_SIGNATURE = 21120
INVALID_NONCE = 21104
NOT_ACTIVE_ORDER = 21600
NOT_FOUND = 29404
ACCOUNT_NOT_FOUND = 21100
RATE_LIMIT_CODES = frozenset({23000, 23001, 23002, 23003, 23004})
SERVER_CODES = frozenset({29500, 29501})


FORM = "application/x-www-form-urlencoded"
# sendTx's form body, made here as bytes: aiohttp's FormData urlencodes a ~400-character tx_info
# character by character in Python and wraps it in its form machinery (24 µs an order, 11 µs here).
# `quote_plus` is a table over the bytes of the UTF-8 text read as Latin-1 (one character a byte).
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_QUOTE_PLUS = {b: chr(b) if b in _UNRESERVED else "+" if b == 0x20 else f"%{b:02X}" for b in range(256)}


def quote_plus(text: str) -> str:
    """`urllib.parse.quote_plus(text)`, byte for byte."""
    return text.encode("utf-8").decode("latin-1").translate(_QUOTE_PLUS)


def form_body(form: Mapping[str, str]) -> bytes:
    """The `application/x-www-form-urlencoded` body aiohttp makes of `form` (`urllib.parse.urlencode`)."""
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in form.items()).encode("ascii")


class TxAuthRejected(VenueRejected, AuthError):
    """A transaction refused for its key or signature (wrong key, wrong chain id, unregistered key):
    a definitive refusal of the order, and a credentials problem."""


class InvalidNonce(VenueRejected):
    """21104: the nonce was not the one the venue expects (nothing was applied)."""


def classify(
    method: str, path: str, status: int, body: Any, raw: str, retry_after: str | None = None
) -> ConnectorError:
    """The runtime's meaning of a non-success answer (`retry_after`: a 429's Retry-After header)."""
    code = body.get("code") if isinstance(body, dict) else None
    message = str(body.get("message", "")) if isinstance(body, dict) else raw.strip()[:300]
    where = f"{method} {path}: {status} {code if code is not None else ''} {message}".strip()
    tx = path.startswith("/api/v1/sendTx")
    if status == 429 or code in RATE_LIMIT_CODES:
        return RateLimited(where, venue=VENUE, retry_after=_seconds(retry_after))
    if status >= 500 or code in SERVER_CODES:
        return AmbiguousOutcome(where, venue=VENUE)  # may have been applied
    if code == INVALID_NONCE or "invalid nonce" in message:
        return InvalidNonce(where, venue=VENUE, code=str(code), reason=message)
    if code in AUTH_CODES or code == INVALID_SIGNATURE:
        if tx:
            return TxAuthRejected(where, venue=VENUE, code=str(code), reason=message)
        return AuthError(where, venue=VENUE)
    if code == NOT_ACTIVE_ORDER:
        return OrderNotFound(where, venue=VENUE)
    if status == 404 or code == NOT_FOUND:
        return OrderNotFound(where, venue=VENUE) if not tx else VenueRejected(where, venue=VENUE, code=str(code))
    if 400 <= status < 500 or tx:
        return VenueRejected(where, venue=VENUE, code=str(code if code is not None else status), reason=message)
    return VenueProtocolError(where, venue=VENUE)


def _seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (the delta-seconds form); None when absent or not a number."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


class LighterRest:
    def __init__(self, session: PacedSession, base_url: str) -> None:
        self._session = session
        self._base = base_url.rstrip("/")

    async def get(self, path: str, params: Mapping[str, Any] | None = None, *, token: str | None = None) -> Any:
        headers = {"Authorization": token} if token is not None else None
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        async with self._session.get(self._base + path, params=query or None, headers=headers) as resp:
            raw = await resp.text()
            return self._answer("GET", path, resp.status, raw, resp.headers.get("Retry-After"))

    async def post_form(self, path: str, form: Mapping[str, str]) -> Any:
        body, headers = form_body(form), {"Content-Type": FORM}
        async with self._session.post(self._base + path, data=body, headers=headers) as resp:
            raw = await resp.text()
            return self._answer("POST", path, resp.status, raw, resp.headers.get("Retry-After"))

    @staticmethod
    def _answer(method: str, path: str, status: int, raw: str, retry_after: str | None = None) -> Any:
        problem = "empty"
        try:
            body = safejson.loads(raw) if raw.strip() else None
        except ValueError as exc:  # not JSON, or refused by safejson's bounds (size, depth, NaN)
            body, problem = None, str(exc)[:120]
        if status == 200 and body is not None and (not isinstance(body, dict) or body.get("code") in (None, 0, 200)):
            return body
        if status == 200 and body is None:
            raise UnreadableAnswer(
                f"{method} {path}: 200 with a body that is not acceptable JSON ({problem}): {raw[:200]!r}", venue=VENUE
            )
        raise classify(method, path, status, body, raw, retry_after)

    async def send_tx(self, tx_type: int, tx_info: str) -> Any:
        return await self.post_form("/api/v1/sendTx", {"tx_type": str(tx_type), "tx_info": tx_info})

    async def next_nonce(self, account_index: int, key_index: int) -> int:
        body = await self.get("/api/v1/nextNonce", {"account_index": account_index, "api_key_index": key_index})
        nonce = body.get("nonce") if isinstance(body, dict) else None
        if isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 0:
            raise VenueProtocolError(f"nextNonce answered {body!r}", venue=VENUE)
        return nonce
