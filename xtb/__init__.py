"""xtb: a trading runtime and connector conformance suite for perpetual-futures venues."""

__version__ = "0.1.0"
