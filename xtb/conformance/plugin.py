"""The connector conformance suite's pytest plugin, registered by xtb's `pytest11` entry point.

    pytest --pyargs xtb.scenarios --venue-config myvenue.yaml       from any project, on its venue file
    pytest conformance                                   this repo: every venue file with a simulator, on it
    pytest conformance -k grvt --venue-config venues/grvt.yaml          the real venue (testnet)
    pytest conformance --venue-config venues/grvt.yaml --sim            that file, on the simulator

The run ends with a verdict per venue and for the run (`xtb.report.verdict`): CONFORMANT (exit 0),
NOT CONFORMANT (exit 1) or INCOMPLETE (exit 2). The plugin is in parts by job, each registered
below: options and what a conformance run sets up (`options`), collection and the up-front checks
(`collection`), the `venue` fixture and its janitor (`fixtures`), stopping early without residue
(`stopping`), each scenario's result row (`results`) and the verdict and reports (`reporting`).
In a run that names no scenario module (a project's unit tests) it does nothing.
"""

pytest_plugins = [
    "xtb.conformance.options",
    "xtb.conformance.collection",
    "xtb.conformance.fixtures",
    "xtb.conformance.stopping",
    "xtb.conformance.results",
    "xtb.conformance.reporting",
]
