"""GRVT connector: EIP-712 order signing as grvt-pysdk defines it (signing.py, held to the SDK's
bytes), host resolution through grvt-pysdk, session auth, the JSON-RPC WebSocket streams.

`GrvtConnector` is imported on first use, so reading the light `settings` module (when a venue
file loads) does not import grvt-pysdk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xtb.connectors.grvt.connector import GrvtConnector

__all__ = ["GrvtConnector"]


def __getattr__(name: str) -> Any:
    if name == "GrvtConnector":
        from xtb.connectors.grvt.connector import GrvtConnector

        return GrvtConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
