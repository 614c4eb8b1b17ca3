"""Lighter REST on the connector's own paced session (so every request lands in its transcript).

The client reads an answer's `code` and `message` and hands them to the endpoint's error table
(errors.py): HTTP 400 carries most refusals, and a 200 whose body code is not 0 / 200 is one too.
The SDK's typed API classes are not used here: they run their own session and nonce manager, and
raise generic exceptions for what the runtime needs to tell apart (rate limit, ambiguous, refusal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from xtb import safejson
from xtb.connectors.lighter.endpoints import NEXT_NONCE, SEND_TX, Endpoint
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.parsing import UnreadableAnswer
from xtb.errors import VenueProtocolError

VENUE = "lighter"
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


class LighterRest:
    """`token` makes the account's auth token for the private endpoints (the signer's)."""

    def __init__(self, session: PacedSession, base_url: str, token: Callable[[], str]) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._token = token

    async def get(self, endpoint: Endpoint, params: Mapping[str, Any] | None = None) -> Any:
        headers = {"Authorization": self._token()} if endpoint.private else None
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        async with self._session.get(self._base + endpoint.path, params=query or None, headers=headers) as resp:
            raw = await resp.text()
            return answer(endpoint, resp.status, raw, resp.headers.get("Retry-After"))

    async def send_tx(self, tx_type: int, tx_info: str) -> Any:
        body, headers = form_body({"tx_type": str(tx_type), "tx_info": tx_info}), {"Content-Type": FORM}
        async with self._session.post(self._base + SEND_TX.path, data=body, headers=headers) as resp:
            raw = await resp.text()
            return answer(SEND_TX, resp.status, raw, resp.headers.get("Retry-After"))

    async def next_nonce(self, account_index: int, key_index: int) -> int:
        body = await self.get(NEXT_NONCE, {"account_index": account_index, "api_key_index": key_index})
        nonce = body.get("nonce") if isinstance(body, dict) else None
        if isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 0:
            raise VenueProtocolError(f"nextNonce answered {body!r}", venue=VENUE)
        return nonce


def answer(endpoint: Endpoint, status: int, raw: str, retry_after: str | None = None) -> Any:
    """The body of a success answer; else the error the endpoint's table makes of it."""
    problem = "empty"
    try:
        body = safejson.loads(raw) if raw.strip() else None
    except ValueError as exc:  # not JSON, or refused by safejson's bounds (size, depth, NaN)
        body, problem = None, str(exc)[:120]
    request = f"{endpoint.method} {endpoint.path}"
    if status == 200 and body is not None and (not isinstance(body, dict) or body.get("code") in (None, 0, 200)):
        return body
    if status == 200 and body is None:
        raise UnreadableAnswer(
            f"{request}: 200 with a body that is not acceptable JSON ({problem}): {raw[:200]!r}", venue=VENUE
        )
    code = body.get("code") if isinstance(body, dict) else None
    message = str(body.get("message", "")) if isinstance(body, dict) else raw.strip()[:300]
    raise endpoint.errors.error(request, status, code, message, retry_after)
