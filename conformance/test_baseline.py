"""This repo's entry to the catalog's baseline scenarios, `xtb/scenarios/test_baseline.py`:
`pytest conformance` runs them as `conformance/test_baseline.py::test_...[VENUE]`."""

from xtb.scenarios.test_baseline import *  # noqa: F403
