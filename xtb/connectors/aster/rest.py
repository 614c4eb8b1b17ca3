"""Aster REST: paths for the chosen API generation, signing per security type, and errors classified
by the venue's `code` — also inside an HTTP 200 body, which the venue sometimes sends.

Signed parameters are sent in the URL query for GET and as a form body otherwise, exactly as signed
(the URL is passed to aiohttp as already encoded, so nothing re-encodes it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from yarl import URL

from xtb import safejson
from xtb.connectors.aster.auth import V1Signer, V3Signer, encode_pairs
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.pacing import Cost
from xtb.connectors.parsing import UnreadableAnswer
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    ConnectorError,
    OrderNotFound,
    PostOnlyWouldCross,
    RateLimited,
    VenueRejected,
)

log = logging.getLogger(__name__)
VENUE = "aster"

Security = Literal["NONE", "MARKET_DATA", "USER_STREAM", "USER_DATA", "TRADE"]
FORM = "application/x-www-form-urlencoded"
# V1 names that live under another version; everything else is /fapi/v1/<name>
V1_PATHS = {"balance": "/fapi/v2/balance", "positionRisk": "/fapi/v2/positionRisk", "account": "/fapi/v4/account"}
V3_NAMES = {"account": "accountWithJoinMargin"}
AUTH_CODES = frozenset({-1021, -1022, -2014, -2015, -5050})
AMBIGUOUS_CODES = frozenset({-1006, -1007})
NOT_FOUND_CODES = frozenset({-2011, -2013})
POST_ONLY_CODES = frozenset({-2021, -5022})
LISTEN_KEY_GONE = -1125


class AsterRest:
    def __init__(
        self, session: PacedSession, base_url: str, auth: V3Signer | V1Signer | None, *, venue: str = VENUE
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self.auth = auth
        self.venue = venue
        self.v3 = not isinstance(auth, V1Signer)
        self.clock_offset_ms = 0

    def path(self, name: str) -> str:
        if self.v3:
            return f"/fapi/v3/{V3_NAMES.get(name, name)}"
        return V1_PATHS.get(name, f"/fapi/v1/{name}")

    async def sync_clock(self) -> None:
        """Nonces (V3) and timestamps (V1) are judged against venue time: measure the offset (around
        the request itself: room under the rate limits is made before the clock starts)."""
        cost = await self._session.pace("GET", self._base + self.path("time"))
        before = time.time()
        answer = await self.request("GET", "time", prepaid=cost)
        after = time.time()
        try:
            server_ms = int(answer["serverTime"])
        except (TypeError, KeyError, ValueError):
            raise ConnectorError(f"time answered {answer!r}", venue=self.venue) from None
        self.clock_offset_ms = server_ms - int((before + after) / 2 * 1000)
        if isinstance(self.auth, V3Signer):
            self.auth.nonces.offset_us = self.clock_offset_ms * 1000
        elif isinstance(self.auth, V1Signer):
            self.auth.offset_ms = self.clock_offset_ms

    async def request(
        self,
        method: str,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        security: Security = "NONE",
        post_only: bool = False,
        prepaid: Cost | None = None,
    ) -> Any:
        """One request. Returns the parsed JSON (decimals as Decimal); raises the classified error.
        `prepaid`: the caller already made room for it under the rate limits (`PacedSession.pace`)."""
        pairs = [(k, _text(v)) for k, v in (params or {}).items() if v is not None]
        url = self._base + self.path(name)
        auth = self.auth
        signed = security != "NONE" and not (security == "MARKET_DATA" and self.v3)
        if signed and auth is None:
            raise AuthError("this request needs credentials and none were configured", venue=self.venue)
        # room under the rate limits first: a nonce or timestamp signed before a long wait is stale
        cost = prepaid or await self._session.pace(method, URL(url).with_query(pairs if method == "GET" else None))
        headers: dict[str, str] = {}
        if signed:
            assert auth is not None
            if isinstance(auth, V1Signer):
                headers.update(auth.headers())
                text = auth.signed_text(pairs) if security in ("TRADE", "USER_DATA") else encode_pairs(pairs)
            else:
                text = auth.signed_text(pairs)
        else:
            text = encode_pairs(pairs)
        body = None
        if method == "GET":
            url = f"{url}?{text}" if text else url
        elif text:
            body = text.encode()
            headers["Content-Type"] = FORM
        request = self._session.request(method, URL(url, encoded=True), data=body, headers=headers, prepaid=cost)
        async with request as resp:
            raw = await resp.text()
            status = resp.status
            retry_after = resp.headers.get("Retry-After")
        return classify(method, self.path(name), status, raw, retry_after, post_only=post_only, venue=self.venue)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise TypeError(f"refusing to send a float ({value!r}); use Decimal or str")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def error_code(payload: Any) -> int | None:
    """The numeric `code` of an answer, when it has one (`"200"` counts as 200)."""
    if not isinstance(payload, dict) or "code" not in payload:
        return None
    try:
        return int(payload["code"])
    except (TypeError, ValueError):
        return None


def classify(
    method: str,
    path: str,
    status: int,
    raw: str,
    retry_after: str | None = None,
    *,
    post_only: bool = False,
    venue: str = VENUE,
) -> Any:
    """The parsed answer, or the runtime's meaning of the venue's error (spec §6.1, §7)."""
    problem = ""
    try:
        payload = safejson.loads(raw, parse_float=Decimal) if raw.strip() else None
    except ValueError as exc:  # not JSON, or refused by safejson's bounds (size, depth, NaN)
        payload, problem = None, str(exc)
    code = error_code(payload)
    if 200 <= status < 300 and payload is not None and (code is None or code >= 0):
        return payload
    if 200 <= status < 300 and problem:
        # success, unreadable: the request may have been applied (an AmbiguousOutcome too)
        raise UnreadableAnswer(f"{method} {path}: {status} body is not acceptable JSON: {problem[:160]}", venue=venue)
    message = str(payload.get("msg", "")) if isinstance(payload, dict) else raw.strip()[:200]
    where = f"{method} {path}: {status} {code if code is not None else ''} {message}".strip()
    if status in (418, 429) or code == -1003:
        wait = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
        raise RateLimited(where, venue=venue, retry_after=wait)
    if status >= 500 or code in AMBIGUOUS_CODES or (200 <= status < 300 and payload is None):
        raise AmbiguousOutcome(where, venue=venue)  # 503 = execution status unknown
    if code in AUTH_CODES or (code == -1000 and "signature" in message.lower()):
        raise AuthError(where, venue=venue)
    if code in NOT_FOUND_CODES:
        raise OrderNotFound(where, venue=venue)
    if code in POST_ONLY_CODES and post_only:
        raise PostOnlyWouldCross(where, venue=venue, code=str(code), reason=message)
    if code is not None or 400 <= status < 500:
        raise VenueRejected(where, venue=venue, code=str(code if code is not None else status), reason=message)
    raise ConnectorError(where, venue=venue)
