"""Backpack's request limits (spec §7.1, from the venue's FAQ): 2000 requests a minute per
sub-account across the REST API, unweighted; historical market data (klines, public trade history)
has its own 30 a minute. The venue sends no rate-limit headers and no `Retry-After`, so the
connector's own count is all there is. An API key does not say which sub-account it trades, so the
budget is kept per host: two sub-accounts in one process share it (slower, never over).
"""

from __future__ import annotations

from yarl import URL

from xtb.connectors.pacing import Cost, Limit, RateCard

LIMITS = (
    Limit("weight", 2000, 60, "account"),  # every request weighs 1
    Limit("history", 30, 60, "account"),
)
HISTORY_PATHS = frozenset({"/api/v1/klines", "/api/v1/trades/history"})


def request_cost(method: str, url: URL) -> Cost:
    return Cost(1, (("history", 1),)) if url.path in HISTORY_PATHS else Cost(1)


RATE_CARD = RateCard(LIMITS, request_cost)
