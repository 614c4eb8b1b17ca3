"""Execution helpers built on a connector: the tracking limit order and its handles, flatten."""
