"""Collection: each scenario once per venue under test, in the order asked for; what was selected
and left out, per venue; then the up-front checks, so a mistake stops the run before any order.

A test is a scenario when it carries the `xtb_scenario` mark (every module of `xtb.scenarios`
does) and takes the `venue` fixture; any other test — one with a `venue` fixture of its own
among them — is left alone.
"""

from __future__ import annotations

import inspect
import logging
import random
from typing import Any

import pytest

from xtb.conformance import parallel
from xtb.conformance.interrupts import Interrupts
from xtb.conformance.items import SCENARIO_MARK, result_id, scenario_id, scenario_venue
from xtb.conformance.preflight import check_targets
from xtb.conformance.scenario_run import is_scenario_run
from xtb.conformance.session import SESSION, session_of
from xtb.errors import ConfigError
from xtb.report.model import ScenarioInfo

log = logging.getLogger(__name__)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "venue" not in metafunc.fixturenames or metafunc.definition.get_closest_marker(SCENARIO_MARK) is None:
        return
    session = session_of(metafunc.config)
    doc = inspect.cleandoc(metafunc.function.__doc__ or "")
    scenario = scenario_id(metafunc.function.__name__)
    session.scenarios[scenario] = ScenarioInfo(
        scenario,
        title=doc.splitlines()[0] if doc else scenario,
        doc=doc,
        sim_only=metafunc.definition.get_closest_marker("sim_only") is not None,
    )
    # the parameter is the venue's name: readable, and stable across runs (allure's history ids)
    names = [t.name for t in session.targets]
    metafunc.parametrize("venue_target", names, ids=names, indirect=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """--scenario-order: the scenarios' positions among themselves change; other tests stay put."""
    order = config.getoption("scenario_order")
    if order == "catalog":
        return
    slots = [i for i, item in enumerate(items) if scenario_venue(item) is not None]
    scenarios = [items[i] for i in slots]
    if order == "reverse":
        scenarios.reverse()
    else:
        seed = config.getoption("scenario_seed")
        seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        random.Random(seed).shuffle(scenarios)
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(f"xtb: scenarios shuffled with --scenario-seed {seed}")
    for slot, item in zip(slots, scenarios, strict=True):
        items[slot] = item


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        venue = scenario_venue(item)
        if venue is not None:
            session = item.config.stash.get(SESSION, None)
            if session is not None:
                session.deselected.setdefault(venue, set()).add(result_id(item))


def pytest_collection_finish(session: pytest.Session) -> None:
    """What will run, per venue; then the up-front checks, so a mistake stops the run before any order."""
    xtb = session.config.stash.get(SESSION, None)
    if xtb is None:
        return
    for item in session.items:
        venue = scenario_venue(item)
        if venue is not None:
            xtb.selected.setdefault(venue, []).append(result_id(item))
    if xtb.selected and not is_scenario_run(session.config):
        xtb.selected.clear()
        raise pytest.UsageError(
            "scenarios were collected, but no argument names a scenario module or a folder holding "
            "one, so this run set up no venue scheduling and no junit or allure outputs: pass that folder "
            "(e.g. `pytest conformance`) or `--pyargs xtb.scenarios`"
        )
    if session.config.option.collectonly or not xtb.selected:
        return
    try:
        if not parallel.is_worker(session.config):  # a worker's controller checked every target already
            check_targets([xtb.target(name) for name in xtb.selected])
    except ConfigError as exc:
        xtb.close()
        xtb.selected.clear()  # nothing ran: no report, no verdict
        raise pytest.UsageError(str(exc)) from None
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")

    def say(text: str) -> None:
        if terminal is None:
            log.warning("%s", text)
            return
        terminal.ensure_newline()
        terminal.write_line(text)

    xtb.interrupts = Interrupts(say, lambda why: setattr(session, "shouldstop", why))
    xtb.interrupts.install()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist a venue's scenarios stay on one worker (`parallel.py`)."""
    if not is_scenario_run(config):
        return None
    return parallel.venue_scheduling(config, log, [t.name for t in session_of(config).targets])


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A parallel run's controller collects nothing, so it checks every venue file's targets up
    front, before any worker starts: a mistake stops the run once, not once per worker. It gathers
    the workers' results from here on (xdist's session exists by now, whatever the plugins' order)."""
    if is_scenario_run(session.config) and parallel.is_controller(session.config):
        merge = parallel.Merge()
        session.config.pluginmanager.register(merge, parallel.MERGE)
        xtb = session_of(session.config)
        try:
            check_targets(xtb.targets)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        xtb.checked = True
        terminal = session.config.pluginmanager.get_plugin("terminalreporter")
        merge.install_stop(session.config, terminal.write_line if terminal is not None else log.warning)
