"""Hyperliquid (HyperCore perpetuals): the connector's parts as they land (issue #20): signing, wire
numbers, status mapping. No connector class yet, so nothing registers the venue."""
