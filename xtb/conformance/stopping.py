"""Stopping early without residue: the hooks around each scenario's setup, body and cleanup that
turn a Ctrl-C, SIGTERM or timeout into `ScenarioStopped` (`interrupts.py` holds the machinery), so
pytest runs the scenario's cleanup next and reports it by name.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from xtb.conformance.interrupts import STOPPED, Interrupts, ScenarioStopped
from xtb.conformance.items import result_id, scenario_venue
from xtb.conformance.session import RECORD, SESSION, first_line
from xtb.report.model import Outcome


def _interrupts(item: pytest.Item) -> Interrupts | None:
    if scenario_venue(item) is None:
        return None
    xtb = item.config.stash.get(SESSION, None)
    return None if xtb is None else xtb.interrupts


def _guard(item: pytest.Item, phase: str) -> Generator[None, Any, Any]:
    """Run one phase of a scenario; a stop request becomes ScenarioStopped (an ordinary failure), so
    pytest runs the scenario's cleanup next and reports it by name."""
    interrupts = _interrupts(item)
    if interrupts is None:
        return (yield)
    interrupts.enter(phase, f"{scenario_venue(item)}::{result_id(item)}")
    if phase == "setup" and interrupts.stopping:  # the stop came between scenarios: do not start this one
        interrupts.leave()
        raise ScenarioStopped(Outcome.INTERRUPTED, f"not started: the run was stopping ({interrupts.signal_name})")
    try:
        result = yield
    except KeyboardInterrupt:
        stop = interrupts.on_keyboard_interrupt()
        interrupts.take_pending()
        raise stop from None
    except BaseException as exc:
        if phase == "teardown":
            _say_stopped(item, interrupts, f"its cleanup FAILED: {first_line(exc)}")
        raise
    finally:
        interrupts.leave()
    if phase == "teardown":
        _say_stopped(item, interrupts, "its cleanup passed: this run's orders cancelled, the position flat")
    pending = interrupts.take_pending()
    if pending is not None:  # the scenario swallowed the cancellation: it still did not finish
        raise pending
    return result


def _say_stopped(item: pytest.Item, interrupts: Interrupts, cleanup: str) -> None:
    """One line after a stopped scenario's cleanup: what was cut short, and what was cleaned."""
    record = item.stash.get(RECORD, None)
    if record is not None and record.outcome in STOPPED:
        interrupts.say(f"xtb: {record.reason} — {record.venue}::{record.scenario}; {cleanup}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guard(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guard(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guard(item, "teardown"))


@pytest.hookimpl(optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    """pytest-timeout's per-test timer, taken over for scenarios: a timeout cancels the scenario like
    Ctrl-C would, and its cleanup still runs (pytest-timeout's own handler raises mid-anything)."""
    interrupts = _interrupts(item)
    if interrupts is None or settings.method != "signal":
        return None
    return interrupts.arm_timer(settings.timeout) or None


@pytest.hookimpl(optionalhook=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> bool | None:
    interrupts = _interrupts(item)
    if interrupts is None:
        return None
    interrupts.cancel_timer()
    return True
