"""`xtb new-venue`: the project it writes imports, lints clean, loads through the venue-file schema,
installs, and fails usefully — its own tests and the catalog name the part not written yet — and
the command refuses a bad name or an existing directory without writing anything.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.entry_point_dists import install_distribution
from tests.suite_runs import ROOT, run_suite
from xtb.cli import main as xtb_main
from xtb.config.simulator_block import SimulatorFaults
from xtb.config.venue_file import VenueConfig, load_venue_config
from xtb.execution.tracking_limit import TrackingSettings
from xtb.scaffold import venue_file
from xtb.scaffold.names import ScaffoldError, venue_names
from xtb.scaffold.venue_file import render_venue_file

NAME = "acme"
LONGEST = "abcdefghij_klmnopqrs"  # 20 characters, the most a name may have: the longest lines
TODO = "not implemented yet"
WHEEL = "wheel==0.48.0"  # setuptools 65 builds wheels through it; the shared venv has none

FILES = {
    "pyproject.toml",
    "README.md",
    "venues/acme.yaml",
    "acme/__init__.py",
    "acme/auth.py",
    "acme/connector.py",
    "acme/endpoints.py",
    "acme/errors.py",
    "acme/mapping.py",
    "acme/rest.py",
    "acme/settings.py",
    "acme/streams.py",
    "acme/sim/__init__.py",
    "acme/sim/frontend.py",
    "acme/sim/settings.py",
    "acme/sim/streams.py",
    "tests/test_acme_signing.py",
    "tests/test_acme_mapping.py",
    "tests/test_acme_conformance.py",
}


def new_venue(*args: str) -> int:
    return xtb_main(["new-venue", *args])


def python(*args: str, cwd: Path, path: list[Path], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in path)}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("scaffold") / "xtb-acme"
    assert new_venue(NAME, "--dir", str(directory)) == 0
    return directory


@pytest.fixture
def on_path(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The project importable in this process for one test, and forgotten after it."""
    monkeypatch.syspath_prepend(str(project))
    yield project
    for module in [m for m in sys.modules if m == NAME or m.startswith(f"{NAME}.")]:
        del sys.modules[module]


def test_the_project_has_every_part(project: Path) -> None:
    written = {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()}
    assert written == FILES
    pyproject = (project / "pyproject.toml").read_text()
    assert '[project.entry-points."xtb.connectors"]\nacme = "acme.connector:AcmeConnector"' in pyproject
    assert '[project.entry-points."xtb.simulators"]\nacme = "acme.sim.frontend:AcmeFrontEnd"' in pyproject


async def test_the_project_imports_and_every_part_says_what_to_do_next(on_path: Path) -> None:
    from acme.connector import AcmeConnector
    from acme.sim.frontend import AcmeFrontEnd

    from xtb.clock import SYSTEM_CLOCK
    from xtb.connectors.config import ConnectorConfig
    from xtb.sim.engine import Engine

    connector = AcmeConnector(ConnectorConfig("acme", "http://127.0.0.1:9", "ws://127.0.0.1:9"))
    hooks = {
        "_load_markets": (),
        "_fetch_top_of_book": ("BTC-PERP",),
        "_submit": (None,),
        "_cancel": (None,),
        "_cancel_all": ("BTC-PERP",),
        "_fetch_order": ("BTC-PERP", "c1", None),
        "_fetch_open_orders": (None,),
        "_fetch_positions": (None,),
        "_fetch_balances": (),
        "_fetch_fills": ("BTC-PERP", "c1", None),
    }
    for hook, args in hooks.items():
        with pytest.raises(NotImplementedError, match=f"^{hook}: {TODO} — .+docs/connectors.md"):
            await getattr(connector, hook)(*args)
    with pytest.raises(NotImplementedError, match=rf"^AcmeMarketDef.info \(BTC-PERP\): {TODO} — "):
        AcmeFrontEnd(Engine(SYSTEM_CLOCK)).sim_markets()


@pytest.mark.parametrize("name", [NAME, "ab", LONGEST])
def test_the_project_lints_clean(tmp_path: Path, name: str) -> None:
    assert new_venue(name, "--dir", str(tmp_path / name)) == 0
    for command in (["check", "."], ["format", "--check", "."]):
        ruff = python("-m", "ruff", *command, cwd=tmp_path / name, path=[])
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def test_the_venue_file_loads_through_the_schema_with_every_key(on_path: Path) -> None:
    path = on_path / "venues" / "acme.yaml"
    config = load_venue_config(path)
    assert (config.venue, config.connector) == ("acme", "acme.connector:AcmeConnector")
    simulated = config.for_simulator()
    assert simulated.simulator == "acme" and simulated.tracking.reconcile_interval == 0.5
    assert simulated.fault_targets("submit")[0].spec() == {"method": "POST", "path": "/api/v1/order"}

    raw = yaml.safe_load(path.read_text())
    assert set(raw) == {info.alias or name for name, info in VenueConfig.model_fields.items()}
    assert set(raw["tracking"]) == {f.name for f in dataclasses.fields(TrackingSettings)}
    assert set(raw["simulator"]["faults"]) == set(SimulatorFaults.model_fields)
    assert {"settings", "faults", "tracking", "extra"} <= set(raw["simulator"])
    lines = path.read_text().splitlines()
    keys = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    assert all(lines[i - 1].lstrip().startswith("#") for i in keys), "a key without its comment above it"


