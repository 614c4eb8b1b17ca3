"""Aster (asterdex.com) USDT-M perpetuals: V3 EIP-712 wallet signatures (default) or V1 HMAC keys.

`AsterConnector` is imported on first use, so checking a venue file against settings.py does not
load the signing libraries with this package.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "AsterConnector":
        from xtb.connectors.aster.connector import AsterConnector

        return AsterConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
