"""Server-side Aster authentication (spec §2): V3 EIP-712 `Message` signatures with user / signer /
nonce, and V1 API-key + HMAC-SHA256 with timestamp / recvWindow.

V3 follows the spec's verification algorithm step by step: the signed text is the raw text of the
component (query or form body) that carries `signature`, up to `&signature=`; its percent-decoded
form is tried second. The signature may carry `0x`, any hex case, and v as 27/28 or 0/1. Nonce
checks run after the signature, so a forged request never burns a nonce.

The digest is computed here from its definition (keccak over the EIP-712 encoding), independently
of eth-account's typed-data encoder that the connector uses, so each checks the other.
"""

from __future__ import annotations

import hashlib
import hmac
from bisect import insort
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_plus

from aiohttp import web
from eth_keys import keys
from eth_keys.exceptions import BadSignature, ValidationError
from eth_utils import keccak

from xtb.sim import inbound
from xtb.sim.aster.errors import AsterError, invalid, mandatory
from xtb.sim.aster.params import Component, Params

Security = Literal["NONE", "MARKET_DATA", "USER_STREAM", "USER_DATA", "TRADE"]

DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
MESSAGE_TYPEHASH = keccak(text="Message(string msg)")
_NAME_HASH = keccak(text="AsterSignTransaction")
_VERSION_HASH = keccak(text="1")


def domain_separator(chain_id: int) -> bytes:
    return keccak(DOMAIN_TYPEHASH + _NAME_HASH + _VERSION_HASH + chain_id.to_bytes(32, "big") + bytes(32))


def message_digest(msg: str, chain_id: int) -> bytes:
    """keccak256(0x1901 ‖ domainSeparator ‖ keccak256(typeHash(Message) ‖ keccak256(utf8(msg))))."""
    struct = keccak(MESSAGE_TYPEHASH + keccak(msg.encode()))
    return keccak(b"\x19\x01" + domain_separator(chain_id) + struct)


