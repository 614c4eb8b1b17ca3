"""Aster (asterdex.com) USDT-M perpetuals: V3 EIP-712 wallet signatures (default) or V1 HMAC keys."""

from xtb.connectors.aster.connector import PROD_REST, PROD_WS, TESTNET_REST, TESTNET_WS, AsterConnector

__all__ = ["PROD_REST", "PROD_WS", "TESTNET_REST", "TESTNET_WS", "AsterConnector"]
