"""Deliberately broken market-data handling, for the self-test on every venue.

`BookGapIgnored` is a mixin for any connector (its local books are the base's BookKeeper): they
apply every delta as if it followed the last one, so a lost update leaves the book silently wrong.
`StaleTickerApplied` is Aster's real-time best bid/ask taken without its update id compared, so a
late message steps the top back. The other venues' connectors read no top-of-book message besides
their depth stream, so that bug has no variant there.

`EXPECTED_FAILURES` maps each class to (venue, the scenario that must fail for it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from xtb.connectors.aster import AsterConnector
from xtb.connectors.aster import mapping as aster_mapping
from xtb.connectors.aster.streams import AsterStreams, MarketStream
from xtb.connectors.backpack import BackpackConnector
from xtb.connectors.books import BookKeeper
from xtb.connectors.grvt import GrvtConnector
from xtb.connectors.lighter import LighterConnector
from xtb.connectors.orderbook import Delta, LocalBook


class GapBlindBook(LocalBook):
    """Skips the continuity check: a delta newer than the book is applied whatever came between."""

    def _apply(self, delta: Delta) -> bool:
        if self.last_id is not None and delta.last_id > self.last_id:
            delta = replace(delta, first_id=self.last_id + 1)
        return super()._apply(delta)


class BookGapIgnored:
    """Mixin: the connector's local books never notice a sequence gap (so never resync on one)."""

    books: BookKeeper

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # replaced in place: the stream sink holds the same BookKeeper
        for symbol in self.books.symbols:
            self.books.books[symbol] = GapBlindBook(symbol)


class BackpackBookGapIgnored(BookGapIgnored, BackpackConnector):
    pass


class LighterBookGapIgnored(BookGapIgnored, LighterConnector):
    pass


class GrvtBookGapIgnored(BookGapIgnored, GrvtConnector):
    pass


class AsterBookGapIgnored(BookGapIgnored, AsterConnector):
    pass


class _StaleTickerStream(MarketStream):
    """Publishes every bookTicker as it comes: its update id is never compared."""

    def on_book_ticker(self, data: Any) -> None:
        top = aster_mapping.parse_ws_book_ticker(data, self.sink.clock.monotonic())
        if self.books.synced(top.symbol):
            self.books.publish_top(top)  # without the update id: never compared


class AsterStaleTickerApplied(AsterConnector):
    """A late (reordered) best bid/ask message replaces a newer top."""

    def _streams(self) -> AsterStreams:
        streams = super()._streams()
        market = streams.market
        assert market is not None
        streams.market = _StaleTickerStream(
            market.sink, market.open_socket, market.rest, market.symbols, market.depth_speed
        )
        return streams


EXPECTED_FAILURES: dict[str, tuple[str, str]] = {
    "BackpackBookGapIgnored": ("backpack", "book_gap"),
    "LighterBookGapIgnored": ("lighter", "book_gap"),
    "GrvtBookGapIgnored": ("grvt", "book_gap"),
    "AsterBookGapIgnored": ("aster", "book_gap"),
    "AsterStaleTickerApplied": ("aster", "reordered_book_messages"),
}
