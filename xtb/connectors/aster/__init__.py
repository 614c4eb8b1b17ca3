"""Aster (asterdex.com) USDT-M perpetuals: V3 EIP-712 wallet signatures (default) or V1 HMAC keys.

The connector is imported on first use: a venue file's `extra:` is checked against settings.py,
which must not pull the signing libraries in with this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xtb.connectors.aster.connector import AsterConnector

__all__ = ["AsterConnector"]


def __getattr__(name: str) -> Any:
    if name == "AsterConnector":
        from xtb.connectors.aster.connector import AsterConnector

        return AsterConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
