"""The runner: its YAML (`config`), what names resolve to (`registry`), how a run is put together
(`builders`), the `TradingCore` that owns connectors and a strategy (`core`), and `xtb run` (`runner`)."""
