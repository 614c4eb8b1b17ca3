"""How a collected test maps to the catalog: its scenario id, its result row and its venue.

These ids are what the reports, venue files' `skips:` and `-k` selections name, so they depend on
nothing but the test function's name and its parameters: the same in this repo's `conformance/`
and in `pytest --pyargs xtb.scenarios`.
"""

from __future__ import annotations

import pytest

SCENARIO_MARK = "xtb_scenario"  # carried by every scenario module (`xtb.scenarios.SCENARIO_MARKS`)


def scenario_id(test_name: str) -> str:
    """A scenario's id is its test function's name without `test_` (`post_top_of_book`)."""
    return test_name.removeprefix("test_")


def result_id(item: pytest.Item) -> str:
    """The result row of one scenario item: `post_top_of_book`, or `ambiguous_submit[drop_response]`."""
    base = scenario_id(getattr(item, "originalname", item.name))
    params = {k: v for k, v in item.callspec.params.items() if k != "venue_target"}  # type: ignore[attr-defined]
    return f"{base}[{'-'.join(str(v) for v in params.values())}]" if params else base


def scenario_venue(item: pytest.Item) -> str | None:
    """The venue a conformance scenario item runs on; None for any other test."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "venue_target" not in callspec.params or "venue" not in getattr(item, "fixturenames", ()):
        return None
    return str(callspec.params["venue_target"])
