"""Engine.amend, a venue's modify: a live limit order gets a new size and price under its own id,
loses its queue place, matches if the new price crosses, and stays as it was when refused.

Market ETH: tick 0.01, step 0.1, min size 0.2, min notional 5 (tests/sim/test_engine.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.sim.test_engine import BUY, POST, SELL, lim, make, record
from xtb.sim.engine import BookChanged, OrderResized, OrderStatus, Reason, SimError, Trade


def test_amend_moves_the_order_under_its_id_to_the_back_of_the_queue() -> None:
    engine = make()
    first = lim(engine, "a", BUY, "1", "99")
    lim(engine, "b", BUY, "1", "100")
    events = record(engine)
    amended = engine.amend("a", first.order_id, D("2"), D("100"))
    assert (amended.order_id, amended.price, amended.size, amended.status) == (
        first.order_id,
        D("100"),
        D("2"),
        OrderStatus.NEW,
    )
    assert [type(e) for e in events] == [OrderResized, BookChanged]
    assert events[0].previous_size == D("1")  # type: ignore[attr-defined]
    taker = engine.submit("mm", "ETH", SELL, D("1"), price=D("100"))
    assert taker.filled == D("1")
    assert [f.account_id for f in engine.fills("b")] == ["b"] and not engine.fills("a")  # b was first at 100
    assert [(lv.price, lv.size) for lv in engine.book("ETH").bids] == [(D("100"), D("2"))]


def test_amend_to_a_crossing_price_trades() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "101")
    order = lim(engine, "a", BUY, "1", "99")
    events = record(engine)
    amended = engine.amend("a", order.order_id, D("1"), D("101"))
    assert amended.status is OrderStatus.FILLED and amended.filled == D("1")
    assert OrderResized in [type(e) for e in events] and Trade in [type(e) for e in events]


@pytest.mark.parametrize(
    ("size", "price", "reason"),
    [
        ("1", "99.005", Reason.PRICE_NOT_ON_TICK),
        ("1.05", "99", Reason.SIZE_NOT_ON_STEP),
        ("0.1", "99", Reason.BELOW_MIN_SIZE),
        ("0.5", "99", Reason.INVALID_SIZE),  # not above the 0.5 already filled
    ],
)
def test_a_refused_amend_leaves_the_order(size: str, price: str, reason: Reason) -> None:
    engine = make()
    order = lim(engine, "a", BUY, "1", "100")
    engine.submit("mm", "ETH", SELL, D("0.5"), price=D("100"))
    events = record(engine)
    with pytest.raises(SimError) as raised:
        engine.amend("a", order.order_id, D(size), D(price))
    assert raised.value.reason is reason and events == []
    view = engine.order(order.order_id)
    assert view is not None and (view.price, view.size, view.filled) == (D("100"), D("1"), D("0.5"))


def test_a_post_only_amend_that_would_cross_is_refused() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "101")
    order = lim(engine, "a", BUY, "1", "99", time_in_force=POST)
    with pytest.raises(SimError) as raised:
        engine.amend("a", order.order_id, D("1"), D("101"))
    assert raised.value.reason is Reason.POST_ONLY_WOULD_CROSS and not engine.fills("a")


def test_only_the_owner_amends_a_live_order() -> None:
    engine = make()
    order = lim(engine, "a", BUY, "1", "99")
    with pytest.raises(SimError) as raised:
        engine.amend("b", order.order_id, D("1"), D("98"))
    assert raised.value.reason is Reason.ORDER_NOT_FOUND
    engine.cancel("a", order.order_id)
    with pytest.raises(SimError) as raised:
        engine.amend("a", order.order_id, D("1"), D("98"))
    assert raised.value.reason is Reason.ORDER_CLOSED
