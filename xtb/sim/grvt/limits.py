"""GRVT's request limits on the simulator (spec §7): "tiered per account", exceeding them answers 1006 /
HTTP 429. The figures are UNCONFIRMED, so by default (the spec's simulator default) nothing is
limited; a run that wants to hold its client to a stated budget switches on a token bucket per
(account, route class) with the setting `rate_limit: {per_second, burst}`. Public market-data routes
have no account: their bucket is the caller's IP.

A bucket holds `burst` tokens and gains `per_second` a second; each request spends one. A client
pacing itself at N requests in any one-second window never runs one dry when N <= per_second and
N <= burst.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The route classes that have a bucket each (per account; per IP for market data).
ORDER_ROUTES = frozenset({"create_order", "bulk_orders"})  # a bulk request spends one order token
CANCEL_ROUTES = frozenset({"cancel_order", "cancel_all_orders"})


def route_class(route: str, private: bool) -> str:
    if not private:
        return "market_data"
    if route in ORDER_ROUTES:
        return "order"
    if route in CANCEL_ROUTES:
        return "cancel"
    return "query"


@dataclass(frozen=True)
class RateLimit:
    """A budget per (account, route class): `per_second` sustained, `burst` at once."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        rate = self.per_second
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"rate_limit.per_second must be a positive number, got {rate!r}")
        if type(self.burst) is not int or self.burst < 1:
            raise ValueError(f"rate_limit.burst must be an int >= 1, got {self.burst!r}")

    @classmethod
    def parse(cls, value: Any) -> RateLimit | None:
        """From JSON: `{"per_second": 50, "burst": 50}`, or null for no limit."""
        if value is None:
            return None
        if not isinstance(value, Mapping) or set(value) != {"per_second", "burst"}:
            raise ValueError(f'rate_limit must be null or {{"per_second": <number>, "burst": <int>}}, got {value!r}')
        return cls(value["per_second"], value["burst"])

    def as_json(self) -> dict[str, Any]:
        return {"per_second": self.per_second, "burst": self.burst}


class TokenBuckets:
    """The buckets of one simulator, by (account or IP, route class); none while `limit` is None."""

    def __init__(self, limit: RateLimit | None = None) -> None:
        self.limit = limit
        self.refused = 0  # requests answered 1006 since the limit was set
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key -> (tokens, at)

    def set_limit(self, limit: RateLimit | None) -> None:
        """A new budget from now on; every bucket starts full."""
        self.limit = limit
        self.refused = 0
        self._buckets.clear()

    def take(self, who: str, route_class: str, now: float) -> bool:
        """Spend a token of (who, route class): False when the bucket is empty (answer 1006)."""
        limit = self.limit
        if limit is None:
            return True
        key = (who, route_class)
        tokens, at = self._buckets.get(key, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + (now - at) * limit.per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            self.refused += 1
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True
