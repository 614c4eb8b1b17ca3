"""Venue connectors: `base.BaseConnector` plus one module or package per venue."""
