"""Hyperliquid (HyperCore perpetuals) for xtb, issue #20.

`connector.py` holds the REST hooks and wiring (the decisions are in its docstring), `auth.py` the
signer, account and nonces (over `signing.py`: msgpack + EIP-712), `endpoints.py` the two routes and
request weights, `errors.py` the error table, `rest.py` the requests, `actions.py` the `/exchange`
actions and their per-entry answers, `mapping.py` payload mapping (statuses in `statuses.py`, wire
numbers in `numbers.py`), `streams.py` the socket, `settings.py` the typed `extra:` keys.
The connector is imported lazily so that `settings.py` loads without the signing libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xtb.connectors.hyperliquid.connector import HyperliquidConnector

__all__ = ["HyperliquidConnector"]


def __getattr__(name: str) -> Any:
    if name == "HyperliquidConnector":
        from xtb.connectors.hyperliquid.connector import HyperliquidConnector

        return HyperliquidConnector
    raise AttributeError(name)
