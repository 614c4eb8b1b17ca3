"""Root pytest configuration. The conformance plugin (venue fixtures, reports) arrives with the
conformance suite; for now this only makes the repository importable as `tests.*`."""
