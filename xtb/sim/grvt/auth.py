"""Who may do what on the GRVT simulator (spec §2.1-§2.4): API keys, main wallets, sub-accounts and
their authorised signers, sessions, and the two logins on the edge host.

A session is the `gravity` cookie plus the `X-Grvt-Account-Id` header, both required on every
private call and checked against the session's main account. Login answers carry exactly one
`Set-Cookie` with an RFC 1123 `Expires`, as grvt-pysdk parses it.
"""

from __future__ import annotations

import email.utils
import math
import random
import secrets
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from eth_account import Account

from xtb.sim import inbound
from xtb.sim.engine_types import AccountId
from xtb.sim.grvt import checks, eip712
from xtb.sim.grvt.clock import VenueClock
from xtb.sim.grvt.errors import EdgeError, GrvtError, json_response
from xtb.sim.grvt.settings import GrvtSettings

COOKIE = "gravity"
ACCOUNT_HEADER = "X-Grvt-Account-Id"
TRADE = "Trade"
_ALNUM = string.ascii_letters + string.digits


def address_of(private_key: str) -> str:
    return str(Account.from_key(private_key).address)


def make_identity(rng: random.Random) -> dict[str, str]:
    """Credentials of one trading sub-account: its main wallet, an API key and the key's signer."""
    wallet = f"0x{rng.randrange(1, eip712.SECP256K1_N):064x}"
    signer = f"0x{rng.randrange(1, eip712.SECP256K1_N):064x}"
    return {
        "api_key": "".join(rng.choice(_ALNUM) for _ in range(32)),
        "private_key": signer,
        "signer": address_of(signer),
        "sub_account_id": str(rng.randrange(10**15, 10**16)),
        "account_id": address_of(wallet).lower(),
        "wallet_private_key": wallet,
    }


@dataclass(frozen=True)
class Grant:
    """A signer's permissions on one sub-account; `expires_ns` for a session key (None: never)."""

    permissions: frozenset[str] = frozenset({TRADE})
    expires_ns: int | None = None


@dataclass(frozen=True)
class Ctx:
    """Who is calling a route: the session's main account (None on a public call), and the dialect."""

    main: str | None
    lite: bool = False


@dataclass
class Session:
    main: str
    expires: float
    kind: str


