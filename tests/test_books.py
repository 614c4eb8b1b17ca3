"""BookKeeper: the connector's books — seeding with retries, gaps reported, tops published on change."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from xtb.clock import ManualClock
from xtb.connectors.books import Applied, BookKeeper, top_of_levels
from xtb.connectors.orderbook import BookGap, Delta
from xtb.model import Source, TopOfBook

D = Decimal


def levels(*pairs: tuple[str, str]) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((D(p), D(q)) for p, q in pairs)


def keeper(ordered: bool = False) -> tuple[BookKeeper, list[TopOfBook]]:
    published: list[TopOfBook] = []
    return BookKeeper("demo", ["X"], published.append, ManualClock(), ordered=ordered), published


def tops(published: list[TopOfBook]) -> list[tuple[Decimal | None, Decimal | None]]:
    return [(t.bid, t.ask) for t in published]


def test_a_seed_retries_a_snapshot_older_than_the_buffered_deltas() -> None:
    books, published = keeper()
    answers = iter([(levels(("98", "1")), levels(("101", "1")), 10), (levels(("98", "1")), levels(("101", "1")), 22)])
    stream = iter([Delta(21, 22, levels(("99", "1")), ()), Delta(23, 23, (), levels(("100.5", "1")))])
    asked: list[str] = []

    async def snapshot(symbol: str):
        books.on_delta(symbol, next(stream))  # the stream goes on while the snapshot is in flight
        asked.append(symbol)
        return next(answers)

    asyncio.run(books.seed("X", snapshot))
    assert asked == ["X", "X"]  # the first snapshot (10) predates the buffered 21..22: taken again
    assert books.synced("X") and books["X"].last_id == 23
    assert tops(published) == [(D("98"), D("100.5"))]  # only the synced book's top, after the replay


def test_a_seed_gives_up_after_its_attempts() -> None:
    books, _ = keeper()

    async def stale(symbol: str):
        books.on_delta(symbol, Delta(50, 50, (), ()))  # the stream is always ahead of the snapshot
        return (), (), 1

    with pytest.raises(BookGap, match="could not sync the book after 5 snapshots"):
        asyncio.run(books.seed("X", stale))


def test_a_gap_is_reported_and_the_book_waits_for_a_new_snapshot() -> None:
    books, published = keeper()
    books.on_snapshot("X", levels(("99", "1")), levels(("101", "1")), 10)
    assert books.on_delta("X", Delta(11, 11, levels(("100", "2")), ())) is Applied.CHANGED
    assert books.on_delta("X", Delta(11, 11, (), ())) is Applied.UNCHANGED  # already applied
    assert books.on_delta("X", Delta(13, 13, levels(("100.5", "1")), ())) is Applied.GAP
    assert not books.synced("X")
    assert tops(published) == [(D("99"), D("101")), (D("100"), D("101"))]  # nothing from past the gap


def test_an_unchanged_top_is_not_published_again() -> None:
    books, published = keeper()
    books.on_snapshot("X", levels(("99", "1")), levels(("101", "1")), 10)
    books.on_delta("X", Delta(11, 11, levels(("98", "4")), ()))  # below the top: the top is the same
    assert len(published) == 1


def test_ordered_tops_never_step_back() -> None:
    books, published = keeper(ordered=True)
    ticker = TopOfBook("X", D("99.5"), D("1"), D("101"), D("1"), Source.WS, 0.0)
    assert not books.publish_top(ticker, update_id=5)  # the book is not synced yet: not published
    books.on_snapshot("X", levels(("99", "1")), levels(("101", "1")), 10)
    assert books.publish_top(ticker, update_id=12)  # newer than the book's 10
    books.on_delta("X", Delta(11, 11, levels(("99.2", "1")), ()))  # the book at 11: older than the ticker
    stale = TopOfBook("X", D("99.1"), D("1"), D("101"), D("1"), Source.WS, 0.0)
    assert not books.publish_top(stale, update_id=9)
    assert tops(published) == [(D("99"), D("101")), (D("99.5"), D("101"))]


def test_top_of_levels_takes_the_best_level_with_a_size_in_any_order() -> None:
    top = top_of_levels("X", levels(("98", "1"), ("99", "0"), ("97", "2")), levels(("102", "1"), ("101", "3")), 1.5)
    assert (top.bid, top.bid_size, top.ask, top.ask_size) == (D("98"), D("1"), D("101"), D("3"))
    assert (top.source, top.received_at) == (Source.REST, 1.5)
    empty = top_of_levels("X", levels(("98", "0")), (), 0.0)
    assert (empty.bid, empty.ask) == (None, None)