def parse_signature(text: str) -> keys.Signature | None:
    """r ‖ s ‖ v hex, with or without 0x, any case, v ∈ {0, 1, 27, 28}."""
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    if len(text) != 130:
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    v = raw[64]
    if v in (27, 28):
        v -= 27
    if v not in (0, 1):
        return None
    try:
        return keys.Signature(vrs=(v, int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")))
    except (ValidationError, BadSignature, ValueError):
        return None


def recover(digest: bytes, signature: keys.Signature) -> str | None:
    """The signing address (lowercase), or None when the signature does not recover."""
    try:
        return signature.recover_public_key_from_msg_hash(digest).to_checksum_address().lower()
    except (ValidationError, BadSignature, ValueError):
        return None


def signed_text(params: Params) -> tuple[Component, str, str]:
    """(component, msg, signature): the component that carries `signature`, its raw text before
    `&signature=`, and the signature. The signature must be the component's last parameter."""
    for component in (params.query, params.body):
        if not component.has("signature"):
            continue
        raw = component.raw
        if raw.startswith("signature="):
            msg, tail = "", raw[len("signature=") :]
        else:
            index = raw.rfind("&signature=")
            if index < 0:
                raise AsterError(-1022)
            msg, tail = raw[:index], raw[index + len("&signature=") :]
        if "&" in tail:
            raise AsterError(-1022)  # not the last parameter: what was signed is not what was sent
        return component, msg, unquote_plus(tail)
    raise mandatory("signature")


class NonceBook:
    """The last `memory` nonces per key (signer or user): a repeat, or one below the smallest kept
    when full, is expired; otherwise it is kept and the smallest evicted."""

    def __init__(self, memory: int) -> None:
        self.memory = memory
        self._kept: dict[str, list[int]] = {}

    def check(self, key: str, nonce: int, now_us: int, window_us: int) -> None:
        if nonce > now_us + window_us:
            raise AsterError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if nonce < now_us - window_us:
            raise AsterError(-4225)
        kept = self._kept.setdefault(key, [])
        if kept and (nonce in kept or (len(kept) >= self.memory and nonce < kept[0])):
            raise AsterError(-4225)
        insort(kept, nonce)
        if len(kept) > self.memory:
            del kept[0]

    def clear(self) -> None:
        self._kept.clear()


@dataclass(frozen=True)
class V3Identity:
    user: str  # lowercase
    signer: str  # lowercase
    nonce: int


IDENTITY: web.RequestKey[V3Identity] = web.RequestKey("xtb_aster_identity")  # a verified V3 request's


class V3Verifier:
    """`authorize(user, signer, security)` says whether the signer may act for the user (and returns
    the user resolved from the agent registry when the request named none)."""

    def __init__(
        self,
        *,
        chain_id: int,
        now_us: Callable[[], int],
        window_s: float,
        nonces: NonceBook,
        nonce_scope: str,
        resolve_user: Callable[[str], str | None],
        signature_error: int = -1022,
    ) -> None:
        self.chain_id = chain_id
        self.now_us = now_us
        self.window_us = int(window_s * 1_000_000)
        self.nonces = nonces
        self.nonce_scope = nonce_scope
        self.resolve_user = resolve_user
        self.signature_error = signature_error

    def bad_signature(self) -> AsterError:
        return AsterError(-1000, "Signature check failed") if self.signature_error == -1000 else AsterError(-1022)

    def verify(self, params: Params) -> V3Identity:
        """Signature, then the nonce. Authorization (agent approval) is the caller's next step."""
        _, msg, sig_text = signed_text(params)
        signer = params.values.get("signer") or ""
        if not signer:
            raise mandatory("signer")
        signature = parse_signature(sig_text)
        if signature is None:
            raise self.bad_signature()
        signer = signer.lower()
        if recover(message_digest(msg, self.chain_id), signature) != signer:
            decoded = unquote_plus(msg)
            if decoded == msg or recover(message_digest(decoded, self.chain_id), signature) != signer:
                raise self.bad_signature()
        user = (params.values.get("user") or "").lower() or self.resolve_user(signer)
        if not user:
            raise self.bad_signature()
        nonce = inbound.integer(params.values.get("nonce") or "")
        if nonce is None:
            raise mandatory("nonce")
        return V3Identity(user, signer, nonce)

    def spend_nonce(self, identity: V3Identity) -> None:
        key = identity.signer if self.nonce_scope == "signer" else identity.user
        self.nonces.check(key, identity.nonce, self.now_us(), self.window_us)


class V1Verifier:
    """X-MBX-APIKEY, then (for TRADE / USER_DATA) the HMAC over `query ‖ body` as received, then the
    timestamp window."""

    def __init__(self, *, now_ms: Callable[[], int], key_error_status: int) -> None:
        self.now_ms = now_ms
        self.key_error_status = key_error_status

    def key_error(self, code: int) -> AsterError:
        return AsterError(code, status=self.key_error_status)

    def check_key(self, header: str | None, known: Callable[[str], bool]) -> str:
        if not header or not header.isascii() or not header.isalnum() or len(header) > 128:
            raise self.key_error(-2014)
        if not known(header):
            raise self.key_error(-2015)
        return header

    def verify(self, params: Params, secret: str) -> None:
        """The HMAC, then the timestamp window."""
        if inbound.integer(params.values.get("timestamp") or "") is None:
            raise mandatory("timestamp")
        total = _without_signature(params.query) + _without_signature(params.body)
        sent = params.values.get("signature") or ""
        expected = hmac.new(secret.encode(), total.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sent.lower()):
            raise AsterError(-1022)
        self.verify_timing(params)

    def verify_timing(self, params: Params) -> None:
        """Accept iff timestamp < server + 1000 and server − timestamp ≤ recvWindow (≤ 60000)."""
        stamp = inbound.integer(params.values.get("timestamp") or "")
        if stamp is None:
            raise mandatory("timestamp")
        window_text = params.values.get("recvWindow")
        window = 5000
        if window_text:
            parsed = inbound.integer(window_text)
            if parsed is None or parsed > 60_000:
                raise invalid("recvWindow")
            window = parsed
        now = self.now_ms()
        if stamp >= now + 1000:
            raise AsterError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if now - stamp > window:
            raise AsterError(-1021)


def _without_signature(component: Component) -> str:
    raw = component.raw
    if not component.has("signature"):
        return raw
    if raw.startswith("signature="):
        return ""
    index = raw.rfind("&signature=")
    return raw[:index] if index >= 0 else raw
