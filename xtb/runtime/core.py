"""`TradingCore`: owns the connectors and one strategy for one run.

Start brings every connector up (concurrently, within a deadline) and then starts the strategy. The
run loop ticks the strategy on the core's clock until it signals its outcome, a stop is requested or
the run's timeout passes. Stop happens exactly once, in a task of its own (so no caller can cancel
it half-way and it never cancels its caller): the strategy stops and cleans up, the core cancels
tasks it spawned and every order of *this run* still live (never account-wide, never another run's
orders), and each connector is closed once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from xtb.change_signal import Changed, wait_any
from xtb.clock import SYSTEM_CLOCK, Clock, loop_time
from xtb.connectors.base import BaseConnector
from xtb.orders.tracker import OrderTracker
from xtb.report.model import Outcome
from xtb.strategies.base import StrategyBase, describe_error, outcome_of

log = logging.getLogger(__name__)

TickListener = Callable[["TradingCore"], None]


class StartFailed(Exception):
    """One or more connectors could not start (bad credentials, unreachable venue, timeout)."""

    def __init__(self, failures: Mapping[str, BaseException]) -> None:
        self.failures = dict(failures)
        super().__init__("; ".join(f"{name}: {describe_error(exc)}" for name, exc in self.failures.items()))


def run_orders(connector: BaseConnector) -> list[OrderTracker]:
    """This run's live orders on a connector. Where client ids carry a run tag, only ids with our tag
    count; otherwise every tracked order does (this process placed it, or cleanup adopted it)."""
    live = connector.orders.live()
    if connector.client_ids.scoped:
        live = [t for t in live if connector.owns(t.client_id)]
    return live


class TradingCore:
    def __init__(
        self,
        connectors: Mapping[str, BaseConnector],
        strategy: StrategyBase,
        *,
        clock: Clock = SYSTEM_CLOCK,
        tick_interval: float = 0.25,
        start_timeout: float = 30.0,
        stop_timeout: float = 60.0,
    ) -> None:
        self.connectors = dict(connectors)
        self.strategy = strategy
        self.clock = clock
        self.tick_interval = tick_interval
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.stop_reason = ""
        self.stop_errors: list[str] = []
        self.closed: list[str] = []  # connectors closed, in order (each once)
        self._stop_requested = Changed()
        self._stop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._tick_listeners: list[TickListener] = []
        self._start_called = False
        self._strategy_started = False

    # ------------------------------------------------------------------ running

    async def run(self, timeout: float | None = None) -> Outcome | None:
        """Start, tick until the strategy is done (or a stop is asked for, or `timeout` passes), stop;
        the strategy's outcome (the loop always ends it). Raises StartFailed when a connector cannot
        start (after closing them all)."""
        try:
            await self.start()
            await self._loop(timeout)
        finally:
            await self.stop()
        return self.strategy.outcome

    async def start(self) -> None:
        if self._start_called:
            raise RuntimeError("a TradingCore starts once")
        self._start_called = True
        failures: dict[str, BaseException] = {}

        async def start_one(name: str, connector: BaseConnector) -> None:
            try:
                async with asyncio.timeout(self.start_timeout):
                    await connector.start()
            except TimeoutError:
                failures[name] = TimeoutError(f"not started within {self.start_timeout}s")
            except Exception as exc:
                failures[name] = exc

        await asyncio.gather(*(start_one(n, c) for n, c in self.connectors.items()))
        if failures:
            raise StartFailed(failures)
        self.strategy.attach(self)
        self._strategy_started = True
        try:
            await self.strategy.start()
        except Exception as exc:
            log.exception("strategy start failed strategy=%s", self.strategy.name)
            self.strategy.fail(f"start: {describe_error(exc)}", outcome_of(exc))
        log.info("run started connectors=%s strategy=%s", list(self.connectors), self.strategy.name)

    async def _loop(self, timeout: float | None) -> None:
        deadline = None if timeout is None else loop_time() + timeout
        finished = self.strategy.finished
        while not self.strategy.done and not self.stop_requested:
            watches = [(finished, finished.version), (self._stop_requested, self._stop_requested.version)]
            wait = self.tick_interval if deadline is None else min(self.tick_interval, deadline - loop_time())
            await wait_any(watches, max(0.0, wait))
            await self._tick()
            if deadline is not None and loop_time() >= deadline and not self.strategy.done:
                self.stop_reason = self.stop_reason or f"the run did not finish within {timeout}s"
                self.strategy.fail(self.stop_reason)
        if not self.strategy.done:
            self.strategy.interrupt(self.stop_reason or "stopped")

    async def _tick(self) -> None:
        try:
            await self.strategy.on_tick(self.clock.monotonic())
        except Exception as exc:
            log.exception("strategy tick failed strategy=%s", self.strategy.name)
            self.strategy.fail(f"on_tick: {describe_error(exc)}", outcome_of(exc))
        for listener in list(self._tick_listeners):
            try:
                listener(self)
            except Exception:
                log.exception("tick listener failed listener=%r", listener)

    def add_tick_listener(self, listener: TickListener) -> None:
        """Call `listener(core)` after every tick (the runner's progress lines)."""
        self._tick_listeners.append(listener)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run `coro` as a task the core owns: cancelled at stop if still running; if it crashes,
        the strategy fails (a crashed task must not leave the run waiting forever)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        assert exc is not None
        log.error("task crashed task=%s error=%s", task.get_name(), describe_error(exc), exc_info=exc)
        self.strategy.fail(f"{task.get_name()} crashed: {describe_error(exc)}", outcome_of(exc))

    # ------------------------------------------------------------------ stopping

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested.version > 0

    def request_stop(self, reason: str) -> None:
        """Ask the run to end. Safe from a signal handler or from strategy code: it only sets a flag
        the run loop watches, and never cancels anything itself."""
        if not self.stop_reason:
            self.stop_reason = reason
        log.info("stop requested reason=%s", reason)
        self._stop_requested.notify()

    @property
    def stopping(self) -> bool:
        return self._stop_task is not None

    async def stop(self) -> None:
        """Stop exactly once. Every caller awaits the same stop, which runs in its own task: a caller
        being cancelled does not cut it short, and it never cancels the task that asked for it. Called
        from inside the stop (a strategy's `stop` asking again), it returns at once."""
        if self._stop_task is not None and asyncio.current_task() is self._stop_task:
            return
        if self._stop_task is None:
            if not self.stop_reason:
                self.stop_reason = "stopped"
            self._stop_requested.notify()  # a run loop still ticking ends too
            self._stop_task = asyncio.get_running_loop().create_task(self._stop(), name="trading-core:stop")
        await asyncio.shield(self._stop_task)

    async def _stop(self) -> None:
        try:
            async with asyncio.timeout(self.stop_timeout):
                if self._strategy_started:
                    try:
                        await self.strategy.stop(self.stop_reason)
                    except Exception as exc:
                        log.exception("strategy stop failed strategy=%s", self.strategy.name)
                        self._stop_failed(f"strategy stop: {describe_error(exc)}")
                await self._cancel_tasks()
                await self._cancel_run_orders()
        except TimeoutError:
            self._stop_failed(f"cleanup did not finish within {self.stop_timeout}s")
        finally:
            await self._close_connectors()
        log.info("run stopped outcome=%s", self.strategy.outcome or "running")

    def _stop_failed(self, message: str) -> None:
        self.stop_errors.append(message)
        log.error("stop: %s", message)
        if self._strategy_started:
            self.strategy.fail(message)

    async def _cancel_tasks(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _cancel_run_orders(self) -> None:
        async def cancel(name: str, connector: BaseConnector) -> None:
            for tracker in run_orders(connector):
                try:
                    await connector.cancel_order(tracker)
                    log.info("stop: cancelled connector=%s cid=%s", name, tracker.client_id)
                except Exception as exc:
                    self._stop_failed(f"{name}: could not cancel order {tracker.client_id}: {describe_error(exc)}")

        await asyncio.gather(*(cancel(n, c) for n, c in self.connectors.items() if c.started))

    async def _close_connectors(self) -> None:
        pending = [(n, c) for n, c in self.connectors.items() if n not in self.closed]
        self.closed.extend(n for n, _ in pending)
        results = await asyncio.gather(*(c.stop() for _, c in pending), return_exceptions=True)
        for (name, _), result in zip(pending, results, strict=True):
            if isinstance(result, BaseException):
                log.error("connector did not close cleanly connector=%s error=%s", name, describe_error(result))
