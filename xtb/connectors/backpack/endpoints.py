"""Backpack's REST routes that the connector calls, and the instruction each signed one signs.

One table, so the route a request goes to and the instruction its signature names cannot disagree:
a route with an instruction is signed, one without is public (spec §2.4 lists every instruction).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    instruction: str | None = None  # signed with this instruction; None: a public route

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


TIME = Endpoint("GET", "/api/v1/time")  # plain-text milliseconds, not JSON
STATUS = Endpoint("GET", "/api/v1/status")
MARKETS = Endpoint("GET", "/api/v1/markets")
DEPTH = Endpoint("GET", "/api/v1/depth")
ACCOUNT = Endpoint("GET", "/api/v1/account", "accountQuery")
BALANCES = Endpoint("GET", "/api/v1/capital", "balanceQuery")
POSITIONS = Endpoint("GET", "/api/v1/position", "positionQuery")
ORDER = Endpoint("GET", "/api/v1/order", "orderQuery")  # open orders only: 404 once it ended
PLACE_ORDER = Endpoint("POST", "/api/v1/order", "orderExecute")
CANCEL_ORDER = Endpoint("DELETE", "/api/v1/order", "orderCancel")
OPEN_ORDERS = Endpoint("GET", "/api/v1/orders", "orderQueryAll")
CANCEL_ALL = Endpoint("DELETE", "/api/v1/orders", "orderCancelAll")
ORDER_HISTORY = Endpoint("GET", "/wapi/v1/history/orders", "orderHistoryQueryAll")
FILL_HISTORY = Endpoint("GET", "/wapi/v1/history/fills", "fillHistoryQueryAll")
