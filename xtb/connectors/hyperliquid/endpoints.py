"""Hyperliquid's two routes and what each request weighs against the per-IP budget (spec §4.1, §8).

There are no paths to tabulate: every read is `POST /info` with a `type`, every action `POST
/exchange`, both under `hosts.rest`; the socket is `hosts.ws` (the `/ws` URL). What differs per
request is its weight, which depends on the body (the info type, the batch length), so the REST
client prices each request itself and hands the pacer the cost (`prepaid=`); the rate card's own
costing (by URL) only ever sees requests nobody priced, and charges them the common 20.
"""

from __future__ import annotations

from yarl import URL

from xtb.connectors.pacing import Cost, Limit, RateCard

INFO_PATH = "/info"
EXCHANGE_PATH = "/exchange"

LIGHT_INFO = frozenset(
    {"l2Book", "allMids", "clearinghouseState", "orderStatus", "spotClearinghouseState", "exchangeStatus"}
)
"""Weight 2 (spec §8); `userRole` weighs 60; every other info type 20."""
USER_ROLE_WEIGHT = 60
DEFAULT_INFO_WEIGHT = 20
ITEMS_PER_EXTRA_WEIGHT = {"userFills": 20, "userFillsByTime": 20, "historicalOrders": 20, "candleSnapshot": 60}
"""`+1 per 20 items returned` (per 60 for candles): known only from the answer, paid after it."""
EXCHANGE_BATCH_PER_WEIGHT = 40


def info_weight(info_type: str) -> int:
    if info_type in LIGHT_INFO:
        return 2
    if info_type == "userRole":
        return USER_ROLE_WEIGHT
    return DEFAULT_INFO_WEIGHT


def extra_info_weight(info_type: str, items: int) -> int:
    """The weight an answer of `items` rows adds after the fact."""
    per = ITEMS_PER_EXTRA_WEIGHT.get(info_type)
    return items // per if per else 0


def exchange_weight(batch_length: int) -> int:
    """`1 + floor(batch_length / 40)` for an action of `batch_length` orders or cancels."""
    return 1 + batch_length // EXCHANGE_BATCH_PER_WEIGHT


def _unpriced(method: str, url: URL) -> Cost:
    return Cost(DEFAULT_INFO_WEIGHT)


def rate_card(weight_per_minute: int) -> RateCard:
    """The per-IP weight budget (the per-address action budget is the venue's to refuse: §8)."""
    return RateCard((Limit("weight", weight_per_minute, 60, "ip"),), _unpriced)
