"""The verdict: CONFORMANT only when every baseline scenario ran and passed and nothing failed."""

from __future__ import annotations

from typing import Any

import pytest

from xtb.report import parse_report
from xtb.report.verdict import Verdict, judge

BASELINE = ["metadata", "post_top_of_book", "rest_ws_cross_check", "reduce_only_flatten", "zero_exposure"]


def document(results: dict[str, dict[str, str]], **extra: Any) -> dict[str, Any]:
    """`results`: venue → {scenario: outcome}."""
    return {
        "generated_at": "2026-12-06T00:00:00Z",
        "duration_s": 1.0,
        "target": "simulator",
        "baseline": BASELINE,
        "scenarios": {},
        "venues": {venue: {"not_run": extra.pop(f"not_run_{venue}", {})} for venue in results},
        "results": [
            {"venue": venue, "scenario": scenario, "outcome": outcome, "reason": f"why {scenario}"}
            for venue, rows in results.items()
            for scenario, outcome in rows.items()
        ],
        **extra,
    }


def all_passed(**more: str) -> dict[str, str]:
    return {**dict.fromkeys(BASELINE, "passed"), "cancel_resting": "passed", **more}


def verdict_of(doc: dict[str, Any]) -> tuple[Verdict, dict[str, Verdict]]:
    run = judge(parse_report(doc))
    return run.verdict, {v.venue: v.verdict for v in run.venues}


def test_every_baseline_passed_is_conformant() -> None:
    run = judge(parse_report(document({"aster": all_passed(), "grvt": all_passed()})))
    assert run.verdict is Verdict.CONFORMANT and run.exit_code == 0
    assert [v.verdict for v in run.venues] == [Verdict.CONFORMANT, Verdict.CONFORMANT]


@pytest.mark.parametrize("outcome", ["skipped", "blocked"])
def test_a_baseline_scenario_not_checked_is_incomplete(outcome: str) -> None:
    run = judge(parse_report(document({"aster": all_passed(zero_exposure=outcome)})))
    assert run.verdict is Verdict.INCOMPLETE and run.exit_code == 2
    assert f"zero_exposure ({outcome}: why zero_exposure)" in run.venues[0].summary()


def test_a_missing_baseline_scenario_is_incomplete_and_says_why() -> None:
    rows = all_passed()
    del rows["post_top_of_book"]
    doc = document({"aster": rows}, not_run_aster={"post_top_of_book": "deselected (-k / -m)"})
    run = judge(parse_report(doc))
    assert run.verdict is Verdict.INCOMPLETE
    assert "post_top_of_book (not run: deselected (-k / -m))" in run.venues[0].summary()


@pytest.mark.parametrize("outcome", ["failed", "error"])
def test_a_failure_anywhere_is_not_conformant(outcome: str) -> None:
    verdict, venues = verdict_of(document({"aster": all_passed(cancel_resting=outcome), "grvt": all_passed()}))
    assert verdict is Verdict.NOT_CONFORMANT
    assert venues == {"aster": Verdict.NOT_CONFORMANT, "grvt": Verdict.CONFORMANT}


@pytest.mark.parametrize("outcome", ["interrupted", "timed_out"])
def test_a_stopped_scenario_is_incomplete(outcome: str) -> None:
    verdict, _ = verdict_of(document({"aster": all_passed(cancel_resting=outcome)}))
    assert verdict is Verdict.INCOMPLETE


def test_a_failure_outranks_a_gap() -> None:
    verdict, _ = verdict_of(document({"aster": all_passed(cancel_resting="failed", metadata="skipped")}))
    assert verdict is Verdict.NOT_CONFORMANT


def test_an_interrupted_run_is_never_conformant() -> None:
    verdict, venues = verdict_of(document({"aster": all_passed()}, interrupted="SIGINT"))
    assert verdict is Verdict.INCOMPLETE
    assert venues == {"aster": Verdict.CONFORMANT}  # this venue's own checks all ran; the run did not


def test_a_skipped_non_baseline_scenario_keeps_conformant() -> None:
    verdict, _ = verdict_of(document({"aster": all_passed(partial_fill_then_cancel="skipped")}))
    assert verdict is Verdict.CONFORMANT


def test_a_venue_with_no_results_is_incomplete() -> None:
    doc = document({"aster": all_passed()})
    doc["venues"]["grvt"] = {"not_run": {s: "not reached: the run stopped before it" for s in BASELINE}}
    verdict, venues = verdict_of(doc)
    assert verdict is Verdict.INCOMPLETE and venues["grvt"] is Verdict.INCOMPLETE


def test_no_venue_at_all_is_incomplete() -> None:
    verdict, _ = verdict_of(document({}))
    assert verdict is Verdict.INCOMPLETE
