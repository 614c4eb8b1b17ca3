"""Venue files (`venues/<venue>.yaml`): what the suite needs to run against one venue.

A file describes the real venue (testnet by default) and, under `simulator:`, how to run it on the
built-in simulator (`simulator_block.py`). `VenueConfig` is the file's schema and what a run holds:
read by the one reader (`xtb.schema`), every error names the file and the key. `for_simulator()`
gives the same venue pointed at its simulator.

Credentials are names of environment variables, read only when the real venue is the target, and a
missing one is an error naming it. `identifiers` are names of environment variables too, for values
that identify an account but are not secrets (Lighter's account index): they travel as plain
strings, not as `Secret`s. `skips` name catalog scenario ids (`xtb.catalog`); an unknown id is an
error naming the known ones. `capabilities` are typed (`capabilities.py`). `connector` names a
registered connector (built-in, or an installed package's `xtb.connectors` entry point) or any
`package.module:Class`: a team's own connector runs the catalog by venue file. `extra` is checked when
the file loads against the settings type its connector declares (`load_extra_type`), alone and
merged with `simulator.extra`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from typing_extensions import TypedDict

from xtb.catalog import check_scenario_id
from xtb.config.capabilities import Capabilities
from xtb.config.order_size import OrderSizeConfig
from xtb.config.simulator_block import FaultTarget, SimulatorBlock, SimulatorFaults
from xtb.connectors import load_extra_type, registered_connectors
from xtb.connectors.config import ConnectorConfig
from xtb.errors import ConfigError
from xtb.execution.tracking_limit import TrackingSettings
from xtb.schema import NonEmptyStr, SchemaModel, load, validate
from xtb.secrets import Secret


def _known_scenario(scenario: str) -> str:
    problem = check_scenario_id(scenario)
    if problem is not None:
        raise ValueError(problem)
    return scenario


ScenarioId = Annotated[NonEmptyStr, AfterValidator(_known_scenario)]


def _connector_reference(name: str) -> str:
    """A registered connector (built-in or an installed package's entry point) or `module:Class`;
    whether that class imports is checked next, with the `extra:` settings it declares."""
    registered = registered_connectors()
    module, sep, attribute = name.partition(":")
    dotted = [*module.split("."), *attribute.split(".")]
    if name in registered or (sep and all(part.isidentifier() for part in dotted)):
        return name
    raise ValueError(
        f"{name!r} is neither a registered connector ({', '.join(sorted(registered))}) nor a "
        f"package.module:Class path; name your own connector class as `connector: package.module:Class`"
    )


ConnectorReference = Annotated[NonEmptyStr, AfterValidator(_connector_reference)]


class Hosts(TypedDict, extra_items=NonEmptyStr):  # type: ignore[call-arg]
    """`rest` and `ws`, plus any host the connector needs (GRVT's edge, market data, ...)."""

    __pydantic_config__ = ConfigDict(extra="allow")  # the extra hosts, each a string (`extra_items`)

    rest: NonEmptyStr
    ws: NonEmptyStr


class VenueConfig(SchemaModel):
    """A venue file's schema, and what a run holds of it: one type. `for_simulator()` points it at
    the built-in simulator (`environment: simulator`, the simulator block's changes applied)."""

    venue: NonEmptyStr
    connector: ConnectorReference = ""  # a registered connector or module:Class; default: the venue's name
    environment: Literal["testnet", "mainnet", "simulator"] = "testnet"  # simulator: after for_simulator()
    hosts: Hosts
    symbol: NonEmptyStr
    credentials: dict[NonEmptyStr, NonEmptyStr]  # connector credential name → environment variable
    identifiers: dict[NonEmptyStr, NonEmptyStr] = {}  # non-secret name → environment variable
    order_size: OrderSizeConfig = OrderSizeConfig()
    tracking: TrackingSettings = TrackingSettings()
    capabilities: Capabilities = Capabilities()
    quirks: dict[NonEmptyStr, NonEmptyStr] = {}  # name → one line, shown in the report
    skips: dict[ScenarioId, NonEmptyStr] = {}  # scenario id → reason
    simulator_block: SimulatorBlock | None = Field(None, alias="simulator")
    extra: dict[NonEmptyStr, Any] = {}

    _source: str = PrivateAttr("")

    @model_validator(mode="before")
    @classmethod
    def _connector_defaults_to_venue(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("connector") is None and isinstance(data.get("venue"), str):
            return {**data, "connector": data["venue"]}
        return data

    @field_validator("environment", mode="before")
    @classmethod
    def _a_file_names_a_real_environment(cls, environment: Any) -> Any:
        if environment not in ("testnet", "mainnet"):
            raise ValueError("must be testnet or mainnet (the simulator is chosen with --sim or `simulator: true`)")
        return environment

    def model_post_init(self, context: Any, /) -> None:
        self._source = str((context or {}).get("where", ""))  # the reader names the file (xtb.schema)

    @model_validator(mode="after")
    def _consistent(self) -> VenueConfig:
        both = sorted(set(self.identifiers) & set(self.credentials))
        if both:
            raise ValueError(f"{both} listed under both credentials and identifiers; keep one")
        sim = self.simulator_block
        if sim is not None and sim.second_symbol is not None and sim.second_symbol == (sim.symbol or self.symbol):
            raise ValueError("simulator.second_symbol must differ from the symbol under test")
        return self

    @model_validator(mode="after")
    def _extra_fits_its_connector(self) -> VenueConfig:
        """`extra` against the settings its connector declares, alone and with `simulator.extra` over
        it. A ConfigError of its own (it names the file and the key), not one of pydantic's."""
        try:
            extra_type = load_extra_type(self.connector)
        except ConfigError as exc:
            raise ConfigError(f"{self.source}: connector: {exc}") from None
        if extra_type is not None:
            extra_type.parse(self.extra, self.source, "extra")
            if self.simulator_block is not None:
                extra_type.parse({**self.extra, **self.simulator_block.extra}, self.source, "simulator.extra")
        return self

    # ------------------------------------------------------------------ what a run reads

    @property
    def source(self) -> str:
        """The file (or "FILE: connectors.NAME (venue file ...)"), for messages."""
        return self._source

    @property
    def on_simulator(self) -> bool:
        return self.environment == "simulator"

    @property
    def simulator(self) -> str | None:
        """The built-in simulator's name, when the file has a `simulator:` block."""
        block = self.simulator_block
        return None if block is None else block.venue or self.venue

    @property
    def second_symbol(self) -> str | None:
        """Another market of the venue, for scenarios about scope (orders on two symbols); simulator only."""
        return self.simulator_block.second_symbol if self.on_simulator and self.simulator_block else None

    @property
    def simulator_settings(self) -> Mapping[str, Any]:
        """The simulator's own switches for this run (`simulator.settings`); simulator only."""
        return self.simulator_block.settings if self.on_simulator and self.simulator_block else {}

    @property
    def symbol_key(self) -> str:
        """The key that chose the symbol traded, for messages: `simulator.symbol` or `symbol`."""
        chosen = self.on_simulator and self.simulator_block is not None and self.simulator_block.symbol is not None
        return "simulator.symbol" if chosen else "symbol"

    def fault_targets(self, name: str) -> tuple[FaultTarget, ...]:
        """The file's `simulator.faults.<name>`; an error naming the key when it is missing."""
        faults = self.simulator_block.faults if self.simulator_block is not None else SimulatorFaults()
        targets: tuple[FaultTarget, ...] | None = getattr(faults, name)
        if targets is None:
            raise ConfigError(f"{self.source}: simulator.faults.{name} is not set; the scenario needs it")
        return targets

    def for_simulator(self) -> VenueConfig:
        """The same venue pointed at its built-in simulator, with the file's simulator settings."""
        sim = self.simulator_block
        if sim is None:
            raise ConfigError(f"{self.source}: venue {self.venue!r} has no built-in simulator (no 'simulator:' block)")
        return self.model_copy(
            update={
                "environment": "simulator",
                "symbol": sim.symbol or self.symbol,
                "tracking": sim.tracking.apply(self.tracking),
                # the notional cap guards real money; the simulator's orders are not
                "order_size": sim.order_size.apply(replace(self.order_size, max_notional=None)),
                "extra": {**self.extra, **sim.extra},
            }
        )

    def connector_config(
        self,
        *,
        hosts: Mapping[str, Any] | None = None,
        secrets: Mapping[str, Secret] | None = None,
        identifiers: Mapping[str, str] | None = None,
        allow_mainnet: bool = False,
        debug: bool = False,
    ) -> ConnectorConfig:
        """Settings for the connector: the file's hosts and credentials from the environment, or
        (on a simulator) the hosts and credentials the simulator handed out."""
        if hosts is None and self.on_simulator:
            raise ConfigError(f"{self.source}: on the simulator the hosts are the running simulator's; pass them")
        hosts = dict(hosts if hosts is not None else self.hosts)
        if secrets is None:
            secrets = self.read_credentials()
        if identifiers is None:
            identifiers = self.read_identifiers()
        try:
            rest, ws = hosts["rest"], hosts["ws"]
        except KeyError as exc:
            raise ConfigError(f"{self.source}: hosts needs {exc.args[0]!r}") from None
        return ConnectorConfig(
            venue=self.venue,
            rest_url=rest,
            ws_url=ws,
            hosts=hosts,
            credentials=dict(secrets),
            identifiers=dict(identifiers),
            symbols=(self.symbol,),
            environment=self.environment,
            allow_mainnet=allow_mainnet,
            debug=debug,
            cancel_wait=self.tracking.cancel_wait,
            settle_timeout=self.tracking.settle_timeout,
            reconcile_interval=self.tracking.reconcile_interval,
            extra=dict(self.extra),
        )

    def read_credentials(self) -> dict[str, Secret]:
        """The credentials from the environment; an error names each variable that is missing or
        cannot be a credential (never its value)."""
        missing = [var for var in [*self.credentials.values(), *self.identifiers.values()] if not os.environ.get(var)]
        if missing:
            raise ConfigError(f"{self.source}: set the environment variable(s) {', '.join(missing)} for {self.venue}")
        return {
            name: as_secret(os.environ[var], name, f"{self.source}: credentials.{name} (${var})")
            for name, var in self.credentials.items()
        }

    def read_identifiers(self) -> dict[str, str]:
        missing = [var for var in self.identifiers.values() if not os.environ.get(var)]
        if missing:
            raise ConfigError(f"{self.source}: set the environment variable(s) {', '.join(missing)} for {self.venue}")
        return {name: os.environ[var].strip() for name, var in self.identifiers.items()}


def as_secret(value: str, name: str, where: str) -> Secret:
    """A credential value as a Secret; a value too short to redact safely is a config error that
    points at `identifiers:` (an account number is an identifier, not a secret)."""
    try:
        return Secret(value, name)
    except ValueError as exc:
        raise ConfigError(
            f"{where}: {exc} (a credential needs at least 6 characters; a value that only identifies an "
            f"account, such as an account index, belongs under 'identifiers:')"
        ) from None


def load_venue_config(path: str | Path) -> VenueConfig:
    """Read and validate one venue file. Every error names the file and the key."""
    return load(VenueConfig, Path(path), "venue file")


def parse_venue_config(raw: Any, where: str) -> VenueConfig:
    """A venue file's parsed YAML (a run file merges its inline settings in first)."""
    return validate(VenueConfig, raw, where)
