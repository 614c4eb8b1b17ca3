"""The suite's command-line options and marks, and what a conformance run sets up before collection.

A conformance run (`scenario_run.py`) writes junit.xml and allure results into its report
directory unless told otherwise, keeps each venue on one xdist worker, and checks its venue files
before collecting; any other run is left as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xtb.conformance import parallel, scenario_run
from xtb.conformance.items import SCENARIO_MARK
from xtb.conformance.session import session_of


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("xtb", "xtb connector conformance suite")
    group.addoption(
        "--venue-config", action="append", default=[], metavar="PATH", help="venue file to test (repeatable)"
    )
    group.addoption("--sim", action="store_true", help="run the given venue files against their built-in simulators")
    group.addoption("--allow-mainnet", action="store_true", help="allow orders on a mainnet venue (within its cap)")
    group.addoption("--report-dir", default="reports", metavar="DIR", help="where reports are written")
    group.addoption("--sim-seed", type=int, default=0, help="seed of the built-in simulators")
    group.addoption(
        "--drift-baseline",
        default=None,
        metavar="PATH",
        help="a venue shape file, or a directory of VENUE.json files, to compare this run's recorded shapes "
        "with: the report gets a Drift section per venue (the verdict does not depend on it)",
    )
    group.addoption(
        "--scenario-order",
        choices=("catalog", "reverse", "random"),
        default="catalog",
        help="run scenarios in catalog order, reversed, or shuffled (seeded by --scenario-seed): a scenario "
        "that passes only because of what ran before it is a bug",
    )
    group.addoption("--scenario-seed", type=int, default=None, help="seed for --scenario-order random")
    group.addoption(
        "--venue-connector",
        action="append",
        default=[],
        metavar="VENUE=module:Class",
        help="use another connector class for a venue (the suite's self-test)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Default the JUnit and allure outputs into the report directory (before their plugins read
    them). A defaulted allure directory is cleaned per run, as `--clean-alluredir` does."""
    if not scenario_run.decide(config):
        return
    parallel.choose_distribution(config)
    report_dir = Path(config.getoption("report_dir"))
    if getattr(config.option, "xmlpath", None) is None:
        config.option.xmlpath = str(report_dir / "junit.xml")
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(report_dir / "allure-results")
        # cleaned once per run: by the controller, never by a worker (it would delete what another wrote)
        config.option.clean_alluredir = not parallel.is_worker(config)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{SCENARIO_MARK}: a conformance scenario, run once per venue under test")
    config.addinivalue_line("markers", "sim_only: needs a built-in simulator (fault injection, control API)")
    if not scenario_run.is_scenario_run(config):
        return
    if config.getoption("venue_config"):
        session_of(config)  # a bad file or a missing credential stops the run here, before collection
