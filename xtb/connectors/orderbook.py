"""A local order book built from a REST snapshot plus stream deltas, with update-id continuity.

Levels are keyed by numeric price (a REST "86700" and a stream "86700.0" are the same level) and
deltas carry absolute sizes (zero deletes). The sync follows the usual recipe: buffer deltas, take
a snapshot with id L, drop deltas ending at or before L, require the first kept delta to span L+1,
then apply only contiguous deltas (`U == previous u + 1`). Anything else is a gap: the caller
re-seeds from a fresh snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from xtb.errors import ConnectorError

Level = tuple[Decimal, Decimal]


class BookGap(ConnectorError):
    """The stream skipped an update: the local book is invalid until re-seeded."""


@dataclass(frozen=True)
class Delta:
    first_id: int  # U
    last_id: int  # u
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]


class LocalBook:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.last_id: int | None = None  # None: not synced
        self._buffer: list[Delta] = []
        self.gaps = 0

    @property
    def synced(self) -> bool:
        return self.last_id is not None

    def best_bid(self) -> Level | None:
        if not self.bids:
            return None
        price = max(self.bids)
        return price, self.bids[price]

    def best_ask(self) -> Level | None:
        if not self.asks:
            return None
        price = min(self.asks)
        return price, self.asks[price]

    def reset(self) -> None:
        """Forget everything: the next snapshot starts a fresh sync."""
        self.bids.clear()
        self.asks.clear()
        self.last_id = None
        self._buffer.clear()

    def on_delta(self, delta: Delta) -> bool:
        """Feed one stream delta. Returns True if the book changed. Raises BookGap on a gap."""
        if delta.first_id > delta.last_id:
            raise BookGap(f"{self.symbol}: delta ids run backwards ({delta.first_id} > {delta.last_id})")
        if self.last_id is None:
            self._buffer.append(delta)
            return False
        return self._apply(delta)

    def on_snapshot(self, bids: Iterable[Level], asks: Iterable[Level], last_id: int) -> bool:
        """Seed from a snapshot and replay the buffered deltas that extend it. A snapshot ahead of the
        buffer is fine: later deltas up to its id are skipped. Raises BookGap when the buffer
        starts after the snapshot (fetch a newer snapshot). Returns True: the book is synced."""
        self.bids = {p: q for p, q in bids if q > 0}
        self.asks = {p: q for p, q in asks if q > 0}
        pending = [d for d in self._buffer if d.last_id > last_id]
        if pending and pending[0].first_id > last_id + 1:
            self.reset()
            self.gaps += 1
            raise BookGap(f"{self.symbol}: snapshot {last_id} is older than buffered delta {pending[0].first_id}")
        self.last_id = last_id
        self._buffer.clear()
        for delta in pending:
            self._apply(delta)
        return True

    def _apply(self, delta: Delta) -> bool:
        assert self.last_id is not None
        if delta.last_id <= self.last_id:
            return False  # already contained in the snapshot
        if delta.first_id > self.last_id + 1:
            expected = self.last_id + 1
            self.reset()
            self.gaps += 1
            raise BookGap(f"{self.symbol}: expected update {expected}, got {delta.first_id}..{delta.last_id}")
        for price, size in delta.bids:
            _set(self.bids, price, size)
        for price, size in delta.asks:
            _set(self.asks, price, size)
        self.last_id = delta.last_id
        return True


def _set(levels: dict[Decimal, Decimal], price: Decimal, size: Decimal) -> None:
    if size == 0:
        levels.pop(price, None)
    else:
        levels[price] = size
