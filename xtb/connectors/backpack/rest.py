"""Backpack REST: signed requests, and errors classified by `code` + `message` (never by status
alone: auth failures come as 400 or 401, and parse errors as plain text)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from xtb import safejson
from xtb.connectors.backpack.auth import INSTRUCTIONS, BackpackSigner, Params
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.pacing import Cost
from xtb.connectors.parsing import PayloadReader
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
VENUE = "backpack"

AUTH_MESSAGES = frozenset(
    {"Invalid signature", "Request has expired", "Invalid X-Signature header", "Invalid X-Window header"}
)
POST_ONLY_MESSAGE = "Order would immediately match and take"
_read = PayloadReader(VENUE)


class BackpackRest:
    def __init__(self, session: PacedSession, base_url: str, signer: BackpackSigner | None, window_ms: int):
        self._session = session
        self._base = base_url.rstrip("/")
        self._signer = signer
        self._window = window_ms
        self.clock_offset_ms = 0  # venue time minus local time, from /api/v1/time

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms

    async def sync_clock(self) -> None:
        """The window check is against venue time: measure the offset (the answer is plain text),
        around the request itself: room under the rate limits is made before the clock starts."""
        cost = await self._session.pace("GET", self._base + "/api/v1/time")
        before = time.time()
        text = await self.request("GET", "/api/v1/time", text=True, prepaid=cost)
        after = time.time()
        try:
            venue_ms = int(text)
        except ValueError:
            raise ConnectorError(f"/api/v1/time answered {text[:80]!r}, not milliseconds", venue=VENUE) from None
        self.clock_offset_ms = venue_ms - int((before + after) / 2 * 1000)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        signed: bool = False,
        text: bool = False,
        prepaid: Cost | None = None,
    ) -> Any:
        """One request. Returns parsed JSON (None for an empty body, str when `text`). `prepaid`: the
        caller already made room for it under the rate limits (`PacedSession.pace`)."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        query = {k: _query_value(v) for k, v in (params or {}).items()}
        if signed and self._signer is None:
            raise AuthError("this request needs credentials and none were configured", venue=VENUE)
        # room under the rate limits first: a timestamp signed before a long wait falls out of its window
        cost = prepaid or await self._session.pace(method, self._base + path, query)
        if signed:
            assert self._signer is not None
            instruction = INSTRUCTIONS[(method, path)]
            signed_params: Params = body if body is not None else query
            headers.update(self._signer.headers(instruction, signed_params, self.now_ms(), self._window))
        data = json.dumps(body, separators=(",", ":")) if body is not None else None
        async with self._session.request(
            method, self._base + path, params=query or None, data=data, headers=headers, prepaid=cost
        ) as resp:
            raw = await resp.text()
            status = resp.status
            retry_after = resp.headers.get("Retry-After")
        if 200 <= status < 300:
            if text:
                return raw
            return _read.answer(raw, f"{method} {path} answer") if raw.strip() else None
        raise classify_error(method, path, status, raw, retry_after)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def classify_error(method: str, path: str, status: int, raw: str, retry_after: str | None = None) -> ConnectorError:
    """Turn a non-2xx answer into the runtime's meaning of it. Backpack sends no Retry-After; one
    that comes anyway (a proxy, a future venue change) is honoured."""
    try:
        payload = safejson.loads(raw)
    except ValueError:  # not JSON, or refused by its bounds: the text itself is the message
        payload = None
    code = message = ""
    if isinstance(payload, dict):
        code = str(payload.get("code", ""))
        message = str(payload.get("message", ""))
    else:
        message = raw.strip()[:300]
    where = f"{method} {path}: {status} {code} {message}".strip()
    if code == "UNAUTHORIZED" or (code == "INVALID_CLIENT_REQUEST" and message in AUTH_MESSAGES):
        return AuthError(where, venue=VENUE)
    if status == 429 or code == "TOO_MANY_REQUESTS":
        return RateLimited(where, venue=VENUE, retry_after=_seconds(retry_after))
    if status >= 500:
        # 503 "Unknown error..." may come after the venue applied the request.
        return AmbiguousOutcome(where, venue=VENUE)
    if code == "RESOURCE_NOT_FOUND":
        return OrderNotFound(where, venue=VENUE)
    if code == "INVALID_ORDER" and message.rstrip(".") == POST_ONLY_MESSAGE:
        return PostOnlyWouldCross(where, venue=VENUE, code=code, reason=message)
    if 400 <= status < 500:
        return VenueRejected(where, venue=VENUE, code=code or str(status), reason=message or raw.strip()[:300])
    return ConnectorError(where, venue=VENUE)


def _seconds(header: str | None) -> float | None:
    try:
        return None if header is None else max(0.0, float(header))
    except ValueError:
        return None  # an HTTP-date or garbage: fall back to our own back-off
