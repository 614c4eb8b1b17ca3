"""`StrategyBase`: what the runner's `TradingCore` drives.

A strategy is built from its settings (its block of the runner's YAML, checked by `parse_settings`)
and the connectors it asked for, already started. The core calls `start()`, then `on_tick(now)` on
its clock until the strategy signals how it ended (`succeed` / `fail`) or a stop is requested, then
`stop(reason)` exactly once while the connectors are still open.

The outcome only ever gets worse: a failure after a success wins, so a problem found while cleaning
up can never be reported as a pass, and a run that never signalled is not a pass either. It is the
results document's own `Outcome` (PASSED, INTERRUPTED, FAILED or ERROR), so what a run ended as is
what its report says, with no translation; a run still going has none yet (None), since a state
such as "running" is not a result.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import aiohttp

from xtb.change_signal import Changed
from xtb.errors import AuthError, ConfigError, ConnectionLost
from xtb.report.model import FAILING, Outcome, Result
from xtb.secrets import redact

if TYPE_CHECKING:
    from xtb.config.venue_file import VenueConfig
    from xtb.connectors.base import BaseConnector

log = logging.getLogger(__name__)


class StrategyHost(Protocol):
    """What a strategy may ask of what drives it (the runtime's `TradingCore`): the strategy layer
    names only this, so it does not import the runtime that imports it."""

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]: ...


# How a run ends, from best to worst: the outcome only ever moves down this list.
_ENDINGS = (Outcome.PASSED, Outcome.INTERRUPTED, Outcome.FAILED, Outcome.ERROR)
_LABELS = {Outcome.PASSED: "PASS", Outcome.INTERRUPTED: "STOPPED", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERROR"}


def worse(current: Outcome | None, new: Outcome) -> Outcome:
    """The worse of two endings (None: not ended yet), so a failure after a pass wins."""
    if current is None or _ENDINGS.index(new) > _ENDINGS.index(current):
        return new
    return current


def label(outcome: Outcome | None) -> str:
    """What a summary shows: PASS, FAIL, ERROR, STOPPED, or RUNNING before it ended."""
    return "RUNNING" if outcome is None else _LABELS[outcome]


# Failures that say "could not talk to the venue" rather than "the venue misbehaved".
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    AuthError,
    ConnectionLost,
    aiohttp.ClientConnectionError,
    ConnectionError,
)


def outcome_of(exc: BaseException) -> Outcome:
    """ERROR for a configuration or connection problem, FAILED for anything else (a check, a refusal,
    a timeout, a bug): the runner turns these into exit 2 and exit 1."""
    if isinstance(exc, (ConfigError, *CONNECTION_ERRORS)):
        return Outcome.ERROR
    return Outcome.FAILED


def describe_error(exc: BaseException) -> str:
    """One line for people: an assertion's own message, else the error's type and message."""
    text = str(exc) if isinstance(exc, AssertionError) and str(exc) else f"{type(exc).__name__}: {exc}"
    return redact(" ".join(text.split()))


@dataclass(frozen=True)
class Table:
    """A summary the runner prints as aligned columns."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class StrategyBase(abc.ABC):
    #: The name the runner's YAML uses (`strategy.name`).
    name: ClassVar[str] = ""

    def __init__(
        self, settings: Any, connectors: Mapping[str, BaseConnector], venues: Mapping[str, VenueConfig]
    ) -> None:
        self.settings = settings
        self.connectors = dict(connectors)
        self.venues = dict(venues)
        self.outcome: Outcome | None = None  # None while it runs: a run has no result until it ends
        self.reasons: list[str] = []
        self.finished = Changed()  # moves whenever the outcome does
        self._core: StrategyHost | None = None

    # ------------------------------------------------------------------ configuration

    @classmethod
    @abc.abstractmethod
    def parse_settings(cls, raw: Mapping[str, Any], where: str, key: str, connectors: Sequence[str]) -> Any:
        """Check this strategy's YAML block (`raw`, at `key` in file `where`) and return its settings.
        `connectors` are the names the file defines. Raise ConfigError naming the file and the key."""

    @classmethod
    @abc.abstractmethod
    def wanted_connectors(cls, settings: Any) -> list[str]:
        """The connectors (by name) the runner must build and start for these settings."""

    # ------------------------------------------------------------------ lifecycle (called by the core)

    def attach(self, core: StrategyHost) -> None:
        self._core = core

    @property
    def core(self) -> StrategyHost:
        if self._core is None:
            raise RuntimeError(f"strategy {self.name!r} is not attached to a TradingCore")
        return self._core

    @abc.abstractmethod
    async def start(self) -> None:
        """Begin: typically spawn the work with `self.core.spawn(...)` and return at once."""

    async def on_tick(self, now: float) -> None:  # noqa: B027 - optional hook
        """Called every tick of the core's clock (`now` is its monotonic time) while running."""

    async def stop(self, reason: str) -> None:  # noqa: B027 - optional hook
        """Stop the work and clean up what it left (this run's orders, its position). Called once, with
        the connectors still open; the core then cancels any order of this run still live."""

    # ------------------------------------------------------------------ outcome

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def succeed(self, note: str = "") -> None:
        self._finish(Outcome.PASSED, note)

    def fail(self, reason: str, outcome: Outcome = Outcome.FAILED) -> None:
        """Signal a failure (FAILED, or ERROR for a configuration or connection problem); it ends the run."""
        if outcome not in FAILING:
            raise ValueError(f"fail() needs a failing outcome, not {outcome.value}")
        self._finish(outcome, reason)

    def interrupt(self, reason: str) -> None:
        self._finish(Outcome.INTERRUPTED, reason)

    def _finish(self, outcome: Outcome, reason: str) -> None:
        if reason and reason not in self.reasons:
            self.reasons.append(reason)
        if worse(self.outcome, outcome) is not self.outcome:
            log.info(
                "strategy outcome strategy=%s %s -> %s reason=%s", self.name, self.outcome or "running", outcome, reason
            )
            self.outcome = outcome
        self.finished.notify()

    # ------------------------------------------------------------------ what the runner shows

    def progress(self) -> dict[str, str]:
        """One live line per connector (name → text)."""
        return {}

    def summary(self) -> Table | None:
        """The final table, or None for none."""
        return None

    def results(self) -> list[Result]:
        """The rows of the run's results document (`xtb run` writes it, `python -m xtb.report` renders it)."""
        return []
