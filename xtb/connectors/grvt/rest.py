"""GRVT REST: every call a JSON POST to an endpoint of the table (endpoints.py); private ones carry
the session and are re-sent once after a new login when the venue answers 401 / 1000 (the SDK never
re-logs in: hazard §10.16). A refusal is read as its `code` and message and classified by the
venue's error table (errors.py), never guessed from the status alone."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from xtb import safejson
from xtb.connectors.grvt import sdk
from xtb.connectors.grvt.endpoints import Endpoint
from xtb.connectors.grvt.errors import ERRORS
from xtb.connectors.grvt.session import GrvtSession
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.parsing import PayloadReader, UnreadableAnswer

log = logging.getLogger(__name__)
VENUE = "grvt"
_read = PayloadReader(VENUE)


class GrvtRest:
    def __init__(self, http: Callable[[], PacedSession], session: GrvtSession, env: sdk.SdkEnv) -> None:
        self._http = http
        self.session = session
        self._env = env

    async def call(self, endpoint: Endpoint, body: Mapping[str, Any] | None = None) -> Any:
        """POST `body` (`{}` when None); returns the parsed JSON answer."""
        url, request = sdk.rest_url(self._env, endpoint.host, endpoint.route), f"POST /full/v1/{endpoint.route}"
        data = json.dumps(body or {}, separators=(",", ":"))
        for attempt in (1, 2):
            headers = {"Content-Type": "application/json"}
            if endpoint.private:
                await self.session.ensure()
                headers.update(self.session.headers())
            async with self._http().post(url, data=data, headers=headers) as resp:
                status, text, kind = resp.status, await resp.text(), resp.content_type
                retry_after = resp.headers.get("Retry-After")
            if 200 <= status < 300:
                if kind != "application/json":
                    raise UnreadableAnswer(f"{request} answered {status} as {kind!r}, not JSON", venue=VENUE)
                return _read.answer(text, f"{request} answer")
            code, message = _error(text)
            if endpoint.private and attempt == 1 and (status == 401 or code == 1000):
                log.info("grvt session refused route=%s code=%s: logging in again", endpoint.route, code)
                self.session.invalidate()
                continue
            raise ERRORS.error(request, status, code, message, retry_after)
        raise AssertionError("unreachable")


def _error(text: str) -> tuple[int | None, str]:
    """The `code` and message of an error body (`{code, message}`, or the lite `{c, m}`)."""
    try:
        body = safejson.loads(text)
    except ValueError:  # not JSON, or refused by its bounds: the text itself is the message
        return None, text.strip()[:300]
    if not isinstance(body, dict):
        return None, str(body)[:300]
    code = body.get("code", body.get("c"))
    message = body.get("message", body.get("m", ""))
    return (code if isinstance(code, int) and not isinstance(code, bool) else None), str(message)
