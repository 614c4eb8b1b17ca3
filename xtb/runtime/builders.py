"""From a checked run configuration to live objects: the built-in simulators it asks for, one
connector per entry the strategy wants, the strategy, and the TradingCore that owns them all."""

from __future__ import annotations

import logging

from xtb.checks.steps import simulator_connector_config
from xtb.clock import SYSTEM_CLOCK, Clock
from xtb.connectors.base import BaseConnector
from xtb.connectors.config import ConnectorConfig
from xtb.runtime.config import ConnectorEntry, RunConfig
from xtb.runtime.core import TradingCore
from xtb.sim.cluster import SimulatorCluster
from xtb.strategies.base import StrategyBase

log = logging.getLogger(__name__)


def start_simulators(config: RunConfig) -> SimulatorCluster | None:
    """Start the simulators the file asks for (`simulator: true`), each once, in a thread with its own
    loop: the connectors reach them over loopback exactly as they would reach the venue. Blocking;
    the caller stops the cluster (also when this raises)."""
    if not config.simulators:
        return None
    cluster = SimulatorCluster(seed=config.general.sim_seed)
    try:
        for name in sorted(set(config.simulators)):
            cluster.ensure(name)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def connector_config(entry: ConnectorEntry, cluster: SimulatorCluster | None, *, debug: bool) -> ConnectorConfig:
    if entry.simulator:
        if cluster is None or entry.venue.simulator not in cluster.described:
            raise RuntimeError(f"{entry.where}: the {entry.venue.simulator} simulator is not running")
        return simulator_connector_config(entry.venue, cluster.described[entry.venue.simulator], debug=debug)
    return entry.venue.connector_config(secrets=entry.secrets, allow_mainnet=entry.allow_mainnet, debug=debug)


def build_connectors(
    config: RunConfig, cluster: SimulatorCluster | None, *, debug: bool = False
) -> dict[str, BaseConnector]:
    """One connector per entry, not started (the core starts them)."""
    return {
        name: entry.connector_class(connector_config(entry, cluster, debug=debug))
        for name, entry in config.connectors.items()
    }


def build_strategy(config: RunConfig, connectors: dict[str, BaseConnector]) -> StrategyBase:
    venues = {name: entry.venue for name, entry in config.connectors.items()}
    return config.strategy_class(config.strategy_settings, connectors, venues)


def build_core(config: RunConfig, cluster: SimulatorCluster | None, *, clock: Clock = SYSTEM_CLOCK) -> TradingCore:
    """The whole run, ready to `run()`: connectors, the strategy and the core's timeouts."""
    connectors = build_connectors(config, cluster, debug=config.general.debug)
    strategy = build_strategy(config, connectors)
    general = config.general
    return TradingCore(
        connectors, strategy, clock=clock, start_timeout=general.start_timeout, stop_timeout=general.stop_timeout
    )
