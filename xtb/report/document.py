"""The results document's JSON edge: the only code that writes a `Report` as JSON or reads one back.

Both directions follow the model's own definitions (each dataclass field is a key, read and checked
by its type), so the writer and the reader cannot drift from each other or from the types: a new
field is written and read with no change here. Reading checks every value; a malformed document
raises `ValueError` whose message starts with the path of the bad value (`results[3]
(grvt/metadata).outcome: ...`), so the line that produced it is easy to find. Keys the model does
not know are ignored (`verdict`, which the suite adds for machines and which is derived, and keys
older documents carried). A parallel worker ships each row as `result_to_json` and the controller
reads it with `parse_result`, so a row arrives exactly as it left.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import math
import os
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from xtb.report.model import Order, Outcome, Report, Result, ScenarioInfo, VenueInfo

Read = Callable[[object, str], Any]  # (JSON value, its path) → the value, or ValueError naming the path

_RENAMED = {(Order, "order_type"): "type"}  # where the attribute cannot be named like its key
_KEYED_BY = {ScenarioInfo: "id", VenueInfo: "name"}  # held as the key of the object that lists them
_ONLY_WHEN_SET = {(Result, "steps"), (Report, "run"), (VenueInfo, "shapes")}  # not written as empty
_REQUIRED = object()


# ---------------------------------------------------------------------------------- the edge


def report_to_json(report: Report) -> dict[str, Any]:
    """The document as JSON values, exactly what `parse_report` reads back."""
    return _write(report)


def parse_report(document: object) -> Report:
    """Check a results document and read it into values; ValueError names the first bad key."""
    if not isinstance(document, dict):
        raise ValueError(f"document: expected a JSON object, got {_describe(document)}")
    return _read_object(Report, document, "")


def result_to_json(result: Result) -> dict[str, Any]:
    return _write(result)


def parse_result(data: object, path: str = "result") -> Result:
    """One row; once its venue and scenario are read, errors name them (`results[3] (grvt/metadata)`)."""
    row = _dict(data, path)
    for key in ("venue", "scenario"):
        if key not in row:
            raise ValueError(f"{path}: missing key {key!r}")
    venue, scenario = _str(row["venue"], f"{path}.venue"), _str(row["scenario"], f"{path}.scenario")
    return _read_object(Result, row, f"{path} ({venue}/{scenario})")


def scenario_to_json(scenario: ScenarioInfo) -> dict[str, Any]:
    return _write(scenario)


def parse_scenario(scenario_id: str, data: object, path: str = "scenario") -> ScenarioInfo:
    return _read_object(ScenarioInfo, data, path, scenario_id)


def load_report(path: Path) -> Report:
    """Read and check a results file; ValueError (naming the file) when it is not a valid document."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    try:
        return parse_report(document)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def save_report(report: Report, path: Path, *, verdict: Mapping[str, Any] | None = None) -> Path:
    """Write the document (atomically: a reader never sees half of it). The suite adds its verdict
    for machines; it is derived from the rest, so nothing reads it back."""
    document = report_to_json(report)
    if verdict is not None:
        document["verdict"] = dict(verdict)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(document, indent=1))
    return path


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------- writing


