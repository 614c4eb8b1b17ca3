"""Lighter's request limits by account tier, and the weight of each endpoint (spec §7).

REST is limited per rolling minute (per IP and per L1 address). A standard account may send 60
requests a minute whatever they are; premium and higher tiers spend weighted budgets. sendTx also
has its own bucket per L1 address. No rate-limit headers are documented, so the connector's own
count is all there is.

The tier is the connector setting `extra.rate_tier`; when it is not set, the connector takes the tier
the venue reports for the account in `accountLimits` (`user_tier`), and until then paces by the
standard and the premium budgets at once (the stricter holds), so the requests sent before the
tier is known are booked in both ledgers: "requests" (standard) and "weight" (premium and up).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from yarl import URL

from xtb.connectors.pacing import Cost, Limit, RateCard

log = logging.getLogger(__name__)

STANDARD = "standard"
# Spec §7: "standard 60 requests/min (unweighted); premium 24 000 weighted/min; plus 120 000; builder
# 240 000 (read-only)". sendTx: "standard 60/min; premium 4 000-40 000/min by staked LIT" (the
# floor is used: the stake is not known here).
TIER_LIMITS: Mapping[str, tuple[Limit, ...]] = {
    STANDARD: (Limit("requests", 60, 60, "account"), Limit("tx", 60, 60, "account")),
    "premium": (Limit("weight", 24_000, 60, "account"), Limit("tx", 4_000, 60, "account")),
    "plus": (Limit("weight", 120_000, 60, "account"), Limit("tx", 4_000, 60, "account")),
    "builder": (Limit("weight", 240_000, 60, "account"), Limit("tx", 4_000, 60, "account")),
}
# Spec §7 endpoint weights of the weighted tiers; every other endpoint weighs 300.
WEIGHTS: Mapping[str, int] = {
    "/api/v1/sendTx": 6,
    "/api/v1/sendTxBatch": 6,
    "/api/v1/nextNonce": 6,
    "/api/v1/publicPools": 50,
    "/api/v1/accountInactiveOrders": 100,
    "/api/v1/apikeys": 150,
    "/api/v1/transferFeeInfo": 500,
    "/api/v1/trades": 600,
    "/api/v1/recentTrades": 600,
    "/api/v1/tokens/create": 23_000,
}
OTHER_WEIGHT = 300
TX_PATHS = frozenset({"/api/v1/sendTx", "/api/v1/sendTxBatch"})


def tier_name(value: object) -> str:
    """A tier name as the venue or a settings file writes it ("Premium", "premium")."""
    name = str(value).strip().lower()
    if name not in TIER_LIMITS:
        raise ValueError(f"unknown Lighter rate tier {value!r} (one of {sorted(TIER_LIMITS)})")
    return name


def reported_tier(account_limits: Any) -> str:
    """The tier an `accountLimits` answer reports (`user_tier`); the standard tier, the strictest,
    when it names none known here."""
    reported = account_limits.get("user_tier") if isinstance(account_limits, dict) else None
    try:
        return tier_name(reported)
    except ValueError:
        log.warning("accountLimits reports tier %r; pacing as %s", reported, STANDARD)
        return STANDARD


def _path(url: URL) -> str:
    """The API path wherever the venue is mounted (`.../api/v1/sendTx`)."""
    path = url.path
    index = path.find("/api/")
    return path[index:] if index >= 0 else path


def _tx(url: URL) -> tuple[tuple[str, int], ...]:
    return (("tx", 1),) if _path(url) in TX_PATHS else ()


def standard_cost(method: str, url: URL) -> Cost:
    return Cost(1, _tx(url))  # unweighted: every request weighs one (and the limit counts "requests")


def weighted_cost(method: str, url: URL) -> Cost:
    return Cost(WEIGHTS.get(_path(url), OTHER_WEIGHT), _tx(url))


#: The tier each account was last seen to have (venue host, account index) → tier, process-wide like
#: the ledgers: the suite starts a connector per scenario, and each must not start as a stranger.
KNOWN_TIERS: dict[tuple[str, int], str] = {}

#: While the tier is not known: the standard tier's 60 requests a minute (counted per request) and
#: the premium tier's weighted budget, whichever binds first.
UNKNOWN_TIER_LIMITS: tuple[Limit, ...] = (
    Limit("requests", 60, 60, "account"),
    Limit("tx", 60, 60, "account"),
    TIER_LIMITS["premium"][0],
)


def rate_card(tier: str | None) -> RateCard:
    """The card of a tier; None while the tier is not known."""
    if tier is None:
        return RateCard(UNKNOWN_TIER_LIMITS, weighted_cost)
    tier = tier_name(tier)
    return RateCard(TIER_LIMITS[tier], standard_cost if tier == STANDARD else weighted_cost)
