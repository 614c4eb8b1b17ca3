"""Venue files (`venues/<venue>.yaml`): what the suite needs to run against one venue.

A file describes the real venue (testnet by default) and, under `simulator:`, the overrides for the
built-in simulator (fast tracking settings). It is validated against the schema below; an error
names the file and the key. Credentials are names of environment variables, read only when the
real venue is the target, and a missing one is an error naming it.

`simulator.faults` names, per venue, where the resilience scenarios aim the simulator's faults
(so no scenario knows a venue's paths or stream names). Each target is a mapping, or a list of
mappings when one logical message travels on several streams (all of them are faulted):

    submit, cancel                 REST: {method: POST, path: "/api/v1/order"} (path is a glob)
    order_stream                   the private order updates: {channel: glob, kind: glob}
    fill_stream                    the private fill (trade) messages: {channel, kind}
    position_stream                the private position messages only: {channel, kind}
    book_stream                    the book's messages: depth updates and any real-time best
                                   bid/ask the connector reads (Aster's bookTicker): {channel, kind}
    private_stream                 any message of the private stream(s): {channel, kind}

`kind` defaults to "*". Targets a scenario needs but the file does not give fail that scenario.

`simulator.extra` overrides the connector's `extra` on the simulator (e.g. its request pace under the
simulator's stated budget). `simulator.settings` are the simulator's own switches for the run (its
rate limits, on-demand fills), handed to its control API as they are (`PUT /_sim/settings`), which
checks them and names any it does not know.

`identifiers` are names of environment variables too, for values that identify an account but are
not secrets (Lighter's account index): they travel as plain strings, not as `Secret`s. `skips` name
catalog scenario ids (`xtb.catalog`); an unknown id is an error naming the known ones.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from xtb.catalog import check_scenario_id
from xtb.connectors.config import ConnectorConfig
from xtb.errors import ConfigError
from xtb.execution.tracking_limit import RemainderPolicy
from xtb.secrets import Secret

ENVIRONMENTS = ("testnet", "mainnet")
POST_ONLY_CROSS = ("reject", "cancel")


@dataclass(frozen=True)
class TrackingConfig:
    interval: float = 5.0
    timeout: float = 60.0
    cancel_wait: float = 5.0
    price_offset_ticks: int = 0
    settle_time: float = 3.0  # how long REST and WS may take to agree after a change
    reconcile_interval: float = 5.0  # a live order silent this long is re-read over REST
    # how long a submit whose answer was lost is asked about by client id before it is left
    # SUBMITTING: the venue's window for a late-landing order (short on a simulator, which applies
    # a request at once or never)
    settle_timeout: float = 10.0
    # what a tracking limit does when a partial fill leaves less than the venue accepts: finish
    # (stop short, report what did not fill) | top_up (post the minimum; the flatten trims it)
    remainder_policy: RemainderPolicy = RemainderPolicy.FINISH


@dataclass(frozen=True)
class OrderSizeConfig:
    min_size_multiple: Decimal = Decimal(1)  # order size = the venue's minimum at the touch × this
    max_notional: Decimal | None = None  # refuse to trade above this notional (quote currency)


REST_FAULT_TARGETS = ("submit", "cancel")
STREAM_FAULT_TARGETS = ("order_stream", "fill_stream", "position_stream", "book_stream", "private_stream")


@dataclass(frozen=True)
class FaultTarget:
    """Where one simulator fault is aimed: a REST route (method + path glob) or a stream
    (channel + kind globs), in the simulator's fault JSON field names."""

    method: str | None = None
    path: str | None = None
    channel: str | None = None
    kind: str | None = None

    def spec(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class VenueConfig:
    venue: str
    connector: str
    environment: str  # testnet | mainnet | simulator (after for_simulator())
    hosts: Mapping[str, Any]
    symbol: str
    credentials: Mapping[str, str]  # connector credential name → environment variable
    order_size: OrderSizeConfig
    tracking: TrackingConfig
    capabilities: Mapping[str, Any]
    quirks: Mapping[str, str]
    skips: Mapping[str, str]  # scenario id → reason
    simulator: str | None  # the built-in simulator's name, when there is one
    source: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    faults: Mapping[str, tuple[FaultTarget, ...]] = field(default_factory=dict)  # simulator fault targets
    identifiers: Mapping[str, str] = field(default_factory=dict)  # non-secret name → environment variable
    # another market of the venue, for scenarios about scope (orders on two symbols); simulator only
    second_symbol: str | None = None
    # the simulator's own switches for this run (`simulator.settings`; simulator only)
    simulator_settings: Mapping[str, Any] = field(default_factory=dict)
    _sim_overrides: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def on_simulator(self) -> bool:
        return self.environment == "simulator"

    @property
    def post_only_cross(self) -> str:
        return str(self.capabilities.get("post_only_cross", "reject"))

    def fault_targets(self, name: str) -> tuple[FaultTarget, ...]:
        """The file's `simulator.faults.<name>`; an error naming the key when it is missing."""
        if name not in self.faults:
            raise ConfigError(f"{self.source}: simulator.faults.{name} is not set; the scenario needs it")
        return self.faults[name]

    def for_simulator(self) -> VenueConfig:
        """The same venue pointed at its built-in simulator, with the file's simulator settings."""
        if self.simulator is None:
            raise ConfigError(f"{self.source}: venue {self.venue!r} has no built-in simulator (no 'simulator:' block)")
        o = self._sim_overrides
        return replace(
            self,
            environment="simulator",
            symbol=o.get("symbol", self.symbol),
            second_symbol=o.get("second_symbol"),
            tracking=replace(self.tracking, **o.get("tracking", {})),
            # the notional cap guards real money; the simulator's orders are not
            order_size=replace(self.order_size, max_notional=None, **o.get("order_size", {})),
            hosts={},
            extra={**self.extra, **o.get("extra", {})},
            simulator_settings=o.get("settings", {}),
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


_TOP_KEYS = {
    "venue": True,
    "connector": False,
    "environment": False,
    "hosts": True,
    "symbol": True,
    "credentials": True,
    "identifiers": False,
    "order_size": False,
    "tracking": False,
    "capabilities": False,
    "quirks": False,
    "skips": False,
    "simulator": False,
    "extra": False,
}


def load_venue_config(path: str | Path) -> VenueConfig:
    """Read and validate one venue file. Every error names the file and the key."""
    path = Path(path)
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such venue file") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a directory; give a venue file, e.g. {path / 'backpack.yaml'}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read the venue file: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    return parse_venue_config(raw, where)


def parse_venue_config(raw: Any, where: str) -> VenueConfig:
    doc = require_mapping(raw, where, "the file")
    unknown = sorted(set(doc) - set(_TOP_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_TOP_KEYS)}")
    for key, required in _TOP_KEYS.items():
        if required and key not in doc:
            raise ConfigError(f"{where}: missing required key {key!r}")
    venue = require_string(doc["venue"], where, "venue")
    environment = doc.get("environment", "testnet")
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"{where}: environment must be one of {list(ENVIRONMENTS)}, not {environment!r}")
    hosts = require_mapping(doc["hosts"], where, "hosts")
    for key in ("rest", "ws"):
        if key not in hosts:
            raise ConfigError(f"{where}: hosts.{key} is required")
    credentials = {
        require_string(k, where, "credentials key"): require_string(v, where, f"credentials.{k}")
        for k, v in require_mapping(doc["credentials"], where, "credentials").items()
    }
    identifiers = {
        require_string(k, where, "identifiers key"): require_string(v, where, f"identifiers.{k}")
        for k, v in require_mapping(doc.get("identifiers", {}), where, "identifiers").items()
    }
    both = sorted(set(identifiers) & set(credentials))
    if both:
        raise ConfigError(f"{where}: {both} listed under both credentials and identifiers; keep one")
    capabilities = require_mapping(doc.get("capabilities", {}), where, "capabilities")
    if capabilities.get("post_only_cross", "reject") not in POST_ONLY_CROSS:
        raise ConfigError(f"{where}: capabilities.post_only_cross must be one of {list(POST_ONLY_CROSS)}")
    skips = {
        require_string(k, where, "skips key"): require_string(v, where, f"skips.{k}")
        for k, v in require_mapping(doc.get("skips", {}), where, "skips").items()
    }
    for scenario in skips:
        problem = check_scenario_id(scenario)
        if problem is not None:
            raise ConfigError(f"{where}: skips.{scenario}: {problem}")
    quirks = {
        require_string(k, where, "quirks key"): require_string(v, where, f"quirks.{k}")
        for k, v in require_mapping(doc.get("quirks", {}), where, "quirks").items()
    }
    simulator_block = doc.get("simulator")
    sim_name: str | None = None
    overrides: dict[str, Any] = {}
    if simulator_block is not None:
        block = require_mapping(simulator_block, where, "simulator")
        unknown = sorted(
            set(block) - {"venue", "symbol", "second_symbol", "tracking", "order_size", "faults", "extra", "settings"}
        )
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) in simulator: {unknown}")
        sim_name = require_string(block.get("venue", venue), where, "simulator.venue")
        if "symbol" in block:
            overrides["symbol"] = require_string(block["symbol"], where, "simulator.symbol")
        if "second_symbol" in block:
            overrides["second_symbol"] = require_string(block["second_symbol"], where, "simulator.second_symbol")
            if overrides["second_symbol"] == overrides.get("symbol", doc.get("symbol")):
                raise ConfigError(f"{where}: simulator.second_symbol must differ from the symbol under test")
        overrides["tracking"] = tracking_fields(block.get("tracking", {}), where, "simulator.tracking")
        overrides["order_size"] = order_size_fields(block.get("order_size", {}), where, "simulator.order_size")
        if "max_notional" in overrides["order_size"]:
            raise ConfigError(
                f"{where}: simulator.order_size.max_notional: the notional cap guards real money and does not "
                f"apply on the simulator; set it under order_size (the real venue's block)"
            )
        faults = fault_targets(block.get("faults", {}), where, "simulator.faults")
        overrides["extra"] = require_mapping(block.get("extra", {}), where, "simulator.extra")
        overrides["settings"] = require_mapping(block.get("settings", {}), where, "simulator.settings")
    else:
        faults = {}
    return VenueConfig(
        venue=venue,
        connector=require_string(doc.get("connector", venue), where, "connector"),
        environment=environment,
        hosts=hosts,
        symbol=require_string(doc["symbol"], where, "symbol"),
        credentials=credentials,
        order_size=OrderSizeConfig(**order_size_fields(doc.get("order_size", {}), where, "order_size")),
        tracking=TrackingConfig(**tracking_fields(doc.get("tracking", {}), where, "tracking")),
        capabilities=capabilities,
        quirks=quirks,
        skips=skips,
        simulator=sim_name,
        source=where,
        extra=require_mapping(doc.get("extra", {}), where, "extra"),
        faults=faults,
        identifiers=identifiers,
        _sim_overrides=overrides,
    )


