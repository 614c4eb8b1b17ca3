"""The Lighter connector (see `connector`), signing with the official lighter-sdk."""

from xtb.connectors.lighter.connector import LighterConnector

__all__ = ["LighterConnector"]
