"""The connector's local order books and their continuity, owned by the base (`BaseConnector.books`).

Every venue streams a book the same way in outline: levels from a snapshot (a REST answer, or the
stream's first frame), deltas checked for continuity, a gap that invalidates the book until it is
seeded again, and a top of book published only when it changed. What differs per venue is where a
snapshot comes from and what a gap costs (a new REST snapshot, or a resubscription), so those are
the venue's two lines; the rest lives here once.

A venue whose stream also carries a real-time best bid/offer beside the (aggregated) depth stream
(Aster's bookTicker) creates the keeper `ordered`: every published top carries the book's update
id, and a top older than the last one published is dropped, so two sources never step it back.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from decimal import Decimal

from xtb.clock import Clock
from xtb.connectors.orderbook import BookGap, Delta, Level, LocalBook
from xtb.model import Source, TopOfBook

log = logging.getLogger(__name__)

SEED_ATTEMPTS = 5
"""Snapshots taken, at most, to sync one book: each that lands before the buffered deltas is retried."""

Snapshot = tuple[Sequence[Level], Sequence[Level], int]  # bids, asks, the last update id it contains
SnapshotSource = Callable[[str], Awaitable[Snapshot]]


class Applied(enum.Enum):
    CHANGED = "changed"  # the book moved (its top was published if that changed)
    UNCHANGED = "unchanged"  # buffered before the snapshot, or already contained in it
    GAP = "gap"  # the stream skipped an update: the book is reset; seed it again or resubscribe


def top_of_levels(
    symbol: str,
    bids: Iterable[Level],
    asks: Iterable[Level],
    received_at: float,
    source: Source = Source.REST,
    venue_ts: float | None = None,
) -> TopOfBook:
    """The best level of each side that has a size (a zero-size level is no level, as in LocalBook),
    whatever order the venue lists them in."""
    best_bid = max((lv for lv in bids if lv[1] > 0), default=None, key=lambda level: level[0])
    best_ask = min((lv for lv in asks if lv[1] > 0), default=None, key=lambda level: level[0])
    return TopOfBook(
        symbol,
        best_bid[0] if best_bid else None,
        best_bid[1] if best_bid else None,
        best_ask[0] if best_ask else None,
        best_ask[1] if best_ask else None,
        source,
        received_at,
        venue_ts,
    )


class BookKeeper:
    """Local books for the streamed symbols, and the tops they publish."""

    def __init__(
        self,
        venue: str,
        symbols: Iterable[str],
        publish: Callable[[TopOfBook], None],
        clock: Clock,
        *,
        ordered: bool = False,
    ) -> None:
        self.venue = venue
        self.books: dict[str, LocalBook] = {s: LocalBook(s) for s in symbols}
        self._publish = publish
        self._clock = clock
        self.ordered = ordered
        self._top_ids: dict[str, int] = {}  # ordered only: the update id of the last published top
        self._published: dict[str, tuple[Decimal | None, ...]] = {}

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.books

    def __getitem__(self, symbol: str) -> LocalBook:
        return self.books[symbol]

    @property
    def symbols(self) -> list[str]:
        return list(self.books)

    def synced(self, symbol: str) -> bool:
        return symbol in self.books and self.books[symbol].synced

    def reset(self, symbol: str | None = None) -> None:
        """Forget the book(s): deltas are buffered until the next snapshot (a new connection)."""
        for name in [symbol] if symbol is not None else list(self.books):
            self.books[name].reset()
            self._top_ids.pop(name, None)

    def on_snapshot(self, symbol: str, bids: Sequence[Level], asks: Sequence[Level], last_id: int) -> None:
        """A snapshot the stream delivered (a subscription's first frame): the book starts afresh."""
        book = self.books[symbol]
        book.reset()
        self._top_ids.pop(symbol, None)
        book.on_snapshot(bids, asks, last_id)
        self.publish(symbol)

    async def seed(self, symbol: str, snapshot: SnapshotSource) -> None:
        """Sync one book from snapshots taken while its deltas are buffered; retried when a
        snapshot is older than the buffer. Raises BookGap after SEED_ATTEMPTS."""
        for _ in range(SEED_ATTEMPTS):
            bids, asks, last_id = await snapshot(symbol)
            try:
                self.books[symbol].on_snapshot(bids, asks, last_id)
            except BookGap as gap:
                log.warning("book resync venue=%s symbol=%s reason=%s", self.venue, symbol, gap)
                continue
            self.publish(symbol)
            return
        raise BookGap(f"{symbol}: could not sync the book after {SEED_ATTEMPTS} snapshots", venue=self.venue)

    def on_delta(self, symbol: str, delta: Delta) -> Applied:
        """Apply one delta (read whole by the caller before this). A gap resets the book and is
        reported, never raised: the venue decides how to get a new snapshot."""
        try:
            changed = self.books[symbol].on_delta(delta)
        except BookGap as gap:
            log.warning("book gap venue=%s symbol=%s %s", self.venue, symbol, gap)
            self._top_ids.pop(symbol, None)
            return Applied.GAP
        if changed:
            self.publish(symbol)
            return Applied.CHANGED
        return Applied.UNCHANGED

    def publish(self, symbol: str) -> None:
        """The book's top, when it changed (and, when ordered, unless a newer top was published)."""
        book = self.books[symbol]
        bid, ask = book.best_bid(), book.best_ask()
        top = TopOfBook(
            symbol,
            bid[0] if bid else None,
            bid[1] if bid else None,
            ask[0] if ask else None,
            ask[1] if ask else None,
            Source.WS,
            self._clock.monotonic(),
        )
        self.publish_top(top, book.last_id if self.ordered else None)

    def publish_top(self, top: TopOfBook, update_id: int | None = None) -> bool:
        """Publish a top from the stream (a book's, or a venue's real-time best bid/offer) when it
        differs from the last one; with an `update_id` (ordered books), only when it is newer and
        its book is synced. True when published."""
        if update_id is not None:
            if not self.synced(top.symbol) or update_id < self._top_ids.get(top.symbol, 0):
                return False
            self._top_ids[top.symbol] = update_id
        key = (top.bid, top.bid_size, top.ask, top.ask_size)
        if self._published.get(top.symbol) == key:
            return False
        self._published[top.symbol] = key
        self._publish(top)
        return True
