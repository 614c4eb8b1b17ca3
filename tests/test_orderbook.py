"""LocalBook: snapshot + delta sync by update id, numeric price keys, gaps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xtb.connectors.orderbook import BookGap, Delta, LocalBook

D = Decimal


def delta(first: int, last: int, bids=(), asks=()) -> Delta:
    return Delta(first, last, tuple((D(p), D(q)) for p, q in bids), tuple((D(p), D(q)) for p, q in asks))


def seeded(last_id: int = 10) -> LocalBook:
    book = LocalBook("X")
    book.on_snapshot([(D("99"), D("1")), (D("100"), D("2"))], [(D("101"), D("3"))], last_id)
    return book


def test_buffered_deltas_before_the_snapshot_are_replayed_or_dropped() -> None:
    book = LocalBook("X")
    assert not book.on_delta(delta(9, 9, bids=[("98", "5")]))  # buffered, covered by the snapshot
    assert not book.on_delta(delta(11, 11, bids=[("100.0", "0")]))  # buffered, after the snapshot
    assert not book.synced
    book.on_snapshot([(D("99"), D("1")), (D("100"), D("2"))], [(D("101"), D("3"))], 10)
    assert book.synced and book.last_id == 11
    assert book.best_bid() == (D("99"), D("1"))  # "100.0" deleted the level keyed "100"
    assert D("98") not in book.bids


def test_contiguous_deltas_apply_absolute_sizes() -> None:
    book = seeded()
    assert book.on_delta(delta(11, 11, asks=[("100.5", "1")]))
    assert book.on_delta(delta(12, 12, bids=[("99", "7")]))
    assert book.best_ask() == (D("100.5"), D("1"))
    assert book.bids[D("99")] == D("7")


def test_stale_delta_is_ignored() -> None:
    book = seeded()
    assert not book.on_delta(delta(5, 10, bids=[("1", "1")]))
    assert D("1") not in book.bids


def test_gap_raises_and_unsyncs() -> None:
    book = seeded()
    with pytest.raises(BookGap, match="expected update 11, got 13"):
        book.on_delta(delta(13, 13))
    assert not book.synced and book.gaps == 1 and book.bids == {}


def test_snapshot_older_than_the_buffer_is_refused() -> None:
    book = LocalBook("X")
    book.on_delta(delta(20, 20))
    with pytest.raises(BookGap, match="older"):
        book.on_snapshot([], [], 10)
    assert not book.synced


def test_snapshot_ahead_of_the_buffer_waits_for_the_next_delta() -> None:
    book = LocalBook("X")
    book.on_delta(delta(5, 5))
    book.on_snapshot([(D("1"), D("1"))], [], 10)
    assert not book.on_delta(delta(8, 10))
    assert book.on_delta(delta(11, 11, bids=[("2", "1")]))
    assert book.best_bid() == (D("2"), D("1"))


def test_backwards_ids_are_refused() -> None:
    with pytest.raises(BookGap):
        seeded().on_delta(delta(12, 11))


def test_empty_sides() -> None:
    book = LocalBook("X")
    book.on_snapshot([], [], 1)
    assert book.best_bid() is None and book.best_ask() is None
