"""The `mutations` run setting: change what the simulator sends, the way a venue might change
without notice, to check that drift is seen (`xtb drift`) and what a client makes of it.

    PUT /_sim/settings {"mutations": [{"rename": ["price", "px"]},      every key "price" becomes "px"
                                      {"number": "price"},              a decimal string "1.5" becomes 1.5
                                      {"enum": ["status", "NEW", "OPEN_NEW"]}]}   that value, renamed

Each applies, in order, to every JSON answer and every JSON stream frame, at any depth, by field
name. Why shared and on the wire: drift is about what crosses the wire, whichever venue sends it,
so the mutation is applied to the encoded text after the venue's own mapping (a REST answer in the
front-end's middleware, a frame as its connection sends it) and no venue module knows of it.
An empty list (the default) sends everything unchanged, and costs one check per message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from xtb import safejson

log = logging.getLogger(__name__)

KINDS = {"rename": 2, "number": 1, "enum": 3}  # kind → how many names it takes


@dataclass(frozen=True)
class Mutation:
    kind: str
    args: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {self.kind: self.args[0] if len(self.args) == 1 else list(self.args)}


def parse_mutations(value: Any) -> tuple[Mutation, ...]:
    """Check a `mutations` setting; ValueError names the first bad entry."""
    if not isinstance(value, list):
        raise ValueError('mutations must be a list like [{"rename": ["price", "px"]}]')
    out = []
    for index, entry in enumerate(value):
        where = f"mutations[{index}]"
        if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in KINDS:
            raise ValueError(f"{where} must be one of {{'rename': [FIELD, NEW]}}, {{'number': FIELD}}, "
                             f"{{'enum': [FIELD, VALUE, NEW]}}")  # fmt: skip
        kind, args = next(iter(entry.items()))
        names = [args] if isinstance(args, str) else args
        if not isinstance(names, list) or len(names) != KINDS[kind] or not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"{where}.{kind} takes {KINDS[kind]} non-empty string(s), got {args!r}")
        out.append(Mutation(kind, tuple(names)))
    return tuple(out)


def mutate(value: Any, mutations: Sequence[Mutation]) -> Any:
    """`value` with each mutation applied in turn, at every depth."""
    for mutation in mutations:
        value = _apply(value, mutation)
    return value


def _apply(value: Any, m: Mutation) -> Any:
    if isinstance(value, list):
        return [_apply(v, m) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        item = _apply(item, m)
        if m.kind == "rename" and key == m.args[0]:
            key = m.args[1]
        elif m.kind == "number" and key == m.args[0]:
            item = _number(item)
        elif m.kind == "enum" and key == m.args[0] and item == m.args[1]:
            item = m.args[2]
        out[key] = item
    return out


def _number(value: Any) -> Any:
    """A decimal string as a JSON number (an integer when it has no fraction); anything else as it was."""
    if not isinstance(value, str):
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    return int(number) if "." not in value and "e" not in value.lower() else float(number)


def schema() -> dict[str, Any]:
    """The setting's JSON schema, for the control API's OpenAPI document."""
    name = {"type": "string", "minLength": 1}
    return {
        "type": "array",
        "description": "changes to every JSON answer and stream frame, applied in order at any depth by field "
        'name: {"rename": [FIELD, NEW]}, {"number": FIELD} (a decimal string becomes a number), '
        '{"enum": [FIELD, VALUE, NEW]} (that value becomes NEW); [] sends everything unchanged',
        "items": {
            "oneOf": [
                _entry("rename", {"type": "array", "items": name, "minItems": 2, "maxItems": 2}),
                _entry("number", name),
                _entry("enum", {"type": "array", "items": name, "minItems": 3, "maxItems": 3}),
            ]
        },
    }


def _entry(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": [kind], "properties": {kind: value}}


class AnswerMutations:
    """A front-end's mutations: changed through the control API, applied to what it sends."""

    def __init__(self) -> None:
        self.mutations: tuple[Mutation, ...] = ()

    def prepare(self, value: Any) -> Callable[[], None]:
        """Check a `mutations` setting; return what applies it (ValueError names a bad entry)."""
        parsed = parse_mutations(value)

        def apply() -> None:
            self.mutations = parsed

        return apply

    def current(self) -> list[dict[str, Any]]:
        return [m.to_json() for m in self.mutations]

    def text(self, data: str | bytes) -> str | bytes:
        """An encoded frame, mutated; the same object when nothing applies or it is not JSON."""
        if not self.mutations:
            return data
        try:
            value = safejson.loads(data)
        except ValueError:
            return data
        changed = mutate(value, self.mutations)
        if changed == value:
            return data
        text = json.dumps(changed, separators=(",", ":"))
        return text.encode() if isinstance(data, bytes) else text

    def response(self, response: web.StreamResponse) -> web.StreamResponse:
        """A REST answer whose body is JSON, mutated in place (any other is left as it is)."""
        if not self.mutations or not isinstance(response, web.Response):
            return response
        body = response.body
        if isinstance(body, bytes | bytearray):
            mutated = self.text(bytes(body))
            if mutated != body:
                response.body = mutated
        return response
