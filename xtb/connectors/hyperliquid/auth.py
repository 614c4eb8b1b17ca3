"""How hyperliquid authenticates a request.

The credentials stay `Secret`s and are revealed only at the moment of signing, so no repr, log line
or error can show them (docs/connectors.md section 2.2). Sign exactly the bytes that are sent
(section 5): the REST client builds the query text and the body once, signs them, and sends them
unchanged. Prove it against the venue's documented vectors (tests/test_hyperliquid_signing.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xtb.errors import ConfigError
from xtb.secrets import Secret


@dataclass(frozen=True)
class Signer:
    api_key: Secret
    api_secret: Secret

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Secret]) -> Signer:
        """The signer for the venue file's `credentials:` names (api_key, api_secret)."""
        missing = sorted({"api_key", "api_secret"} - set(credentials))
        if missing:
            raise ConfigError(f"hyperliquid: missing credential(s) {missing}")
        return cls(credentials["api_key"], credentials["api_secret"])

    def headers(self, method: str, path: str, query: str, body: bytes, timestamp_ms: int) -> dict[str, str]:
        """The headers that authenticate one request: the venue's signature over the exact text sent."""
        raise NotImplementedError(
            "Signer.headers: not implemented yet — sign the exact query text and body the venue's way "
            "(reveal the secret only here), then check it against the venue's documented vectors in "
            "tests/test_hyperliquid_signing.py (docs/connectors.md sections 5 and 8)"
        )
