"""The `/exchange` envelope and its verification in the venue's order (spec §2.2, §2.5).

1. the body fits the types (else HTTP 422, `canonical.Undeserializable`);
2. the nonce window, before the signature is read;
3. the scheme by action type, recovery over the CANONICAL form (`canonical.py`) with the profile's
   network letter or chain name;
4. signer → account (`signers.py`, with its exact texts);
5. the signer's nonce set; 6. `expiresAfter`.
The address budget (step 7) and the action follow in the front-end. Every refusal here is a
`HyperliquidError` (HTTP 200 `{"status":"err"}`), except the schema's 422.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xtb.sim.hyperliquid.canonical import ParsedAction, Undeserializable, hex_bytes, parse_action
from xtb.sim.hyperliquid.errors import HyperliquidError
from xtb.sim.hyperliquid.nonces import NonceWindows
from xtb.sim.hyperliquid.settings import HyperliquidSimSettings
from xtb.sim.hyperliquid.signers import Authorised, Signers

ENVELOPE_KEYS = ("action", "nonce", "signature", "vaultAddress", "expiresAfter")


@dataclass(frozen=True)
class Envelope:
    """One `/exchange` body as the venue reads it; `signature` normalised to `0x` hex and v 27/28
    (§10.3), `vault` lower-case `0x` hex."""

    action: ParsedAction
    nonce: int
    signature: dict[str, Any]
    vault: str | None
    expires_after: int | None


def parse_envelope(body: Any, settings: HyperliquidSimSettings) -> Envelope:
    """Undeserializable (422) for a body the venue's types cannot hold; HyperliquidError for a
    signature that has the right types but no usable value (`Unable to recover signer.`)."""
    if not isinstance(body, Mapping):
        raise Undeserializable("the body is not an object")
    for key in ("action", "nonce", "signature"):
        if key not in body:
            raise Undeserializable(f"{key} is missing")
    nonce = body["nonce"]
    if type(nonce) is not int or not 0 <= nonce < 2**64:
        raise Undeserializable("nonce is not an unsigned integer")
    expires = body.get("expiresAfter")
    if expires is not None and (type(expires) is not int or not 0 <= expires < 2**64):
        raise Undeserializable("expiresAfter is not an unsigned integer")
    vault = body.get("vaultAddress")
    if vault is not None:
        vault = hex_bytes(vault, "vaultAddress", 20, prefix_optional=True)
    action = parse_action(body["action"])
    return Envelope(action, nonce, _signature(body["signature"], settings), vault, expires)


def _signature(raw: Any, settings: HyperliquidSimSettings) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise Undeserializable("signature is not an object")
    r, s, v = raw.get("r"), raw.get("s"), raw.get("v")
    if not isinstance(r, str) or not isinstance(s, str) or type(v) is not int:
        raise Undeserializable("signature is not {r: string, s: string, v: integer}")
    parts = []
    for text in (r, s):
        digits = text[2:] if text[:2] in ("0x", "0X") else (text if settings.accept_unprefixed_rs else "")
        if not 1 <= len(digits) <= 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise HyperliquidError("Unable to recover signer.")
        parts.append("0x" + digits.lower())
    if v in (0, 1) and settings.accept_v_0_1:
        v += 27
    if v not in (27, 28):
        raise HyperliquidError("Unable to recover signer.")
    return {"r": parts[0], "s": parts[1], "v": v}


class Verifier:
    """§2.5 steps 2–6 for one envelope; `settings` is read per call (a run may change it)."""

    def __init__(self, signers: Signers, nonces: NonceWindows, settings: Callable[[], HyperliquidSimSettings]) -> None:
        self.signers = signers
        self.nonces = nonces
        self._settings = settings

    def verify(self, envelope: Envelope, raw_action: Mapping[str, Any]) -> Authorised:
        settings = self._settings()
        action = envelope.action
        self.nonces.check_time(envelope.nonce)
        if action.user_signed:
            if action.canonical.get("hyperliquidChain") != settings.chain_name:
                if not (
                    settings.accept_both_networks and action.canonical.get("hyperliquidChain") in ("Mainnet", "Testnet")
                ):
                    raise HyperliquidError(settings.wrong_chain_text)
            if action.canonical.get("nonce", action.canonical.get("time")) != envelope.nonce:
                raise HyperliquidError(settings.nonce_mismatch_text)
        hashed = action.canonical if settings.canonical_hash else raw_action
        networks = [settings.mainnet]
        if settings.accept_both_networks and not action.user_signed:
            networks.append(not settings.mainnet)
        failure: HyperliquidError | None = None
        for mainnet in networks:
            try:
                return self.signers.authorise(
                    hashed,
                    envelope.nonce,
                    envelope.signature,
                    vault=envelope.vault,
                    expires_after=envelope.expires_after,
                    is_mainnet=mainnet,
                )
            except HyperliquidError as exc:
                if failure is None:
                    failure = exc
                if "does not exist" not in exc.message:
                    raise
        assert failure is not None
        raise failure
