"""This repo's entry to the catalog's order semantics scenarios, `xtb/scenarios/test_order_semantics.py`:
`pytest conformance` runs them as `conformance/test_order_semantics.py::test_...[VENUE]`."""

from xtb.scenarios.test_order_semantics import *  # noqa: F403
