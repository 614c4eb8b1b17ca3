"""Faults as a user writes them: the JSON a test or a person sends to `/_sim/faults`, turned into
the `xtb.sim.faults` plan entries.

Kept beside the faults, not in the control routes, so what a fault entry may hold is checked in one
place against the fields the control API documents (`xtb.sim.control_spec`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xtb.sim.control_spec import REST_FAULT_FIELDS, STREAM_FAULT_FIELDS
from xtb.sim.faults import RestAction, RestFault, StreamAction, StreamFault


class FaultSpecError(ValueError):
    """A fault entry that cannot be applied as given (the message names the entry and the field)."""


def parse_faults(spec: Any) -> list[RestFault | StreamFault]:
    """Faults from JSON: `{"rest": [{"action": "status", "status": 429, ...}], "stream": [...]}`.
    Every entry is checked before any is returned, so a bad one refuses the whole set."""
    if not isinstance(spec, Mapping):
        raise FaultSpecError('faults must be an object like {"rest": [...], "stream": [...]}')
    unknown = sorted(set(spec) - {"rest", "stream"})
    if unknown:
        raise FaultSpecError(f"unknown fault group(s) {unknown}; use 'rest' and 'stream'")
    faults: list[RestFault | StreamFault] = []
    for group, action_type, allowed, cls in (
        ("rest", RestAction, REST_FAULT_FIELDS, RestFault),
        ("stream", StreamAction, STREAM_FAULT_FIELDS, StreamFault),
    ):
        entries = spec.get(group, [])
        if not isinstance(entries, list):
            raise FaultSpecError(f"faults.{group} must be a list")
        for index, entry in enumerate(entries):
            where = f"{group}[{index}]"
            if not isinstance(entry, Mapping):
                raise FaultSpecError(f"{where} must be an object")
            kwargs: dict[str, Any] = {}
            for key, value in entry.items():
                if key == "action":
                    choices = [a.value for a in action_type]
                    if value not in choices:
                        raise FaultSpecError(f"{where}.action must be one of {choices}, got {value!r}")
                    kwargs["action"] = action_type(value)
                    continue
                if key not in allowed:
                    raise FaultSpecError(f"{where}: unknown field {key!r}; fields are {['action', *allowed]}")
                field = allowed[key]
                if value is None and field.nullable:
                    kwargs[key] = None
                    continue
                if isinstance(value, bool) or not isinstance(value, field.types):
                    raise FaultSpecError(f"{where}.{key} has the wrong type: {value!r}")
                kwargs[key] = value
            if "action" not in kwargs:
                raise FaultSpecError(f"{where} needs an 'action'")
            try:
                faults.append(cls(**kwargs))
            except ValueError as exc:
                raise FaultSpecError(f"{where}: {exc}") from exc
    return faults
