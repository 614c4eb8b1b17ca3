"""API keys, nonces and the two signature checks of the Lighter simulator (spec §2.5, §2.6, §2.9).

`KeyBook` holds each (account, api key index) slot: its public key and its nonce counter, with the
strict `+1` rule and the skip-nonce `>` rule. `Verifier` checks Schnorr signatures (transactions and
auth tokens) on a worker thread, so a verification never stalls the event loop, and remembers
verified tokens until their deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from xtb.crypto import field as F
from xtb.crypto import schnorr
from xtb.sim import inbound
from xtb.sim.lighter import errors as E
from xtb.sim.lighter.errors import LighterError
from xtb.sim.lighter.txs import MAX_API_KEY_INDEX, Limbs, auth_message

log = logging.getLogger(__name__)

MAX_NONCE = 2**48 - 1
READ_ONLY_PREFIX = "ro:"
READ_ONLY_KEY_INDEX = 255  # "no key": a read-only token is not tied to one


@dataclass
class ApiKey:
    account: int
    index: int
    public_key: bytes
    next_nonce: int = 0  # last accepted + 1
    transaction_time: int = 0  # µs of the last accepted tx


@dataclass
class KeyBook:
    """Every registered (account, key index) slot. A slot's nonce survives a key rotation."""

    keys: dict[tuple[int, int], ApiKey] = field(default_factory=dict)
    nonces: dict[tuple[int, int], int] = field(default_factory=dict)  # for slots without a key yet

    def register(self, account: int, index: int, public_key: bytes) -> ApiKey:
        slot = (account, index)
        old = self.keys.get(slot)
        nonce = old.next_nonce if old is not None else self.nonces.pop(slot, 0)
        key = self.keys[slot] = ApiKey(account, index, public_key, nonce)
        return key

    def get(self, account: int, index: int) -> ApiKey | None:
        return self.keys.get((account, index))

    def of_account(self, account: int) -> list[ApiKey]:
        return sorted((k for (a, _), k in self.keys.items() if a == account), key=lambda k: k.index)

    def next_nonce(self, account: int, index: int) -> int:
        key = self.keys.get((account, index))
        return key.next_nonce if key is not None else self.nonces.get((account, index), 0)

    def consume(self, account: int, index: int, nonce: int, now_us: int) -> None:
        key = self.keys.get((account, index))
        if key is None:
            self.nonces[(account, index)] = nonce + 1
            return
        key.next_nonce = nonce + 1
        key.transaction_time = now_us

    def clear(self) -> None:
        self.keys.clear()
        self.nonces.clear()


