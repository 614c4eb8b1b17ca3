"""Typed `extra:` settings: each connector declares what its venue file's `extra:` may hold.

Why: `extra` used to be a free-form mapping read with `int(config.extra.get(...))` in each
connector's constructor, so a typo or a wrong type surfaced only when a connector was built (or
never: an unknown key was silently ignored). A connector now names a `VenueExtra` model (in its
package's light `settings.py`, which imports no SDK); the venue file is checked against it when it
loads, and the connector reads `self.settings`, typed.

pydantic is already installed for the venues' SDKs (eth-account, lighter-sdk); its models give
types, defaults, bounds and unknown-key refusal in one declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from xtb.errors import ConfigError


class VenueExtra(BaseModel):
    """Base of every connector's `extra:` settings: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None, where: str, key: str = "extra") -> Self:
        """The settings from a mapping; ConfigError naming `where`, the key and what is wrong."""
        if raw is not None and not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: {key} must be a mapping, not {type(raw).__name__}")
        try:
            return cls.model_validate(dict(raw or {}))
        except ValidationError as exc:
            raise ConfigError(f"{where}: {validation_problems(exc, key, sorted(cls.model_fields))}") from None


def validation_problems(exc: ValidationError, prefix: str, allowed: list[str]) -> str:
    """pydantic's errors as "key.sub: message" (never the input value: it may be a secret)."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in (prefix, *error["loc"]) if p != "")
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key; allowed: {', '.join(allowed) or 'none'}"
        parts.append(f"{loc}: {message}")
    return "; ".join(parts)
