"""GRVT's REST routes (spec §4) as a table: which host serves each, and so whether it needs the
session. Every route is a JSON POST to `<host>/full/v1/<route>`; the host is resolved through the
SDK's (patched) lookup (sdk.py), so the SDK's own clients reach the same hosts."""

from __future__ import annotations

from dataclasses import dataclass

from pysdk.grvt_ccxt_env import GrvtEndpointType


@dataclass(frozen=True)
class Endpoint:
    host: GrvtEndpointType
    route: str

    @property
    def private(self) -> bool:
        """The trades host answers only with the session; the market-data host is public."""
        return self.host is GrvtEndpointType.TRADE_DATA


MD, TD = GrvtEndpointType.MARKET_DATA, GrvtEndpointType.TRADE_DATA
ALL_INSTRUMENTS = Endpoint(MD, "all_instruments")
BOOK = Endpoint(MD, "book")
SUB_ACCOUNTS = Endpoint(TD, "get_sub_accounts")
CREATE_ORDER = Endpoint(TD, "create_order")
CANCEL_ORDER = Endpoint(TD, "cancel_order")
CANCEL_ALL_ORDERS = Endpoint(TD, "cancel_all_orders")
ORDER = Endpoint(TD, "order")
OPEN_ORDERS = Endpoint(TD, "open_orders")
POSITIONS = Endpoint(TD, "positions")
ACCOUNT_SUMMARY = Endpoint(TD, "account_summary")
FILL_HISTORY = Endpoint(TD, "fill_history")
