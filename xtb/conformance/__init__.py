"""The connector conformance suite as a pytest plugin: options, the venue fixture and janitor,
parallel runs, stopping early, the reports. The checks themselves are `xtb.checks`; venue files
are read by `xtb.config`."""
