"""The gate works from outside this repo: a team's own connector package, installed next to an
installed xtb, runs the installed catalog by venue file from a directory of its own.

The team's package (built here, in a temp dir) subclasses the shipped Backpack connector twice:
`TeamBackpack` unchanged, registered under the `xtb.connectors` entry point `teambackpack`, and
`CancelsAccountWide`, with one planted bug (it cancels one order by cancelling everything on the
symbol), named in its venue file as `teamconn.planted:CancelsAccountWide`. Both packages are
installed with `pip install --no-build-isolation --target DIR` into folders of their own, so the run
sees only what an installation carries: the catalog (`xtb.scenarios`), the `pytest11` entry point
and the connector entry point. The gate must name the planted bug's scenario and pass the unchanged
subclass.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("metadata", "post_top_of_book", "rest_ws_cross_check", "reduce_only_flatten", "zero_exposure")
CAUGHT_BY = "cancel_resting"  # tests/selftest/shared_bugs.py: EXPECTED_FAILURES["CancelsAccountWide"]

TEAM_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "teamconn"
version = "0.1"

[project.entry-points."xtb.connectors"]
teambackpack = "teamconn.connector:TeamBackpack"
"""

TEAM_CONNECTOR = '''\
"""The team's connector: the shipped Backpack connector, unchanged."""

from xtb.connectors.backpack import BackpackConnector


class TeamBackpack(BackpackConnector):
    """Backpack, as shipped."""
'''

TEAM_PLANTED = '''\
"""The team's connector with one planted bug."""

from xtb.connectors.backpack import BackpackConnector


class CancelsAccountWide(BackpackConnector):
    """Cancels one order by cancelling everything on the symbol."""

    async def _cancel(self, tracker):
        await self._cancel_all(tracker.symbol)
        return None
'''


WHEEL = "wheel==0.48.0"  # setuptools 65 builds wheels through it; the shared venv has none


def pip_install(source: Path | str, target: Path, *options: str, path: Path | None = None) -> None:
    command = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", *options]
    env = {**os.environ, "PYTHONPATH": str(path or "")}
    got = subprocess.run(
        [*command, "--target", str(target), str(source)], env=env, capture_output=True, text=True, timeout=300
    )
    assert got.returncode == 0, got.stdout + got.stderr


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temp dir holding `xtb-install/` (xtb built from this repo's sources), `team-install/` (the
    team's package) and nothing else of this repo."""
    home = tmp_path_factory.mktemp("outside")
    assert not home.resolve().is_relative_to(ROOT)
    pip_install(WHEEL, home / "build-tools")
    source = home / "xtb-source"  # only what the package is built from: no stale build/ of the repo
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(ROOT / "xtb", source / "xtb", ignore=shutil.ignore_patterns("__pycache__"))
    pip_install(source, home / "xtb-install", "--no-build-isolation", path=home / "build-tools")
    team = home / "teamconn-source"
    (team / "teamconn").mkdir(parents=True)
    (team / "pyproject.toml").write_text(TEAM_PYPROJECT)
    (team / "teamconn" / "__init__.py").write_text("")
    (team / "teamconn" / "connector.py").write_text(TEAM_CONNECTOR)
    (team / "teamconn" / "planted.py").write_text(TEAM_PLANTED)
    pip_install(team, home / "team-install", "--no-build-isolation", path=home / "build-tools")
    return home


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command in `home`, seeing the two installations and no source tree."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(home / "team-install"), str(home / "xtb-install")])}
    return subprocess.run([sys.executable, *args], cwd=home, env=env, capture_output=True, text=True, timeout=300)


def venue_file(home: Path, connector: str) -> Path:
    text = (ROOT / "venues" / "backpack.yaml").read_text()
    assert "\nconnector: backpack\n" in text
    path = home / f"{connector.replace(':', '-')}.yaml"
    path.write_text(text.replace("\nconnector: backpack\n", f"\nconnector: {connector}\n"))
    return path


def gate(home: Path, connector: str, report: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    proc = run(
        home,
        "-m",
        "pytest",
        "--pyargs",
        "xtb.scenarios",
        "--venue-config",
        str(venue_file(home, connector)),
        "--sim",
        "-k",
        " or ".join(f"test_{s}" for s in (*SCENARIOS, CAUGHT_BY)),
        "--report-dir",
        report,
        "-p",
        "no:cacheprovider",
        "--trace-config",
    )
    document = json.loads((home / report / "conformance.json").read_text())
    return proc, document


def outcomes(document: dict) -> dict[str, str]:
    return {row["scenario"]: row["outcome"] for row in document["results"]}


def test_the_run_sees_the_installations_only(outside: Path) -> None:
    proc = run(outside, "-c", "import xtb, xtb.scenarios, teamconn; print(xtb.__file__); print(teamconn.__file__)")
    xtb_file, team_file = proc.stdout.split()
    assert Path(xtb_file).is_relative_to(outside / "xtb-install"), proc.stderr
    assert Path(team_file).is_relative_to(outside / "team-install")


def test_xtb_venues_lists_the_team_s_entry_point(outside: Path) -> None:
    proc = run(outside, "-m", "xtb", "venues", "--venue-config", str(venue_file(outside, "teambackpack")))
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()]
    assert ["teambackpack", "teamconn.connector:TeamBackpack", "-", "entry", "point", "of", "teamconn", "0.1"] in rows
    assert ["backpack", "teambackpack", "backpack", "venue", "file", str(outside / "teambackpack.yaml")] in rows


def test_the_unchanged_subclass_passes(outside: Path) -> None:
    proc, document = gate(outside, "teambackpack", "rep-unchanged")
    plugin = outside / "xtb-install" / "xtb" / "conformance" / "plugin.py"
    assert str(plugin) in proc.stdout, "the pytest11 entry point of the installed xtb did not load its plugin"
    for tree in (ROOT / "xtb", ROOT / "conformance", ROOT / "tests"):  # the venv may live in the repo: not these
        assert str(tree) + "/" not in proc.stdout, f"the run imported this repo's source tree ({tree})"
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert outcomes(document) == dict.fromkeys((*SCENARIOS, CAUGHT_BY), "passed")
    assert document["verdict"]["verdict"] == "CONFORMANT"


def test_the_gate_names_the_planted_bug(outside: Path) -> None:
    proc, document = gate(outside, "teamconn.planted:CancelsAccountWide", "rep-planted")
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert outcomes(document) == {**dict.fromkeys(SCENARIOS, "passed"), CAUGHT_BY: "failed"}
    assert document["verdict"]["verdict"] == "NOT CONFORMANT"
    assert any(line.startswith(CAUGHT_BY) for line in document["verdict"]["venues"]["backpack"]["failed"])
    assert "NOT CONFORMANT" in proc.stdout
