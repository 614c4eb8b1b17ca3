"""Aster's request limits and request weights, as the venue publishes them (spec §3, §4.2-§4.4, §7).

REQUEST_WEIGHT is counted per IP, ORDERS per account. The venue lists its limits in `exchangeInfo`
(`rateLimits`), which the connector reads at start and paces by; the numbers below are the
documented defaults until then. Every answer carries `X-MBX-USED-WEIGHT-1M` (the venue's count of
this IP's weight in the last minute) and order answers `X-MBX-ORDER-COUNT-10S` / `-1M`: when the
venue counts more than we do, its count wins.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from yarl import URL

from xtb.connectors.pacing import Cost, Limit, RateCard

log = logging.getLogger(__name__)

# Spec §7 "REQUEST_WEIGHT 2400/min per IP; ORDERS 1200/min and 300/10 s per account" (and §3: the same
# in exchangeInfo's rateLimits).
DEFAULT_LIMITS = (
    Limit("weight", 2400, 60, "ip"),
    Limit("orders", 1200, 60, "account"),
    Limit("orders", 300, 10, "account"),
)
USAGE_HEADERS = {
    "X-MBX-USED-WEIGHT-1M": ("weight", 60.0),
    "X-MBX-ORDER-COUNT-10S": ("orders", 10.0),
    "X-MBX-ORDER-COUNT-1M": ("orders", 60.0),
}

# (method, name after /fapi/vN/) -> weight; anything not listed weighs 1 (spec §4.2-§4.4).
WEIGHTS: Mapping[tuple[str, str], int] = {
    ("GET", "historicalTrades"): 20,
    ("GET", "aggTrades"): 20,
    ("POST", "batchOrders"): 5,
    ("POST", "countdownCancelAll"): 10,
    ("GET", "allOrders"): 5,
    ("GET", "userTrades"): 5,
    ("GET", "balance"): 5,
    ("GET", "account"): 5,
    ("GET", "accountWithJoinMargin"): 5,
    ("GET", "positionRisk"): 5,
    ("GET", "income"): 30,
    # The spec gives no weight for these; Binance USD-M, whose API Aster copies, publishes these
    # (and the simulator charges them). Over-estimating only costs a little pace.
    ("GET", "positionSide/dual"): 30,
    ("GET", "multiAssetsMargin"): 30,
    ("GET", "commissionRate"): 20,
    ("GET", "adlQuantile"): 5,
    ("GET", "forceOrders"): 20,
}
# Weight of the all-symbol form (no `symbol` parameter), spec §4.2 / §4.3.
WITHOUT_SYMBOL: Mapping[tuple[str, str], int] = {
    ("GET", "openOrders"): 40,
    ("GET", "ticker/24hr"): 40,
    ("GET", "ticker/bookTicker"): 2,
    ("GET", "ticker/price"): 2,
}
# GET depth by `limit` (spec §4.2: 5-50: 2, 100: 5, 500: 10, 1000: 20; default 500). A value the
# venue does not list is charged the most.
DEPTH_WEIGHTS = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}
DEPTH_DEFAULT_LIMIT = 500
# klines by `limit` (spec §4.2 "1/2/5/10 by limit"; the bands are Binance's: <100, <500, <=1000, more).
KLINES = frozenset({"klines", "markPriceKlines", "indexPriceKlines", "continuousKlines"})
ORDER_ENDPOINTS = {("POST", "order"): 1, ("POST", "batchOrders"): 5}  # new orders (a batch holds up to 5)


def endpoint_name(path: str) -> str:
    """`/fapi/v3/ticker/bookTicker` → `ticker/bookTicker` (V1 paths the same way)."""
    _, _, rest = path.partition("/fapi/")
    return rest.split("/", 1)[1] if "/" in rest else rest


def request_cost(method: str, url: URL) -> Cost:
    name = endpoint_name(url.path)
    key = (method, name)
    query = url.query
    if key == ("GET", "depth"):
        limit = _int(query.get("limit"), DEPTH_DEFAULT_LIMIT)
        weight = DEPTH_WEIGHTS.get(limit, 20)
    elif method == "GET" and name in KLINES:
        limit = _int(query.get("limit"), 500)
        weight = 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10
    elif key in WITHOUT_SYMBOL and "symbol" not in query:
        weight = WITHOUT_SYMBOL[key]
    else:
        weight = WEIGHTS.get(key, 1)
    orders = ORDER_ENDPOINTS.get(key, 0)
    return Cost(weight, (("orders", orders),) if orders else ())


def _int(text: str | None, default: int) -> int:
    return int(text) if text is not None and text.isdigit() else default


RATE_CARD = RateCard(DEFAULT_LIMITS, request_cost, USAGE_HEADERS)

INTERVAL_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86_400}
LIMIT_TYPES = {"REQUEST_WEIGHT": ("weight", "ip"), "ORDERS": ("orders", "account"), "RAW_REQUESTS": ("requests", "ip")}


def published_limits(exchange_info: Any) -> tuple[Limit, ...] | None:
    """The limits `exchangeInfo` lists under `rateLimits` (spec §3), or None when it lists none we
    understand (then the documented defaults stay)."""
    rows = exchange_info.get("rateLimits") if isinstance(exchange_info, dict) else None
    limits = []
    for row in rows if isinstance(rows, list) else ():
        try:
            meter, scope = LIMIT_TYPES[row["rateLimitType"]]
            seconds = INTERVAL_SECONDS[row["interval"]] * int(row.get("intervalNum", 1))
            limits.append(Limit(meter, int(row["limit"]), seconds, scope))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            log.warning("ignoring a rate limit aster's exchangeInfo lists that is not understood: %r", row)
    return tuple(limits) or None
