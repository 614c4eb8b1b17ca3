"""Aster request signing (spec §2): V3 EIP-712 over the exact parameter string, V1 HMAC-SHA256.

V3: the business parameters, then `nonce`, `user`, `signer`, joined as `k=v` with `&` exactly as
they will be sent, are the `msg` of the typed data
`Message(string msg)` in the domain `AsterSignTransaction` / `1` / chainId (1666 mainnet, 714
testnet) / 0x0, signed with the agent's (signer's) key; `&signature=<hex>` is appended last. The
nonce is µs and strictly increasing per signer in this process.

Only `msg` changes between requests: the domain separator and the type hash are hashed once per
signer, and each request costs three keccaks and one libsecp256k1 signature of the digest
(coincurve, the C backend eth-keys itself signs with; RFC 6979, so the bytes are eth-account's).

V1: `signature = hex(HMAC_SHA256(secret, totalParams))` over the parameter string as sent (with
`timestamp`), and the key in the `X-MBX-APIKEY` header.

Keys stay in `Secret`s (or inside eth-account's key object); no repr shows them.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Mapping, Sequence
from urllib.parse import quote

import coincurve
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak
from eth_utils.exceptions import ValidationError

from xtb.connectors.aster.settings import AsterExtra
from xtb.errors import AuthError
from xtb.secrets import Secret

VENUE = "aster"
MAINNET_CHAIN_ID = 1666
TESTNET_CHAIN_ID = 714
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

Pairs = Sequence[tuple[str, str]]


def encode_pairs(pairs: Pairs) -> str:
    """`k=v&k=v`, values percent-encoded (RFC 3986 unreserved characters stay): the text that is
    both signed and sent, so the two can never differ."""
    return "&".join(f"{key}={quote(value, safe='-_.~')}" for key, value in pairs)


MESSAGE_TYPEHASH = keccak(b"Message(string msg)")


def typed_data(msg: str, chain_id: int) -> dict[str, object]:
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, "Message": [{"name": "msg", "type": "string"}]},
        "primaryType": "Message",
        "domain": {
            "name": "AsterSignTransaction",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": ZERO_ADDRESS,
        },
        "message": {"msg": msg},
    }


def domain_separator(chain_id: int) -> bytes:
    """hashStruct(EIP712Domain) of Aster's domain on `chain_id`, by eth-account's own encoder (once
    per signer, so the per-request path cannot drift from the reference encoding)."""
    return encode_typed_data(full_message=typed_data("", chain_id)).header


class NonceClock:
    """µs nonces: the venue's clock (local time + measured offset), never repeating and never going
    back in this process, also under concurrent requests."""

    def __init__(self) -> None:
        self.offset_us = 0
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            nonce = max(int(time.time() * 1_000_000) + self.offset_us, self._last + 1)
            self._last = nonce
            return nonce


class V3Signer:
    """The agent key signs for the main wallet `user`."""

    def __init__(self, user: str, private_key: Secret, chain_id: int) -> None:
        try:
            account = Account.from_key(private_key.reveal())
        except (ValueError, ValidationError, TypeError):
            raise AuthError("the signer private key is not a valid secp256k1 key", venue=VENUE) from None
        if not (user.startswith("0x") and len(user) == 42):
            raise AuthError("the user must be the main wallet's 0x address", venue=VENUE)
        self._key = coincurve.PrivateKey(bytes(account.key))  # parsed once; no repr shows it
        self.user = user
        self.signer = account.address
        self.chain_id = chain_id
        self._prefix = b"\x19\x01" + domain_separator(chain_id)
        self._tail = "&" + encode_pairs([("user", user), ("signer", self.signer)])  # every message ends so
        self.nonces = NonceClock()

    def __repr__(self) -> str:
        return f"V3Signer(user={self.user}, signer={self.signer}, chain_id={self.chain_id}, key=***)"

    def sign(self, msg: str) -> str:
        """The r ‖ s ‖ v signature (v = 27/28) of `msg`, hex without 0x."""
        digest = keccak(self._prefix + keccak(MESSAGE_TYPEHASH + keccak(msg.encode())))
        signature = self._key.sign_recoverable(digest, hasher=None)  # r ‖ s ‖ recovery id
        return f"{signature[:64].hex()}{signature[64] + 27:02x}"

    def signed_text(self, pairs: Pairs, nonce: int | None = None) -> str:
        """The business pairs plus nonce / user / signer, and `&signature=` last."""
        nonce = self.nonces.next() if nonce is None else nonce
        business = encode_pairs(pairs)
        msg = f"{business}&nonce={nonce}{self._tail}" if business else f"nonce={nonce}{self._tail}"
        return f"{msg}&signature={self.sign(msg)}"


class V1Signer:
    """Legacy API key + HMAC secret."""

    def __init__(self, api_key: Secret, api_secret: Secret, recv_window: int | None = None) -> None:
        self._key = api_key
        self._secret = api_secret
        self.recv_window = recv_window
        self.offset_ms = 0

    def __repr__(self) -> str:
        return "V1Signer(api_key=***, api_secret=***)"

    def headers(self) -> dict[str, str]:
        return {"X-MBX-APIKEY": self._key.reveal()}

    def sign(self, total_params: str) -> str:
        return hmac.new(self._secret.reveal().encode(), total_params.encode(), hashlib.sha256).hexdigest()

    def signed_text(self, pairs: Pairs, timestamp_ms: int | None = None) -> str:
        extra = [("recvWindow", str(self.recv_window))] if self.recv_window else []
        stamp = int(time.time() * 1000) + self.offset_ms if timestamp_ms is None else timestamp_ms
        text = encode_pairs([*pairs, *extra, ("timestamp", str(stamp))])
        return f"{text}&signature={self.sign(text)}"


def signer_for(settings: AsterExtra, credentials: Mapping[str, Secret], environment: str) -> V3Signer | V1Signer:
    """The signer the venue file's `auth` chooses, from the credentials that mode names."""
    if settings.auth == "v1":
        if "api_key" not in credentials or "api_secret" not in credentials:
            raise AuthError("V1 needs the credentials 'api_key' and 'api_secret'", venue=VENUE)
        return V1Signer(credentials["api_key"], credentials["api_secret"], settings.recv_window)
    if "user" not in credentials or "signer_private_key" not in credentials:
        raise AuthError("V3 needs the credentials 'user' and 'signer_private_key'", venue=VENUE)
    chain_id = settings.chain_id or (MAINNET_CHAIN_ID if environment == "mainnet" else TESTNET_CHAIN_ID)
    return V3Signer(credentials["user"].reveal(), credentials["signer_private_key"], chain_id)
