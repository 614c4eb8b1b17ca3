"""Backpack request signing: ED25519 over the canonical instruction string.

The string is `instruction=<instr>` + `&k=v` for each body key (or query parameter) sorted by key,
values raw (booleans lower-case), then `&timestamp=<ms>&window=<ms>`. A batch signs one block per
order, in array order. The secret is the base64 of the 32-byte seed; the API key is the base64 of
the public key derived from it. Which instruction a route signs is in the endpoint table
(endpoints.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from decimal import Decimal

from nacl.signing import SigningKey

from xtb.connectors.backpack.settings import DEFAULT_WINDOW_MS
from xtb.errors import AuthError
from xtb.secrets import Secret

Value = str | int | bool | Decimal
Params = Mapping[str, Value]


def render(value: Value) -> str:
    """A value as it appears in the signing string: raw text, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise TypeError(f"refusing to sign a float ({value!r}); use Decimal or str")
    return str(value)


def _block(instruction: str, params: Params) -> str:
    parts = [f"instruction={instruction}"]
    parts.extend(f"{key}={render(params[key])}" for key in sorted(params))
    return "&".join(parts)


def signing_string(
    instruction: str, params: Params | Sequence[Params], timestamp_ms: int, window_ms: int = DEFAULT_WINDOW_MS
) -> str:
    """The exact text Backpack verifies. `params` is a mapping, or a list of mappings for a batch."""
    if isinstance(params, Mapping):
        head = _block(instruction, params)
    else:
        head = "&".join(_block(instruction, p) for p in params)
    return f"{head}&timestamp={timestamp_ms}&window={window_ms}"


class BackpackSigner:
    """Holds the signing key; shows neither the seed nor the key in any repr."""

    def __init__(self, secret: Secret) -> None:
        try:
            seed = base64.b64decode(secret.reveal(), validate=True)
        except (binascii.Error, ValueError):
            raise AuthError("Backpack secret is not valid base64", venue="backpack") from None
        if len(seed) != 32:
            raise AuthError(
                f"Backpack secret must be the base64 of a 32-byte ED25519 seed, not {len(seed)} bytes", venue="backpack"
            )
        self._key = SigningKey(seed)
        self.api_key = base64.b64encode(bytes(self._key.verify_key)).decode()

    def __repr__(self) -> str:
        return "BackpackSigner(***)"

    def sign(self, message: str) -> str:
        return base64.b64encode(self._key.sign(message.encode()).signature).decode()

    def headers(
        self,
        instruction: str,
        params: Params | Sequence[Params],
        timestamp_ms: int,
        window_ms: int = DEFAULT_WINDOW_MS,
    ) -> dict[str, str]:
        signature = self.sign(signing_string(instruction, params, timestamp_ms, window_ms))
        return {
            "X-API-Key": self.api_key,
            "X-Signature": signature,
            "X-Timestamp": str(timestamp_ms),
            "X-Window": str(window_ms),
        }

    def subscribe_signature(self, timestamp_ms: int, window_ms: int = DEFAULT_WINDOW_MS) -> list[str]:
        """The `signature` array of a private WS SUBSCRIBE frame."""
        signature = self.sign(signing_string("subscribe", {}, timestamp_ms, window_ms))
        return [self.api_key, signature, str(timestamp_ms), str(window_ms)]