class Verifier:
    """Schnorr checks on one worker thread (pure Python holds the GIL, but the loop keeps getting
    its turns, and nothing long runs on it). `enabled=False` skips the math (§2.9 switch)."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        in_thread: bool = True,
        accept_noncanonical: bool = False,
        keys: schnorr.KeyCache | None = None,
    ) -> None:
        self.enabled = enabled
        self.in_thread = in_thread
        self.accept_noncanonical = accept_noncanonical
        self.cache = keys if keys is not None else schnorr.KeyCache()
        self._executor: ThreadPoolExecutor | None = None
        self.count = 0
        self.seconds = 0.0

    def verify_now(self, public_key: bytes, m: Limbs, sig: bytes) -> bool:
        """Blocking check; InvalidKey when the key itself is unusable."""
        started = time.perf_counter()
        try:
            return schnorr.verify(public_key, m, sig, keys=self.cache, accept_noncanonical=self.accept_noncanonical)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started

    def structural(self, public_key: bytes, sig: bytes) -> bool:
        """What remains checked with verification switched off: canonical non-zero key limbs, an
        80-byte signature with s and e below n."""
        if F.from_bytes(public_key) in (None, 0) or len(sig) != 80:
            return False
        s, e = schnorr.scalar_from_bytes(sig[:40]), schnorr.scalar_from_bytes(sig[40:])
        return self.accept_noncanonical or (s < schnorr.N and e < schnorr.N)

    async def verify(self, public_key: bytes, m: Limbs, sig: bytes) -> bool:
        if not self.enabled:
            return self.structural(public_key, sig)
        if not self.in_thread:
            return self.verify_now(public_key, m, sig)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lighter-verify")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.verify_now, public_key, m, sig)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


@dataclass(frozen=True)
class Token:
    deadline: int
    account: int
    key_index: int
    read_only: bool = False  # a `ro:` token (read_tokens), not signed by an API key


class TokenChecker:
    """Auth tokens `deadline:account:key:sighex` (§2.5), checked in the spec's order and cached
    until their deadline; read-only `ro:` tokens are looked up in `read_only`. Raises LighterError
    with the configured status and code."""

    def __init__(
        self,
        book: KeyBook,
        verifier: Verifier,
        now_s: Callable[[], float],
        *,
        max_lifetime_s: int,
        skew_s: int,
        status: int,
        code: int,
        read_only: Callable[[str], Token | None] | None = None,
    ) -> None:
        self._book = book
        self._read_only = read_only
        self._verifier = verifier
        self._now_s = now_s
        self._max_lifetime = max_lifetime_s
        self._skew = skew_s
        self._status = status
        self._code = code
        self._verified: dict[tuple[str, bytes], Token] = {}

    def refusal(self, reason: str) -> LighterError:
        return LighterError(self._code, status=self._status, message=f"invalid auth: {reason}")

    @staticmethod
    def parse(token: str) -> Token | None:
        parts = token.split(":")
        numbers = [inbound.integer(p) for p in parts[:3]]
        if len(parts) != 4 or None in numbers:
            return None
        deadline, account, key_index = numbers
        assert deadline is not None and account is not None and key_index is not None
        return Token(deadline, account, key_index)

    async def check(self, token: str | None, account: int | None) -> Token:
        """The token's claims once it proves itself for `account` (None: the token's own account)."""
        if not token:
            raise self.refusal("missing token")
        if token.startswith(READ_ONLY_PREFIX):
            return self._read_only_claims(token, account)
        claims = self.parse(token)
        if claims is None:
            raise self.refusal("malformed token")
        now = self._now_s()
        if claims.deadline <= now:
            raise self.refusal("token expired")
        if claims.deadline > now + self._max_lifetime + self._skew:
            raise self.refusal("token lifetime exceeds 8 hours")
        if account is not None and claims.account != account:
            raise self.refusal("token is for another account")
        if claims.key_index > MAX_API_KEY_INDEX:
            raise self.refusal("invalid api key index")
        key = self._book.get(claims.account, claims.key_index)
        if key is None:
            raise self.refusal("api key not found")
        cached = self._verified.get((token, key.public_key))
        if cached is not None:
            return cached
        try:
            sig = bytes.fromhex(token.rsplit(":", 1)[1])
        except ValueError:
            raise self.refusal("signature is not hex") from None
        if len(sig) != 80:
            raise self.refusal("signature must be 80 bytes")
        m = auth_message(claims.deadline, claims.account, claims.key_index)
        try:
            ok = await self._verifier.verify(key.public_key, m, sig)
        except schnorr.InvalidKey:
            ok = False
        if not ok:
            raise self.refusal("signature does not verify")
        self._forget_expired(now)
        self._verified[(token, key.public_key)] = claims
        return claims

    def _read_only_claims(self, token: str, account: int | None) -> Token:
        claims = self._read_only(token) if self._read_only is not None else None
        if claims is None:
            raise self.refusal("read-only token is unknown, revoked or expired")
        if account is not None and claims.account != account:
            raise self.refusal("token is for another account")
        return claims

    def _forget_expired(self, now: float) -> None:
        if len(self._verified) > 1000:
            for cached, claims in list(self._verified.items()):
                if claims.deadline <= now:
                    del self._verified[cached]


def key_not_registered() -> LighterError:
    return LighterError(E.KEY_NOT_REGISTERED)
