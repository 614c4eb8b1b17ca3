"""The plugin loads in every pytest run where xtb is installed (its `pytest11` entry point), and
acts only in a conformance run: one whose arguments name a scenario module or a folder holding one
(`xtb/conformance/scenario_run.py`). A unit-test run is left exactly as it was."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from tests.suite_runs import suite_env

ROOT = Path(__file__).resolve().parents[1]


def pytest_run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=cwd, env=suite_env(), capture_output=True, text=True, timeout=240)


def test_xtb_registers_its_plugin_with_an_entry_point() -> None:
    found = {p.name: p.value for p in entry_points(group="pytest11") if p.value.startswith("xtb.")}
    assert found == {"xtb": "xtb.conformance.plugin"}, "reinstall xtb (pip install -e .) to register its pytest11"


def test_a_unit_test_run_writes_nothing(tmp_path: Path) -> None:
    proc = pytest_run(ROOT, "tests/test_model.py", "--report-dir", str(tmp_path / "reports"))
    assert proc.returncode == 0, proc.stdout + proc.stderr  # --report-dir is known: the plugin is loaded
    assert not (tmp_path / "reports").exists()


def test_a_team_s_own_entry_in_a_subfolder_is_a_conformance_run(tmp_path: Path) -> None:
    (tmp_path / "gate" / "baseline").mkdir(parents=True)
    (tmp_path / "gate" / "baseline" / "test_gate.py").write_text(
        "from xtb.scenarios.test_baseline import pytestmark, test_metadata  # noqa: F401\n"
    )
    venue = ROOT / "venues" / "backpack.yaml"
    proc = pytest_run(tmp_path, "gate", "--venue-config", str(venue), "--sim", "--report-dir", "rep")
    assert proc.returncode == 2, proc.stdout + proc.stderr  # INCOMPLETE: one scenario of the baseline ran
    document = json.loads((tmp_path / "rep" / "conformance.json").read_text())
    rows = [(r["venue"], r["scenario"], r["outcome"]) for r in document["results"]]
    assert rows == [("backpack", "metadata", "passed")]
    assert {p.name for p in (tmp_path / "rep").iterdir()} >= {"conformance.json", "junit.xml", "allure-results"}


def test_scenarios_the_arguments_do_not_name_are_a_usage_error(tmp_path: Path) -> None:
    """An entry the argument check cannot see (it binds the scenarios at run time) would run without
    the venue scheduler and the junit and allure outputs: the run stops and says what to pass."""
    (tmp_path / "test_hidden.py").write_text(
        "import importlib\n\n"
        "scenarios = importlib.import_module('xtb' + '.scenarios.test_baseline')\n"
        "globals().update({k: v for k, v in vars(scenarios).items() if not k.startswith('_')})\n"
    )
    venue = ROOT / "venues" / "backpack.yaml"
    proc = pytest_run(tmp_path, "test_hidden.py", "--venue-config", str(venue), "--sim", "--report-dir", "rep")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "scenarios were collected, but no argument names a scenario module" in proc.stderr
    assert not (tmp_path / "rep").exists()
