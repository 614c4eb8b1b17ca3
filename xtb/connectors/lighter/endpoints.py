"""The Lighter REST endpoints the connector uses (spec §4): path, whether the account's auth token
goes with it, and which error table reads its answers (errors.py). The weights the venue counts
them at are in limits.py."""

from __future__ import annotations

from dataclasses import dataclass

from xtb.connectors.error_table import ErrorTable
from xtb.connectors.lighter.errors import ERRORS, TX_ERRORS


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    private: bool = False  # sent with the auth token (`Authorization` header)
    errors: ErrorTable = ERRORS


STATUS = Endpoint("GET", "/")
MARKETS = Endpoint("GET", "/api/v1/orderBookDetails")
DEPTH = Endpoint("GET", "/api/v1/orderBookOrders")  # individual orders, best first
ACCOUNT = Endpoint("GET", "/api/v1/account")  # collateral and positions
API_KEYS = Endpoint("GET", "/api/v1/apikeys")
NEXT_NONCE = Endpoint("GET", "/api/v1/nextNonce")
ACCOUNT_LIMITS = Endpoint("GET", "/api/v1/accountLimits", private=True)  # the account's rate tier
ACTIVE_ORDERS = Endpoint("GET", "/api/v1/accountActiveOrders", private=True)
INACTIVE_ORDERS = Endpoint("GET", "/api/v1/accountInactiveOrders", private=True)
ORDERS_BY_CLIENT_ID = Endpoint("GET", "/api/v1/accountOrders", private=True)
TRADES = Endpoint("GET", "/api/v1/trades", private=True)
SEND_TX = Endpoint("POST", "/api/v1/sendTx", errors=TX_ERRORS)  # form-encoded; answers only a tx hash

INACTIVE_PAGE = 100  # the most accountInactiveOrders lists in one answer
TRADES_PAGE = 100  # the most trades lists in one answer
DEPTH_LIMIT = 250  # the most orders per side orderBookOrders lists
