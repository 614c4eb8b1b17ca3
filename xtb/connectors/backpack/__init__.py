"""Backpack Exchange (USDC perpetuals): ED25519-signed REST and one WebSocket URL."""

from xtb.connectors.backpack.connector import PROD_REST, PROD_WS, BackpackConnector

__all__ = ["PROD_REST", "PROD_WS", "BackpackConnector"]
