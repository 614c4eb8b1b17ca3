"""Backpack REST: requests to the endpoint table, signed where the table says, and error answers
read into `code` + `message` for the venue's error table (error_codes.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from xtb import safejson
from xtb.connectors import venue_clock
from xtb.connectors.backpack import endpoints
from xtb.connectors.backpack.auth import BackpackSigner, Params
from xtb.connectors.backpack.endpoints import Endpoint
from xtb.connectors.backpack.error_codes import ERRORS
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.pacing import Cost
from xtb.connectors.parsing import PayloadReader
from xtb.errors import ConnectorError

VENUE = "backpack"
_read = PayloadReader(VENUE)


class BackpackRest:
    def __init__(self, session: PacedSession, base_url: str, signer: BackpackSigner, window_ms: int) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._signer = signer
        self._window = window_ms
        self.clock_offset_ms = 0  # venue time minus local time, from /api/v1/time

    def now_ms(self) -> int:
        """Venue time: what a signature's timestamp is judged against."""
        return int(time.time() * 1000) + self.clock_offset_ms

    def subscribe_signature(self) -> list[str]:
        """The `signature` of a private SUBSCRIBE frame, signed now (a reconnect signs afresh)."""
        return self._signer.subscribe_signature(self.now_ms(), self._window)

    async def sync_clock(self) -> None:
        """Measure the venue clock's offset: the window check is against venue time."""
        self.clock_offset_ms = await venue_clock.offset_ms(
            lambda: self._session.pace(endpoints.TIME.method, self._base + endpoints.TIME.path), self._venue_ms
        )

    async def _venue_ms(self, cost: Cost) -> int:
        text = await self._send(endpoints.TIME, {}, None, cost)  # plain text
        try:
            return int(text)
        except ValueError:
            raise ConnectorError(f"/api/v1/time answered {text[:80]!r}, not milliseconds", venue=VENUE) from None

    async def request(
        self, endpoint: Endpoint, *, params: Mapping[str, Any] | None = None, body: Mapping[str, Any] | None = None
    ) -> Any:
        """One request; its parsed JSON answer (None for an empty body)."""
        query = {k: _query_value(v) for k, v in (params or {}).items()}
        raw = await self._send(endpoint, query, body, None)
        return _read.answer(raw, f"{endpoint} answer") if raw.strip() else None

    async def _send(
        self, endpoint: Endpoint, query: dict[str, str], body: Mapping[str, Any] | None, prepaid: Cost | None
    ) -> str:
        """The answer's text, or the error it means. `prepaid`: room under the rate limits was
        already made (`PacedSession.pace`)."""
        url = self._base + endpoint.path
        headers = {"Content-Type": "application/json; charset=utf-8"}
        # room under the rate limits first: a timestamp signed before a long wait falls out of its window
        cost = prepaid or await self._session.pace(endpoint.method, url, query)
        if endpoint.instruction is not None:
            signed: Params = body if body is not None else query
            headers.update(self._signer.headers(endpoint.instruction, signed, self.now_ms(), self._window))
        data = json.dumps(body, separators=(",", ":")) if body is not None else None
        async with self._session.request(
            endpoint.method, url, params=query or None, data=data, headers=headers, prepaid=cost
        ) as resp:
            raw = await resp.text()
            status = resp.status
            retry_after = resp.headers.get("Retry-After")
        if 200 <= status < 300:
            return raw
        raise error_of(endpoint, status, raw, retry_after)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def error_of(endpoint: Endpoint, status: int, raw: str, retry_after: str | None = None) -> ConnectorError:
    """A non-2xx answer as the runtime's error: the body's `code` and `message` when it is JSON,
    else its text (a parameter or body parse error is plain text)."""
    try:
        payload = safejson.loads(raw)
    except ValueError:  # not JSON, or refused by its bounds: the text itself is the message
        payload = None
    if isinstance(payload, dict):
        code = payload.get("code")
        return ERRORS.error(
            str(endpoint), status, None if code is None else str(code), str(payload.get("message", "")), retry_after
        )
    return ERRORS.error(str(endpoint), status, None, raw.strip()[:300], retry_after)
