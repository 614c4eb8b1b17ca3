"""The results document's JSON edge: the only code that writes a `Report` as JSON or reads one back.

Each type's keys are listed once, in a `_Shape`, and both directions walk that one list, so the
writer and the reader cannot drift: a key is written exactly as it is read. Reading checks every
value; a malformed document raises `ValueError` whose message starts with the path of the bad
value (`results[3] (grvt/metadata).outcome: ...`), so the line that produced it is easy to find.
Keys no shape knows are ignored (`verdict`, which the suite adds for machines and which is derived,
and keys older documents carried). A parallel worker ships each row as `result_to_json` and the
controller reads it with `parse_result`: the same shapes, so a row arrives exactly as it left.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from xtb.report.model import (
    Anomaly,
    Attempt,
    BookSample,
    Exchange,
    HistoryEntry,
    Order,
    Outcome,
    Report,
    Result,
    RunInfo,
    ScenarioInfo,
    Step,
    VenueInfo,
)

_NOTHING: Mapping[str, Any] = MappingProxyType({})  # the default of an absent object (shared, so read-only)
Read = Callable[[object, str], Any]  # (JSON value, its path) → the value, or ValueError naming the path
Write = Callable[[Any], object]
REQUIRED = object()  # a key's default when the document must have it


class _Node:
    """A JSON object being read, with the path used in error messages."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{path or 'document'}: expected an object, got {_describe(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, read: Read, default: Any) -> Any:
        if key not in self.data:
            if default is REQUIRED:
                raise ValueError(f"{self.path or 'document'}: missing key {key!r}")
            return default
        return read(self.data[key], self.at(key))


@dataclass(frozen=True)
class _Key:
    """One key of an object: how its value is read and written, and its value when absent."""

    name: str
    read: Read
    write: Write = lambda value: value
    default: Any = REQUIRED
    attr: str = ""  # the attribute, when it is not named like the key
    omit_default: bool = False  # left out of the JSON when it holds its default (what one writer only fills)