@dataclass
class Accounts:
    """`credentials` is the front-end's table (account → its identity), which the control API fills;
    `account_for` finds the account whose credential matches (the front-end's constant-time lookup)."""

    credentials: Mapping[AccountId, Mapping[str, Any]]
    account_for: Callable[[str, Any], AccountId | None]
    clock: VenueClock
    settings: GrvtSettings
    sessions: dict[str, Session] = field(default_factory=dict)
    extra_keys: dict[str, tuple[AccountId, str]] = field(default_factory=dict)  # minted key → (account, signer)
    grants: dict[str, dict[str, Grant]] = field(default_factory=dict)  # sub-account → signer → grant
    used_login_nonces: dict[tuple[str, int], float] = field(default_factory=dict)

    # ---------------------------------------------------------------------- who is who

    def identities(self) -> Iterator[tuple[AccountId, Mapping[str, Any]]]:
        return iter(self.credentials.items())

    def by_api_key(self, key: str) -> tuple[AccountId, str] | None:
        """(account, signer) of an API key."""
        account = self.account_for("api_key", key)
        if account is not None:
            return account, str(self.credentials[account]["signer"]).lower()
        return self.extra_keys.get(key)

    def by_sub_account(self, sub_account_id: str) -> AccountId | None:
        return self.account_for("sub_account_id", sub_account_id)

    def known(self, account: AccountId) -> bool:
        """Whether the account has credentials yet (the engine funds an account before they exist)."""
        return account in self.credentials

    def main_of(self, account: AccountId) -> str:
        return str(self.credentials[account]["account_id"]).lower()

    def sub_of(self, account: AccountId) -> str:
        return str(self.credentials[account]["sub_account_id"])

    def subs_of(self, main: str) -> list[str]:
        return [str(c["sub_account_id"]) for _, c in self.identities() if str(c["account_id"]).lower() == main]

    def is_main(self, address: str) -> bool:
        return any(str(c["account_id"]).lower() == address for _, c in self.identities())

    def signers(self, sub_account_id: str) -> dict[str, Grant]:
        """Who may sign for a sub-account: its main wallet, its API key's signer, and grants."""
        account = self.by_sub_account(sub_account_id)
        found: dict[str, Grant] = {}
        if account is not None:
            creds = self.credentials[account]
            found[str(creds["account_id"]).lower()] = Grant(frozenset({TRADE, "Admin"}))
            found[str(creds["signer"]).lower()] = Grant()
        found.update(self.grants.get(sub_account_id, {}))
        return found

    def owned(self, ctx: Ctx, body: Mapping[str, Any]) -> AccountId:
        """The engine account of the request's `sub_account_id`, which the session must own."""
        sub = body.get("sub_account_id")
        if isinstance(sub, int) and not isinstance(sub, bool):
            sub = str(sub)
        number = inbound.integer(sub) if isinstance(sub, str) else None
        if number is None or number >= 2**64:
            raise GrvtError(1003, "Request could not be processed due to malformed syntax: sub_account_id")
        account = self.by_sub_account(str(number))
        if account is None or ctx.main is None or self.main_of(account) != ctx.main:
            raise GrvtError(1001)
        return account

    def grant(self, sub_account_id: str, signer: str, grant: Grant | None = None) -> None:
        self.grants.setdefault(sub_account_id, {})[signer.lower()] = grant or Grant()

    # ------------------------------------------------------------------------- sessions

    def login(self, main: str, ttl: float, kind: str) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        expires = self.clock.now() + ttl
        self.sessions[token] = Session(main, expires, kind)
        now = self.clock.now()
        for old, session in list(self.sessions.items()):
            if session.expires <= now:
                del self.sessions[old]
        return token, expires

    def expire_all(self) -> None:
        """Every session ends now (a test of the clients' re-login path)."""
        for session in self.sessions.values():
            session.expires = min(session.expires, self.clock.now())

    def session(self, cookies: Mapping[str, str], headers: Mapping[str, str]) -> str:
        """The main account of a request's session; 1000 / 1001 when it has none or the wrong one."""
        token = cookies.get(COOKIE)
        header = headers.get(ACCOUNT_HEADER)
        if not token or not header:
            raise GrvtError(1000)
        session = self.sessions.get(token)
        if session is None or session.expires <= self.clock.now():
            raise GrvtError(1000)
        if header.lower() != session.main:
            raise GrvtError(1001)
        return session.main

    # ---------------------------------------------------------------------------- logins

    async def api_key_login(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await _edge_body(request)
            key = body.get("api_key")
            found = self.by_api_key(key) if isinstance(key, str) and key else None
            if found is None:
                raise EdgeError(401, "invalid api key")
        except EdgeError as exc:
            return exc.response()
        account, _ = found
        main = self.main_of(account)
        result = {"status": "success", "location": "", "funding_account_address": main}
        result["sub_account_id"] = self.sub_of(account)
        return self._logged_in(main, self.settings.api_key_session_s, "api_key", result)

    async def wallet_login(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await _edge_body(request)
            main = self._check_wallet_login(body)
        except EdgeError as exc:
            return exc.response()
        result = {"status": "success", "location": "", "funding_account_address": main}
        return self._logged_in(main, self.settings.wallet_session_s, "wallet", result)

    def _check_wallet_login(self, body: Mapping[str, Any]) -> str:
        settings = self.settings
        address, sig = body.get("address"), body.get("signature")
        if not checks.is_address(address):
            raise EdgeError(400, "invalid address")
        if not isinstance(sig, Mapping):
            raise EdgeError(400, "missing signature")
        v, r_int, s_int = sig.get("v"), checks.hex256(sig.get("r")), checks.hex256(sig.get("s"))
        if v not in (27, 28) or isinstance(v, bool):
            raise EdgeError(400, "invalid signature v")
        nonce, expiration = _uint(sig.get("nonce"), 2**32 - 1), _uint(sig.get("expiration"), 2**63 - 1)
        signer = sig.get("signer") or address
        if nonce is None or expiration is None or r_int is None or s_int is None or not checks.is_address(signer):
            raise EdgeError(400, "malformed signature")  # the WalletLogin struct: uint32 nonce, int64 expiration
        chain = _chain(sig.get("chain_id", sig.get("chainID")), settings.chain_id)
        if chain not in settings.accepted_chain_ids:
            raise EdgeError(400, "invalid chain id")
        now_ns = self.clock.now_ns()
        if expiration <= now_ns:
            raise EdgeError(401, "signature expired")
        if expiration > now_ns + int(settings.wallet_login_window_s * 1e9):
            raise EdgeError(400, "signature expiration exceeds maximum allowed window")
        signer = str(signer).lower()
        message = {"signer": signer, "nonce": nonce, "expiration": expiration}
        recovered = eip712.recover(eip712.typed_message("WalletLogin", message, chain), int(v), r_int, s_int)
        if recovered is None or recovered != signer or signer != address.lower():
            raise EdgeError(401, "invalid signature")
        registered = self.is_main(signer) or (
            settings.wallet_login_any_signer and any(signer in self.signers(sub) for sub in self._all_subs())
        )
        if not registered:
            raise EdgeError(401, "wallet address not registered")
        key = (signer, nonce)
        used = self.used_login_nonces.get(key)
        if used is not None and used > now_ns:
            raise EdgeError(401, "signature already used")
        self.used_login_nonces[key] = expiration
        if not self.is_main(signer):
            for _, creds in self.identities():  # an authorised signer logs in to its sub-account's main
                if signer in self.signers(str(creds["sub_account_id"])):
                    return str(creds["account_id"]).lower()
        return signer

    def _all_subs(self) -> list[str]:
        return [str(c["sub_account_id"]) for _, c in self.identities()]

    def _logged_in(self, main: str, ttl: float, kind: str, body: dict[str, Any]) -> web.StreamResponse:
        token, expires = self.login(main, ttl, kind)
        expires_at = email.utils.formatdate(math.floor(expires), usegmt=True)
        headers = {
            "Set-Cookie": f"{COOKIE}={token}; Expires={expires_at}; Path=/; HttpOnly; Secure",
            ACCOUNT_HEADER: main,
        }
        return json_response(body, headers=headers)


async def _edge_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await inbound.read_json(request, empty={})
    except ValueError:  # not JSON, too deep, too big, not UTF-8
        raise EdgeError(400, "malformed request body") from None
    if not isinstance(body, dict):
        raise EdgeError(400, "malformed request body")
    return body


def _uint(value: Any, maximum: int) -> int | None:
    """An unsigned integer sent as a JSON integer or decimal text, at most `maximum`, else None."""
    if isinstance(value, str):
        value = inbound.integer(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        return None
    return value


def _chain(value: Any, default: int) -> int | None:
    """A signature's chain id: absent or 0 means the server's own; a string or a number."""
    if value is None or value in ("", "0", 0):
        return default
    return _uint(value, 2**64 - 1)
