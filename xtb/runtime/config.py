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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from xtb.config.venue_file import VenueConfig
from xtb.errors import ConfigError
from xtb.runtime.classes import load_connector_class, load_strategy_class, simulator_markets, simulator_names
from xtb.schema import NonEmptyStr, PositiveSeconds, SchemaModel, StrictBool, StrictInt, load, read_yaml, validate
from xtb.secrets import Secret

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector
    from xtb.strategies.base import StrategyBase

DEFAULT_REPORT = Path("reports/run.json")


def _not_empty(path: Any) -> Any:
    if path == "":
        raise ValueError("must not be empty")
    return path


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class GeneralConfig:
    debug: StrictBool = False
    report: Annotated[Path, BeforeValidator(_not_empty)] = DEFAULT_REPORT  # relative to the working directory
    timeout: PositiveSeconds = 300.0
    start_timeout: PositiveSeconds = 30.0
    stop_timeout: PositiveSeconds = 60.0
    sim_seed: StrictInt = 0


class ConnectorBlock(SchemaModel):
    """One entry of `connectors:`: where the venue is; the venue's own keys are checked as a venue
    file once the file and the inline settings are merged."""

    venue_file: NonEmptyStr | None = None  # relative to the run file
    settings: dict[NonEmptyStr, Any] = {}  # venue-file keys inline (they win)
    simulator: StrictBool = False
    allow_mainnet: StrictBool = False

    @model_validator(mode="after")
    def _names_a_venue(self) -> ConnectorBlock:
        if self.venue_file is None and "settings" not in self.model_fields_set:
            raise ValueError("needs venue_file or settings (venue-file keys inline)")
        return self


class StrategyBlock(SchemaModel):
    """`strategy:`: its name; the rest is the strategy's own, checked by the strategy."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: NonEmptyStr


class RunFile(SchemaModel):
    general: GeneralConfig = GeneralConfig()  # a dataclass: the CLI's --debug and --report replace fields
    connectors: Annotated[dict[NonEmptyStr, ConnectorBlock], Field(min_length=1)]
    strategy: StrategyBlock


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
    return _resolve(load(RunFile, path, "config file"), str(path), path.parent)


def parse_run_config(raw: Any, where: str, *, base_dir: Path = Path(".")) -> RunConfig:
    return _resolve(validate(RunFile, raw, where), where, base_dir)


def _resolve(doc: RunFile, where: str, base_dir: Path) -> RunConfig:
    """The strategy's settings, then every connector entry (venue files read and checked)."""
    try:
        strategy_class = load_strategy_class(doc.strategy.name)
    except ConfigError as exc:
        raise ConfigError(f"{where}: strategy.name: {exc}") from None
    settings = strategy_class.parse_settings(doc.strategy.model_extra or {}, where, "strategy", list(doc.connectors))
    wanted = strategy_class.wanted_connectors(settings)
    entries = {
        name: _connector(name, block, where, base_dir, wanted=name in wanted) for name, block in doc.connectors.items()
    }
    return RunConfig(where, doc.general, {n: e for n, e in entries.items() if n in wanted}, strategy_class, settings)


def _connector(name: str, block: ConnectorBlock, where: str, base_dir: Path, *, wanted: bool) -> ConnectorEntry:
    """Every entry is checked; only one the strategy uses must be cleared to trade and find its
    credentials in the environment."""
    key = f"connectors.{name}"
    venue_doc: dict[str, Any] = {}
    label = f"{where}: {key}"
    if block.venue_file is not None:
        venue_file = Path(os.path.normpath(base_dir / block.venue_file))
        raw_venue = read_yaml(venue_file, f"{where}: {key}.venue_file {venue_file}", "venue file")
        if not isinstance(raw_venue, Mapping):
            raise ConfigError(f"{venue_file}: the file must be a mapping, not {type(raw_venue).__name__}")
        venue_doc = dict(raw_venue)
        label = f"{where}: {key} (venue file {venue_file})"
    venue_doc.update(block.settings)
    venue = validate(VenueConfig, venue_doc, label)
    try:
        connector_class = load_connector_class(venue.connector)
    except ConfigError as exc:
        raise ConfigError(f"{label}: connector: {exc}") from None
    secrets: dict[str, Secret] | None = None
    if block.simulator:
        known = simulator_names()
        if venue.simulator is not None and venue.simulator not in known:
            raise ConfigError(
                f"{where}: {key}.simulator: there is no built-in simulator {venue.simulator!r} "
                f"for {venue.venue} yet; built-in: {list(known)}"
            )
        venue = venue.for_simulator()  # refuses a venue without a simulator block, naming it
        venue = _simulator_symbol(venue, block.settings, f"{where}: {key}.settings", label)
    elif wanted:
        if venue.environment == "mainnet" and not block.allow_mainnet:
            raise ConfigError(
                f"{where}: {key}: {venue.venue} is a mainnet venue; set {key}.allow_mainnet: true to trade "
                f"on it (orders stay under order_size.max_notional), or {key}.simulator: true"
            )
        secrets = venue.read_credentials()
    return ConnectorEntry(
        name, venue, connector_class, block.simulator, block.allow_mainnet, secrets, f"{where}: {key}"
    )


def _simulator_symbol(venue: VenueConfig, inline: Mapping[str, Any], at_inline: str, label: str) -> VenueConfig:
    """The symbol to trade on the simulator, most specific first: `settings.simulator.symbol`, then
    `settings.symbol` (the run file's override wins over the venue file's simulator block), then the
    venue file's `simulator.symbol`, then its `symbol`. The simulator must list it: a symbol it does
    not list is an error naming the key that chose it and the symbols it lists, never a silent swap."""
    inline_sim = inline.get("simulator")
    if isinstance(inline_sim, Mapping) and "symbol" in inline_sim:
        at = f"{at_inline}.simulator.symbol"  # already applied by for_simulator()
    elif "symbol" in inline:
        venue, at = venue.model_copy(update={"symbol": inline["symbol"]}), f"{at_inline}.symbol"
    else:
        at = f"{label}: {venue.symbol_key}"
    try:
        listed = simulator_markets(str(venue.simulator))
    except Exception as exc:  # e.g. a simulator whose SDK is not installed
        raise ConfigError(f"{at}: cannot list the {venue.simulator} simulator's markets: {exc!r}") from exc
    if venue.symbol not in listed:
        raise ConfigError(
            f"{at}: the {venue.simulator} simulator does not list {venue.symbol!r}; it lists {list(listed)}"
        )
    return venue
