"""The conformance suite's command line: bad input stops the run before any order, naming the problem."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.suite_runs import ROOT, suite_command, suite_env


def run(*args: str, env: dict[str, str] | None = None, tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        suite_command(tmp, *args), cwd=ROOT, env=suite_env(env), capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--venue-config", "venues/backpack.yaml"], {}, "pass --allow-mainnet"),
        (
            ["--venue-config", "venues/backpack.yaml", "--allow-mainnet"],
            {"BACKPACK_API_SECRET": ""},
            "BACKPACK_API_SECRET",
        ),
        (["--venue-config", "venues/missing.yaml"], {}, "venues/missing.yaml: no such venue file"),
        (
            ["--venue-config", "venues/backpack.yaml", "--sim", "--venue-connector", "nonsense"],
            {},
            "VENUE=module:Class",
        ),
    ],
    ids=["mainnet-needs-opt-in", "missing-credential", "missing-file", "bad-override"],
)
def test_bad_input_stops_before_any_order(tmp_path: Path, args: list[str], env: dict[str, str], message: str) -> None:
    proc = run(*args, env=env, tmp=tmp_path)
    assert proc.returncode != 0
    assert message in proc.stderr + proc.stdout
    assert not (tmp_path / "conformance.json").exists()


def test_bad_yaml_names_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "venues" / "backpack.yaml").read_text().replace("symbol: SOL_USDC_PERP\n", "", 1))
    proc = run("--venue-config", str(bad), "--sim", tmp=tmp_path)
    assert proc.returncode != 0
    assert f"{bad}: symbol: missing required key" in proc.stderr + proc.stdout


@pytest.mark.timeout(240)
def test_a_parametrized_scenario_reports_one_row_per_variant(tmp_path: Path) -> None:
    """ambiguous_submit has three variants; each is its own row, and the pages render."""
    proc = run("-k", "ambiguous_submit and backpack", "--junitxml", str(tmp_path / "junit.xml"), tmp=tmp_path)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]  # INCOMPLETE: the baseline did not run
    document = json.loads((tmp_path / "conformance.json").read_text())
    assert document["verdict"]["verdict"] == "INCOMPLETE"
    scenarios = sorted(r["scenario"] for r in document["results"])
    assert scenarios == [
        "ambiguous_submit[applied_then_503]",
        "ambiguous_submit[drop_response]",
        "ambiguous_submit[status_503]",
    ]
    assert all(s in document["scenarios"] for s in scenarios)
    assert (tmp_path / "conformance.html").exists() and (tmp_path / "conformance.md").exists()
