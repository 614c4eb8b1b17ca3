"""This repo's entry to the catalog's resilience scenarios, `xtb/scenarios/test_resilience.py`:
`pytest conformance` runs them as `conformance/test_resilience.py::test_...[VENUE]`."""

from xtb.scenarios.test_resilience import *  # noqa: F403
