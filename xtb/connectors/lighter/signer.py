"""Lighter signing through the official SDK: `lighter.SignerClient` (the bundled Go signer) makes
every transaction and auth token; this module only feeds it explicit nonces and key indexes, so the
SDK's own nonce manager (which drifts after 429 / 5xx / timeouts, spec §8) never runs.

The chain id is always passed explicitly: from the configuration, else from the host the way the
SDK's profiles name it (mainnet 304, testnet 300), else 304 as the SDK assumes for any other URL.

Every call into the Go library runs on one thread of its own (`go_thread`), never the event loop's.
On the process's main thread each call costs ~0.26 ms more than the work: the Go runtime asks for
the calling thread's stack bounds on every call in, which glibc answers for the main thread by
reading /proc/self/maps. A signed order is three calls (sign, and free its two strings): 1.1 ms
there, 0.33 ms on a thread of its own plus ~0.03 ms to hand it over. One thread for the whole
process, and a lock held across each call and each new client's registration, keep the library's
one-client-per-slot registration (below) and the signature made with it together, as they were on
the loop (the start-up key check, a network call, keeps a thread of its own, as before).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from xtb.errors import AuthError, VenueRejected
from xtb.secrets import Secret

log = logging.getLogger(__name__)
VENUE = "lighter"

CHAIN_PROFILES: tuple[tuple[str, int], ...] = (
    ("mainnet.zklighter", 304),
    ("testnet.zklighter", 300),
    ("api.rh-testnet.lighter", 300),
    ("api.rh.lighter", 466324),
)
DEFAULT_CHAIN_ID = 304
ORDER_EXPIRY_28_DAYS = -1  # the signer turns it into now + 28 days
NIL_MARKET = 255
TOKEN_REFRESH_S = 60  # refresh a cached auth token this long before its deadline

T = TypeVar("T")
_go_thread: ThreadPoolExecutor | None = None
# Held for a slot's registration (a client's creation, on the loop) and for each call made with
# the slot (on the Go thread), so a client created meanwhile never takes the slot mid-signature.
_slot_lock = threading.Lock()


def go_thread() -> ThreadPoolExecutor:
    """The process's one thread for calls into the Go library (see the module docstring)."""
    global _go_thread
    if _go_thread is None:
        _go_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lighter-signer")
    return _go_thread


def _with_slot(call: Callable[[], T]) -> T:
    with _slot_lock:
        return call()


