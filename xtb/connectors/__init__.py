"""Venue connectors: `base.BaseConnector` plus one module or package per venue.

`CONNECTORS` names each venue's connector class lazily, so importing one venue never imports
another venue's SDK. `EXTRA_TYPES` names the typed settings of each venue's `extra:` (the package's
light `settings.py`, which imports no SDK), so a venue file is checked when it loads. Installed
packages add connectors of their own through the entry-point group `xtb.connectors`
(`registered_connectors`); a venue file may also name any class as `module:Class`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from xtb.entry_points import Registered, merged
from xtb.errors import ConfigError

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector
    from xtb.connectors.extra import VenueExtra

CONNECTOR_GROUP = "xtb.connectors"

CONNECTORS: dict[str, str] = {
    "backpack": "xtb.connectors.backpack:BackpackConnector",
    "grvt": "xtb.connectors.grvt:GrvtConnector",
    "lighter": "xtb.connectors.lighter:LighterConnector",
    "aster": "xtb.connectors.aster:AsterConnector",
    "hyperliquid": "xtb.connectors.hyperliquid:HyperliquidConnector",
}

EXTRA_TYPES: dict[str, str] = {
    "backpack": "xtb.connectors.backpack.settings:BackpackExtra",
    "grvt": "xtb.connectors.grvt.settings:GrvtExtra",
    "lighter": "xtb.connectors.lighter.settings:LighterExtra",
    "aster": "xtb.connectors.aster.settings:AsterExtra",
    "hyperliquid": "xtb.connectors.hyperliquid.settings:HyperliquidExtra",
}


def load_extra_type(name: str) -> type[VenueExtra] | None:
    """The typed `extra:` settings of a venue's connector: a built-in venue's from its light
    settings module; a `module:Class` connector's from its `extra_type` (importing it); None when
    the connector declares none."""
    target = EXTRA_TYPES.get(name)
    if target is None:
        return load_connector_class(name).extra_type
    module_name, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load the extra settings {target!r}: {exc}") from exc


def registered_connectors() -> dict[str, Registered]:
    """Every connector a venue file can name: the built-in ones and those of installed packages."""
    return merged(CONNECTOR_GROUP, CONNECTORS)


def load_connector_class(name: str) -> type[BaseConnector]:
    """The connector class for a registered name, or a `module:Class` path."""
    from xtb.connectors.base import BaseConnector

    registered = registered_connectors()
    target = registered[name].target if name in registered else name
    if ":" not in target:
        raise ConfigError(f"unknown venue connector {name!r}; known: {sorted(registered)}")
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load connector {target!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, BaseConnector)):
        raise ConfigError(f"{target!r} is not a BaseConnector subclass")
    return cls
