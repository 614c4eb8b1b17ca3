"""The venue's two rate limits (spec §8, §10.5).

Per IP: request weight over a sliding minute, shared by `/info`, `/exchange` and WebSocket posts;
over the limit the answer is HTTP 429 with body `null` (nothing is charged for a refused request).
`/exchange` weighs `1 + floor(batch / 40)`; `/info` 2 for the cheap types, 60 for `userRole`, 20 for
the rest, plus 1 per 20 items returned by the history types (per 60 for candles).

Per address (actions only): a budget of `10000 + floor(cumVlm)` requests, a batch of n costing n;
once spent, one request per 10 s still passes; refused actions cost nothing. Exhaustion is HTTP 200
`Too many cumulative requests sent (…)` with the venue's exact wording.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from xtb.sim.hyperliquid.errors import HyperliquidError
from xtb.sim.hyperliquid.state import UserBook

WINDOW_S = 60.0
CHEAP_INFO = frozenset(
    {"l2Book", "allMids", "clearinghouseState", "orderStatus", "spotClearinghouseState", "exchangeStatus"}
)
PER_20_ITEMS = frozenset({"userFills", "userFillsByTime", "historicalOrders", "fundingHistory", "userFunding"})


def info_weight(kind: str, answer: Any) -> int:
    """§8: the weight of one `/info` request, knowing what it answered."""
    if kind in CHEAP_INFO:
        return 2
    if kind == "userRole":
        return 60
    if isinstance(answer, list):
        if kind in PER_20_ITEMS:
            return 20 + len(answer) // 20
        if kind == "candleSnapshot":
            return 20 + len(answer) // 60
    return 20


def exchange_weight(batch: int) -> int:
    return 1 + batch // 40


class IpWeights:
    """Weight used per IP over the last minute."""

    def __init__(self, limit: Callable[[], int], clock: Callable[[], float]) -> None:
        self._limit = limit
        self._clock = clock
        self._spent: dict[str, deque[tuple[float, int]]] = {}

    def used(self, ip: str) -> int:
        now = self._clock()
        entries = self._spent.get(ip)
        if not entries:
            return 0
        while entries and entries[0][0] <= now - WINDOW_S:
            entries.popleft()
        return sum(weight for _, weight in entries)

    def admit(self, ip: str, weight: int) -> bool:
        """Charge `weight` and say yes, or say no and charge nothing (the 429)."""
        if self.used(ip) + weight > self._limit():
            return False
        self._spent.setdefault(ip, deque()).append((self._clock(), weight))
        return True

    def clear(self) -> None:
        self._spent.clear()


class AddressBudget:
    """§8 per-address budget; `check` before the action, `charge` once it executed."""

    def __init__(self, base: Callable[[], int], trickle_s: Callable[[], float], clock: Callable[[], float]) -> None:
        self._base = base
        self._trickle_s = trickle_s
        self._clock = clock

    def cap(self, book: UserBook) -> int:
        return self._base() + int(book.cum_volume.to_integral_value(rounding=ROUND_DOWN))

    def check(self, book: UserBook, cost: int) -> None:
        """HyperliquidError with the venue's text when `cost` more requests exceed the cap and
        the one-per-10-s trickle has nothing to give."""
        cap = self.cap(book)
        wanted = book.requests_used + cost
        if wanted <= cap:
            return
        now = self._clock()
        if book.last_trickle is None or now - book.last_trickle >= self._trickle_s():
            book.last_trickle = now
            return
        volume = book.cum_volume.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        raise HyperliquidError(
            f"Too many cumulative requests sent ({wanted} > {cap}) for cumulative volume traded ${volume}. "
            "Place taker orders to free up 1 request per USDC traded."
        )

    @staticmethod
    def charge(book: UserBook, cost: int) -> None:
        book.requests_used += cost
