"""The runner's YAML file (`xtb run CONFIG`), read and checked before anything connects.

    general:                       # all optional
      debug: false                 # log every order transition (also --debug / XTB_DEBUG=1)
      report: reports/run.json     # the JSON report (relative to the working directory)
      timeout: 300                 # the whole run, seconds
      start_timeout: 30            # connectors must be up within this
      stop_timeout: 60             # cleanup (cancel this run's orders, flatten) must end within this
      sim_seed: 0                  # seed of the simulators the runner starts
    connectors:                    # name → where the venue is
      backpack:
        venue_file: ../venues/backpack.yaml   # a venue file (relative to this file) ...
        settings: {symbol: SOL_USDC_PERP}     # ... and/or venue-file keys inline (they win)
        simulator: true            # the built-in simulator, started by the runner; `settings.symbol`
                                   # wins over the venue file's `simulator.symbol`, and must be a
                                   # market the simulator lists (else an error naming them)
        allow_mainnet: false       # required before any order on a mainnet venue
    strategy:
      name: connector_smoke_test   # a registered strategy or module:Class
      ...                          # the strategy's own keys, checked by the strategy

Every error names the file and the key. Credentials are names of environment variables (the venue
file's `credentials:`); a missing one is an error naming it, before any connection is made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from xtb.config.venue_file import VenueConfig, parse_venue_config, require_mapping, require_string
from xtb.errors import ConfigError
from xtb.runtime.classes import load_connector_class, load_strategy_class, simulator_markets, simulator_names
from xtb.secrets import Secret

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector
    from xtb.strategies.base import StrategyBase

DEFAULT_REPORT = Path("reports/run.json")

_TOP_KEYS = ("general", "connectors", "strategy")
_CONNECTOR_KEYS = ("venue_file", "settings", "simulator", "allow_mainnet")


@dataclass(frozen=True)
class GeneralConfig:
    debug: bool = False
    report: Path = DEFAULT_REPORT
    timeout: float = 300.0
    start_timeout: float = 30.0
    stop_timeout: float = 60.0
    sim_seed: int = 0


@dataclass(frozen=True)
class ConnectorEntry:
    """One connector the file defines: its venue settings (pointed at the simulator when `simulator`
    is set) and, for a real venue, the credentials read from the environment."""

    name: str
    venue: VenueConfig
    connector_class: type[BaseConnector]
    simulator: bool
    allow_mainnet: bool
    secrets: Mapping[str, Secret] | None  # None on a simulator: it hands out its own test account
    where: str  # "FILE: connectors.NAME", for messages

    @property
    def environment(self) -> str:
        return self.venue.environment


@dataclass(frozen=True)
class RunConfig:
    source: str
    general: GeneralConfig
    connectors: Mapping[str, ConnectorEntry]  # only the ones the strategy wants, in file order
    strategy_class: type[StrategyBase]
    strategy_settings: Any

    @property
    def strategy_name(self) -> str:
        return self.strategy_class.name

    @property
    def simulators(self) -> list[str]:
        """The built-in simulators this run needs, each once."""
        return sorted({e.venue.simulator for e in self.connectors.values() if e.simulator and e.venue.simulator})


def load_run_config(path: str | Path) -> RunConfig:
    """Read and check the runner's YAML. Every error is a ConfigError naming the file and the key."""
    path = Path(path)
    return parse_run_config(_read_yaml(path, str(path), "config file"), str(path), base_dir=path.parent)


def _read_yaml(path: Path, where: str, what: str) -> Any:
    """The file's YAML; `where` starts every error, `what` names the file when it is missing."""
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such {what}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None


def parse_run_config(raw: Any, where: str, *, base_dir: Path = Path(".")) -> RunConfig:
    doc = require_mapping(raw, where, "the file")
    _known(doc, _TOP_KEYS, where, "")
    for key in ("connectors", "strategy"):
        if key not in doc:
            raise ConfigError(f"{where}: missing required key {key!r}")
    general = _general(doc.get("general"), where)
    blocks = require_mapping(doc["connectors"], where, "connectors")
    if not blocks:
        raise ConfigError(f"{where}: connectors must define at least one connector")
    for name in blocks:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: connectors: a connector name must be a non-empty string, not {name!r}")

    strategy = dict(require_mapping(doc["strategy"], where, "strategy"))
    if "name" not in strategy:
        raise ConfigError(f"{where}: missing required key 'strategy.name'")
    strategy_name = require_string(strategy.pop("name"), where, "strategy.name")
    try:
        strategy_class = load_strategy_class(strategy_name)
    except ConfigError as exc:
        raise ConfigError(f"{where}: strategy.name: {exc}") from None
    settings = strategy_class.parse_settings(strategy, where, "strategy", list(blocks))
    wanted = strategy_class.wanted_connectors(settings)
    entries = {name: _connector(name, block, where, base_dir, wanted=name in wanted) for name, block in blocks.items()}
    return RunConfig(where, general, {n: e for n, e in entries.items() if n in wanted}, strategy_class, settings)


