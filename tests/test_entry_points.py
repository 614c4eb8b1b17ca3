"""Installed packages add connectors and simulators through entry points; a name claimed twice is
an error naming both claimants; `xtb venues` lists each name with where it came from.

Each test installs a distribution the way pip leaves one (a `.dist-info` folder with its
`entry_points.txt`) in a temp folder on sys.path, so `importlib.metadata` finds it for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.entry_point_dists import install_distribution
from tests.test_venue_config import GOOD
from xtb.cli import main
from xtb.config.venue_file import parse_venue_config
from xtb.connectors import load_connector_class, registered_connectors
from xtb.errors import ConfigError
from xtb.sim.registry import default_registry, registered_simulators


def test_an_installed_connector_is_registered_and_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_distribution(tmp_path, monkeypatch, {"xtb.connectors": {"teamvenue": "tests.fake_venue:FakeConnector"}})
    entry = registered_connectors()["teamvenue"]
    assert (entry.target, entry.origin) == ("tests.fake_venue:FakeConnector", "entry point of teamvenue 1.2")
    assert registered_connectors()["backpack"].origin == "built-in"
    assert load_connector_class("teamvenue").__name__ == "FakeConnector"
    assert parse_venue_config({**GOOD, "connector": "teamvenue"}, "demo.yaml").connector == "teamvenue"


def test_a_connector_named_like_a_built_in_one_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_distribution(tmp_path, monkeypatch, {"xtb.connectors": {"backpack": "tests.fake_venue:FakeConnector"}})
    with pytest.raises(ConfigError) as caught:
        load_connector_class("backpack")
    assert str(caught.value) == (
        "xtb.connectors name 'backpack' is registered twice: built-in (xtb.connectors.backpack:BackpackConnector) "
        "and entry point of teamvenue 1.2 (tests.fake_venue:FakeConnector); rename the entry point"
    )


def test_an_installed_simulator_joins_the_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_distribution(tmp_path, monkeypatch, {"xtb.simulators": {"teamvenue": "xtb.sim.backpack:BackpackFrontEnd"}})
    assert default_registry().names() == ("backpack", "grvt", "lighter", "aster", "hyperliquid", "teamvenue")
    assert registered_simulators()["teamvenue"].origin == "entry point of teamvenue 1.2"


def test_a_simulator_named_like_a_built_in_one_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_distribution(tmp_path, monkeypatch, {"xtb.simulators": {"grvt": "xtb.sim.backpack:BackpackFrontEnd"}})
    with pytest.raises(ConfigError, match=r"'grvt' is registered twice: built-in \(xtb.sim.grvt:GrvtFrontEnd\) and en"):
        default_registry()


def test_xtb_venues_says_where_each_name_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_distribution(
        tmp_path,
        monkeypatch,
        {
            "xtb.connectors": {"teamvenue": "tests.fake_venue:FakeConnector"},
            "xtb.simulators": {"teamsim": "xtb.sim.backpack:BackpackFrontEnd"},
        },
    )
    venues = tmp_path / "venues"
    venues.mkdir()
    (venues / "team.yaml").write_text(
        "venue: team\nconnector: teamvenue\nhosts: {rest: 'https://x', ws: 'wss://x'}\nsymbol: X\ncredentials: {}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["venues"]) == 0
    rows = [line.split(maxsplit=3) for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["name", "connector", "simulator", "from"]
    assert ["backpack", "xtb.connectors.backpack:BackpackConnector", "backpack", "built-in"] in rows
    assert ["teamvenue", "tests.fake_venue:FakeConnector", "-", "entry point of teamvenue 1.2"] in rows
    assert ["teamsim", "-", "teamsim", "entry point of teamvenue 1.2"] in rows
    assert ["team", "teamvenue", "-", "venue file venues/team.yaml"] in rows


def test_xtb_venues_names_a_bad_venue_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["venues", "--venue-config", str(tmp_path / "missing.yaml")]) == 2
    assert f"{tmp_path / 'missing.yaml'}: no such venue file" in capsys.readouterr().err
