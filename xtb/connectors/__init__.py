"""Venue connectors: `base.BaseConnector` plus one module or package per venue.

`CONNECTORS` names each venue's connector class lazily, so importing one venue never imports
another venue's SDK. `EXTRA_TYPES` names the typed settings of each venue's `extra:` (the package's
light `settings.py`, which imports no SDK), so a venue file is checked when it loads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from xtb.errors import ConfigError

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector
    from xtb.connectors.extra import VenueExtra

CONNECTORS: dict[str, str] = {
    "backpack": "xtb.connectors.backpack:BackpackConnector",
    "grvt": "xtb.connectors.grvt:GrvtConnector",
    "lighter": "xtb.connectors.lighter:LighterConnector",
    "aster": "xtb.connectors.aster:AsterConnector",
}

EXTRA_TYPES: dict[str, str] = {
    "backpack": "xtb.connectors.backpack.settings:BackpackExtra",
    "grvt": "xtb.connectors.grvt.settings:GrvtExtra",
    "lighter": "xtb.connectors.lighter.settings:LighterExtra",
    "aster": "xtb.connectors.aster.settings:AsterExtra",
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