def _general(raw: Any, where: str) -> GeneralConfig:
    block = require_mapping(raw, where, "general")
    _known(block, ("debug", "report", "timeout", "start_timeout", "stop_timeout", "sim_seed"), where, "general")
    values: dict[str, Any] = {}
    if "debug" in block:
        values["debug"] = _bool(block["debug"], where, "general.debug")
    if "report" in block:
        values["report"] = Path(require_string(block["report"], where, "general.report"))
    for key in ("timeout", "start_timeout", "stop_timeout"):
        if key in block:
            value = block[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"{where}: general.{key} must be a positive number of seconds, not {value!r}")
            values[key] = float(value)
    if "sim_seed" in block:
        seed = block["sim_seed"]
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"{where}: general.sim_seed must be an integer, not {seed!r}")
        values["sim_seed"] = seed
    return GeneralConfig(**values)


def _connector(name: str, raw: Any, where: str, base_dir: Path, *, wanted: bool) -> ConnectorEntry:
    """Every entry is checked; only one the strategy uses must be cleared to trade and find its
    credentials in the environment."""
    key = f"connectors.{name}"
    block = require_mapping(raw, where, key)
    _known(block, _CONNECTOR_KEYS, where, key)
    if "venue_file" not in block and "settings" not in block:
        raise ConfigError(f"{where}: {key} needs venue_file or settings (venue-file keys inline)")
    venue_doc: dict[str, Any] = {}
    label = f"{where}: {key}"
    if "venue_file" in block:
        venue_file = Path(os.path.normpath(base_dir / require_string(block["venue_file"], where, f"{key}.venue_file")))
        raw_venue = _read_yaml(venue_file, f"{where}: {key}.venue_file {venue_file}", "venue file")
        venue_doc = dict(require_mapping(raw_venue, str(venue_file), "the file"))
        label = f"{where}: {key} (venue file {venue_file})"
    inline = require_mapping(block.get("settings"), where, f"{key}.settings")
    venue_doc.update(inline)
    venue = parse_venue_config(venue_doc, label)
    simulator = _bool(block.get("simulator", False), where, f"{key}.simulator")
    allow_mainnet = _bool(block.get("allow_mainnet", False), where, f"{key}.allow_mainnet")
    try:
        connector_class = load_connector_class(venue.connector)
    except ConfigError as exc:
        raise ConfigError(f"{label}: connector: {exc}") from None
    secrets: dict[str, Secret] | None = None
    if simulator:
        known = simulator_names()
        if venue.simulator is not None and venue.simulator not in known:
            raise ConfigError(
                f"{where}: {key}.simulator: there is no built-in simulator {venue.simulator!r} "
                f"for {venue.venue} yet; built-in: {list(known)}"
            )
        venue = venue.for_simulator()  # refuses a venue without a simulator block, naming it
        venue = _simulator_symbol(venue, venue_doc, inline, f"{where}: {key}.settings", label)
    elif wanted:
        if venue.environment == "mainnet" and not allow_mainnet:
            raise ConfigError(
                f"{where}: {key}: {venue.venue} is a mainnet venue; set {key}.allow_mainnet: true to trade "
                f"on it (orders stay under order_size.max_notional), or {key}.simulator: true"
            )
        secrets = venue.read_credentials()
    return ConnectorEntry(name, venue, connector_class, simulator, allow_mainnet, secrets, f"{where}: {key}")


def _simulator_symbol(
    venue: VenueConfig, venue_doc: Mapping[str, Any], inline: Mapping[str, Any], at_inline: str, label: str
) -> VenueConfig:
    """The symbol to trade on the simulator, most specific first: `settings.simulator.symbol`, then
    `settings.symbol` (the run file's override wins over the venue file's simulator block), then the
    venue file's `simulator.symbol`, then its `symbol`. The simulator must list it: a symbol it does
    not list is an error naming the key that chose it and the symbols it lists, never a silent swap."""
    inline_sim = inline.get("simulator")
    if isinstance(inline_sim, Mapping) and "symbol" in inline_sim:
        at = f"{at_inline}.simulator.symbol"  # already applied by for_simulator()
    elif "symbol" in inline:
        venue, at = replace(venue, symbol=inline["symbol"]), f"{at_inline}.symbol"
    else:
        file_sim = venue_doc.get("simulator")
        from_block = isinstance(file_sim, Mapping) and "symbol" in file_sim
        at = f"{label}: simulator.symbol" if from_block else f"{label}: symbol"
    try:
        listed = simulator_markets(str(venue.simulator))
    except Exception as exc:  # e.g. a simulator whose SDK is not installed
        raise ConfigError(f"{at}: cannot list the {venue.simulator} simulator's markets: {exc!r}") from exc
    if venue.symbol not in listed:
        raise ConfigError(
            f"{at}: the {venue.simulator} simulator does not list {venue.symbol!r}; it lists {list(listed)}"
        )
    return venue


def _known(block: Mapping[str, Any], allowed: tuple[str, ...], where: str, key: str) -> None:
    unknown = sorted(str(k) for k in set(block) - set(allowed))
    if unknown:
        at = f"{key}." if key else ""
        raise ConfigError(f"{where}: unknown key(s) {[at + k for k in unknown]}; allowed: {list(allowed)}")


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    return value
