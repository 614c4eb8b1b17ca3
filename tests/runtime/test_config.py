"""The runner's YAML: every mistake is a ConfigError naming the file and the key (or the variable),
found before anything connects; the examples load."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from xtb.errors import ConfigError
from xtb.model import Side
from xtb.runtime.config import DEFAULT_REPORT, load_run_config, parse_run_config
from xtb.secrets import Secret

ROOT = Path(__file__).resolve().parents[2]
VENUE_FILE = str(ROOT / "venues" / "backpack.yaml")
WHERE = "run.yaml"
SECRET = "c2VjcmV0LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzISE="

BASE: dict[str, Any] = {
    "connectors": {"backpack": {"venue_file": VENUE_FILE, "simulator": True}},
    "strategy": {"name": "connector_smoke_test", "connectors": ["backpack"]},
}


def doc(change: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    if change is not None:
        change(out)
    return out


def connector(out: dict[str, Any]) -> dict[str, Any]:
    return out["connectors"]["backpack"]


def real_venue(out: dict[str, Any]) -> None:
    connector(out)["simulator"] = False


def strategy_block(**settings: Any) -> Callable[[dict[str, Any]], None]:
    def change(out: dict[str, Any]) -> None:
        out["strategy"]["connectors"] = {"backpack": settings}

    return change


BAD: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    (
        "unknown-top-key",
        lambda d: d.update(generals={}),
        "generals: unknown key; allowed: connectors, general, strategy",
    ),
    (
        "unknown-general-key",
        lambda d: d.update(general={"debugg": True}),
        "general.debugg: unknown key; allowed: debug,",
    ),
    ("general-timeout", lambda d: d.update(general={"timeout": -1}), "general.timeout: Input should be greater than 0"),
    ("general-debug", lambda d: d.update(general={"debug": "yes"}), "general.debug: Input should be a valid boolean"),
    ("general-report", lambda d: d.update(general={"report": ""}), "general.report: must not be empty"),
    (
        "general-seed",
        lambda d: d.update(general={"sim_seed": "1"}),
        "general.sim_seed: Input should be a valid integer",
    ),
    ("no-strategy", lambda d: d.pop("strategy"), "strategy: missing required key"),
    ("no-connectors", lambda d: d.pop("connectors"), "connectors: missing required key"),
    ("empty-connectors", lambda d: d.update(connectors={}), "connectors: must not be empty"),
    ("no-strategy-name", lambda d: d["strategy"].pop("name"), "strategy.name: missing required key"),
    (
        "unknown-strategy",
        lambda d: d["strategy"].update(name="nope"),
        "strategy.name: unknown strategy 'nope'; known: ['connector_smoke_test']",
    ),
    ("unknown-connector-key", lambda d: connector(d).update(colour="red"), "connectors.backpack.colour: unknown key"),
    (
        "connector-without-venue",
        lambda d: d["connectors"].update(backpack={"simulator": True}),
        "connectors.backpack: needs venue_file or settings",
    ),
    (
        "missing-venue-file",
        lambda d: connector(d).update(venue_file="/nowhere/x.yaml"),
        "connectors.backpack.venue_file /nowhere/x.yaml: no such venue file",
    ),
    (
        "unknown-venue-key",
        lambda d: connector(d).update(settings={"symbl": "X"}),
        f"connectors.backpack (venue file {VENUE_FILE}): symbl: unknown key; allowed: capabilities,",
    ),
    (
        "bad-venue-tracking",
        lambda d: connector(d).update(settings={"tracking": {"interval": 0}}),
        f"connectors.backpack (venue file {VENUE_FILE}): tracking.interval: Input should be greater than 0",
    ),
    (
        "simulator-not-bool",
        lambda d: connector(d).update(simulator="yes"),
        "connectors.backpack.simulator: Input should be a valid boolean",
    ),
    (
        "unknown-connector-class",
        lambda d: connector(d).update(settings={"connector": "nope"}),
        "connector: 'nope' is neither a registered connector",
    ),
    (
        "no-simulator-block",
        lambda d: connector(d).update(settings={"simulator": None}),
        "venue 'backpack' has no built-in simulator (no 'simulator:' block)",
    ),
    (
        "simulator-not-built-in",
        lambda d: connector(d).update(settings={"simulator": {"venue": "nosuchsim"}}),
        "connectors.backpack.simulator: there is no built-in simulator 'nosuchsim'",
    ),
    (
        "mainnet-without-opt-in",
        real_venue,
        "connectors.backpack: backpack is a mainnet venue; set connectors.backpack.allow_mainnet: true",
    ),
    (
        "missing-credential-variable",
        lambda d: connector(d).update(simulator=False, allow_mainnet=True),
        "set the environment variable(s) BACKPACK_API_SECRET for backpack",
    ),
    ("unknown-strategy-key", lambda d: d["strategy"].update(speed=1), "strategy.speed: unknown key"),
    ("no-strategy-connectors", lambda d: d["strategy"].pop("connectors"), "strategy.connectors: missing required key"),
    (
        "empty-strategy-connectors",
        lambda d: d["strategy"].update(connectors=[]),
        "strategy.connectors: must not be empty",
    ),
    (
        "twice-in-strategy",
        lambda d: d["strategy"].update(connectors=["backpack", "backpack"]),
        "strategy.connectors: lists a connector twice",
    ),
    (
        "undefined-connector",
        lambda d: d["strategy"].update(connectors=["bp"]),
        "strategy.connectors.bp: no connector 'bp' under connectors; defined: ['backpack']",
    ),
    ("unknown-setting", strategy_block(colour="red"), "strategy.connectors.backpack.colour: unknown key; allowed:"),
    ("bad-side", strategy_block(side="long"), "strategy.connectors.backpack.side: Input should be 'buy' or 'sell'"),
    ("float-size", strategy_block(size=0.5), "strategy.connectors.backpack.size: must be a positive decimal"),
    ("negative-size", strategy_block(size="-1"), "strategy.connectors.backpack.size: must be a positive decimal"),
    (
        "bad-interval",
        strategy_block(interval=0),
        "strategy.connectors.backpack.interval: Input should be greater than 0",
    ),
    (
        "bad-offset",
        strategy_block(price_offset_ticks="1"),
        "strategy.connectors.backpack.price_offset_ticks: Input should be a valid integer",
    ),
]


@pytest.mark.parametrize(("change", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_mistake_names_the_file_and_the_key(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    monkeypatch.delenv("BACKPACK_API_SECRET", raising=False)
    with pytest.raises(ConfigError) as info:
        parse_run_config(doc(change), WHERE)
    assert str(info.value).startswith(f"{WHERE}: ")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("connectors: [\n", "not valid YAML"), ("- a list\n", "the file must be a mapping, not list")],
    ids=["bad-yaml", "not-a-mapping"],
)
def test_a_broken_file_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"^{path}: {message}"):
        load_run_config(path)
    with pytest.raises(ConfigError, match="no such config file"):
        load_run_config(tmp_path / "missing.yaml")


def test_a_simulator_entry_uses_the_venue_files_simulator_settings() -> None:
    config = parse_run_config(doc(), WHERE)
    entry = config.connectors["backpack"]
    assert entry.simulator and entry.secrets is None and entry.environment == "simulator"
    assert entry.venue.tracking.interval == 1  # the venue file's simulator block
    assert entry.connector_class.__name__ == "BackpackConnector"
    assert config.simulators == ["backpack"]
    assert config.general.report == DEFAULT_REPORT and config.strategy_name == "connector_smoke_test"


def test_inline_settings_win_and_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET", SECRET)

    def change(out: dict[str, Any]) -> None:
        real_venue(out)
        connector(out)["settings"] = {
            "environment": "testnet",
            "hosts": {"rest": "http://127.0.0.1:1", "ws": "ws://127.0.0.1:1"},
            "credentials": {"api_secret": "MY_SECRET"},
        }

    entry = parse_run_config(doc(change), WHERE).connectors["backpack"]
    assert entry.environment == "testnet" and entry.venue.hosts["rest"] == "http://127.0.0.1:1"
    assert entry.secrets == {"api_secret": Secret(SECRET, "api_secret")}
    assert entry.venue.symbol == "SOL_USDC_PERP"  # from the venue file


def test_strategy_settings_per_connector() -> None:
    change = strategy_block(side="sell", size="0.5", interval=2, timeout=9, cancel_wait=1, price_offset_ticks=3)
    (settings,) = parse_run_config(doc(change), WHERE).strategy_settings.connectors
    assert (settings.connector, settings.side, settings.size) == ("backpack", Side.SELL, Decimal("0.5"))
    assert settings.tracking == {"interval": 2.0, "timeout": 9.0, "cancel_wait": 1.0, "price_offset_ticks": 3}
    assert settings.where == f"{WHERE}: strategy.connectors.backpack"


def test_only_the_connectors_the_strategy_wants_are_built_and_need_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BACKPACK_API_SECRET", raising=False)

    def change(out: dict[str, Any]) -> None:
        out["connectors"]["live"] = {"venue_file": VENUE_FILE, "allow_mainnet": True}  # no credential set

    assert list(parse_run_config(doc(change), WHERE).connectors) == ["backpack"]
    broken = doc(change)
    broken["connectors"]["live"]["colour"] = "red"
    with pytest.raises(ConfigError, match=r"connectors\.live\.colour"):  # still checked
        parse_run_config(broken, WHERE)


def test_venue_files_are_found_beside_the_config(tmp_path: Path) -> None:
    (tmp_path / "venues").mkdir()
    (tmp_path / "configs").mkdir()
    shutil.copy(VENUE_FILE, tmp_path / "venues" / "backpack.yaml")
    path = tmp_path / "configs" / "run.yaml"
    raw = doc(lambda d: connector(d).update(venue_file="../venues/backpack.yaml"))
    path.write_text(yaml.safe_dump(raw))
    entry = load_run_config(path).connectors["backpack"]
    assert entry.where == f"{path}: connectors.backpack"
    assert entry.venue.source == f"{path}: connectors.backpack (venue file {tmp_path / 'venues' / 'backpack.yaml'})"


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_the_examples_load(monkeypatch: pytest.MonkeyPatch, example: Path) -> None:
    monkeypatch.setenv("BACKPACK_API_SECRET", SECRET)
    monkeypatch.setenv("XTB_SIM_BACKPACK_SECRET", SECRET)
    config = load_run_config(example)
    assert config.strategy_name == "connector_smoke_test"
    assert config.connectors and config.general.report.name.endswith(".json")


# ------------------------------------------------------------------- the symbol on a simulator


def test_a_symbol_override_is_traded_on_the_simulator_when_it_lists_it() -> None:
    """`settings: {symbol: ...}` wins over the venue file's `simulator.symbol` (it used to be dropped)."""
    entry = parse_run_config(doc(lambda d: connector(d).update(settings={"symbol": "BTC_USDC_PERP"})), WHERE)
    assert entry.connectors["backpack"].venue.symbol == "BTC_USDC_PERP"
    assert entry.connectors["backpack"].environment == "simulator"
    assert entry.connectors["backpack"].venue.tracking.interval == 1  # the rest of the simulator block still applies


