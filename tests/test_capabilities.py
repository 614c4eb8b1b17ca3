"""Typed capabilities: each key declared with its values, unknown keys refused, and the catalog's
"skip when" column: a venue that lacks what a scenario needs gets it SKIPPED with the reason,
counted as not run (never passed), so a skipped baseline scenario leaves the venue INCOMPLETE."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suite_runs import run_suite
from tests.test_verdict_integrity import BASELINE_K, venue_file
from xtb import catalog
from xtb.config.capabilities import Capabilities, PostOnlyCross
from xtb.errors import ConfigError
from xtb.schema import validate


def test_capabilities_are_typed_with_defaults() -> None:
    declared = validate(Capabilities, {"post_only_cross": "cancel", "reduce_only": False}, "v.yaml", "capabilities")
    assert declared.post_only_cross is PostOnlyCross.CANCEL
    assert declared.reduce_only is False and declared.query_by_client_id is True and declared.hedge_mode is False
    assert Capabilities().post_only_cross is PostOnlyCross.REJECT


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"post_only_cros": "reject"}, "v.yaml: capabilities.post_only_cros: unknown key; allowed: hedge_mode, "),
        ({"hedge_mode": "no"}, "v.yaml: capabilities.hedge_mode: Input should be a valid boolean"),
        ({"reduce_only_oversize": "clamp"}, "v.yaml: capabilities.reduce_only_oversize: Input should be 'reject' or"),
    ],
)
def test_an_unknown_key_or_value_names_the_file_and_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate(Capabilities, raw, "v.yaml", "capabilities")
    assert str(caught.value).startswith(message)


def test_lacking_names_the_features_a_venue_does_not_have() -> None:
    venue = Capabilities(reduce_only=False)
    assert venue.lacking(("reduce_only", "query_by_client_id")) == ["reduce_only"]
    assert Capabilities().lacking(("reduce_only", "query_by_client_id")) == []


def test_the_catalog_needs_only_boolean_capabilities_of_its_own_scenarios() -> None:
    booleans = {name for name, field in Capabilities.model_fields.items() if field.default is True}
    assert catalog.NEEDS, "no scenario needs a capability: the skip-when column is empty"
    for scenario, needs in catalog.NEEDS.items():
        assert scenario in catalog.SCENARIOS, scenario
        assert needs and set(needs) <= booleans, (scenario, needs)
    assert catalog.needs("reduce_only_flatten") == ("reduce_only",)
    assert catalog.needs("ambiguous_submit[status_503]") == ()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_venue_lacking_a_capability_gets_the_scenario_skipped_and_is_not_conformant(tmp_path: Path) -> None:
    path = venue_file(tmp_path, "backpack", capabilities={"post_only_cross": "reject", "reduce_only": False})
    run = run_suite(tmp_path / "reports", "--venue-config", str(path), "--sim", "-k", BASELINE_K)
    assert run.code == 2, run.tail()
    outcomes = run.outcomes("backpack")
    assert outcomes["reduce_only_flatten"] == "skipped", outcomes
    assert outcomes["metadata"] == "passed"
    assert run.verdict("backpack") == "INCOMPLETE"
    reason = next(r["reason"] for r in run.document()["results"] if r["scenario"] == "reduce_only_flatten")
    assert "capabilities.reduce_only is false; reduce_only_flatten needs it" in reason
    not_checked = run.document()["verdict"]["venues"]["backpack"]["not_checked"]
    assert any("reduce_only_flatten" in line and "capabilities.reduce_only" in line for line in not_checked)
