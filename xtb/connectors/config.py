"""Settings a connector needs, independent of where they were read from (YAML, code, tests)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xtb.errors import ConfigError
from xtb.secrets import Secret


@dataclass(frozen=True)
class ReconnectPolicy:
    """Exponential backoff with jitter between stream reconnects."""

    initial: float = 0.25
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2  # ± fraction of the delay

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Delay before reconnect number `attempt` (1-based)."""
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))
        return max(0.0, base * (1 + rng.uniform(-self.jitter, self.jitter)))


@dataclass(frozen=True)
class ConnectorConfig:
    venue: str
    rest_url: str
    ws_url: str
    # every host the venue file names (`rest`, `ws`, and any venue-specific ones such as GRVT's edge)
    hosts: Mapping[str, str] = field(default_factory=dict)
    credentials: Mapping[str, Secret] = field(default_factory=dict)
    identifiers: Mapping[str, str] = field(default_factory=dict)  # account ids that are not secrets
    symbols: tuple[str, ...] = ()  # markets whose books the connector streams
    environment: str = "simulator"  # simulator | testnet | mainnet
    allow_mainnet: bool = False
    debug: bool = False
    request_timeout: float = 10.0
    start_timeout: float = 15.0  # streams must be live within this
    cancel_wait: float = 5.0  # how long a cancel may take to be confirmed
    settle_timeout: float = 10.0  # how long an ambiguous submit is queried by client id
    settle_interval: float = 0.2
    max_rate_limit_retries: int = 3
    # re-read over REST every live order with no update for this long (None: only after reconnects)
    reconcile_interval: float | None = None
    reconnect: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    extra: Mapping[str, Any] = field(default_factory=dict)  # venue-specific settings

    def __post_init__(self) -> None:
        if self.environment not in ("simulator", "testnet", "mainnet"):
            raise ConfigError(
                f"{self.venue}: environment must be simulator, testnet or mainnet, not {self.environment!r}"
            )
        if self.environment == "mainnet" and not self.allow_mainnet:
            raise ConfigError(f"{self.venue}: mainnet needs an explicit opt-in (--allow-mainnet)")
        if self.reconcile_interval is not None and not self.reconcile_interval > 0:
            raise ConfigError(f"{self.venue}: reconcile_interval must be positive, not {self.reconcile_interval!r}")
        for name, value in self.credentials.items():
            if not isinstance(value, Secret):
                raise ConfigError(f"{self.venue}: credential {name!r} must be wrapped in Secret")

    def credential(self, name: str) -> Secret:
        try:
            return self.credentials[name]
        except KeyError:
            raise ConfigError(f"{self.venue}: missing credential {name!r}") from None
