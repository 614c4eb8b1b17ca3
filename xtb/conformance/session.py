"""What one conformance run holds: the venues under test (`Target`), what ran, and what is left.

Built once per run from the options (`session_of`), and kept in the config's stash. A venue file
names its connector; `--venue-connector VENUE=module:Class` swaps it (the suite's self-test).
Connector classes are imported at first use, so a parallel worker imports only its own venues'
SDKs; a class that is not built into xtb is imported up front, so a bad path stops the run before
any order.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from xtb.checks.record import ScenarioRecord
from xtb.config.venue_file import VenueConfig, load_venue_config
from xtb.conformance.interrupts import Interrupts
from xtb.connectors import load_connector_class, registered_connectors
from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdGenerator
from xtb.drift.recorder import ShapeRecorder
from xtb.entry_points import BUILT_IN
from xtb.errors import ConfigError, XtbError
from xtb.report.model import ScenarioInfo
from xtb.report.verdict import RunVerdict
from xtb.sim.cluster import SimulatorCluster
from xtb.sim.registry import default_registry

SESSION = pytest.StashKey["XtbSession"]()
RECORD = pytest.StashKey[ScenarioRecord]()  # on a scenario item: its result row so far


@dataclass
class Target:
    config: VenueConfig
    connector: str  # a registered name or "module:Class", imported at first use: a parallel worker imports its own only
    _class: type[BaseConnector] | None = field(default=None, repr=False)
    _client_ids: ClientIdGenerator | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.config.venue

    @property
    def connector_class(self) -> type[BaseConnector]:
        if self._class is None:
            self._class = load_connector_class(self.connector)
        return self._class

    @property
    def client_ids(self) -> ClientIdGenerator:
        """One per venue per session: unique ids under one run tag."""
        if self._client_ids is None:
            self._client_ids = ClientIdGenerator(self.connector_class.client_id_policy, random.Random())
        return self._client_ids


@dataclass
class Residue:
    """What the janitor could not clean up, and which scenario left it."""

    scenario: str
    message: str


@dataclass
class XtbSession:
    targets: list[Target]
    report_dir: Path
    allow_mainnet: bool
    seed: int
    records: list[ScenarioRecord] = field(default_factory=list)
    scenarios: dict[str, ScenarioInfo] = field(default_factory=dict)  # result id → its title and doc
    started_at: float = field(default_factory=time.monotonic)
    selected: dict[str, list[str]] = field(default_factory=dict)  # venue → result ids selected to run
    deselected: dict[str, set[str]] = field(default_factory=dict)  # venue → result ids -k / -m left out
    residue: dict[str, Residue] = field(default_factory=dict)  # venue → what the janitor left
    interrupts: Interrupts | None = None
    checked: bool = False  # a parallel run's controller passed the up-front checks: workers were started
    verdict: RunVerdict | None = None
    shapes: dict[str, ShapeRecorder] = field(default_factory=dict)  # venue → what its connectors heard
    drift_baseline: Path | None = None  # --drift-baseline: shape file or directory to compare with
    _cluster: SimulatorCluster | None = None

    def target(self, name: str) -> Target:
        return next(t for t in self.targets if t.name == name)

    def simulator(self, name: str) -> dict[str, Any]:
        """The running simulator's description (URLs, test account), started the first time a
        scenario needs it: a parallel worker starts only the simulators of the venues it runs."""
        if self._cluster is None:
            self._cluster = SimulatorCluster(seed=self.seed)
        return self._cluster.ensure(name)

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None


def session_of(config: pytest.Config) -> XtbSession:
    """The run's session, built the first time it is asked for; a bad option or venue file is a
    usage error naming the problem."""
    if SESSION not in config.stash:
        try:
            config.stash[SESSION] = build_session(config)
        except XtbError as exc:
            raise pytest.UsageError(str(exc)) from None
    return config.stash[SESSION]


def build_session(config: pytest.Config) -> XtbSession:
    files = [Path(p) for p in config.getoption("venue_config")]
    on_sim = config.getoption("sim") or not files
    if not files:
        files = _default_venue_files(config.rootpath)
    overrides = dict(_split_override(o) for o in config.getoption("venue_connector"))
    simulators = default_registry().names()
    built_in = {part for e in registered_connectors().values() if e.origin == BUILT_IN for part in (e.name, e.target)}
    targets = []
    for path in files:
        venue_config = load_venue_config(path)
        if on_sim:
            venue_config = venue_config.for_simulator()
            if venue_config.simulator not in simulators:
                raise ConfigError(
                    f"{path}: simulator.venue {venue_config.simulator!r} is not a built-in simulator; "
                    f"known: {', '.join(simulators)}"
                )
        elif venue_config.environment == "mainnet" and not config.getoption("allow_mainnet"):
            raise ConfigError(
                f"{path}: {venue_config.venue} is a mainnet venue; pass --allow-mainnet to trade on it "
                f"(orders stay under order_size.max_notional), or --sim for its simulator"
            )
        else:
            venue_config.read_credentials()  # fail now, naming the missing or unusable variables
            venue_config.read_identifiers()
        target = Target(venue_config, overrides.get(venue_config.venue, venue_config.connector))
        if target.connector not in built_in:
            target.connector_class  # noqa: B018 - another team's class: a bad path stops the run now
        targets.append(target)
    names = [t.name for t in targets]
    if not names:
        raise ConfigError(
            f"no venue to test: pass --venue-config FILE ({config.rootpath / 'venues'} holds no venue file "
            f"with a simulator)"
        )
    if len(set(names)) != len(names):
        raise ConfigError(f"two venue files name the same venue: {names}")
    return XtbSession(
        targets=targets,
        report_dir=Path(config.getoption("report_dir")),
        allow_mainnet=config.getoption("allow_mainnet"),
        seed=config.getoption("sim_seed"),
        drift_baseline=_drift_baseline(config.getoption("drift_baseline")),
    )


def _drift_baseline(option: str | None) -> Path | None:
    if option is None:
        return None
    path = Path(option)
    if not path.exists():
        raise ConfigError(f"--drift-baseline {option}: no such file or directory")
    return path


def _default_venue_files(root: Path) -> list[Path]:
    """Without --venue-config: the project's `venues/*.yaml` that have a simulator, on it."""
    simulated = set(default_registry().names())
    files = []
    for path in sorted((root / "venues").glob("*.yaml")):
        shown = Path(os.path.relpath(path))
        config = load_venue_config(shown)
        if config.simulator in simulated:
            files.append(shown)
    return files


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _split_override(text: str) -> tuple[str, str]:
    venue, sep, target = text.partition("=")
    if not sep or ":" not in target:
        raise ConfigError(f"--venue-connector expects VENUE=module:Class, got {text!r}")
    return venue, target
