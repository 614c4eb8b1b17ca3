"""Who signs, for which account, on which network, with which nonce (spec §2.1, §2.6, hazards 4-6).

Signed with eth-account through signing.py, not the official SDK: the SDK is synchronous (requests
and a websocket thread), takes its nonce from the wall clock per call, so concurrent calls collide
(§9), and signs mainnet only when the URL string equals the mainnet host (§1), which is wrong behind
a proxy or on a simulator. Here the network comes from the venue file's `environment` (mainnet only
with the runtime's mainnet opt-in), decided in ONE place: `HyperliquidSigner.mainnet`.

Query with the account address, sign with the agent key (hazard 6): `account` is the venue file's
identifier `account_address`, the key its credential `agent_private_key` (an API wallet approved by
the account, or the account's own key). The key stays a `Secret`, revealed only inside signing.py at
the moment of signing; only its public address is kept in the clear.

Nonces are per signer (§2.6): one counter per signer address for the whole process, so two
connectors on one key (the suite starts a second trader on the same account) never collide, and
each nonce is `max(now_ms, last + 1)`: unique, increasing, and always inside the venue's
(T − 2 d, T + 1 d) window because it follows the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_account import Account

from xtb.connectors.hyperliquid import signing
from xtb.errors import AuthError, ConfigError
from xtb.secrets import Secret

VENUE = "hyperliquid"
KEY_NAME = "agent_private_key"
ACCOUNT_NAME = "account_address"


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class NonceCounter:
    """`max(now_ms, last + 1)`: strictly increasing per signer, fast-forwarded to the clock. Taking a
    nonce never awaits, so concurrent tasks on one event loop each get their own."""

    def __init__(self, now_ms: Callable[[], int] = _now_ms) -> None:
        self._now_ms = now_ms
        self.last = 0

    def next(self) -> int:
        self.last = max(self._now_ms(), self.last + 1)
        return self.last


_COUNTERS: dict[str, NonceCounter] = {}


def nonce_counter(signer_address: str) -> NonceCounter:
    """The process's one counter for a signer (by lower-cased address)."""
    return _COUNTERS.setdefault(signer_address.lower(), NonceCounter())


def address_of(key: Secret) -> str:
    """The signer's public address (lower-case, as the venue writes addresses); never shows the key."""
    try:
        return str(Account.from_key(key.reveal()).address).lower()
    except Exception:  # eth-keys raises several types; none may carry the key into a message
        raise AuthError(f"{key.name} is not a valid secp256k1 private key", venue=VENUE) from None


def checked_address(text: str, what: str) -> str:
    raw = text.strip()
    digits = raw.removeprefix("0x")
    if not (raw.startswith("0x") and len(digits) == 40 and all(c in "0123456789abcdefABCDEF" for c in digits)):
        raise ConfigError(f"{VENUE}: {what} must be 0x + 40 hex digits, got {raw[:50]!r}")
    return raw.lower()


@dataclass(frozen=True)
class HyperliquidSigner:
    key: Secret
    signer: str  # the key's address, lower-case
    account: str  # the account queried and traded for, lower-case
    mainnet: bool
    nonces: NonceCounter

    @classmethod
    def from_config(
        cls, credentials: Mapping[str, Secret], identifiers: Mapping[str, str], environment: str
    ) -> HyperliquidSigner:
        if KEY_NAME not in credentials:
            raise ConfigError(f"{VENUE}: missing credential {KEY_NAME!r} (credentials: {{{KEY_NAME}: ENV_VAR}})")
        if ACCOUNT_NAME not in identifiers:
            raise ConfigError(
                f"{VENUE}: missing identifier {ACCOUNT_NAME!r} (identifiers: {{{ACCOUNT_NAME}: ENV_VAR}})"
            )
        key = credentials[KEY_NAME]
        signer = address_of(key)
        account = checked_address(identifiers[ACCOUNT_NAME], f"identifiers.{ACCOUNT_NAME}")
        # the one place the network is decided: ConnectorConfig only allows "mainnet" with the opt-in
        return cls(key, signer, account, environment == "mainnet", nonce_counter(signer))

    def __repr__(self) -> str:
        return f"HyperliquidSigner(signer={self.signer}, account={self.account}, mainnet={self.mainnet})"

    def envelope(self, action: Mapping[str, Any]) -> dict[str, Any]:
        """The `/exchange` body for an L1 action: a fresh nonce, the signature, no vault, no expiry."""
        nonce = self.nonces.next()
        signature = signing.sign_l1_action(self.key, action, nonce, mainnet=self.mainnet)
        return {
            "action": dict(action),
            "nonce": nonce,
            "signature": signature,
            "vaultAddress": None,
            "expiresAfter": None,
        }
