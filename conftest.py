"""Root pytest configuration: the conformance plugin (venue fixtures, simulators, janitor, reports)."""

pytest_plugins = ["xtb.conformance.plugin"]
