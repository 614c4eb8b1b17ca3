"""Names the runner's YAML can use resolve lazily to classes; a wrong name says what is known."""

from __future__ import annotations

import pytest

from xtb.errors import ConfigError
from xtb.runtime import registry
from xtb.strategies.smoke_test import ConnectorSmokeTestStrategy


def test_strategies_resolve_by_name_or_by_path() -> None:
    assert registry.strategy_names() == ("connector_smoke_test",)
    assert registry.load_strategy_class("connector_smoke_test") is ConnectorSmokeTestStrategy
    assert ConnectorSmokeTestStrategy.name == "connector_smoke_test"
    path = "xtb.strategies.smoke_test:ConnectorSmokeTestStrategy"
    assert registry.load_strategy_class(path) is ConnectorSmokeTestStrategy
    assert registry.strategy_summary("connector_smoke_test").startswith("Per connector, concurrently")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("smoke", "unknown strategy 'smoke'; known: ['connector_smoke_test']"),
        ("xtb.nowhere:Strategy", "cannot load strategy 'xtb.nowhere:Strategy'"),
        ("xtb.strategies.smoke_test:Missing", "cannot load strategy"),
        ("xtb.strategies.smoke_test:ConnectorRun", "is not a StrategyBase subclass"),
    ],
)
def test_a_wrong_strategy_name_is_a_config_error(name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        registry.load_strategy_class(name)


def test_connectors_and_simulators_are_listed_without_importing_them() -> None:
    assert "backpack" in registry.connector_names()
    assert "backpack" in registry.simulator_names()
    assert registry.load_connector_class("backpack").__name__ == "BackpackConnector"
    with pytest.raises(ConfigError, match="unknown venue connector 'nope'"):
        registry.load_connector_class("nope")