def test_a_schema_key_the_scaffold_does_not_document_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = dict(venue_file.DOCS)
    del docs["tracking.reconcile_interval"]
    monkeypatch.setattr(venue_file, "DOCS", docs)
    with pytest.raises(ScaffoldError, match=r"'tracking\.reconcile_interval'.*does not document"):
        render_venue_file(venue_names(NAME))
    monkeypatch.setattr(venue_file, "DOCS", {**venue_file.DOCS, "tracking.reconcile_interval": "x", "gone": "y"})
    with pytest.raises(ScaffoldError, match=r"no longer has: \['gone'\]"):
        render_venue_file(venue_names(NAME))


def test_every_generated_test_fails_saying_what_to_do_next(project: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    run = python("-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", cwd=project, path=[ROOT])
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    cases = ET.parse(junit).getroot().iter("testcase")
    outcomes = {case.get("name"): [child for child in case if child.tag != "system-out"] for case in cases}
    assert len(outcomes) == 6
    for name, found in outcomes.items():
        assert [child.tag for child in found] == ["failure"], name  # failed: not passed, skipped or errored
        assert TODO in (found[0].get("message") or ""), name


@pytest.fixture(scope="module")
def installed(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project installed the way a team installs it next to xtb (into its own target directory,
    never into the shared venv)."""
    tools, target = tmp_path_factory.mktemp("build-tools"), tmp_path_factory.mktemp("site")
    source = shutil.copytree(project, tmp_path_factory.mktemp("build") / project.name)  # pip builds in the tree
    pip = ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps"]
    got = python(*pip, "--target", str(tools), WHEEL, cwd=source, path=[])
    assert got.returncode == 0, got.stdout + got.stderr
    got = python(*pip, "--no-build-isolation", "--target", str(target), str(source), cwd=source, path=[tools])
    assert got.returncode == 0, got.stdout + got.stderr
    return target


def test_the_installed_project_registers_its_entry_points(installed: Path) -> None:
    (info,) = installed.glob("xtb_acme-*.dist-info")
    entry_points = (info / "entry_points.txt").read_text()
    assert "[xtb.connectors]\nacme = acme.connector:AcmeConnector" in entry_points
    assert "[xtb.simulators]\nacme = acme.sim.frontend:AcmeFrontEnd" in entry_points


def test_the_catalog_fails_the_installed_skeleton_naming_the_next_step(
    installed: Path, project: Path, tmp_path: Path
) -> None:
    """The skeleton's own simulator cannot start (its markets are not written yet), so the catalog
    runs it on the Backpack simulator, whose test account has the same credential names."""
    raw = yaml.safe_load((project / "venues" / "acme.yaml").read_text())
    raw["simulator"].update(venue="backpack", symbol="SOL_USDC_PERP", second_symbol="BTC_USDC_PERP")
    venue = tmp_path / "acme-on-backpack.yaml"
    venue.write_text(yaml.safe_dump(raw, sort_keys=False))
    run = run_suite(
        tmp_path / "reports",
        *("--venue-config", str(venue), "--sim", "--venue-connector", "acme=acme.connector:AcmeConnector"),
        *("-k", "metadata or cancel_resting"),
        env={"PYTHONPATH": os.pathsep.join([str(installed), str(ROOT)])},
    )
    assert run.code != 0, run.tail()
    document = run.document()
    assert document["verdict"]["verdict"] != "CONFORMANT"
    results = {r["scenario"]: r for r in document["results"]}
    assert set(results) == {"metadata", "cancel_resting"}
    for scenario, result in results.items():
        assert result["outcome"] in ("failed", "error"), scenario
        assert f"_on_start: {TODO}" in json.dumps(result), scenario


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Acme", "lower-case letters"),
        ("1acme", "starting with a letter"),
        ("acme-dex", "lower-case letters"),
        ("a", "2-20 characters"),
        ("abcdefghij_klmnopqrst", "2-20 characters"),
        ("aster", "is taken: xtb already knows a venue of that name (built-in"),
        ("backpack", "is taken: xtb already knows a venue of that name (built-in"),
        ("class", "taken by Python or by xtb"),
        ("json", "taken by Python or by xtb"),
        ("xtb", "taken by Python or by xtb"),
    ],
)
def test_a_bad_or_taken_name_is_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    assert new_venue(name, "--dir", str(tmp_path / "project")) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_refused_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "project"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    assert new_venue(NAME, "--dir", str(existing)) == 2
    assert f"{existing} already exists" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["project"]
    assert [p.name for p in existing.iterdir()] == ["notes.txt"]


def test_a_name_an_installed_package_registers_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    installed = tmp_path / "site"
    installed.mkdir()
    install_distribution(installed, monkeypatch, {"xtb.connectors": {"teamvenue": "tests.fake_venue:FakeConnector"}})
    assert new_venue("teamvenue", "--dir", str(tmp_path / "project")) == 2
    assert "is taken: xtb already knows a venue of that name (entry point of teamvenue 1.2" in capsys.readouterr().err
    assert not (tmp_path / "project").exists()
