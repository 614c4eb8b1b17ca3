"""The shape of a JSON answer: which kinds a value took, and for each what a client relies on.

A Shape is a plain JSON-able dict keyed by kind, so a shape file diffs well in git and any tool reads
it. Kinds and what each keeps:

    "null", "boolean", "integer", "float"  {}
    "string"  {"formats": [...], "padded": true?, "fraction": [min, max]?, "values": [...]? | "open": true?}
    "object"  {"fields": {name: {"optional": bool, "shape": Shape}}, "partial": true?}
              (partial: a documented key list that names only some of the keys, never a recording)
    "map"     {"keys": [key formats], "values": Shape}   (keys are ids or symbols, not field names)
    "array"   {"items": Shape}  ({} when only empty arrays were seen)
    "any"     {"kinds": [...]?}  a documented placeholder: any value of these kinds (of every kind
              when "kinds" is absent); only a reference built from documentation has it (`Placeholder`)

Nothing but an enum token (xtb/drift/formats.py `is_token`) is ever kept from a value: that is what
keeps secrets and account ids out of a shape file. merge is commutative, associative and idempotent,
so the order a run meets its answers in does not change the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xtb.drift import formats as f

Shape = dict[str, Any]

SCALARS = ("null", "boolean", "integer", "float")
KINDS = (*SCALARS, "string", "object", "map", "array")


@dataclass(frozen=True)
class Placeholder:
    """A value the documentation does not give ("…", "<address>", a key listed without an example):
    inferred as the "any" kind, which the comparison matches with any value of `kinds` (all when None)."""

    kinds: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PartialObject:
    """An object the documentation lists some keys of ("the answer has at least these"): inferred as an
    object marked partial, so a key the simulator sends beyond the list is not taken for drift."""

    fields: Mapping[str, Any]


def placeholder_kinds(shape: Shape) -> frozenset[str] | None:
    """The kinds a shape's "any" leaves open (every kind in KINDS when it says none); None without one."""
    if "any" not in shape:
        return None
    kinds = shape["any"].get("kinds")
    return frozenset(KINDS if kinds is None else kinds)


def infer(value: Any) -> Shape:
    """The shape of one parsed JSON value (a Decimal counts as a number)."""
    if isinstance(value, Placeholder):
        return {"any": {} if value.kinds is None else {"kinds": sorted(value.kinds)}}
    if isinstance(value, PartialObject):
        fields = {str(k): {"optional": False, "shape": infer(v)} for k, v in value.fields.items()}
        return {"object": {"fields": fields, "partial": True}}
    if value is None:
        return {"null": {}}
    if isinstance(value, bool):
        return {"boolean": {}}
    if isinstance(value, int):
        return {"integer": {}}
    if isinstance(value, float):
        return {"float": {}}
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return {"integer": {}} if isinstance(exponent, int) and exponent >= 0 else {"float": {}}
    if isinstance(value, str):
        return {"string": _infer_string(value)}
    if isinstance(value, Mapping):
        return _infer_mapping(value)
    if isinstance(value, list | tuple):
        return {"array": {"items": infer_all(value)}} if value else {"array": {}}
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _infer_string(text: str) -> dict[str, Any]:
    kind = f.string_format(text)
    detail: dict[str, Any] = {"formats": [kind]}
    if kind == f.DECIMAL:
        digits = f.fraction_digits(text)
        detail["fraction"] = [digits, digits]
        if f.is_padded(text):
            detail["padded"] = True
    if kind == f.TEXT:
        if f.is_token(text):
            detail["values"] = [text]
        else:
            detail["open"] = True
    return detail


def is_map(keys: Iterable[str]) -> bool:
    """An object whose keys are ids or symbols (every key a symbol, or any key not a field name) is a
    map: its keys are data, never field names, and never kept."""
    keys = list(keys)
    if not keys:
        return False
    return all(f.is_symbol(k) for k in keys) or not all(f.is_field_name(k) for k in keys)


def _infer_mapping(value: Mapping[str, Any]) -> Shape:
    keys = [str(k) for k in value]
    if is_map(keys):
        return {"map": {"keys": sorted({f.key_format(k) for k in keys}), "values": infer_all(value.values())}}
    return {"object": {"fields": {str(k): {"optional": False, "shape": infer(v)} for k, v in value.items()}}}


def infer_all(values: Iterable[Any]) -> Shape:
    """The merged shape of many samples ({} when there are none)."""
    shape: Shape = {}
    last: Shape | None = None
    for value in values:
        one = infer(value)
        if one != last:  # merge is idempotent: a run of alike items (book levels) merges once
            shape, last = merge(shape, one), one
    return shape