async def on_go_thread(call: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(go_thread(), _with_slot, call)


# The Go library keeps ONE client per (account, key index) for the whole process: a second
# SignerClient for the same slot (another connector, another chain) silently replaces the first's
# key and chain id. Each signer re-registers its own before signing when another took the slot.
_SLOT_OWNERS: dict[tuple[int, int], int] = {}


def chain_id_for(rest_url: str, configured: Any = None) -> int:
    """The chain id to sign with: configured, else the SDK's host profiles, else 304."""
    if configured is not None:
        return int(configured)
    for marker, chain in CHAIN_PROFILES:
        if marker in rest_url:
            return chain
    return DEFAULT_CHAIN_ID


@dataclass(frozen=True)
class SignedTx:
    tx_type: int
    tx_info: str
    tx_hash: str


class LighterSigner:
    """One (account, API key) pair on the SDK's SignerClient. Never shows the key in a repr."""

    def __init__(self, rest_url: str, account_index: int, key_index: int, private_key: Secret, chain_id: int) -> None:
        self.rest_url = rest_url.rstrip("/")
        self.account_index = account_index
        self.key_index = key_index
        self.chain_id = chain_id
        self._private_key = private_key
        self._client: Any = None
        self._token: tuple[str, int] | None = None  # (token, deadline s)

    def __repr__(self) -> str:
        return f"LighterSigner(account={self.account_index}, key={self.key_index}, chain={self.chain_id}, key=***)"

    async def open(self) -> None:
        """Create the SDK client. It must happen inside a running loop (its aiohttp session)."""
        from lighter.signer_client import SignerClient  # the SDK loads its Go library on import

        asyncio.get_running_loop()
        try:
            with _slot_lock:  # briefly: at most one signature on the Go thread holds it
                self._client = SignerClient(
                    url=self.rest_url,
                    account_index=self.account_index,
                    api_private_keys={self.key_index: self._private_key.reveal()},
                    chain_id=self.chain_id,
                )
                _SLOT_OWNERS[self._slot] = id(self)  # constructing it registered our key for the slot
        except Exception as exc:  # the Go library refuses malformed keys and account indexes
            raise AuthError(f"the Lighter signer refused the credentials: {_clean(exc, self._private_key)}",
                            venue=VENUE) from None  # fmt: skip

    async def close(self) -> None:
        if self._client is not None:
            if _SLOT_OWNERS.get(self._slot) == id(self):
                del _SLOT_OWNERS[self._slot]
            await self._client.close()
            self._client = None

    @property
    def _slot(self) -> tuple[int, int]:
        return self.account_index, self.key_index

    @property
    def client(self) -> Any:
        """The SDK client, holding the Go library's slot for our (account, key index)."""
        if self._client is None:
            raise AuthError("the Lighter signer is not open", venue=VENUE)
        if _SLOT_OWNERS.get(self._slot) != id(self):
            if self._slot in _SLOT_OWNERS:
                self._client.create_client(self.key_index)  # take the slot back: our key, our chain
            _SLOT_OWNERS[self._slot] = id(self)
        return self._client

    # ------------------------------------------------------------------------------ signing

    def _signed(self, result: tuple[Any, Any, Any, Any]) -> SignedTx:
        tx_type, tx_info, tx_hash, error = result
        if error is not None:
            raise VenueRejected(f"the signer refused the transaction: {error}", venue=VENUE, code="signer")
        return SignedTx(int(tx_type), tx_info, tx_hash)

    async def create_order(
        self,
        *,
        market_index: int,
        client_order_index: int,
        base_amount: int,
        price: int,
        is_ask: bool,
        order_type: int,
        time_in_force: int,
        reduce_only: bool,
        order_expiry: int,
        nonce: int,
        skip_nonce: bool = False,
    ) -> SignedTx:
        return self._signed(
            await on_go_thread(
                lambda: self.client.sign_create_order(
                    market_index,
                    client_order_index,
                    base_amount,
                    price,
                    is_ask,
                    order_type,
                    time_in_force,
                    reduce_only,
                    0,
                    order_expiry,
                    skip_nonce=int(skip_nonce),
                    nonce=nonce,
                    api_key_index=self.key_index,
                )
            )
        )

    async def cancel_order(self, *, market_index: int, index: int, nonce: int, skip_nonce: bool = False) -> SignedTx:
        """`index` is a client order index (< 2^48) or the venue's order_index: the venue tells
        them apart by range."""
        return self._signed(
            await on_go_thread(
                lambda: self.client.sign_cancel_order(
                    market_index, index, skip_nonce=int(skip_nonce), nonce=nonce, api_key_index=self.key_index
                )
            )
        )

    async def cancel_all(self, *, market_index: int | None, nonce: int, skip_nonce: bool = False) -> SignedTx:
        """Immediate cancel-all, of one market (attribute 5; market 0 is a real market) or all."""
        return self._signed(
            await on_go_thread(
                lambda: self.client.sign_cancel_all_orders(
                    0,
                    0,
                    NIL_MARKET if market_index is None else market_index,
                    skip_nonce=int(skip_nonce),
                    nonce=nonce,
                    api_key_index=self.key_index,
                )
            )
        )

    def auth_token(self, ttl_s: int, *, min_left_s: int = TOKEN_REFRESH_S) -> str:
        """A cached auth token with at least `min_left_s` of life left (a new one lives `ttl_s`)."""
        now = int(time.time())
        if self._token is not None and self._token[1] - now > min(min_left_s, ttl_s - 1):
            return self._token[0]

        def create() -> tuple[str | None, str | None]:
            return self.client.create_auth_token_with_expiry(ttl_s, timestamp=now, api_key_index=self.key_index)

        # rare (a token lives ttl_s), so waited for right here; on the Go thread, as every call into it
        token, error = go_thread().submit(_with_slot, create).result()
        if error is not None or not token:
            raise AuthError(f"could not create an auth token: {error}", venue=VENUE)
        self._token = (token, now + ttl_s)
        return token

    def lasting_token(self, ttl_s: int) -> tuple[str, int]:
        """A token with at least half its life left, and its deadline (epoch seconds): what a socket
        subscribes with, to come back with a new one before that deadline."""
        token = self.auth_token(ttl_s, min_left_s=ttl_s // 2)
        assert self._token is not None
        return token, self._token[1]


def _clean(error: object, secret: Secret) -> str:
    text = str(error)
    raw = secret.reveal()
    return text.replace(raw, "***").replace(raw.removeprefix("0x"), "***")
