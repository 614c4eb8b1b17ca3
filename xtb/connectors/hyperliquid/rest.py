"""Hyperliquid's REST requests: what endpoints.py names, signed as auth.py signs, and every non-success
answer turned into the runtime's error by the venue's error table (errors.py).

The client reads only `code` and `message` out of an error answer and raises
`TABLE.error(request, status, code, message, retry_after)`; a 2xx answer that carries an error code
is an error too (docs/connectors.md section 2.3). JSON is read with `parse_float=Decimal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xtb.connectors.hyperliquid.auth import Signer
from xtb.connectors.hyperliquid.endpoints import endpoint
from xtb.connectors.paced_http import PacedSession


class HyperliquidRest:
    def __init__(self, http: PacedSession, base_url: str, signer: Signer) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._signer = signer

    async def request(self, name: str, params: Mapping[str, Any] | None = None) -> Any:
        """Send the endpoint `name` with `params`; the decoded answer, or the table's error."""
        route = endpoint(name)
        raise NotImplementedError(
            f"{type(self).__name__}.request: not implemented yet — send {route.method} {route.path} through "
            "the paced session (yarl.URL(url, encoded=True), the body as bytes), sign it when the endpoint is "
            "signed, and raise errors.TABLE.error(...) for an error answer (docs/connectors.md sections 2.3, 5)"
        )
