"""Aster REST: the endpoint table (paths for the chosen API generation), signing per security type,
and answers read for the venue's `code` — also inside an HTTP 200 body, which the venue sometimes
sends — whose meaning is the error table's (error_codes.py).

Signed parameters are sent in the URL query for GET and as a form body otherwise, exactly as signed
(the URL is passed to aiohttp as already encoded, so nothing re-encodes it).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from yarl import URL

from xtb import safejson
from xtb.connectors import venue_clock
from xtb.connectors.aster.auth import V1Signer, V3Signer, encode_pairs
from xtb.connectors.aster.error_codes import POST_ONLY, TABLE, VENUE
from xtb.connectors.error_table import ErrorTable
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.pacing import Cost
from xtb.connectors.parsing import UnreadableAnswer
from xtb.errors import AuthError, ConnectorError

Security = Literal["NONE", "MARKET_DATA", "USER_STREAM", "USER_DATA", "TRADE"]
FORM = "application/x-www-form-urlencoded"
# V1 names that live under another version; everything else is /fapi/v1/<name>
V1_PATHS = {"balance": "/fapi/v2/balance", "positionRisk": "/fapi/v2/positionRisk", "account": "/fapi/v4/account"}
V3_NAMES = {"account": "accountWithJoinMargin"}


class AsterRest:
    def __init__(self, session: PacedSession, base_url: str, auth: V3Signer | V1Signer | None) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self.auth = auth
        self.v3 = not isinstance(auth, V1Signer)
        self.clock_offset_ms = 0

    def path(self, name: str) -> str:
        if self.v3:
            return f"/fapi/v3/{V3_NAMES.get(name, name)}"
        return V1_PATHS.get(name, f"/fapi/v1/{name}")

    def venue_ms(self) -> int:
        """The venue's clock now, in epoch milliseconds (ours plus the measured offset)."""
        return int(time.time() * 1000) + self.clock_offset_ms

    async def sync_clock(self) -> None:
        """Nonces (V3) and timestamps (V1) are judged against venue time: measure the offset."""
        self.clock_offset_ms = await venue_clock.offset_ms(
            lambda: self._session.pace("GET", self._base + self.path("time")), self._server_ms
        )
        if isinstance(self.auth, V3Signer):
            self.auth.nonces.offset_us = self.clock_offset_ms * 1000
        elif isinstance(self.auth, V1Signer):
            self.auth.offset_ms = self.clock_offset_ms

    async def _server_ms(self, cost: Cost) -> int:
        answer = await self.request("GET", "time", prepaid=cost)
        try:
            return int(answer["serverTime"])
        except (TypeError, KeyError, ValueError):
            raise ConnectorError(f"time answered {answer!r}", venue=VENUE) from None

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
        """One request. Returns the parsed JSON (decimals as Decimal); raises the table's error
        (`post_only`: the post-only variant). `prepaid`: the caller already made room for it
        under the rate limits (`PacedSession.pace`)."""
        pairs = [(k, _text(v)) for k, v in (params or {}).items() if v is not None]
        url = self._base + self.path(name)
        auth = self.auth
        signed = security != "NONE" and not (security == "MARKET_DATA" and self.v3)
        if signed and auth is None:
            raise AuthError("this request needs credentials and none were configured", venue=VENUE)
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
        errors = POST_ONLY if post_only else TABLE
        return read_answer(f"{method} {self.path(name)}", status, raw, retry_after, errors)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise TypeError(f"refusing to send a float ({value!r}); use Decimal or str")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # on the grid, no exponent: "0.01", "3000"
    return str(value)


def error_code(payload: Any) -> int | None:
    """The numeric `code` of an answer, when it has one (`"200"` counts as 200)."""
    if not isinstance(payload, dict) or "code" not in payload:
        return None
    try:
        return int(payload["code"])
    except (TypeError, ValueError):
        return None


def read_answer(request: str, status: int, raw: str, retry_after: str | None, errors: ErrorTable = TABLE) -> Any:
    """The parsed answer to `request` ("POST /fapi/v3/order"), or the error `errors` says it is.

    A success status with a negative `code` is an error all the same; a success whose body is not
    a JSON document (empty, or refused by safejson's bounds) may have been applied, so it is
    unreadable and ambiguous."""
    problem = ""
    try:
        payload = safejson.loads(raw, parse_float=Decimal) if raw.strip() else None
    except ValueError as exc:  # not JSON, or refused by safejson's bounds (size, depth, NaN)
        payload, problem = None, str(exc)
    code = error_code(payload)
    if 200 <= status < 300:
        if payload is None:
            unread = problem[:160] or repr(raw.strip()[:20])  # an empty body, or `null`
            raise UnreadableAnswer(f"{request}: {status} body is not acceptable JSON: {unread}", venue=VENUE)
        if code is None or code >= 0:
            return payload
    message = str(payload.get("msg", "")) if isinstance(payload, dict) else raw.strip()[:200]
    raise errors.error(request, status, code, message, retry_after)
