"""The conformance catalog's scenarios, shipped with xtb so any project can run them:

    pytest --pyargs xtb.scenarios --venue-config myvenue.yaml

Each module is a group of `xtb.catalog` (`test_baseline`, `test_order_semantics`, `test_resilience`).
Every module carries `SCENARIO_MARKS`: the `xtb_scenario` mark is how the plugin
(`xtb.conformance`) knows a test is a scenario to run once per venue, and `asyncio` runs the
coroutines in any project, whatever its pytest-asyncio mode. This repo runs the same modules
through `conformance/`, whose files import them.
"""

from __future__ import annotations

import pytest

SCENARIO_MARKS = [pytest.mark.xtb_scenario, pytest.mark.asyncio]