def test_a_symbol_the_simulator_does_not_list_is_refused_naming_the_key_and_the_listed_ones() -> None:
    with pytest.raises(ConfigError) as info:
        parse_run_config(doc(lambda d: connector(d).update(settings={"symbol": "DOGE_USDC_PERP"})), WHERE)
    assert str(info.value) == (
        f"{WHERE}: connectors.backpack.settings.symbol: the backpack simulator does not list 'DOGE_USDC_PERP'; "
        "it lists ['SOL_USDC_PERP', 'BTC_USDC_PERP']"
    )


def test_an_inline_simulator_symbol_is_more_specific_than_an_inline_symbol() -> None:
    def change(out: dict[str, Any]) -> None:
        connector(out)["settings"] = {"symbol": "DOGE_USDC_PERP", "simulator": {"symbol": "BTC_USDC_PERP"}}

    assert parse_run_config(doc(change), WHERE).connectors["backpack"].venue.symbol == "BTC_USDC_PERP"
    change_bad = doc(change)
    connector(change_bad)["settings"]["simulator"]["symbol"] = "SOLUSDT"
    with pytest.raises(ConfigError, match=r"connectors\.backpack\.settings\.simulator\.symbol: the backpack simulator"):
        parse_run_config(change_bad, WHERE)


def test_a_venue_files_simulator_symbol_it_does_not_list_is_refused_naming_the_file(tmp_path: Path) -> None:
    venue_file = tmp_path / "backpack.yaml"
    venue_file.write_text(Path(VENUE_FILE).read_text().replace("  symbol: SOL_USDC_PERP", "  symbol: ETH_USDC_PERP"))
    with pytest.raises(ConfigError) as info:
        parse_run_config(doc(lambda d: connector(d).update(venue_file=str(venue_file))), WHERE)
    assert str(info.value) == (
        f"{WHERE}: connectors.backpack (venue file {venue_file}): simulator.symbol: the backpack simulator does not "
        "list 'ETH_USDC_PERP'; it lists ['SOL_USDC_PERP', 'BTC_USDC_PERP']"
    )


def test_a_symbol_override_on_a_real_venue_is_taken_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPACK_API_SECRET", SECRET)

    def change(out: dict[str, Any]) -> None:
        connector(out).update(simulator=False, allow_mainnet=True, settings={"symbol": "DOGE_USDC_PERP"})

    assert parse_run_config(doc(change), WHERE).connectors["backpack"].venue.symbol == "DOGE_USDC_PERP"