def fault_targets(raw: Any, where: str, key: str) -> dict[str, tuple[FaultTarget, ...]]:
    block = require_mapping(raw, where, key)
    out: dict[str, tuple[FaultTarget, ...]] = {}
    for name, value in block.items():
        if name in REST_FAULT_TARGETS:
            fields, required = ("method", "path"), ("path",)
        elif name in STREAM_FAULT_TARGETS:
            fields, required = ("channel", "kind"), ("channel",)
        else:
            raise ConfigError(
                f"{where}: unknown key {key}.{name}; targets are {[*REST_FAULT_TARGETS, *STREAM_FAULT_TARGETS]}"
            )
        entries = value if isinstance(value, list) else [value]
        if not entries:
            raise ConfigError(f"{where}: {key}.{name} must not be empty")
        targets = []
        for index, entry in enumerate(entries):
            at = f"{key}.{name}" if not isinstance(value, list) else f"{key}.{name}[{index}]"
            mapping = require_mapping(entry, where, at)
            unknown = sorted(set(mapping) - set(fields))
            if unknown:
                raise ConfigError(f"{where}: unknown key(s) {unknown} in {at}; allowed: {list(fields)}")
            for field_name in required:
                if field_name not in mapping:
                    raise ConfigError(f"{where}: {at}.{field_name} is required")
            values = {f: require_string(mapping[f], where, f"{at}.{f}") for f in fields if f in mapping}
            if "method" in values:
                values["method"] = values["method"].upper()
            if name in STREAM_FAULT_TARGETS:
                values.setdefault("kind", "*")
            targets.append(FaultTarget(**values))
        out[name] = tuple(targets)
    return out


