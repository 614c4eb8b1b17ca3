"""The GRVT session (spec §2.2, §2.4): API-key login on the edge host, the `gravity` cookie and the
`X-Grvt-Account-Id` header sent explicitly on every private call and WS upgrade, and a new login
before `Expires` (read as UTC, not the host's local time: hazard §10.15) or after the venue answered
401. The API key and the session token are Secrets: never in a log, repr or error.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie

import aiohttp

from xtb import safejson
from xtb.connectors.paced_http import PacedSession
from xtb.errors import AmbiguousOutcome, AuthError, ConnectorError, VenueProtocolError
from xtb.secrets import Secret

log = logging.getLogger(__name__)
VENUE = "grvt"
COOKIE = "gravity"
ACCOUNT_HEADER = "X-Grvt-Account-Id"
DEFAULT_LIFETIME_S = 3600.0  # when a login answer carries no expiry at all
MAX_REFRESH_MARGIN_S = 60.0


class GrvtSession:
    def __init__(self, http: Callable[[], PacedSession], login_url: str, api_key: Secret) -> None:
        self._http = http
        self._url = login_url
        self._api_key = api_key
        self._token: Secret | None = None
        self._lock = asyncio.Lock()
        self.account_id = ""
        self.sub_account_id: str | None = None
        self.funding_account = ""
        self.expires = 0.0  # epoch seconds, UTC
        self.logged_in_at = 0.0
        self.logins = 0

    def __repr__(self) -> str:
        return f"GrvtSession(account={self.account_id!r}, expires={self.expires!r}, token=***)"

    @property
    def live(self) -> bool:
        if self._token is None:
            return False
        margin = min(MAX_REFRESH_MARGIN_S, 0.2 * max(0.0, self.expires - self.logged_in_at))
        return time.time() < self.expires - margin

    def invalidate(self) -> None:
        """The venue refused the session (401 / 1000): the next call logs in again."""
        self._token = None

    async def ensure(self) -> None:
        if not self.live:
            async with self._lock:
                if not self.live:
                    await self.login()

    def headers(self) -> dict[str, str]:
        if self._token is None:
            raise AuthError("no GRVT session: log in first", venue=VENUE)
        return {"Cookie": f"{COOKIE}={self._token.reveal()}", ACCOUNT_HEADER: self.account_id}

    async def login(self) -> None:
        body = json.dumps({"api_key": self._api_key.reveal()})
        try:
            async with self._http().post(self._url, data=body, headers={"Content-Type": "application/json"}) as resp:
                status = resp.status
                text = await resp.text()
                cookies = resp.headers.getall("Set-Cookie", [])
                account = resp.headers.get(ACCOUNT_HEADER, "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AmbiguousOutcome(f"login failed: {type(exc).__name__}", venue=VENUE) from None
        if status in (401, 403):
            raise AuthError(f"login refused: {status} {_message(text)}", venue=VENUE)
        if status != 200:
            raise ConnectorError(f"login answered {status} {_message(text)}", venue=VENUE)
        token, expires = _gravity(cookies)
        if token is None or not account:
            # hazard §10.14: a login without a usable cookie and account id must not run on silently
            raise VenueProtocolError("login answered 200 without a gravity cookie and X-Grvt-Account-Id", venue=VENUE)
        try:
            result = safejson.loads(text)
        except ValueError:  # the cookie and header carry the session; the body only adds ids
            result = {}
        if not isinstance(result, dict):
            result = {}
        now = time.time()
        self._token = Secret(token, "grvt_session")
        self.account_id = account
        self.expires = expires if expires is not None else now + DEFAULT_LIFETIME_S
        self.logged_in_at = now
        self.sub_account_id = str(result["sub_account_id"]) if result.get("sub_account_id") else None
        self.funding_account = str(result.get("funding_account_address") or "")
        self.logins += 1
        log.info("grvt login account=%s expires_in=%.0fs logins=%d", account, self.expires - now, self.logins)


def _gravity(headers: list[str]) -> tuple[str | None, float | None]:
    """The `gravity` cookie and its expiry (epoch seconds) from the Set-Cookie headers: RFC 1123
    `Expires` in GMT, else `Max-Age`."""
    for header in headers:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            continue
        morsel = cookie.get(COOKIE)
        if morsel is None or not morsel.value:
            continue
        expires = None
        if morsel["expires"]:
            try:
                expires = email.utils.parsedate_to_datetime(morsel["expires"]).timestamp()
            except (TypeError, ValueError):
                expires = None
        if expires is None and morsel["max-age"]:
            try:
                expires = time.time() + float(morsel["max-age"])
            except ValueError:
                expires = None
        return morsel.value, expires
    return None, None


def _message(text: str) -> str:
    try:
        body = safejson.loads(text)
    except ValueError:
        return text.strip()[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("m") or body)[:200]
    return str(body)[:200]
