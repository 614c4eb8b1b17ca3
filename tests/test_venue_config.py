"""Venue files: schema validation with errors naming the key, credentials from the environment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from xtb.config.venue_file import load_venue_config, parse_venue_config
from xtb.errors import ConfigError
from xtb.secrets import Secret

ROOT = Path(__file__).resolve().parents[1]
GOOD = {
    "venue": "demo",
    "connector": "tests.fake_venue:FakeConnector",
    "environment": "testnet",
    "hosts": {"rest": "https://demo.invalid", "ws": "wss://demo.invalid"},
    "symbol": "BTC-PERP",
    "credentials": {"api_secret": "DEMO_API_SECRET"},
    "tracking": {"interval": 2, "timeout": 30},
    "order_size": {"min_size_multiple": 2, "max_notional": "50"},
    "skips": {"partial_fill_then_cancel": "venue cannot script fills"},
    "simulator": {"venue": "demo", "tracking": {"interval": 0.5}},
}


def test_every_shipped_venue_file_is_valid() -> None:
    files = sorted((ROOT / "venues").glob("*.yaml"))
    assert files, "venues/ has no venue files"
    for path in files:
        config = load_venue_config(path)
        assert config.venue == path.stem
        assert config.simulator is not None, f"{path} has no simulator block"


def test_good_file_and_simulator_overrides() -> None:
    config = parse_venue_config(GOOD, "demo.yaml")
    assert config.tracking.interval == 2.0 and config.tracking.timeout == 30.0
    assert config.order_size.max_notional == Decimal("50")
    sim = config.for_simulator()
    assert sim.environment == "simulator" and sim.tracking.interval == 0.5 and sim.tracking.timeout == 30.0
    assert config.skips["partial_fill_then_cancel"] == "venue cannot script fills"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"symbol": None}, "symbol: Input should be a valid string"),
        ({"symbol": ""}, "symbol: must not be empty"),
        ({"environment": "prod"}, "environment: must be testnet or mainnet"),
        ({"environment": "simulator"}, "environment: must be testnet or mainnet"),
        ({"hosts": {"rest": "x"}}, "hosts.ws: missing required key"),
        ({"hosts": {"rest": "x", "ws": "y", "edge": 3}}, "hosts.edge: Input should be a valid string"),
        ({"tracking": {"interval": -1}}, "tracking.interval: Input should be greater than 0"),
        ({"tracking": {"interval": True}}, "tracking.interval: Input should be a valid number"),
        ({"tracking": {"price_offset_ticks": "1"}}, "tracking.price_offset_ticks: Input should be a valid integer"),
        ({"tracking": {"intervall": 1}}, "tracking.intervall: unknown key; allowed: backoff_initial, backoff_max"),
        ({"order_size": {"max_notional": 10.5}}, "order_size.max_notional: must be a positive decimal"),
        ({"order_size": {"min_size_multiple": "0"}}, "order_size.min_size_multiple: must be a positive decimal"),
        ({"capabilities": {"post_only_cross": "maybe"}}, "capabilities.post_only_cross: Input should be 'reject' or"),
        ({"capabilities": {"reduce_only": "no"}}, "capabilities.reduce_only: Input should be a valid boolean"),
        ({"capabilities": {"post_only": "reject"}}, "capabilities.post_only: unknown key; allowed: hedge_mode,"),
        ({"colour": "blue"}, "colour: unknown key; allowed: capabilities, connector, credentials, environment"),
        ({"skips": {"metadata": 1}}, "skips.metadata: Input should be a valid string"),
        ({"skips": {"post_top_of_bok": "typo"}}, "skips.post_top_of_bok: unknown scenario 'post_top_of_bok'"),
        ({"skips": {"ambiguous_submit[nope]": "x"}}, "unknown variant 'ambiguous_submit[nope]'"),
        ({"skips": {"metadata[x]": "x"}}, "metadata has no variants"),
        (
            {"simulator": {"order_size": {"max_notional": "10"}}},
            "simulator.order_size.max_notional: the notional cap guards real money",
        ),
        ({"identifiers": {"api_secret": "DEMO_ID"}}, "['api_secret'] listed under both credentials and identifiers"),
        ({"connector": "nope"}, "connector: 'nope' is neither a registered connector (aster, backpack, grvt"),
        ({"connector": "my pkg:Connector"}, "name your own connector class as `connector: package.module:Class`"),
        ({"connector": "tests.nowhere:Connector"}, "connector: cannot load connector 'tests.nowhere:Connector'"),
        ({"connector": "tests.fake_venue:FakeVenue"}, "connector: 'tests.fake_venue:FakeVenue' is not a BaseConnector"),
    ],
)
def test_bad_values_name_the_key(change: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_venue_config({**GOOD, **change}, "demo.yaml")
    assert message in str(caught.value)
    assert "demo.yaml" in str(caught.value)


def test_missing_required_key() -> None:
    doc = {k: v for k, v in GOOD.items() if k != "credentials"}
    with pytest.raises(ConfigError, match=r"demo\.yaml: credentials: missing required key"):
        parse_venue_config(doc, "demo.yaml")


def test_bad_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("venue: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML"):
        load_venue_config(path)
    with pytest.raises(ConfigError, match="no such venue file"):
        load_venue_config(tmp_path / "missing.yaml")


def test_missing_credential_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_API_SECRET", raising=False)
    config = parse_venue_config(GOOD, "demo.yaml")
    with pytest.raises(ConfigError, match="DEMO_API_SECRET"):
        config.read_credentials()
    monkeypatch.setenv("DEMO_API_SECRET", "s3cr3t-value-123")
    secrets = config.read_credentials()
    assert secrets["api_secret"].reveal() == "s3cr3t-value-123"
    assert "s3cr3t" not in repr(config.connector_config())


def test_mainnet_connector_config_needs_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_API_SECRET", "s3cr3t-value-123")
    config = parse_venue_config({**GOOD, "environment": "mainnet"}, "demo.yaml")
    with pytest.raises(ConfigError, match="allow-mainnet"):
        config.connector_config()
    assert config.connector_config(allow_mainnet=True).environment == "mainnet"


def test_yaml_round_trip_of_the_example(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    assert load_venue_config(path).symbol == "BTC-PERP"


def test_nightly_workflow_provides_every_testnet_credential() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "nightly.yml").read_text())
    job = workflow["jobs"]["testnet"]
    env = next(step["env"] for step in job["steps"] if "env" in step)
    for path in sorted((ROOT / "venues").glob("*.yaml")):
        config = load_venue_config(path)
        if config.environment != "testnet":
            continue
        assert config.venue in job["strategy"]["matrix"]["venue"], f"nightly does not run {config.venue}"
        for variable in [*config.credentials.values(), *config.identifiers.values()]:
            assert env.get(variable) == f"${{{{ secrets.{variable} }}}}", f"nightly lacks {variable}"


def test_simulator_fault_targets() -> None:
    faults = {
        "submit": {"method": "post", "path": "/api/v1/order"},
        "fill_stream": [{"channel": "trades:*", "kind": "trade"}, {"channel": "orders:*"}],
    }
    config = parse_venue_config({**GOOD, "simulator": {"venue": "demo", "faults": faults}}, "demo.yaml")
    (submit,) = config.fault_targets("submit")
    assert submit.spec() == {"method": "POST", "path": "/api/v1/order"}
    assert [t.spec() for t in config.fault_targets("fill_stream")] == [
        {"channel": "trades:*", "kind": "trade"},
        {"channel": "orders:*", "kind": "*"},
    ]
    assert config.for_simulator().fault_targets("submit") == (submit,)
    with pytest.raises(ConfigError, match=r"demo.yaml: simulator.faults.cancel is not set"):
        config.fault_targets("cancel")


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"submitt": {"path": "/x"}}, "simulator.faults.submitt: unknown key; allowed: book_stream, cancel"),
        ({"submit": {"method": "POST"}}, "simulator.faults.submit.path: missing required key"),
        (
            {"submit": {"path": "/x", "channel": "c"}},
            "simulator.faults.submit.channel: unknown key; allowed: method, path",
        ),
        ({"book_stream": [{"kind": "depth"}]}, "simulator.faults.book_stream[0].channel: missing required key"),
        ({"book_stream": []}, "simulator.faults.book_stream: must not be empty"),
        ({"order_stream": {"channel": 3}}, "simulator.faults.order_stream.channel: Input should be a valid string"),
    ],
)
def test_bad_fault_targets_name_the_key(faults: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_venue_config({**GOOD, "simulator": {"venue": "demo", "faults": faults}}, "demo.yaml")
    assert message in str(caught.value) and "demo.yaml" in str(caught.value)


def test_a_misspelled_skip_names_the_known_scenarios() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_venue_config({**GOOD, "skips": {"post_top_of_bok": "typo"}}, "demo.yaml")
    assert "known scenarios: metadata, post_top_of_book, rest_ws_cross_check" in str(caught.value)


def test_a_variant_skip_is_accepted() -> None:
    config = parse_venue_config({**GOOD, "skips": {"ambiguous_submit[status_503]": "no 503 on this venue"}}, "d.yaml")
    assert config.skips == {"ambiguous_submit[status_503]": "no 503 on this venue"}


def test_a_directory_is_not_a_venue_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"is a directory; give a venue file"):
        load_venue_config(tmp_path)


def test_a_short_credential_is_a_config_error_that_never_shows_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_API_SECRET", "q7x")
    config = parse_venue_config(GOOD, "demo.yaml")
    with pytest.raises(ConfigError) as caught:
        config.read_credentials()
    message = str(caught.value)
    assert "demo.yaml: credentials.api_secret ($DEMO_API_SECRET)" in message and "identifiers:" in message
    assert "q7x" not in message


def test_identifiers_are_plain_values_not_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real Lighter account index like 12345 is five characters: too short for a Secret, fine here."""
    monkeypatch.setenv("DEMO_API_SECRET", "s3cr3t-value-123")
    monkeypatch.setenv("DEMO_ACCOUNT_INDEX", "12345")
    config = parse_venue_config({**GOOD, "identifiers": {"account_index": "DEMO_ACCOUNT_INDEX"}}, "demo.yaml")
    connector_config = config.connector_config()
    assert connector_config.identifiers == {"account_index": "12345"}
    assert "account_index" not in connector_config.credentials
    monkeypatch.delenv("DEMO_ACCOUNT_INDEX")
    with pytest.raises(ConfigError, match="DEMO_ACCOUNT_INDEX"):
        config.read_credentials()


