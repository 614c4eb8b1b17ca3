"""Price-time-priority order book on integer ticks.

The book knows nothing about venues, accounts or money: it keeps resting orders in FIFO queues per
price level and the aggregate size of each level, all as integers, so matching never rounds. An
order stored here only needs `price`, `size` and `filled` attributes (ticks and steps).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterator
from typing import Any


class Level:
    """One price level: orders in arrival order and their summed remaining size (steps)."""

    __slots__ = ("orders", "price", "total")

    def __init__(self, price: int) -> None:
        self.price = price
        self.orders: deque[Any] = deque()
        self.total = 0


class BookSide:
    """One side of the book.

    Levels are keyed so that ascending key order ends with the best level (bids: key = price,
    asks: key = -price). The best level is then `keys[-1]`, and removing it when it empties is an
    O(1) `pop()`; new levels go in with `insort`, which is a memmove over a short list.
    """

    __slots__ = ("is_bid", "keys", "levels")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.keys: list[int] = []
        self.levels: dict[int, Level] = {}

    def key(self, price: int) -> int:
        return price if self.is_bid else -price

    def best(self) -> Level | None:
        keys = self.keys
        return self.levels[keys[-1]] if keys else None

    def add(self, order: Any) -> Level:
        """Queue `order` at the back of its price level (time priority)."""
        key = order.price if self.is_bid else -order.price
        level = self.levels.get(key)
        if level is None:
            level = Level(order.price)
            self.levels[key] = level
            insort(self.keys, key)
        level.orders.append(order)
        level.total += order.size - order.filled
        return level

    def remove(self, order: Any) -> None:
        """Take a resting order out of its level, dropping the level if it empties."""
        key = order.price if self.is_bid else -order.price
        level = self.levels[key]
        level.orders.remove(order)
        level.total -= order.size - order.filled
        if not level.orders:
            self.drop_level(key)

    def drop_level(self, key: int) -> None:
        del self.levels[key]
        keys = self.keys
        if keys and keys[-1] == key:
            keys.pop()
        else:
            del keys[bisect_left(keys, key)]

    def level_at(self, price: int) -> Level | None:
        return self.levels.get(price if self.is_bid else -price)

    def iter_levels(self) -> Iterator[Level]:
        """Levels best first."""
        levels = self.levels
        for key in reversed(self.keys):
            yield levels[key]

    def clear(self) -> None:
        self.keys.clear()
        self.levels.clear()
