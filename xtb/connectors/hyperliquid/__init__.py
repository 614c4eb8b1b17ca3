"""Hyperliquid (HyperCore perpetuals): signing only so far; the connector comes later (issue #20)."""
