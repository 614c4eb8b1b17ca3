"""The connector conformance suite: venue files, the pytest plugin, shared steps and checks."""
