"""The checks a connector must pass, shared by the conformance scenarios (through the pytest
plugin in `xtb.conformance`) and by the runner's smoke-test strategy: the steps (`steps.py`), what
a scenario run records (`record.py`) and other accounts' traffic (`others.py`). The scenario ids
themselves are `xtb.catalog`. Nothing here imports pytest."""
