"""One results document: `build_report` makes it, `document.py` writes it and reads it back, and
nothing is lost or changed on the way (a parallel worker's rows travel the same way)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest

from xtb.report import build_report, load_report, report_to_json, save_report
from xtb.report.document import parse_result, result_to_json
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
    VenueShapes,
)


def full_result() -> Result:
    """A row with every field set to something other than its default."""
    return Result(
        venue="backpack",
        scenario="post_top_of_book",
        outcome=Outcome.TIMED_OUT,
        reason="timed out after 20s during call",
        duration_s=20.125,
        metrics={"submit_to_ack_s": 0.004211, "time_to_fill_s": None, "attempts": 2.0},
        attempts=(
            Attempt(
                client_id="c-1",
                venue_id="9001",
                price=Decimal("150.10"),
                size=Decimal("0.10"),
                filled=Decimal("0.04"),
                state="cancelled",
                outcome="repriced",
                submitted_at=0.012345,
                acked_at=0.016,
                cancel_sent_at=0.45,
                cancelled_at=0.47,
                filled_at=0.3,
                top_up=True,
            ),
        ),
        orders=(
            Order(
                client_id="c-1",
                venue_id="9001",
                side="buy",
                size=Decimal("0.10"),
                price=Decimal("150.10"),
                state="cancelled",
                filled=Decimal("0.04"),
                history=(HistoryEntry(at=0.016, source="ws", state="open", filled=Decimal("0E-8"), note="ack"),),
                anomalies=(Anomaly(kind="filled_regression", source="rest", at=0.5, detail="0.04 → 0.03"),),
                order_type="limit",
                reduce_only=True,
            ),
        ),
        book=(BookSample(t=0.05, bid=Decimal("150.09"), ask=Decimal("150.11")),),
        transcript=(
            Exchange(
                t=0.01, method="POST", url="http://127.0.0.1:1/api", status=400, latency_s=0.002, error="x", weight=5
            ),
        ),
        steps=(Step(name="entry", outcome=Outcome.INTERRUPTED, duration_s=0.7, detail="stopped"),),
    )


def full_report() -> Report:
    return Report(
        generated_at="2026-12-01T10:00:00Z",
        duration_s=41.5,
        target="testnet",
        scenarios={
            "post_top_of_book": ScenarioInfo(
                "post_top_of_book", title="Entry at the touch", doc="Purpose: ...", sim_only=True, baseline=True
            )
        },
        venues={
            "backpack": VenueInfo(
                "backpack",
                environment="testnet",
                symbol="SOL_USDC_PERP",
                config="venues/backpack.yaml",
                quirks={"reduce_only": "needs a price"},
                not_run={"metadata": "deselected (-k / -m)"},
                shapes=VenueShapes(
                    "venue-shapes/backpack.json", "venue", 12, 1, "base/backpack.json", "- a difference", 3, 1
                ),
            )
        },
        results=(full_result(),),
        baseline=("metadata", "post_top_of_book"),
        interrupted="SIGINT",
        excluded_venues=("grvt",),
        run=RunInfo(
            config="run.yaml",
            strategy="connector_smoke_test",
            started_at="2026-12-01T09:59:18Z",
            outcome=Outcome.INTERRUPTED,
            exit_code=130,
            reasons=("interrupted by SIGINT",),
            interrupted_by="SIGINT",
            stop_errors=("cleanup did not finish within 60s",),
        ),
    )


def defaulted(value: object, path: str) -> list[str]:
    """The fields of a document value (and of the values in it) still holding their default."""
    found = []
    for f in dataclasses.fields(value):  # type: ignore[arg-type]
        if not f.init:
            continue
        held = getattr(value, f.name)
        if f.default is not dataclasses.MISSING and held == f.default:
            found.append(f"{path}.{f.name}")
        if f.default_factory is not dataclasses.MISSING and held == f.default_factory():
            found.append(f"{path}.{f.name}")
        items = list(held.values()) if isinstance(held, Mapping) else list(held) if isinstance(held, tuple) else [held]
        for i, item in enumerate(items):
            if dataclasses.is_dataclass(item):
                found += defaulted(item, f"{path}.{f.name}[{i}]")
    return found


def test_the_full_document_sets_every_field() -> None:
    """What makes the round trip below mean anything: a field the codec forgot would come back as its default."""
    assert defaulted(full_report(), "report") == []


def test_a_document_with_every_field_set_comes_back_equal(tmp_path: Path) -> None:
    report = full_report()
    path = save_report(report, tmp_path / "nested" / "run.json", verdict={"verdict": "INCOMPLETE"})
    assert load_report(path) == report
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written.pop("verdict") == {"verdict": "INCOMPLETE"}  # derived, for machines: never read back
    assert written == report_to_json(report)
    assert written["results"][0]["orders"][0]["history"][0]["filled"] == "0E-8"  # a decimal by its text
    assert written["results"][0]["outcome"] == "timed_out" and written["run"]["outcome"] == "interrupted"
    assert sorted(p.name for p in path.parent.iterdir()) == ["run.json"]  # no temporary file left


def test_the_keys_are_the_ones_readers_of_earlier_documents_know() -> None:
    written = report_to_json(full_report())
    assert list(written) == [
        *("generated_at", "duration_s", "target", "baseline", "interrupted", "excluded_venues"),
        *("scenarios", "venues", "results", "run"),
    ]
    row = written["results"][0]
    assert list(row) == [
        *("venue", "scenario", "outcome", "reason", "duration_s", "metrics"),
        *("attempts", "orders", "book", "transcript", "steps"),
    ]
    assert list(row["attempts"][0]) == [
        *("client_id", "venue_id", "price", "size", "filled", "state", "outcome", "top_up"),
        *("submitted_at", "acked_at", "cancel_sent_at", "cancelled_at", "filled_at"),
    ]
    assert list(row["orders"][0]) == [
        *("client_id", "venue_id", "side", "size", "price", "type", "reduce_only", "state", "filled"),
        *("history", "anomalies"),
    ]
    assert list(row["transcript"][0]) == ["t", "method", "url", "status", "latency_s", "error", "weight"]
    assert list(written["venues"]["backpack"]) == ["environment", "symbol", "config", "quirks", "not_run", "shapes"]
    assert list(written["scenarios"]["post_top_of_book"]) == ["title", "doc", "sim_only", "baseline"]


def test_a_row_survives_the_trip_a_parallel_worker_sends_it_on() -> None:
    row = full_result()
    assert parse_result(json.loads(json.dumps(result_to_json(row)))) == row


def test_rows_and_parts_only_one_writer_fills_are_left_out() -> None:
    row = result_to_json(dataclasses.replace(full_result(), steps=()))
    assert "steps" not in row
    assert "run" not in report_to_json(dataclasses.replace(full_report(), run=None))


def test_a_bad_row_names_where_it_came_from() -> None:
    row = result_to_json(full_result())
    row["steps"][0]["outcome"] = "running"
    with pytest.raises(ValueError, match=r"^gw0 row \(backpack/post_top_of_book\)\.steps\[0\]\.outcome: unknown"):
        parse_result(row, "gw0 row")


def venue(name: str, environment: str = "simulator") -> VenueInfo:
    return VenueInfo(name, environment=environment)


def test_the_builder_shows_only_scenarios_that_ran_and_marks_the_baseline() -> None:
    scenarios = {
        s: ScenarioInfo(s, title=s.upper())
        for s in ("metadata", "ambiguous_submit[drop_response]", "cancel_resting", "never_ran")
    }
    rows = [
        Result("aster", s, Outcome.PASSED) for s in ("metadata", "ambiguous_submit[drop_response]", "cancel_resting")
    ]
    report = build_report(
        results=rows,
        scenarios=scenarios,
        venues=[venue("aster")],
        duration_s=1.23456,
        baseline=("metadata", "ambiguous_submit"),
        excluded_venues=["lighter", "grvt"],
    )
    assert {k: v.baseline for k, v in report.scenarios.items()} == {
        "metadata": True,
        "ambiguous_submit[drop_response]": True,  # a variant of a baseline scenario
        "cancel_resting": False,
    }
    assert report.scenarios["metadata"].title == "METADATA"
    assert (report.target, report.duration_s, report.excluded_venues) == ("simulator", 1.235, ("grvt", "lighter"))
    assert report.results == tuple(rows) and report.run is None and report.interrupted == ""


def test_the_target_is_mixed_when_venues_differ() -> None:
    both = [venue("aster"), venue("grvt", "testnet")]
    assert build_report(results=[], scenarios={}, venues=both, duration_s=0).target == "mixed"
    assert build_report(results=[], scenarios={}, venues=both[1:], duration_s=0).target == "testnet"


def test_a_duplicate_row_is_refused_however_the_document_is_made() -> None:
    rows = [Result("aster", "metadata", Outcome.PASSED), Result("aster", "metadata", Outcome.FAILED)]
    with pytest.raises(ValueError, match=r"^results\[1\]: duplicate result for venue 'aster' .*results\[0\]"):
        build_report(results=rows, scenarios={}, venues=[venue("aster")], duration_s=0)
    with pytest.raises(ValueError, match=r"^target: unknown target 'prod'"):
        build_report(results=[], scenarios={}, venues=[venue("aster", "prod")], duration_s=0)
