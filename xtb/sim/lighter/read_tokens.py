"""Read-only API tokens (spec §2.5): `POST /api/v1/tokens/create` mints
`ro:{account}:{single|all}:{expiry}:{hex}`, `GET /api/v1/tokens` lists an account's tokens and
`POST /api/v1/tokens/revoke` ends one.

A read-only token passes wherever an auth token is checked (private reads and private channels: a
token is only ever used to read); it signs nothing, and it cannot mint or revoke tokens, which takes
the account's signed auth token. `expiry` is unix seconds, 1 day to 10 years ahead. The spec gives
61001-61009 for these refusals without saying which is which, so each is 61001 with its reason.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from xtb.sim import inbound
from xtb.sim.frontend import ACCOUNT
from xtb.sim.lighter.errors import LighterError, json_response
from xtb.sim.lighter.keys import READ_ONLY_KEY_INDEX, READ_ONLY_PREFIX, Token, TokenChecker
from xtb.sim.lighter.params import Handler

DAY_S = 86_400
MIN_LIFETIME_S = DAY_S
MAX_LIFETIME_S = 10 * 365 * DAY_S
TOKEN_REFUSED = 61001


@dataclass
class ReadToken:
    token_id: int
    api_token: str
    name: str
    account: int
    expiry: int
    sub_account_access: bool
    scopes: str
    revoked: bool = False

    def json(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "api_token": self.api_token,
            "name": self.name,
            "account_index": self.account,
            "expiry": self.expiry,
            "sub_account_access": self.sub_account_access,
            "revoked": self.revoked,
            "scopes": self.scopes,
        }


class ReadTokens:
    """Every minted token, by its text; `claims` is what the auth check asks."""

    def __init__(self, now_s: Callable[[], float]) -> None:
        self._now_s = now_s
        self._by_text: dict[str, ReadToken] = {}
        self._ids = itertools.count(1)

    def create(self, account: int, name: str, expiry: int, sub_account_access: bool, scopes: str) -> ReadToken:
        lifetime = expiry - self._now_s()
        if not MIN_LIFETIME_S <= lifetime <= MAX_LIFETIME_S:
            raise LighterError(TOKEN_REFUSED, message="invalid expiry: 1 day to 10 years ahead")
        reach = "all" if sub_account_access else "single"
        text = f"{READ_ONLY_PREFIX}{account}:{reach}:{expiry}:{secrets.token_hex(32)}"
        token = ReadToken(next(self._ids), text, name, account, expiry, sub_account_access, scopes)
        self._by_text[text] = token
        return token

    def of_account(self, account: int) -> list[ReadToken]:
        return [t for t in self._by_text.values() if t.account == account]

    def revoke(self, account: int, token_id: int) -> ReadToken:
        for token in self.of_account(account):
            if token.token_id == token_id:
                token.revoked = True
                return token
        raise LighterError(TOKEN_REFUSED, message="token not found")

    def claims(self, text: str) -> Token | None:
        """The token's claims while it is live (known, not revoked, not expired)."""
        token = self._by_text.get(text)
        if token is None or token.revoked or token.expiry <= self._now_s():
            return None
        return Token(token.expiry, token.account, READ_ONLY_KEY_INDEX, read_only=True)

    def clear(self) -> None:
        self._by_text.clear()


class TokenApi:
    """The three token endpoints. The caller's token is checked before them (any token may list);
    minting and revoking take a signed one (`signed_form`)."""

    def __init__(self, tokens: ReadTokens, checker: TokenChecker) -> None:
        self.tokens = tokens
        self.checker = checker

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/api/v1/tokens", self._list),
            ("POST", "/api/v1/tokens/create", self._create),
            ("POST", "/api/v1/tokens/revoke", self._revoke),
        ]

    async def _list(self, request: web.Request) -> web.StreamResponse:
        tokens = self.tokens.of_account(request[ACCOUNT])
        return json_response({"code": 200, "api_tokens": [t.json() for t in tokens]})

    async def _create(self, request: web.Request) -> web.StreamResponse:
        account, form = await signed_form(request, self.checker)
        name = form.get("name", "")
        access = form.get("sub_account_access", "").lower()  # the SDK sends Python's True / False
        if not name or access not in ("true", "false"):
            raise LighterError(TOKEN_REFUSED, message="invalid param: name and sub_account_access are required")
        expiry = _integer(form, "expiry")
        token = self.tokens.create(account, name, expiry, access == "true", form.get("scopes", "read.*"))
        return json_response({"code": 200, **token.json()})

    async def _revoke(self, request: web.Request) -> web.StreamResponse:
        account, form = await signed_form(request, self.checker)
        token = self.tokens.revoke(account, _integer(form, "token_id"))
        return json_response({"code": 200, "token_id": token.token_id, "revoked": token.revoked})


async def signed_form(request: web.Request, checker: TokenChecker) -> tuple[int, dict[str, str]]:
    """A form that changes something: the caller's token must be a signed one (not read-only) and
    the form's `account_index` the token's account."""
    account = request[ACCOUNT]
    token = request.headers.get("Authorization") or request.query.get("auth")
    if (await checker.check(token, account)).read_only:
        raise checker.refusal("a read-only token cannot change anything")
    form = dict(await inbound.read_form(request))
    if inbound.integer(form.get("account_index", "")) != account:
        raise checker.refusal("token is for another account")
    return account, form


def _integer(form: dict[str, str], name: str) -> int:
    value = inbound.integer(form.get(name, ""))
    if value is None:
        raise LighterError(TOKEN_REFUSED, message=f"invalid param: {name}")
    return value