def _write(value: Any) -> Any:
    """JSON values: objects by their fields, decimals by their text, outcomes by their name."""
    if dataclasses.is_dataclass(value):
        return {key: _write(getattr(value, attr)) for attr, key in _written_fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [_write(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _write(v) for k, v in value.items()}
    return value


def _written_fields(value: Any) -> list[tuple[str, str]]:
    cls = type(value)
    return [
        (f.name, _RENAMED.get((cls, f.name), f.name))
        for f in _fields(cls)
        if not ((cls, f.name) in _ONLY_WHEN_SET and getattr(value, f.name) == _default(f))
    ]


# ---------------------------------------------------------------------------------- reading


@functools.cache
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    """The fields a document holds for `cls`: what its constructor takes, less the one a listing keys it by."""
    return tuple(f for f in dataclasses.fields(cls) if f.init and f.name != _KEYED_BY.get(cls))


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return _REQUIRED


@functools.cache
def _field_reader(cls: type, name: str) -> Read:
    hints = typing.get_type_hints(cls)
    field = next(f for f in dataclasses.fields(cls) if f.name == name)
    return _reader(hints[name], required=_default(field) is _REQUIRED)


def _read_object(cls: type, data: object, path: str, key: str | None = None) -> Any:
    """An object of `cls`: a missing key without a default is an error, one with a default takes it."""
    node = _dict(data, path or "document")
    values: dict[str, Any] = {} if key is None else {_KEYED_BY[cls]: key}
    for f in _fields(cls):
        name = _RENAMED.get((cls, f.name), f.name)
        at = f"{path}.{name}" if path else name
        if name in node:
            values[f.name] = _field_reader(cls, f.name)(node[name], at)
        elif (default := _default(f)) is _REQUIRED:
            raise ValueError(f"{path or 'document'}: missing key {name!r}")
        else:
            values[f.name] = default
    return cls(**values)


def _reader(hint: Any, *, required: bool) -> Read:
    """How a value of type `hint` is read. A string that may be absent is a label (null reads as
    empty, a number as its text: venue ids are often ints); a required one must be a string."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType:  # X | None
        (inner,) = [a for a in args if a is not type(None)]
        read_inner = _reader(inner, required=required)
        return lambda value, path: None if value is None else read_inner(value, path)
    if origin is tuple:
        return _many(args[0])
    if origin is Mapping:
        return _by_key(args[1])
    if dataclasses.is_dataclass(hint):
        return functools.partial(_read_object, hint)
    simple: dict[Any, Read] = {
        str: _str if required else _label,
        bool: _bool,
        int: _int,
        float: _number,
        Decimal: _decimal,
        Outcome: _outcome,
    }
    return simple[hint]


def _many(item: Any) -> Read:
    read_item = parse_result if item is Result else _reader(item, required=True)

    def read(value: object, path: str) -> tuple[Any, ...]:
        return tuple(read_item(entry, f"{path}[{i}]") for i, entry in enumerate(_list(value, path)))

    return read


def _by_key(item: Any) -> Read:
    """An object of values by name; objects listed this way (scenarios, venues) hold their name too."""
    if item in _KEYED_BY:
        return lambda value, path: {k: _read_object(item, v, f"{path}.{k}", k) for k, v in _dict(value, path).items()}
    read_item = _reader(item, required=True)
    return lambda value, path: {str(k): read_item(v, f"{path}.{k}") for k, v in _dict(value, path).items()}


# ---------------------------------------------------------------------------------- values


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _list(value: object, path: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{path}: expected a list, got {_describe(value)}")
    return value


def _dict(value: object, path: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"{path}: expected an object, got {_describe(value)}")
    return value


def _str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{path}: expected a string, got {_describe(value)}")
    return value


def _label(value: object, path: str) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _str(value, path)


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{path}: expected true or false, got {_describe(value)}")
    return value


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{path}: expected a number, got {_describe(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{path}: expected a finite number, got {value!r}")
    return float(value)


def _int(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{path}: expected an integer, got {_describe(value)}")
    return value


def _decimal(value: object, path: str) -> Decimal | None:
    """Prices and sizes are written as strings; a JSON number is taken by its text, never through float math."""
    if value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{path}: expected a decimal string, got {_describe(value)}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{path}: not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{path}: expected a finite decimal, got {value!r}")
    return number


def _outcome(value: object, path: str) -> Outcome:
    if not isinstance(value, str) or value not in Outcome._value2member_map_:
        allowed = ", ".join(o.value for o in Outcome)
        raise ValueError(f"{path}: unknown outcome {value!r} (expected one of: {allowed})")
    return Outcome(value)
