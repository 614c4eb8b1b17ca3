"""The conformance results document, checked on load.

The suite writes the document as plain JSON; everything here reads it back into frozen values so the
renderers never meet a missing key or a price as a float. A malformed document raises `ValueError`
whose message starts with the path of the bad value (`results[3].outcome: ...`), so the line in the
suite that produced it is easy to find. Keys this module does not know are ignored.
"""

from __future__ import annotations

import enum
import json
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class Outcome(enum.StrEnum):
    """What became of one scenario on one venue. Only PASSED checked what the scenario says."""

    PASSED = "passed"
    FAILED = "failed"  # the scenario's checks failed
    ERROR = "error"  # setup or cleanup failed (e.g. the janitor left residue)
    SKIPPED = "skipped"  # a venue-file skip, or a simulator-only scenario on a real venue
    BLOCKED = "blocked"  # not run: residue an earlier scenario left was still there
    INTERRUPTED = "interrupted"  # stopped by SIGINT / SIGTERM while it ran (its cleanup did run)
    TIMED_OUT = "timed_out"  # stopped by the per-scenario timeout (its cleanup did run)


#: Outcomes that are a defect of the connector (or its venue), as opposed to a check that did not run.
FAILING = frozenset({Outcome.FAILED, Outcome.ERROR})
#: Outcomes where the scenario's checks did not (all) run.
UNCHECKED = frozenset({Outcome.SKIPPED, Outcome.BLOCKED, Outcome.INTERRUPTED, Outcome.TIMED_OUT})


TARGETS = ("simulator", "testnet", "mainnet", "mixed")


@dataclass(frozen=True)
class ScenarioInfo:
    id: str
    title: str = ""
    doc: str = ""
    sim_only: bool = False
    baseline: bool = False


@dataclass(frozen=True)
class VenueInfo:
    name: str
    environment: str = ""
    symbol: str = ""
    config: str = ""
    not_run: Mapping[str, str] = field(default_factory=dict)  # selected or catalog scenario → why it did not run
    quirks: Mapping[str, str] = field(default_factory=dict)  # the venue file's quirks: what the connector works around


@dataclass(frozen=True)
class Attempt:
    """One venue order of a chase. Times are seconds from scenario start."""

    client_id: str
    venue_id: str
    price: Decimal | None
    size: Decimal | None
    filled: Decimal | None
    state: str
    outcome: str
    submitted_at: float | None
    acked_at: float | None
    cancel_sent_at: float | None
    cancelled_at: float | None
    filled_at: float | None


@dataclass(frozen=True)
class HistoryEntry:
    at: float | None
    source: str
    state: str
    filled: Decimal | None
    note: str


@dataclass(frozen=True)
class Anomaly:
    kind: str
    source: str
    at: float | None
    detail: str


