"""Configuration read from files, with no test harness in sight: the venue file (`venue_file.py`,
with its `simulator:` block, `capabilities:` and `order_size:` beside it), used alike by the runner,
the strategies and the conformance plugin. Every file kind is a schema read by `xtb.schema`."""