def merge(a: Shape, b: Shape) -> Shape:
    """The union of two shapes: a field seen in one only becomes optional, kinds and formats unite,
    enum values unite until there are more than TOKEN_LIMIT, when the enum becomes open."""
    out: Shape = {}
    for kind in sorted(set(a) | set(b)):
        if kind not in a or kind not in b:
            out[kind] = _copy(a.get(kind, b.get(kind)))
        else:
            out[kind] = _MERGERS.get(kind, _merge_scalar)(a[kind], b[kind])
    return out


def _copy(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _copy(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return list(detail)
    return detail


def _merge_scalar(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {}


def _merge_string(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"formats": sorted(set(a["formats"]) | set(b["formats"]))}
    if a.get("padded") or b.get("padded"):
        out["padded"] = True
    fractions = [d["fraction"] for d in (a, b) if "fraction" in d]
    if fractions:
        out["fraction"] = [min(r[0] for r in fractions), max(r[1] for r in fractions)]
    if a.get("open") or b.get("open"):
        out["open"] = True
    elif "values" in a or "values" in b:
        values = sorted(set(a.get("values", [])) | set(b.get("values", [])))
        if len(values) > f.TOKEN_LIMIT:
            out["open"] = True
        else:
            out["values"] = values
    return out


def _merge_object(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    fa, fb = a["fields"], b["fields"]
    fields = {}
    for name in sorted(set(fa) | set(fb)):
        if name in fa and name in fb:
            optional = fa[name]["optional"] or fb[name]["optional"]
            fields[name] = {"optional": optional, "shape": merge(fa[name]["shape"], fb[name]["shape"])}
        else:
            fields[name] = {"optional": True, "shape": _copy((fa.get(name) or fb[name])["shape"])}
    if a.get("partial") or b.get("partial"):
        return {"fields": fields, "partial": True}
    return {"fields": fields}


def _merge_map(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {"keys": sorted(set(a["keys"]) | set(b["keys"])), "values": merge(a["values"], b["values"])}


def _merge_array(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    if "items" not in a or "items" not in b:
        return _copy(a if "items" in a else b)
    return {"items": merge(a["items"], b["items"])}


def _merge_any(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    if "kinds" not in a or "kinds" not in b:
        return {}
    return {"kinds": sorted(set(a["kinds"]) | set(b["kinds"]))}


_MERGERS = {
    "any": _merge_any,
    "string": _merge_string,
    "object": _merge_object,
    "map": _merge_map,
    "array": _merge_array,
}


def validate(shape: Any, where: str = "shape") -> None:
    """Raise ValueError naming the place when `shape` is not a Shape (a file edited by hand, or
    written by another version)."""
    if not isinstance(shape, dict):
        raise ValueError(f"{where}: a shape is an object, got {type(shape).__name__}")
    for kind, detail in shape.items():
        here = f"{where}.{kind}"
        if not isinstance(detail, dict):
            raise ValueError(f"{here}: expected an object")
        if kind in SCALARS:
            continue
        if kind == "string":
            if not isinstance(detail.get("formats"), list) or not detail["formats"]:
                raise ValueError(f"{here}: 'formats' must be a non-empty list")
            fraction = detail.get("fraction")
            if fraction is not None and not (
                isinstance(fraction, list) and len(fraction) == 2 and all(type(x) is int and x >= 0 for x in fraction)
            ):
                raise ValueError(f"{here}: 'fraction' must be [min, max] digit counts")
            if "values" in detail and not all(isinstance(v, str) and f.is_token(v) for v in detail["values"]):
                raise ValueError(f"{here}: 'values' must hold enum tokens only")
        elif kind == "object":
            fields = detail.get("fields")
            if not isinstance(fields, dict):
                raise ValueError(f"{here}: 'fields' must be an object")
            if detail.get("partial", True) is not True:
                raise ValueError(f"{here}: 'partial' is true or absent")
            for name, field in fields.items():
                if not isinstance(field, dict) or not isinstance(field.get("optional"), bool):
                    raise ValueError(f"{here}.{name}: a field is {{'optional': bool, 'shape': shape}}")
                validate(field.get("shape"), f"{here}.{name}")
        elif kind == "map":
            if not isinstance(detail.get("keys"), list):
                raise ValueError(f"{here}: 'keys' must be a list")
            validate(detail.get("values"), f"{here}.values")
        elif kind == "array":
            if "items" in detail:
                validate(detail["items"], f"{here}.items")
        elif kind == "any":
            kinds = detail.get("kinds", list(KINDS))
            if not isinstance(kinds, list) or not set(kinds) <= set(KINDS):
                raise ValueError(f"{here}: 'kinds' must be a list of {', '.join(KINDS)}")
        else:
            raise ValueError(f"{here}: unknown kind {kind!r}")