@dataclass(frozen=True)
class _Shape:
    """A type and its keys: the one description both directions use."""

    cls: type
    keys: tuple[_Key, ...]

    def write(self, value: Any) -> dict[str, object]:
        out: dict[str, object] = {}
        for key in self.keys:
            held = getattr(value, key.attr or key.name)
            if not (key.omit_default and held == key.default):
                out[key.name] = key.write(held)
        return out

    def read(self, node: _Node, **given: Any) -> Any:
        values = {key.attr or key.name: node.get(key.name, key.read, key.default) for key in self.keys}
        return self.cls(**values, **given)


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
    """Identifiers and labels: null reads as empty, numbers as their text (venue ids are often ints)."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _str(value, path)


def _opt_str(value: object, path: str) -> str | None:
    return None if value is None else _str(value, path)


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


def _opt_number(value: object, path: str) -> float | None:
    return None if value is None else _number(value, path)


def _int(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{path}: expected an integer, got {_describe(value)}")
    return value


def _opt_int(value: object, path: str) -> int | None:
    return None if value is None else _int(value, path)


def _decimal(value: object, path: str) -> Decimal | None:
    """Prices and sizes are written as strings; a JSON number is taken by its text, never through float math."""
    if value is None or value == "":
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


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _outcome(value: object, path: str) -> Outcome:
    if not isinstance(value, str) or value not in Outcome._value2member_map_:
        allowed = ", ".join(o.value for o in Outcome)
        raise ValueError(f"{path}: unknown outcome {value!r} (expected one of: {allowed})")
    return Outcome(value)


def _outcome_text(value: Outcome) -> str:
    return value.value


def _metrics(value: object, path: str) -> dict[str, float | None]:
    return {str(k): _opt_number(v, f"{path}.{k}") for k, v in _dict(value, path).items()}


def _texts(value: object, path: str) -> tuple[str, ...]:
    return tuple(_str(item, f"{path}[{i}]") for i, item in enumerate(_list(value, path)))


def _text_map(value: object, path: str) -> dict[str, str]:
    return {str(k): _str(v, f"{path}.{k}") for k, v in _dict(value, path).items()}


def _as_list(values: tuple[Any, ...]) -> list[Any]:
    return list(values)


def _as_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    return dict(values)


def _many(name: str, shape: _Shape, *, omit_empty: bool = False) -> _Key:
    """A list of `shape` objects, held as a tuple."""

    def read(value: object, path: str) -> tuple[Any, ...]:
        return tuple(shape.read(_Node(item, f"{path}[{i}]")) for i, item in enumerate(_list(value, path)))

    return _Key(name, read, lambda values: [shape.write(v) for v in values], (), omit_default=omit_empty)


def _keyed(name: str, shape: _Shape, id_attr: str) -> _Key:
    """An object of `shape` objects by their id (scenario id, venue name), the id held on each."""

    def read(value: object, path: str) -> dict[str, Any]:
        return {k: shape.read(_Node(raw, f"{path}.{k}"), **{id_attr: k}) for k, raw in _dict(value, path).items()}

    return _Key(name, read, lambda values: {k: shape.write(v) for k, v in values.items()})


# ---------------------------------------------------------------------------------- shapes

_ATTEMPT = _Shape(
    Attempt,
    (
        _Key("client_id", _label, default=""),
        _Key("venue_id", _label, default=""),
        _Key("price", _decimal, _decimal_text, None),
        _Key("size", _decimal, _decimal_text, None),
        _Key("filled", _decimal, _decimal_text, None),
        _Key("state", _label, default=""),
        _Key("outcome", _label, default=""),
        _Key("top_up", _bool, default=False),
        _Key("submitted_at", _opt_number, default=None),
        _Key("acked_at", _opt_number, default=None),
        _Key("cancel_sent_at", _opt_number, default=None),
        _Key("cancelled_at", _opt_number, default=None),
        _Key("filled_at", _opt_number, default=None),
    ),
)
_HISTORY = _Shape(
    HistoryEntry,
    (
        _Key("at", _opt_number, default=None),
        _Key("source", _label, default=""),
        _Key("state", _label, default=""),
        _Key("filled", _decimal, _decimal_text, None),
        _Key("note", _label, default=""),
    ),
)
_ANOMALY = _Shape(
    Anomaly,
    (
        _Key("kind", _label, default=""),
        _Key("source", _label, default=""),
        _Key("at", _opt_number, default=None),
        _Key("detail", _label, default=""),
    ),
)
_ORDER = _Shape(
    Order,
    (
        _Key("client_id", _label, default=""),
        _Key("venue_id", _label, default=""),
        _Key("side", _label, default=""),
        _Key("size", _decimal, _decimal_text, None),
        _Key("price", _decimal, _decimal_text, None),
        _Key("type", _label, default="", attr="order_type"),
        _Key("reduce_only", _bool, default=False),
        _Key("state", _label, default=""),
        _Key("filled", _decimal, _decimal_text, None),
        _many("history", _HISTORY),
        _many("anomalies", _ANOMALY),
    ),
)
_BOOK_SAMPLE = _Shape(
    BookSample,
    (
        _Key("t", _number),
        _Key("bid", _decimal, _decimal_text, None),
        _Key("ask", _decimal, _decimal_text, None),
    ),
)
_EXCHANGE = _Shape(
    Exchange,
    (
        _Key("t", _opt_number, default=None),
        _Key("method", _label, default=""),
        _Key("url", _label, default=""),
        _Key("status", _opt_int, default=None),
        _Key("latency_s", _opt_number, default=None),
        _Key("error", _label, default=""),
        _Key("weight", _int, default=0),
    ),
)
_STEP = _Shape(
    Step,
    (
        _Key("name", _str),
        _Key("outcome", _outcome, _outcome_text),
        _Key("duration_s", _number),
        _Key("detail", _label, default=""),
    ),
)
_RESULT = _Shape(
    Result,
    (
        _Key("venue", _str),
        _Key("scenario", _str),
        _Key("outcome", _outcome, _outcome_text),
        _Key("reason", _label, default=""),
        _Key("duration_s", _opt_number, default=None),
        _Key("metrics", _metrics, _as_dict, _NOTHING),
        _many("attempts", _ATTEMPT),
        _many("orders", _ORDER),
        _many("book", _BOOK_SAMPLE),
        _many("transcript", _EXCHANGE),
        _many("steps", _STEP, omit_empty=True),
    ),
)
_SCENARIO = _Shape(
    ScenarioInfo,
    (
        _Key("title", _label, default=""),
        _Key("doc", _label, default=""),
        _Key("sim_only", _bool, default=False),
        _Key("baseline", _bool, default=False),
    ),
)
_VENUE = _Shape(
    VenueInfo,
    (
        _Key("environment", _label, default=""),
        _Key("symbol", _label, default=""),
        _Key("config", _label, default=""),
        _Key("quirks", _text_map, _as_dict, _NOTHING),
        _Key("not_run", _text_map, _as_dict, _NOTHING),
    ),
)
_RUN = _Shape(
    RunInfo,
    (
        _Key("config", _str),
        _Key("strategy", _str),
        _Key("started_at", _str),
        _Key("outcome", _outcome, _outcome_text),
        _Key("exit_code", _int),
        _Key("reasons", _texts, _as_list, ()),
        _Key("interrupted_by", _opt_str, default=None),
        _Key("stop_errors", _texts, _as_list, ()),
    ),
)


def _results(value: object, path: str) -> tuple[Result, ...]:
    return tuple(parse_result(item, f"{path}[{i}]") for i, item in enumerate(_list(value, path)))


def _run(value: object, path: str) -> RunInfo | None:
    return None if value is None else _RUN.read(_Node(value, path))


_REPORT = _Shape(
    Report,
    (
        _Key("generated_at", _str),
        _Key("duration_s", _opt_number),
        _Key("target", _str),
        _Key("baseline", _texts, _as_list, ()),
        _Key("interrupted", _label, default=""),
        _Key("excluded_venues", _texts, _as_list, ()),
        _keyed("scenarios", _SCENARIO, "id"),
        _keyed("venues", _VENUE, "name"),
        _Key("results", _results, lambda rows: [result_to_json(r) for r in rows]),
        _Key("run", _run, lambda run: _RUN.write(run), None, omit_default=True),
    ),
)


# ---------------------------------------------------------------------------------- the edge


def report_to_json(report: Report) -> dict[str, object]:
    """The document as JSON values, exactly what `parse_report` reads back."""
    return _REPORT.write(report)


def parse_report(document: object) -> Report:
    """Check a results document and read it into values; ValueError names the first bad key."""
    if not isinstance(document, dict):
        raise ValueError(f"document: expected a JSON object, got {_describe(document)}")
    return _REPORT.read(_Node(document, ""))


def result_to_json(result: Result) -> dict[str, object]:
    return _RESULT.write(result)


def parse_result(data: object, path: str = "result") -> Result:
    """One row; once its venue and scenario are known, errors name them (`results[3] (grvt/metadata)`)."""
    node = _Node(data, path)
    node.path = f"{path} ({node.get('venue', _str, REQUIRED)}/{node.get('scenario', _str, REQUIRED)})"
    return _RESULT.read(node)


def scenario_to_json(scenario: ScenarioInfo) -> dict[str, object]:
    return _SCENARIO.write(scenario)


def parse_scenario(scenario_id: str, data: object, path: str = "scenario") -> ScenarioInfo:
    return _SCENARIO.read(_Node(data, path), id=scenario_id)


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


def save_report(report: Report, path: Path, *, verdict: Mapping[str, object] | None = None) -> Path:
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
