"""Venue connectors: `base.BaseConnector` plus one module or package per venue.

`CONNECTORS` names each venue's connector class lazily, so importing one venue never imports
another venue's SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from xtb.errors import ConfigError

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector

CONNECTORS: dict[str, str] = {
    "backpack": "xtb.connectors.backpack:BackpackConnector",
    "grvt": "xtb.connectors.grvt:GrvtConnector",
    "lighter": "xtb.connectors.lighter:LighterConnector",
    "aster": "xtb.connectors.aster:AsterConnector",
}


def load_connector_class(name: str) -> type[BaseConnector]:
    """The connector class for a venue name, or a `module:Class` path."""
    target = CONNECTORS.get(name, name)
    if ":" not in target:
        raise ConfigError(f"unknown venue connector {name!r}; known: {sorted(CONNECTORS)}")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load connector {target!r}: {exc}") from exc
