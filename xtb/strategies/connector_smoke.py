"""`ConnectorSmokeTestStrategy`: the conformance suite's baseline, run from the runner's YAML.

For each connector it lists, concurrently and independently: wait for the first stream book and
check the symbol is flat; enter with a tracking limit order at the touch until filled; cross-check
the REST and WS views of every attempt; flatten with a reduce-only market order; check zero
exposure on REST and WS. Each step is the very function the conformance scenarios call
(`xtb.checks.steps`): one implementation, two drivers.

    strategy:
      name: connector_smoke_test
      connectors:
        backpack:                  # a connector defined under `connectors:`
          side: buy                # entry side (buy | sell)
          size: "0.5"              # optional: default is the venue file's order_size policy
          interval: 1              # tracking settings; each defaults to the venue file's `tracking:`
          timeout: 15
          cancel_wait: 2
          price_offset_ticks: 0
          settle_time: 2

`connectors` may also be a plain list of names (every setting from the venue file).

A connector that fails is cleaned up at once (this run's orders cancelled; the position closed when
the symbol was flat before the run, so a position someone else holds is never touched) while the
others carry on. A stop (Ctrl-C) does the same for every connector still running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BeforeValidator, Field

from xtb.checks import steps
from xtb.checks.record import ScenarioRecord
from xtb.clock import loop_time
from xtb.config.venue_file import VenueConfig
from xtb.errors import ConfigError
from xtb.execution.flatten import cancel_open_orders
from xtb.execution.handles import TrackingLimitOrder
from xtb.execution.tracking_limit import TrackingSettings
from xtb.model import OrderType, Side, Source
from xtb.report.model import Outcome, Result, Step
from xtb.schema import NonEmptyStr, PositiveDecimal, SchemaModel, changes_of, validate
from xtb.strategies.base import StrategyBase, Table, describe_error, label, outcome_of, worse

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector

log = logging.getLogger(__name__)

T = TypeVar("T")

SCENARIO = "smoke_test"
STEPS = ("ready", "entry", "cross_check", "flatten", "zero_exposure")
CLEANUP = "cleanup"


class SmokeConnectorBlock(changes_of(TrackingSettings)):  # type: ignore[misc]
    """One connector's block under `strategy.connectors`: the entry side and size, and changes to
    the venue file's tracking settings (any key of `tracking:`)."""

    side: Side = Side.BUY
    size: PositiveDecimal | None = None  # None: the venue file's order_size policy


def _listed(connectors: Any) -> Any:
    """`connectors` as a mapping: a list of names takes every setting from the venue file."""
    if isinstance(connectors, list):
        if not all(isinstance(name, str) for name in connectors):
            raise ValueError("a list of connectors holds their names")
        if len(set(connectors)) != len(connectors):
            raise ValueError(f"lists a connector twice: {connectors}")
        return {name: {} for name in connectors}
    if isinstance(connectors, Mapping):
        return {name: {} if block is None else block for name, block in connectors.items()}
    return connectors


class SmokeTestBlock(SchemaModel):
    """The strategy's block of the run file (`strategy:` without its `name`)."""

    connectors: Annotated[dict[NonEmptyStr, SmokeConnectorBlock], BeforeValidator(_listed), Field(min_length=1)]


@dataclass(frozen=True)
class ConnectorSettings:
    connector: str
    where: str  # "FILE: strategy.connectors.NAME", for messages
    side: Side = Side.BUY
    size: Decimal | None = None  # None: the venue file's order_size policy
    tracking: Mapping[str, Any] = field(default_factory=dict)  # changes to the venue file's tracking


@dataclass(frozen=True)
class SmokeTestSettings:
    connectors: tuple[ConnectorSettings, ...]


