"""The suite's self-test: each deliberately broken connector must fail the scenario meant to catch
it, on every venue, while the real connector passes the same scenarios.

The whole kill table runs once per session (tests/selftest/harness.py: one pytest process per
variant, a few at a time); each cell is then its own test, so a miss names the venue, the bug and
the scenario. Only the catalog judges: no unit test of ours stands around a broken connector.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.selftest import harness

VARIANTS = harness.variants()
BROKEN = [v for v in VARIANTS if v.connector is not None]
REAL = [v for v in VARIANTS if v.connector is None]


@pytest.fixture(scope="session")
def kill_table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, harness.Outcome]:
    return harness.run_all(VARIANTS, tmp_path_factory.mktemp("selftest"), workers=2)  # one per core


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("variant", BROKEN, ids=lambda v: v.key)
def test_broken_connector_fails_its_scenario(kill_table: dict[str, harness.Outcome], variant: harness.Variant) -> None:
    outcome = kill_table[variant.key]
    assert not outcome.problem, outcome.problem
    (scenario,) = variant.scenarios
    assert outcome.outcomes.get(scenario) == "failed", f"{variant.key} not caught by {scenario}: {outcome.outcomes}"


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("variant", REAL, ids=lambda v: v.venue)
def test_the_real_connector_passes_those_scenarios(
    kill_table: dict[str, harness.Outcome], variant: harness.Variant
) -> None:
    outcome = kill_table[variant.key]
    assert not outcome.problem, outcome.problem
    assert outcome.outcomes == dict.fromkeys(variant.scenarios, "passed"), outcome.reasons


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_failure_reason_is_the_assertions_own_message(kill_table: dict[str, harness.Outcome]) -> None:
    """A report cell says what went wrong in the check's own words (its first line), not a
    fragment of pytest's rewritten assertion such as `+  where ...` or `and <OrderState.OPEN...>`."""
    reasons = [(key, r) for key, o in kill_table.items() for r in o.reasons.values() if r]
    assert reasons, "no failure reasons at all"
    fragments = [
        (key, r) for key, r in reasons if "\n" in r or r.split(": ", 1)[-1].lstrip().startswith(("+", "where", "and "))
    ]
    assert not fragments, fragments
    caught = kill_table["backpack-CancelDoneOnAck"].reasons["cancel_races_fill"]
    assert caught == "call: the venue filled the order; the connector says cancelled"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_janitor_cancels_an_order_the_connector_wrongly_finished(tmp_path: Path) -> None:
    """An order the connector marked FAILED while it rests on the venue is still cancelled by the
    janitor (the venue's list decides), the disagreement is reported, and no residue is left for
    the scenarios after it."""
    variant = harness.Variant(
        "backpack",
        "RestingOrderMarkedFailed",
        "tests.selftest.shared_bugs:Backpack_RestingOrderMarkedFailed",
        ("cancel_resting", "fault_run_residue"),
    )
    outcome = harness.run_one(variant, tmp_path)
    assert outcome.outcomes == {"cancel_resting": "failed", "fault_run_residue": "passed"}, outcome.reasons
    reason = outcome.reasons["cancel_resting"]
    assert "while the connector holds it failed; the janitor cancelled it" in reason, reason
