"""GRVT connector: EIP-712 order signing as grvt-pysdk defines it (signing.py, held to the SDK's
bytes), host resolution through grvt-pysdk, session auth, the JSON-RPC WebSocket streams."""

from xtb.connectors.grvt.connector import GrvtConnector

__all__ = ["GrvtConnector"]
