"""Names the runner's YAML can use resolve lazily to classes; a wrong name says what is known."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from xtb.config.venue_file import load_venue_config
from xtb.errors import ConfigError
from xtb.runtime import classes
from xtb.sim.cluster import SimulatorCluster
from xtb.sim.control_client import SimControlClient
from xtb.strategies.connector_smoke import ConnectorSmokeTestStrategy

ROOT = Path(__file__).resolve().parents[2]


def test_strategies_resolve_by_name_or_by_path() -> None:
    assert classes.strategy_names() == ("connector_smoke_test",)
    assert classes.load_strategy_class("connector_smoke_test") is ConnectorSmokeTestStrategy
    assert ConnectorSmokeTestStrategy.name == "connector_smoke_test"
    path = "xtb.strategies.connector_smoke:ConnectorSmokeTestStrategy"
    assert classes.load_strategy_class(path) is ConnectorSmokeTestStrategy
    assert classes.strategy_summary("connector_smoke_test").startswith("Per connector, concurrently")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("smoke", "unknown strategy 'smoke'; known: ['connector_smoke_test']"),
        ("xtb.nowhere:Strategy", "cannot load strategy 'xtb.nowhere:Strategy'"),
        ("xtb.strategies.connector_smoke:Missing", "cannot load strategy"),
        ("xtb.strategies.connector_smoke:ConnectorRun", "is not a StrategyBase subclass"),
    ],
)
def test_a_wrong_strategy_name_is_a_config_error(name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        classes.load_strategy_class(name)


def test_connectors_and_simulators_are_listed_without_importing_them() -> None:
    assert "backpack" in classes.connector_names()
    assert "backpack" in classes.simulator_names()
    assert classes.load_connector_class("backpack").__name__ == "BackpackConnector"
    with pytest.raises(ConfigError, match="unknown venue connector 'nope'"):
        classes.load_connector_class("nope")


@pytest.mark.parametrize("name", classes.simulator_names())
async def test_the_markets_a_simulator_lists_are_those_the_running_simulator_serves(name: str) -> None:
    """The runner checks a simulator symbol against `simulator_markets` before starting anything; it
    must agree with the simulator the runner then starts (its control API's /markets)."""
    cluster = SimulatorCluster()
    try:
        await asyncio.to_thread(cluster.ensure, name)
        client = SimControlClient(cluster.described[name]["control"])
        try:
            served = [m["symbol"] for m in await client.call("GET", "/markets")]
        finally:
            await client.close()
    finally:
        await asyncio.to_thread(cluster.stop)
    assert served and list(classes.simulator_markets(name)) == served


@pytest.mark.parametrize("venue_file", sorted((ROOT / "venues").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_venue_files_simulator_symbol_is_one_its_simulator_lists(venue_file: Path) -> None:
    venue = load_venue_config(venue_file)
    if venue.simulator is None:
        pytest.skip(f"{venue_file.name} has no simulator block")
    assert venue.for_simulator().symbol in classes.simulator_markets(venue.simulator)
