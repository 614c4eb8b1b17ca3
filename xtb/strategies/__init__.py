"""Strategies the runner drives: `base.StrategyBase` and the ones resolved by name (`xtb.runtime.classes`)."""
