"""Configuration read from files, with no test harness in sight: the venue file
(`venue_file.py`), used alike by the runner, the strategies and the conformance plugin."""
