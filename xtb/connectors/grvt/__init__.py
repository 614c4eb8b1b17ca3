"""GRVT connector: EIP-712 order signing and host resolution through grvt-pysdk, session auth, the
JSON-RPC WebSocket streams."""

from xtb.connectors.grvt.connector import GrvtConnector

__all__ = ["GrvtConnector"]