def test_lighter_names_its_account_index_as_an_identifier() -> None:
    config = load_venue_config(ROOT / "venues" / "lighter.yaml")
    assert config.identifiers == {"account_index": "LIGHTER_ACCOUNT_INDEX"}
    assert "account_index" not in config.credentials


def test_a_second_symbol_and_a_position_stream_for_the_simulator() -> None:
    block = {"venue": "demo", "second_symbol": "ETH-PERP", "faults": {"position_stream": {"channel": "pos:*"}}}
    config = parse_venue_config({**GOOD, "simulator": block}, "demo.yaml")
    assert config.second_symbol is None, "the real venue's scenarios need no second market"
    on_sim = config.for_simulator()
    assert on_sim.second_symbol == "ETH-PERP"
    assert [t.spec() for t in on_sim.fault_targets("position_stream")] == [{"channel": "pos:*", "kind": "*"}]
    with pytest.raises(ConfigError, match=r"demo\.yaml: simulator\.second_symbol must differ from the symbol"):
        parse_venue_config({**GOOD, "simulator": {"venue": "demo", "second_symbol": "BTC-PERP"}}, "demo.yaml")


@pytest.mark.parametrize("name", ["backpack", "lighter", "grvt", "aster"])
def test_every_shipped_simulator_names_a_second_symbol_it_lists(name: str) -> None:
    from xtb.runtime.classes import simulator_markets

    config = load_venue_config(ROOT / "venues" / f"{name}.yaml").for_simulator()
    assert config.second_symbol not in (None, config.symbol)
    assert config.second_symbol in simulator_markets(name)


def test_the_settle_window_reaches_the_connector() -> None:
    config = parse_venue_config(
        {**GOOD, "tracking": {"settle_timeout": 4}, "simulator": {"venue": "demo", "tracking": {"settle_timeout": 1}}},
        "demo.yaml",
    )
    secrets = {"api_secret": Secret("not-a-real-secret", "api_secret")}
    hosts = {"rest": "http://127.0.0.1:1", "ws": "ws://127.0.0.1:1"}
    assert config.connector_config(hosts=hosts, secrets=secrets, identifiers={}).settle_timeout == 4
    on_sim = config.for_simulator().connector_config(hosts=hosts, secrets=secrets, identifiers={})
    assert on_sim.settle_timeout == 1
    with pytest.raises(ConfigError, match=r"tracking\.settle_timeout: Input should be greater than 0"):
        parse_venue_config({**GOOD, "tracking": {"settle_timeout": 0}}, "demo.yaml")