class ConnectorRun:
    """One connector's smoke test: where it is, what it found, and the record for the report."""

    def __init__(self, settings: ConnectorSettings, venue: steps.VenueUnderTest) -> None:
        self.name = settings.connector
        self.settings = settings
        self.venue = venue
        self.step = "waiting"
        self.outcome: Outcome | None = None  # None until this connector's run ends
        self.reason = ""
        self.note = ""
        self.may_flatten = False  # the symbol was flat before the run: any position on it is ours
        self.fatal: BaseException | None = None  # the connector's fatal error, seen by on_tick
        self.task: asyncio.Task[None] | None = None
        self.started_at = loop_time()
        self.ended_at: float | None = None

    @property
    def record(self) -> ScenarioRecord:
        return self.venue.record

    @property
    def steps(self) -> list[Step]:
        return self.record.steps

    @property
    def done(self) -> bool:
        return self.outcome is not None

    async def run_step(self, name: str, action: Awaitable[T]) -> T:
        self.step = name
        started = loop_time()
        try:
            result = await action
        except asyncio.CancelledError:
            self.add_step(name, Outcome.INTERRUPTED, loop_time() - started)
            raise
        except Exception as exc:
            self.add_step(name, Outcome.FAILED, loop_time() - started, describe_error(exc))
            raise
        elapsed = loop_time() - started
        self.add_step(name, Outcome.PASSED, elapsed)
        self.record.metrics[f"{name}_s"] = round(elapsed, 6)
        return result

    def add_step(self, name: str, outcome: Outcome, elapsed: float, detail: str = "") -> None:
        self.steps.append(Step(name, outcome, round(elapsed, 3), detail))

    def finish(self, outcome: Outcome, reason: str = "") -> None:
        """Record how this connector ended; it only gets worse (a failed cleanup fails a pass)."""
        if reason:
            self.reason = f"{self.reason}; {reason}" if self.reason else reason
        self.outcome = worse(self.outcome, outcome)
        self.ended_at = loop_time()

    @property
    def duration_s(self) -> float:
        return (self.ended_at or loop_time()) - self.started_at

    def progress(self) -> str:
        if self.done:
            result = label(self.outcome)
            text = self.reason if self.outcome is not Outcome.PASSED else self.note
            return f"{result} in {self.duration_s:.1f}s" + (f" — {text}" if text else "")
        return f"{self.step:<13} {self._detail()}".rstrip()

    def _detail(self) -> str:
        connector, symbol = self.venue.connector, self.venue.symbol
        if self.step == "ready":
            return f"waiting for the {symbol} stream book"
        if self.step == "entry":
            attempts = [t for t in connector.orders if t.symbol == symbol and t.request.order_type is OrderType.LIMIT]
            if not attempts:
                return "sizing the order"
            t = attempts[-1]
            return (
                f"attempt {len(attempts)}: {t.request.side.value} {t.size} @ {t.request.price} "
                f"{t.state.value}, filled {t.filled}"
            )
        if self.step == CLEANUP:
            return "cancelling this run's orders and flattening"
        return ""

    def cell(self, step: str) -> str:
        """The summary table's cell for one step."""
        for result in reversed(self.steps):
            if result.name == step:
                if result.outcome is Outcome.PASSED:
                    return f"{result.duration_s:.2f}s"
                return "FAIL" if result.outcome is Outcome.FAILED else "stopped"
        return "-"


