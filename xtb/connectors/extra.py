"""Typed `extra:` settings: each connector declares what its venue file's `extra:` may hold.

Why: `extra` used to be a free-form mapping read with `int(config.extra.get(...))` in each
connector's constructor, so a typo or a wrong type surfaced only when a connector was built (or
never: an unknown key was silently ignored). A connector now names a `VenueExtra` model (in its
package's light `settings.py`, which imports no SDK); the venue file is checked against it when it
loads, and the connector reads `self.settings`, typed.

pydantic is already installed for the venues' SDKs (eth-account, lighter-sdk); its models give
types, defaults, bounds and unknown-key refusal in one declaration, and `xtb.schema` renders its
errors as every settings file's are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from xtb.errors import ConfigError
from xtb.schema import SchemaModel, validate


class VenueExtra(SchemaModel):
    """Base of every connector's `extra:` settings: unknown keys are refused, values are frozen."""

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None, where: str, key: str = "extra") -> Self:
        """The settings from a mapping; ConfigError naming `where`, the key and what is wrong."""
        if raw is not None and not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: {key} must be a mapping, not {type(raw).__name__}")
        return validate(cls, dict(raw or {}), where, key)
