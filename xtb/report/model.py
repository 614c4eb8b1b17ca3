"""The conformance results document as values: what the suite and `xtb run` write, and what the
renderers and the verdict read.

Both writers fill these types and make the document with `build_report` (one place decides which
scenarios become columns, what the target is, which rows are unique); `document.py` turns them into
JSON and back by these very definitions, so the types are the schema: a field without a default is
a key the document must have, one with a default may be absent. Prices and sizes are `Decimal`,
times are seconds from the scenario's start, and an outcome is always an `Outcome`: strings exist
only in the JSON.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from xtb import catalog


class Outcome(enum.StrEnum):
    """What became of one scenario on one venue (or of one step of it). Only PASSED checked what the
    scenario says. `xtb run` gives each connector's smoke test one of these too."""

    PASSED = "passed"
    FAILED = "failed"  # the scenario's checks failed
    ERROR = "error"  # it could not be set up or cleaned up: the janitor left residue, the venue was unreachable
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
class VenueShapes:
    """The shapes a run recorded from one venue (`xtb.drift`), and its drift from a baseline.
    Drift is shown, never judged: it is about the simulator, not the connector."""

    file: str  # relative to the report directory: venue-shapes/VENUE.json
    source: str = ""  # "venue" (testnet / mainnet) or "simulator"
    keys: int = 0  # endpoints and channels recorded
    skipped: int = 0  # answers and frames not recorded (not JSON, unnamed)
    drift_baseline: str = ""  # the file compared against (--drift-baseline), empty when none
    drift: str = ""  # the differences as Markdown (xtb.drift.compare.render_markdown)
    differences: int = 0
    breaking: int = 0  # of which would break a client


@dataclass(frozen=True)
class VenueInfo:
    name: str
    environment: str = ""
    symbol: str = ""
    config: str = ""
    quirks: Mapping[str, str] = field(default_factory=dict)  # the venue file's quirks: what the connector works around
    not_run: Mapping[str, str] = field(default_factory=dict)  # selected or catalog scenario → why it did not run
    shapes: VenueShapes | None = None  # what the run recorded of the venue's answers (conformance runs)


@dataclass(frozen=True)
class Attempt:
    """One venue order of a chase. Times are seconds from scenario start."""

    client_id: str = ""
    venue_id: str = ""  # empty: the venue never named it
    price: Decimal | None = None
    size: Decimal | None = None
    filled: Decimal | None = None
    state: str = ""
    outcome: str = ""  # how the chase ended this attempt (repriced, filled, ...); empty while it was live
    top_up: bool = False  # posted to bring a remainder below the venue's minimum back above it
    submitted_at: float | None = None
    acked_at: float | None = None
    cancel_sent_at: float | None = None
    cancelled_at: float | None = None
    filled_at: float | None = None


@dataclass(frozen=True)
class HistoryEntry:
    at: float | None = None
    source: str = ""
    state: str = ""
    filled: Decimal | None = None
    note: str = ""


@dataclass(frozen=True)
class Anomaly:
    kind: str = ""
    source: str = ""
    at: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Order:
    client_id: str = ""
    venue_id: str = ""
    side: str = ""
    size: Decimal | None = None
    price: Decimal | None = None
    order_type: str = ""  # limit, market (the JSON calls it `type`)
    reduce_only: bool = False
    state: str = ""
    filled: Decimal | None = None
    history: tuple[HistoryEntry, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()


@dataclass(frozen=True)
class BookSample:
    t: float
    bid: Decimal | None = None
    ask: Decimal | None = None


@dataclass(frozen=True)
class Exchange:
    """One request in the transcript."""

    t: float | None = None
    method: str = ""
    url: str = ""
    status: int | None = None
    latency_s: float | None = None
    error: str = ""
    weight: int = 0  # what the venue counts it as against its request limit


@dataclass(frozen=True)
class Step:
    """One step of an `xtb run` smoke test (ready, entry, ..., cleanup) and how it went."""

    name: str
    outcome: Outcome
    duration_s: float
    detail: str = ""


@dataclass(frozen=True)
class Result:
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
    steps: tuple[Step, ...] = ()  # `xtb run` only

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
class RunInfo:
    """What `xtb run` adds to its document: the file, the strategy, and how the run ended."""

    config: str
    strategy: str
    started_at: str
    outcome: Outcome
    exit_code: int
    reasons: tuple[str, ...] = ()
    interrupted_by: str | None = None  # the signal's name
    stop_errors: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Report:
    """One results document. Rows are unique by venue and scenario, and the target is one of
    TARGETS: a document that breaks either is refused (ValueError) however it was made."""

    generated_at: str
    duration_s: float | None
    target: str
    baseline: tuple[str, ...] = ()  # the scenario ids a venue must pass to be CONFORMANT
    interrupted: str = ""  # why the run stopped early ("SIGINT"), empty when it ran to the end
    excluded_venues: tuple[str, ...] = ()  # venue files given, but no scenario of theirs was selected
    scenarios: Mapping[str, ScenarioInfo]
    venues: Mapping[str, VenueInfo]
    results: tuple[Result, ...]
    run: RunInfo | None = None  # `xtb run` only
    _rows: dict[tuple[str, str], int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"target: unknown target {self.target!r} (expected one of: {', '.join(TARGETS)})")
        for index, result in enumerate(self.results):
            first = self._rows.setdefault((result.venue, result.scenario), index)
            if first != index:
                raise ValueError(
                    f"results[{index}]: duplicate result for venue {result.venue!r} and scenario "
                    f"{result.scenario!r} (first at results[{first}])"
                )

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
        index = self._rows.get((venue, scenario))
        return None if index is None else self.results[index]

    def position(self, result: Result) -> int:
        """Where a result's row sits in the document (a stable, unique part of page anchors)."""
        return self._rows[(result.venue, result.scenario)]

    def totals(self, venue: str | None = None) -> Counter[Outcome]:
        """Outcome counts for one venue, or for the whole run."""
        return Counter(r.outcome for r in self.results if venue is None or r.venue == venue)


def build_report(
    *,
    results: Iterable[Result],
    scenarios: Mapping[str, ScenarioInfo],
    venues: Iterable[VenueInfo],
    duration_s: float,
    baseline: Sequence[str] = (),
    interrupted: str = "",
    excluded_venues: Iterable[str] = (),
    run: RunInfo | None = None,
) -> Report:
    """The one way a run becomes a document, for the suite and for `xtb run` alike: only scenarios
    that ran become columns (each marked when the baseline holds it, variants by their base id), and
    the target is the venues' environment, "mixed" when they differ."""
    results = tuple(results)
    venues = {v.name: v for v in venues}
    ran = {r.scenario for r in results}
    environments = {v.environment for v in venues.values()}
    return Report(
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        duration_s=round(duration_s, 3),
        target=next(iter(environments)) if len(environments) == 1 else "mixed",
        scenarios={k: replace(v, baseline=catalog.base_id(k) in baseline) for k, v in scenarios.items() if k in ran},
        venues=venues,
        results=results,
        baseline=tuple(baseline),
        interrupted=interrupted,
        excluded_venues=tuple(sorted(excluded_venues)),
        run=run,
    )