class ConnectorSmokeTestStrategy(StrategyBase):
    """Per connector, concurrently: tracking-limit entry at the touch, REST/WS cross-check, flatten, zero exposure.

    The module's docstring gives the settings; `xtb.checks.steps` holds every step.
    """

    name = "connector_smoke_test"
    settings: SmokeTestSettings

    # ------------------------------------------------------------------ configuration

    @classmethod
    def parse_settings(
        cls, raw: Mapping[str, Any], where: str, key: str, connectors: Sequence[str]
    ) -> SmokeTestSettings:
        block = validate(SmokeTestBlock, raw, where, key)
        parsed = []
        for name, settings in block.connectors.items():
            at = f"{key}.connectors.{name}"
            if name not in connectors:
                raise ConfigError(f"{where}: {at}: no connector {name!r} under connectors; defined: {list(connectors)}")
            parsed.append(ConnectorSettings(name, f"{where}: {at}", settings.side, settings.size, settings.changes()))
        return SmokeTestSettings(tuple(parsed))

    @classmethod
    def wanted_connectors(cls, settings: SmokeTestSettings) -> list[str]:
        return [c.connector for c in settings.connectors]

    # ------------------------------------------------------------------ lifecycle

    def __init__(
        self, settings: SmokeTestSettings, connectors: Mapping[str, BaseConnector], venues: Mapping[str, VenueConfig]
    ) -> None:
        super().__init__(settings, connectors, venues)
        self.runs: dict[str, ConnectorRun] = {}
        self._stopping = False

    async def start(self) -> None:
        for settings in self.settings.connectors:
            connector = self.connectors[settings.connector]
            venue_config = self.venues[settings.connector]
            venue_config = venue_config.model_copy(
                update={"tracking": replace(venue_config.tracking, **settings.tracking)}
            )
            record = ScenarioRecord(settings.connector, SCENARIO, connector.clock.monotonic())
            record.attach(connector)
            run = ConnectorRun(settings, steps.VenueUnderTest(venue_config, connector, record))
            self.runs[run.name] = run
            run.task = self.core.spawn(self._drive(run), f"smoke-test:{run.name}")

    async def on_tick(self, now: float) -> None:
        """A connector that hit a fatal error (its credentials refused on a stream) ends its run now,
        as a connection error, instead of when a step times out."""
        for run in self.runs.values():
            error = run.venue.connector.fatal_error
            if error is not None and run.fatal is None and not run.done and run.task is not None:
                run.fatal = error
                run.task.cancel()

    async def stop(self, reason: str) -> None:
        self._stopping = True
        running = [r for r in self.runs.values() if r.task is not None and not r.task.done()]
        for run in running:
            run.task.cancel()  # type: ignore[union-attr]
        await asyncio.gather(*(r.task for r in running if r.task is not None), return_exceptions=True)
        for run in running:
            if not run.done:  # a run cut short in its own cleanup keeps its failure; it is cleaned up again
                run.finish(Outcome.INTERRUPTED, f"{reason} during {run.step}")
        await asyncio.gather(*(self._cleanup(r) for r in running))
        self._conclude()
        for run in self.runs.values():
            # every run has ended by now; one that had not did not pass
            run.record.outcome = run.outcome or Outcome.FAILED
            run.record.reason = run.reason
            run.record.duration_s = run.duration_s
            run.record.finish()

    # ------------------------------------------------------------------ one connector

    async def _drive(self, run: ConnectorRun) -> None:
        try:
            await run.run_step("ready", self._ready(run))
            order = await run.run_step("entry", self._entry(run))
            await run.run_step("cross_check", self._cross_check(run, order))
            await run.run_step("flatten", steps.flatten_position(run.venue))
            await run.run_step("zero_exposure", steps.check_zero_exposure(run.venue))
        except asyncio.CancelledError:
            if run.fatal is None or self._stopping:
                raise  # a stop: `stop()` records it and cleans up
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            await self._failed(run, run.fatal)
        except Exception as exc:
            await self._failed(run, exc)
        else:
            run.note = (
                f"{order.side.value} {order.size} {order.symbol} filled in {len(order.attempts)} attempt(s), flat again"
            )
            run.finish(Outcome.PASSED)
            log.info("smoke test passed connector=%s in=%.2fs", run.name, run.duration_s)
        self._conclude()

    async def _failed(self, run: ConnectorRun, exc: BaseException) -> None:
        run.finish(outcome_of(exc), f"{run.step}: {describe_error(exc)}")
        log.error("smoke test failed connector=%s step=%s error=%s", run.name, run.step, describe_error(exc))
        await self._cleanup(run)

    async def _ready(self, run: ConnectorRun) -> None:
        venue = run.venue
        await steps.wait_for_book(venue.connector, venue.symbol, venue.config.tracking.timeout)
        position = await venue.connector.get_position(venue.symbol)
        if not position.is_flat:
            raise AssertionError(
                f"{venue.name} {venue.symbol}: a position of {position.size} is already open; the smoke test "
                "needs a flat symbol and never closes a position it did not open"
            )
        run.may_flatten = True

    async def _entry(self, run: ConnectorRun) -> TrackingLimitOrder:
        venue, side = run.venue, run.settings.side
        try:
            size = await steps.order_size(venue, size=run.settings.size)
        except ConfigError as exc:
            if run.settings.size is None:
                raise
            raise ConfigError(f"{run.settings.where}.size: {exc}") from None
        order = await steps.enter_at_touch(venue, side, size)
        await steps.wait_position(venue, side.sign * size, Source.REST)
        return order

    async def _cross_check(self, run: ConnectorRun, order: TrackingLimitOrder) -> None:
        for attempt in order.attempts:
            await steps.cross_check(run.venue, attempt.tracker, f"after attempt {attempt.client_id} ended")

    async def _cleanup(self, run: ConnectorRun) -> None:
        """Leave nothing behind: cancel this run's orders on the symbol and, when the position is ours,
        flatten and prove zero exposure (the janitor). A residue fails the run, naming it."""
        started = loop_time()
        previous, run.step = run.step, CLEANUP
        try:
            if run.may_flatten:
                await steps.janitor(run.venue)
            else:
                await cancel_open_orders(run.venue.connector, run.venue.symbol)
        except Exception as exc:
            run.add_step(CLEANUP, Outcome.FAILED, loop_time() - started, describe_error(exc))
            run.finish(outcome_of(exc), f"cleanup: {describe_error(exc)}")
            log.error("smoke test cleanup failed connector=%s error=%s", run.name, describe_error(exc))
        else:
            run.add_step(CLEANUP, Outcome.PASSED, loop_time() - started)
        finally:
            run.step = previous
            run.ended_at = loop_time()

    def _conclude(self) -> None:
        """Once every connector has ended, the strategy's outcome is the worst of theirs."""
        if not self.runs or not all(r.done for r in self.runs.values()):
            return
        for run in self.runs.values():
            if run.outcome is Outcome.PASSED:
                self.succeed()
            else:
                self._finish(run.outcome, f"{run.name}: {run.reason}")

    # ------------------------------------------------------------------ what the runner shows

    def progress(self) -> dict[str, str]:
        return {name: run.progress() for name, run in self.runs.items()}

    def summary(self) -> Table:
        headers = ("connector", "venue", "symbol", *STEPS, CLEANUP, "time", "result")
        rows = []
        for run in self.runs.values():
            rows.append(
                (
                    run.name,
                    run.venue.name,
                    run.venue.symbol,
                    *(run.cell(step) for step in (*STEPS, CLEANUP)),
                    f"{run.duration_s:.2f}s",
                    label(run.outcome),
                )
            )
        return Table(headers, tuple(rows))

    def results(self) -> list[Result]:
        """One row per connector (its name is the row's venue; the document's venues give its symbol)."""
        return [run.record.as_result() for run in self.runs.values()]
