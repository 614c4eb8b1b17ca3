"""GRVT REST: every call a JSON POST; private ones carry the session and are re-sent once after a
new login when the venue answers 401 / 1000 (the SDK never re-logs in: hazard §10.16). Errors are
classified by the venue's `code`, never guessed from the status alone."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from xtb import safejson
from xtb.connectors.grvt.session import GrvtSession
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.parsing import PayloadReader, UnreadableAnswer
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    ConnectorError,
    OrderNotFound,
    RateLimited,
    VenueRejected,
)

log = logging.getLogger(__name__)
VENUE = "grvt"
_read = PayloadReader(VENUE)

SESSION_CODES = frozenset({1000, 1001, 1008})
# Order-level signature and authorisation refusals: the order was not created (FAILED, not fatal).
ORDER_AUTH_CODES = frozenset({1012, 1400, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008})


class GrvtRest:
    def __init__(self, http: Callable[[], PacedSession], session: GrvtSession) -> None:
        self._http = http
        self.session = session

    async def call(self, url: str, body: Mapping[str, Any] | None = None, *, private: bool = False) -> Any:
        """POST `body` (`{}` when None); returns the parsed JSON answer."""
        data = json.dumps(body or {}, separators=(",", ":"))
        for attempt in (1, 2):
            headers = {"Content-Type": "application/json"}
            if private:
                await self.session.ensure()
                headers.update(self.session.headers())
            async with self._http().post(url, data=data, headers=headers) as resp:
                status, text, kind = resp.status, await resp.text(), resp.content_type
                retry_after = resp.headers.get("Retry-After")
            if 200 <= status < 300:
                if kind != "application/json":
                    raise UnreadableAnswer(f"{_route(url)} answered {status} as {kind!r}, not JSON", venue=VENUE)
                return _read.answer(text, f"{_route(url)} answer")
            code, message = _error(text)
            if private and attempt == 1 and (status == 401 or code == 1000):
                log.info("grvt session refused route=%s code=%s: logging in again", _route(url), code)
                self.session.invalidate()
                continue
            raise classify(_route(url), status, code, message, retry_after)
        raise AssertionError("unreachable")


def _route(url: str) -> str:
    return url.split("/full/", 1)[-1]


def _error(text: str) -> tuple[int | None, str]:
    try:
        body = safejson.loads(text)
    except ValueError:  # not JSON, or refused by its bounds: the text itself is the message
        return None, text.strip()[:300]
    if not isinstance(body, dict):
        return None, str(body)[:300]
    code = body.get("code", body.get("c"))
    message = body.get("message", body.get("m", ""))
    return (code if isinstance(code, int) and not isinstance(code, bool) else None), str(message)


def classify(route: str, status: int, code: int | None, message: str, retry_after: str | None = None) -> ConnectorError:
    """A non-2xx answer in the runtime's terms."""
    where = f"{route}: {status} {code if code is not None else ''} {message}".replace("  ", " ").strip()
    if code in ORDER_AUTH_CODES:
        return VenueRejected(where, venue=VENUE, code=str(code), reason=message)
    if code in SESSION_CODES or status in (401, 403):
        return AuthError(where, venue=VENUE)
    if code == 1006 or (status == 429 and code != 2090):
        wait = None
        try:
            wait = float(retry_after) if retry_after is not None else None
        except ValueError:
            wait = None
        return RateLimited(where, venue=VENUE, retry_after=wait)
    if status >= 500:
        return AmbiguousOutcome(where, venue=VENUE)  # the venue may have applied it
    if code == 1004 or status == 404:
        return OrderNotFound(where, venue=VENUE)
    if 400 <= status < 500:
        return VenueRejected(where, venue=VENUE, code=str(code if code is not None else status), reason=message)
    return ConnectorError(where, venue=VENUE)
