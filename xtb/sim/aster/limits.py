"""Aster's rate limits (spec §7): request weight per IP per minute, orders per account per 10 s and
per minute. Over the weight limit the answer is 429 `-1003`; persisting gives 418 (a ban) for
`ban_seconds`. `Retry-After` is sent with both (UNCONFIRMED on the venue; the simulator sends it).
"""

from __future__ import annotations

import math
from collections import deque

from xtb.sim.aster.errors import AsterError
from xtb.sim.aster.settings import RateLimits


class RateLimiter:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._weights: dict[str, deque[tuple[float, int]]] = {}
        self._strikes: dict[str, deque[float]] = {}
        self._banned: dict[str, float] = {}
        self._orders: dict[object, deque[float]] = {}

    def used_weight(self, ip: str, now: float) -> int:
        window = self._weights.get(ip)
        if not window:
            return 0
        while window and window[0][0] <= now - 60:
            window.popleft()
        return sum(w for _, w in window)

    def charge(self, ip: str, weight: int, now: float) -> None:
        """Count a request's weight; raise the 429 / 418 answer when over the limit."""
        until = self._banned.get(ip)
        if until is not None:
            if now < until:
                raise self._error(
                    418,
                    f"Way too many requests; IP banned until {int(until * 1000)}. Please use "
                    "the websocket for live updates to avoid bans.",
                    until - now,
                )
            del self._banned[ip]
        used = self.used_weight(ip, now)
        limit = self.limits.weight_per_minute
        if used + weight > limit:
            strikes = self._strikes.setdefault(ip, deque())
            strikes.append(now)
            while strikes and strikes[0] <= now - 60:
                strikes.popleft()
            if len(strikes) > self.limits.bans_after:
                self._banned[ip] = now + self.limits.ban_seconds
            oldest = self._weights[ip][0][0] if self._weights.get(ip) else now
            raise self._error(
                429,
                f"Too many requests; current limit is {limit} requests per minute. Please use "
                "the websocket for live updates to avoid polling the API.",
                oldest + 60 - now,
            )
        self._weights.setdefault(ip, deque()).append((now, weight))

    def order_counts(self, account: object, now: float) -> tuple[int, int]:
        window = self._orders.get(account)
        if not window:
            return 0, 0
        while window and window[0] <= now - 60:
            window.popleft()
        return sum(1 for t in window if t > now - 10), len(window)

    def count_order(self, account: object, now: float) -> tuple[int, int]:
        """Count one new order; -1015 when the account is over either ORDERS limit."""
        in_10s, in_1m = self.order_counts(account, now)
        if in_10s >= self.limits.orders_per_10s:
            raise AsterError(
                -1015, f"Too many new orders; current limit is {self.limits.orders_per_10s} orders per 10 SECOND."
            )
        if in_1m >= self.limits.orders_per_minute:
            raise AsterError(
                -1015, f"Too many new orders; current limit is {self.limits.orders_per_minute} orders per MINUTE."
            )
        self._orders.setdefault(account, deque()).append(now)
        return in_10s + 1, in_1m + 1

    def clear(self) -> None:
        self._weights.clear()
        self._strikes.clear()
        self._banned.clear()
        self._orders.clear()

    @staticmethod
    def _error(status: int, message: str, retry_after: float) -> AsterError:
        error = AsterError(-1003, message, status=status)
        error.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return error
