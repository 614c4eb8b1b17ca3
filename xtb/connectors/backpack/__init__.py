"""Backpack Exchange (USDC perpetuals): ED25519-signed REST and one WebSocket URL. The connector is
imported on first use, so loading a venue file (the light `settings`) costs no signing library."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xtb.connectors.backpack.connector import BackpackConnector

__all__ = ["BackpackConnector"]


def __getattr__(name: str) -> Any:
    if name == "BackpackConnector":
        return importlib.import_module("xtb.connectors.backpack.connector").BackpackConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
