"""Drift is seen end to end: the conformance suite records a simulator's shapes, the simulator's
`mutations` setting changes what it sends the way a venue might change, and comparing the two
recorded files names each changed field as one that would break a client; two runs of an unchanged
simulator show nothing that would. The report names the shape file, and `--drift-baseline` adds a
Drift section without touching the verdict.

A (`compare`'s venue side) is the mutated run: the venue as it is now; B is the unchanged simulator
the client was built against.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.suite_runs import ROOT, Run, run_suite
from xtb.drift.compare import Verdict, breaking, compare
from xtb.drift.shape_file import ShapeFile

VENUE = "backpack"
SCENARIOS = "metadata or post_top_of_book"
MUTATIONS = [
    {"rename": ["openInterestLimit", "oiLimit"]},  # GET /api/v1/markets
    {"number": "tolerancePct"},  # a decimal string becomes a JSON number
    {"enum": ["type", "sqrt", "cubeRoot"]},  # imfFunction.type: a value the simulator never sent
]


def venue_file(tmp_path: Path, mutations: list[dict[str, Any]]) -> Path:
    data = yaml.safe_load((ROOT / "venues" / f"{VENUE}.yaml").read_text())
    data["simulator"].setdefault("settings", {})["mutations"] = mutations
    path = tmp_path / f"{VENUE}-{len(mutations)}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def record(tmp_path: Path, name: str, mutations: list[dict[str, Any]], *args: str) -> tuple[Run, ShapeFile]:
    reports = tmp_path / name
    run = run_suite(reports, "--venue-config", str(venue_file(tmp_path, mutations)), "--sim", "-k", SCENARIOS, *args)
    path = reports / "venue-shapes" / f"{VENUE}.json"
    assert path.is_file(), run.tail()
    return run, ShapeFile.read(path)


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, ShapeFile]:
    return record(tmp_path_factory.mktemp("drift"), "unchanged", [])


def test_two_runs_of_an_unchanged_simulator_show_nothing_that_would_break_a_client(
    unchanged: tuple[Run, ShapeFile], tmp_path: Path
) -> None:
    first = unchanged[1]
    _, second = record(tmp_path, "again", [])
    assert first.source == second.source == "simulator"
    assert "GET /api/v1/markets" in first.shapes
    assert breaking(compare(second, first, baseline=False)) == []


def test_a_parallel_run_merges_its_workers_shapes_into_one_file(
    unchanged: tuple[Run, ShapeFile], tmp_path: Path
) -> None:
    """Recorded on an xdist worker, sent to the controller, written once. (Not compared for breaking
    differences: other fills give other samples, and `padded` is inferred from the samples seen.)"""
    _, merged = record(tmp_path, "parallel", [], "-n", "2")
    assert set(merged.shapes) == set(unchanged[1].shapes)


def test_a_renamed_field_a_decimal_turned_number_and_a_new_enum_value_would_break_a_client(
    unchanged: tuple[Run, ShapeFile], tmp_path: Path
) -> None:
    _, mutated = record(tmp_path, "mutated", MUTATIONS)
    found = breaking(compare(mutated, unchanged[1], baseline=False))
    named = {(d.key, d.path.rsplit(".", 1)[-1].rstrip("[]{}"), d.kind) for d in found}
    markets = "GET /api/v1/markets"
    assert any(k == markets and field in ("openInterestLimit", "oiLimit") for k, field, _ in named), found
    assert any(k == markets and field == "tolerancePct" for k, field, _ in named), found
    assert any(k == markets and field == "type" and kind == "enum" for k, field, kind in named), found
    assert all(d.verdict is Verdict.BREAKING and d.rule for d in found)


def test_the_report_names_the_shape_file_and_shows_drift_without_changing_the_verdict(
    unchanged: tuple[Run, ShapeFile], tmp_path: Path
) -> None:
    baseline = unchanged[0].report_dir / "venue-shapes"
    run, _ = record(tmp_path, "compared", MUTATIONS, "--drift-baseline", str(baseline))
    plain = unchanged[0].document()
    document = run.document()
    shapes = document["venues"][VENUE]["shapes"]
    assert shapes["file"] == f"venue-shapes/{VENUE}.json" and shapes["keys"] > 0
    assert shapes["breaking"] > 0 and "would break a client" in shapes["drift"]
    assert plain["venues"][VENUE]["shapes"]["drift_baseline"] == ""
    assert document["verdict"]["verdict"] == plain["verdict"]["verdict"]  # drift is about the simulator
    markdown = (run.report_dir / "conformance.md").read_text()
    assert "## Venue shapes" in markdown and f"venue-shapes/{VENUE}.json" in markdown
    assert "## Drift" in markdown and "tolerancePct" in markdown
    html = (run.report_dir / "conformance.html").read_text()
    assert 'id="shapes"' in html and 'id="drift"' in html


def test_nothing_secret_in_a_recorded_shape_file(unchanged: tuple[Run, ShapeFile]) -> None:
    """The simulator's credentials for the run's account (the same seed makes the same ones) and every
    order id the run used never appear in the file."""
    from xtb.clock import SYSTEM_CLOCK
    from xtb.sim.engine import Engine
    from xtb.sim.registry import default_registry

    run, _ = unchanged
    text = (run.report_dir / "venue-shapes" / f"{VENUE}.json").read_text()
    frontend = default_registry().create(VENUE, Engine(SYSTEM_CLOCK), seed=0)
    credentials = frontend.issue_credentials(frontend.test_account)
    orders = [o for r in run.document()["results"] for o in r["orders"]]
    assert orders, run.tail()
    values = [str(v) for v in credentials.values()] + [o[k] for o in orders for k in ("client_id", "venue_id")]
    leaked = [v for v in values if len(v) >= 6 and (v in text or json.dumps(v)[1:-1] in text)]
    assert leaked == []