def tracking_fields(raw: Any, where: str, key: str) -> dict[str, Any]:
    block = require_mapping(raw, where, key)
    out: dict[str, Any] = {}
    for name, value in block.items():
        if name == "price_offset_ticks":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{where}: {key}.{name} must be an integer, not {value!r}")
            out[name] = value
        elif name in ("interval", "timeout", "cancel_wait", "settle_time", "reconcile_interval", "settle_timeout"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"{where}: {key}.{name} must be a positive number of seconds, not {value!r}")
            out[name] = float(value)
        elif name == "remainder_policy":
            try:
                out[name] = RemainderPolicy.parse(value)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {key}.{exc}") from None
        else:
            raise ConfigError(f"{where}: unknown key {key}.{name}")
    return out


def order_size_fields(raw: Any, where: str, key: str) -> dict[str, Any]:
    block = require_mapping(raw, where, key)
    out: dict[str, Any] = {}
    for name, value in block.items():
        if name not in ("min_size_multiple", "max_notional"):
            raise ConfigError(f"{where}: unknown key {key}.{name}")
        if value is None and name == "max_notional":
            out[name] = None
            continue
        try:
            number = Decimal(str(value)) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number <= 0:
            raise ConfigError(f"{where}: {key}.{name} must be a positive decimal (int or quoted string), not {value!r}")
        out[name] = number
    return out


def require_mapping(value: Any, where: str, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a mapping, not {type(value).__name__}")
    return value


def require_string(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {key} must be a non-empty string, not {value!r}")
    return value
