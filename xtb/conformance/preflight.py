"""The checks before any order: a mistake in a venue file stops the run once, with one clear error,
instead of failing every scenario. Simulators: each venue's symbols are markets its simulator lists
(the simulators start later, as scenarios need them). Real venues: the REST and WS hosts accept a
connection.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from xtb.config.venue_file import VenueConfig
from xtb.conformance.session import Target
from xtb.errors import ConfigError
from xtb.sim.registry import simulator_markets

REACH_TIMEOUT_S = 5.0  # how long the check waits for a real venue's host to accept a connection


def check_targets(targets: list[Target]) -> None:
    for t in targets:
        if t.config.on_simulator and t.config.simulator:
            listed = simulator_markets(t.config.simulator)
            if t.config.symbol not in listed:
                raise ConfigError(
                    f"{t.config.source}: {t.config.symbol_key} {t.config.symbol!r} is not a market of the "
                    f"{t.config.simulator} simulator; it lists: {', '.join(listed)}"
                )
            second = t.config.second_symbol
            if second is not None and second not in listed:
                raise ConfigError(
                    f"{t.config.source}: simulator.second_symbol {second!r} is not a market of the "
                    f"{t.config.simulator} simulator; it lists: {', '.join(listed)}"
                )
        elif not t.config.on_simulator:
            for key in ("rest", "ws"):
                _check_reachable(t.config, key)


def _check_reachable(config: VenueConfig, key: str) -> None:
    url = str(config.hosts.get(key, ""))
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigError(f"{config.source}: hosts.{key} {url!r} is not a URL with a host")
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=REACH_TIMEOUT_S):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{config.source}: hosts.{key} {url} cannot be reached ({exc.strerror or exc}); "
            f"check the host and the network before blaming the connector"
        ) from None