@dataclass(frozen=True)
class Order:
    client_id: str
    venue_id: str
    side: str
    size: Decimal | None
    price: Decimal | None
    state: str
    filled: Decimal | None
    history: tuple[HistoryEntry, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()


@dataclass(frozen=True)
class BookSample:
    t: float
    bid: Decimal | None
    ask: Decimal | None


@dataclass(frozen=True)
class Exchange:
    """One request in the transcript."""

    t: float | None
    method: str
    url: str
    status: int | None
    latency_s: float | None


@dataclass(frozen=True)
class Result:
    index: int
    venue: str
    scenario: str
    outcome: Outcome
    reason: str = ""
    duration_s: float | None = None
    metrics: Mapping[str, float | None] = field(default_factory=dict)
    attempts: tuple[Attempt, ...] = ()
    orders: tuple[Order, ...] = ()
    book: tuple[BookSample, ...] = ()
    transcript: tuple[Exchange, ...] = ()

    def metric(self, key: str) -> float | None:
        return self.metrics.get(key)

    @property
    def attempt_count(self) -> float | None:
        """The `attempts` metric when the scenario reported one, else the attempts it recorded."""
        value = self.metrics.get("attempts")
        if value is not None:
            return value
        return len(self.attempts) or None


@dataclass(frozen=True)
class Report:
    generated_at: str
    duration_s: float | None
    target: str
    scenarios: Mapping[str, ScenarioInfo]
    venues: Mapping[str, VenueInfo]
    results: tuple[Result, ...]
    baseline: tuple[str, ...] = ()  # the scenario ids a venue must pass to be CONFORMANT
    interrupted: str = ""  # why the run stopped early ("SIGINT"), empty when it ran to the end
    excluded_venues: tuple[str, ...] = ()  # venue files given, but no scenario of theirs was selected

    def venue_order(self) -> list[str]:
        """Venues as the suite listed them, then any that only appear in results."""
        names = list(self.venues)
        names += [r.venue for r in self.results if r.venue not in self.venues]
        return list(dict.fromkeys(names))

    def scenario_order(self) -> list[str]:
        names = list(self.scenarios)
        names += [r.scenario for r in self.results if r.scenario not in self.scenarios]
        return list(dict.fromkeys(names))

    def scenario(self, scenario_id: str) -> ScenarioInfo:
        return self.scenarios.get(scenario_id) or ScenarioInfo(scenario_id)

    def venue(self, name: str) -> VenueInfo:
        return self.venues.get(name) or VenueInfo(name)

    def cell(self, venue: str, scenario: str) -> Result | None:
        for result in self.results:
            if result.venue == venue and result.scenario == scenario:
                return result
        return None

    def totals(self, venue: str | None = None) -> Counter[Outcome]:
        """Outcome counts for one venue, or for the whole run."""
        return Counter(r.outcome for r in self.results if venue is None or r.venue == venue)


class _Node:
    """A JSON object being read, with the path used in error messages."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected an object, got {_describe(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, check: Callable[[object, str], T], default: T, *, required: bool = False) -> T:
        if key not in self.data:
            if required:
                raise ValueError(f"{self.path or 'document'}: missing key {key!r}")
            return default
        return check(self.data[key], self._at(key))

    def need(self, key: str, check: Callable[[object, str], T]) -> T:
        return self.get(key, check, None, required=True)  # type: ignore[arg-type]

    def rows(self, key: str, *, required: bool = False) -> list[tuple[object, str]]:
        items = self.get(key, _list, [], required=required)
        return [(item, f"{self._at(key)}[{i}]") for i, item in enumerate(items)]


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


def _opt_str(value: object, path: str) -> str:
    """Identifiers and labels: null reads as empty, numbers as their text (venue ids are often ints)."""
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


def _opt_number(value: object, path: str) -> float | None:
    return None if value is None else _number(value, path)


def _opt_int(value: object, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{path}: expected an integer, got {_describe(value)}")
    return value


def _decimal(value: object, path: str) -> Decimal | None:
    """Prices and sizes arrive as strings; a JSON number is taken by its text, never through float math."""
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


def _outcome(value: object, path: str) -> Outcome:
    allowed = ", ".join(o.value for o in Outcome)
    if not isinstance(value, str) or value not in Outcome._value2member_map_:
        raise ValueError(f"{path}: unknown outcome {value!r} (expected one of: {allowed})")
    return Outcome(value)


def _target(value: object, path: str) -> str:
    if value not in TARGETS:
        raise ValueError(f"{path}: unknown target {value!r} (expected one of: {', '.join(TARGETS)})")
    return str(value)


def _metrics(value: object, path: str) -> dict[str, float | None]:
    return {str(k): _opt_number(v, f"{path}.{k}") for k, v in _dict(value, path).items()}


def _attempt(node: _Node) -> Attempt:
    return Attempt(
        client_id=node.get("client_id", _opt_str, ""),
        venue_id=node.get("venue_id", _opt_str, ""),
        price=node.get("price", _decimal, None),
        size=node.get("size", _decimal, None),
        filled=node.get("filled", _decimal, None),
        state=node.get("state", _opt_str, ""),
        outcome=node.get("outcome", _opt_str, ""),
        submitted_at=node.get("submitted_at", _opt_number, None),
        acked_at=node.get("acked_at", _opt_number, None),
        cancel_sent_at=node.get("cancel_sent_at", _opt_number, None),
        cancelled_at=node.get("cancelled_at", _opt_number, None),
        filled_at=node.get("filled_at", _opt_number, None),
    )


def _order(node: _Node) -> Order:
    history = tuple(
        HistoryEntry(
            at=h.get("at", _opt_number, None),
            source=h.get("source", _opt_str, ""),
            state=h.get("state", _opt_str, ""),
            filled=h.get("filled", _decimal, None),
            note=h.get("note", _opt_str, ""),
        )
        for h in (_Node(item, path) for item, path in node.rows("history"))
    )
    anomalies = tuple(
        Anomaly(
            kind=a.get("kind", _opt_str, ""),
            source=a.get("source", _opt_str, ""),
            at=a.get("at", _opt_number, None),
            detail=a.get("detail", _opt_str, ""),
        )
        for a in (_Node(item, path) for item, path in node.rows("anomalies"))
    )
    return Order(
        client_id=node.get("client_id", _opt_str, ""),
        venue_id=node.get("venue_id", _opt_str, ""),
        side=node.get("side", _opt_str, ""),
        size=node.get("size", _decimal, None),
        price=node.get("price", _decimal, None),
        state=node.get("state", _opt_str, ""),
        filled=node.get("filled", _decimal, None),
        history=history,
        anomalies=anomalies,
    )


def _book_sample(node: _Node) -> BookSample:
    return BookSample(
        t=node.need("t", _number), bid=node.get("bid", _decimal, None), ask=node.get("ask", _decimal, None)
    )


def _exchange(node: _Node) -> Exchange:
    return Exchange(
        t=node.get("t", _opt_number, None),
        method=node.get("method", _opt_str, ""),
        url=node.get("url", _opt_str, ""),
        status=node.get("status", _opt_int, None),
        latency_s=node.get("latency_s", _opt_number, None),
    )


def _result(node: _Node, index: int) -> Result:
    venue = node.need("venue", _str)
    scenario = node.need("scenario", _str)
    node.path = f"results[{index}] ({venue}/{scenario})"
    return Result(
        index=index,
        venue=venue,
        scenario=scenario,
        outcome=node.need("outcome", _outcome),
        reason=node.get("reason", _opt_str, ""),
        duration_s=node.get("duration_s", _opt_number, None),
        metrics=node.get("metrics", _metrics, {}),
        attempts=tuple(_attempt(_Node(item, path)) for item, path in node.rows("attempts")),
        orders=tuple(_order(_Node(item, path)) for item, path in node.rows("orders")),
        book=tuple(_book_sample(_Node(item, path)) for item, path in node.rows("book")),
        transcript=tuple(_exchange(_Node(item, path)) for item, path in node.rows("transcript")),
    )


def parse_report(document: object) -> Report:
    """Check a results document and read it into values; ValueError names the first bad key."""
    if not isinstance(document, dict):
        raise ValueError(f"document: expected a JSON object, got {_describe(document)}")
    root = _Node(document, "")
    generated_at = root.need("generated_at", _str)
    duration_s = root.need("duration_s", _opt_number)
    target = root.need("target", _target)
    scenarios: dict[str, ScenarioInfo] = {}
    for scenario_id, raw in root.need("scenarios", _dict).items():
        node = _Node(raw, f"scenarios.{scenario_id}")
        scenarios[scenario_id] = ScenarioInfo(
            id=scenario_id,
            title=node.get("title", _opt_str, ""),
            doc=node.get("doc", _opt_str, ""),
            sim_only=node.get("sim_only", _bool, False),
            baseline=node.get("baseline", _bool, False),
        )
    venues: dict[str, VenueInfo] = {}
    for name, raw in root.need("venues", _dict).items():
        node = _Node(raw, f"venues.{name}")
        venues[name] = VenueInfo(
            name=name,
            environment=node.get("environment", _opt_str, ""),
            symbol=node.get("symbol", _opt_str, ""),
            config=node.get("config", _opt_str, ""),
            not_run={k: _str(v, f"venues.{name}.not_run.{k}") for k, v in node.get("not_run", _dict, {}).items()},
            quirks={k: _str(v, f"venues.{name}.quirks.{k}") for k, v in node.get("quirks", _dict, {}).items()},
        )
    results: list[Result] = []
    seen: dict[tuple[str, str], int] = {}
    for index, (raw, path) in enumerate(root.rows("results", required=True)):
        result = _result(_Node(raw, path), index)
        key = (result.venue, result.scenario)
        if key in seen:
            raise ValueError(
                f"results[{index}]: duplicate result for venue {result.venue!r} and scenario {result.scenario!r} "
                f"(first at results[{seen[key]}])"
            )
        seen[key] = index
        results.append(result)
    return Report(
        generated_at=generated_at,
        duration_s=duration_s,
        target=target,
        scenarios=scenarios,
        venues=venues,
        results=tuple(results),
        baseline=tuple(_str(v, f"baseline[{i}]") for i, v in enumerate(root.get("baseline", _list, []))),
        interrupted=root.get("interrupted", _opt_str, ""),
        excluded_venues=tuple(
            _str(v, f"excluded_venues[{i}]") for i, v in enumerate(root.get("excluded_venues", _list, []))
        ),
    )


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
