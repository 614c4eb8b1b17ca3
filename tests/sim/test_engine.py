"""Matching engine: validation and reject reasons, price-time matching, time in force, post-only,
reduce-only, self-trade, cancels, positions / PnL / fees, events, determinism, truth reads, reset.

Market ETH: tick 0.01, step 0.1, min size 0.2, min notional 5. Accounts mm, a, b hold 10000 each.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from xtb.clock import ManualClock
from xtb.model import Liquidity, MarketInfo, OrderType, Side, Source, TimeInForce
from xtb.sim.engine import (
    REJECTED_ORDER_ID,
    BalanceChanged,
    BookChanged,
    Engine,
    EngineEvent,
    LevelView,
    MarketSpec,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderRejected,
    OrderResized,
    OrderStatus,
    OrderView,
    PositionChanged,
    Reason,
    SimError,
    Trade,
    VenuePolicy,
)

BUY, SELL = Side.BUY, Side.SELL
IOC, FOK, POST = TimeInForce.IOC, TimeInForce.FOK, TimeInForce.POST_ONLY
ETH = MarketInfo("ETH", tick_size=D("0.01"), step_size=D("0.1"), min_size=D("0.2"), min_notional=D("5"))
SOL = MarketInfo("SOL", tick_size=D("0.001"), step_size=D("1"), min_size=D("1"))
FEES = VenuePolicy(maker_fee_rate=D("0.0002"), taker_fee_rate=D("0.0005"))


DEFAULT = VenuePolicy()


def make(policy: VenuePolicy = DEFAULT, clock: ManualClock | None = None) -> Engine:
    engine = Engine(clock or ManualClock(), seed=7)
    engine.add_market(MarketSpec(ETH, policy))
    engine.add_market(MarketSpec(SOL, policy))
    for name in ("mm", "a", "b"):
        engine.create_account(name, D("10000"))
    return engine


def record(engine: Engine) -> list[EngineEvent]:
    events: list[EngineEvent] = []
    engine.subscribe(events.append)
    return events


def lim(engine: Engine, account: str, side: Side, size: str, price: str, **kw: object) -> OrderView:
    return engine.submit(account, "ETH", side, D(size), price=D(price), **kw)  # type: ignore[arg-type]


def mkt(engine: Engine, account: str, side: Side, size: str, **kw: object) -> OrderView:
    return engine.submit(account, "ETH", side, D(size), order_type=OrderType.MARKET, **kw)  # type: ignore[arg-type]


def fills(engine: Engine, account: str) -> list[tuple[int, D, D]]:
    """(maker-or-taker order id, price, size) of the account's fills, oldest first."""
    return [(f.order_id, f.price, f.size) for f in engine.fills(account)]


def levels(engine: Engine, market: str = "ETH") -> tuple[list[tuple[D, D]], list[tuple[D, D]]]:
    book = engine.book(market, depth=50)
    return [(lv.price, lv.size) for lv in book.bids], [(lv.price, lv.size) for lv in book.asks]


def kinds(events: list[EngineEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


# -- validation and rejects --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "price", "reason"),
    [
        ("1", "100.005", Reason.PRICE_NOT_ON_TICK),
        ("1.05", "100", Reason.SIZE_NOT_ON_STEP),
        ("0", "100", Reason.INVALID_SIZE),
        ("-1", "100", Reason.INVALID_SIZE),
        ("1", "0", Reason.INVALID_PRICE),
        ("1", "-100", Reason.INVALID_PRICE),
        ("0.1", "100", Reason.BELOW_MIN_SIZE),
        ("0.4", "12.49", Reason.BELOW_MIN_NOTIONAL),
    ],
)
def test_limit_order_breaking_a_market_rule_is_rejected_with_its_reason(size: str, price: str, reason: Reason) -> None:
    engine = make()
    events = record(engine)
    view = lim(engine, "a", BUY, size, price)
    assert (view.status, view.reason, view.order_id) == (OrderStatus.REJECTED, reason, REJECTED_ORDER_ID)
    assert view.detail and view.filled == 0
    assert (view.size, view.price) == (D(size), D(price))
    assert kinds(events) == ["OrderRejected"] and events[0].order == view  # type: ignore[attr-defined]
    assert levels(engine) == ([], []) and engine.open_orders("a") == ()
    assert lim(engine, "a", BUY, "1", "99").order_id == 1  # the reject used no id


def test_min_notional_boundary_is_inclusive() -> None:
    engine = make()
    assert lim(engine, "a", BUY, "0.4", "12.50").status is OrderStatus.NEW  # 0.4 × 12.50 = 5
    assert lim(engine, "a", BUY, "0.4", "12.49").reason is Reason.BELOW_MIN_NOTIONAL


def test_order_shape_rejects() -> None:
    engine = make()
    no_price = engine.submit("a", "ETH", BUY, D("1"))
    post_market = mkt(engine, "a", BUY, "1", time_in_force=POST)
    assert no_price.reason is Reason.MISSING_PRICE
    assert post_market.reason is Reason.INVALID_TIME_IN_FORCE


def test_unknown_market_and_account_are_rejects() -> None:
    engine = make()
    assert engine.submit("a", "DOGE", BUY, D("1"), price=D("1")).reason is Reason.UNKNOWN_MARKET
    assert engine.submit("zz", "ETH", BUY, D("1"), price=D("100")).reason is Reason.UNKNOWN_ACCOUNT


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": 1.0},
        {"price": 100.0},
        {"side": "buy"},
        {"time_in_force": "gtc"},
        {"order_type": "limit"},
        {"client_id": True},
        {"client_id": 1.5},
        {"reduce_only": "false"},
    ],
    ids=[
        "float-size",
        "float-price",
        "str-side",
        "str-tif",
        "str-type",
        "bool-client-id",
        "float-client-id",
        "str-reduce-only",
    ],
)
def test_wrong_types_raise_and_change_nothing(kwargs: dict[str, object]) -> None:
    engine = make()
    events = record(engine)
    args: dict[str, object] = {"side": BUY, "size": D("1"), "price": D("100")} | kwargs
    side, size = args.pop("side"), args.pop("size")
    with pytest.raises(TypeError):
        engine.submit("a", "ETH", side, size, **args)  # type: ignore[arg-type]
    assert events == [] and engine.last_seq == 3  # only the 3 account openings
    assert levels(engine) == ([], [])


def test_non_finite_numbers_raise() -> None:
    engine = make()
    with pytest.raises(ValueError):
        engine.submit("a", "ETH", BUY, D("NaN"), price=D("100"))
    with pytest.raises(ValueError):
        engine.submit("a", "ETH", BUY, D("1"), price="Infinity")


def test_decimal_strings_and_ints_are_exact_inputs() -> None:
    engine = make()
    view = engine.submit("a", "ETH", BUY, "1.0", price=100)
    assert (view.status, view.price, view.size) == (OrderStatus.NEW, D("100.00"), D("1.0"))


def test_duplicate_client_id_is_refused_only_while_the_first_order_lives() -> None:
    engine = make()
    first = lim(engine, "a", BUY, "1", "99", client_id="c1")
    assert lim(engine, "a", BUY, "1", "98", client_id="c1").reason is Reason.DUPLICATE_CLIENT_ID
    assert lim(engine, "b", BUY, "1", "98", client_id="c1").status is OrderStatus.NEW  # per account
    assert lim(engine, "a", BUY, "1", "98", client_id=7).status is OrderStatus.NEW
    assert lim(engine, "a", BUY, "1", "98", client_id="7").status is OrderStatus.NEW  # opaque: "7" != 7
    engine.cancel_by_client_id("a", "c1")
    again = lim(engine, "a", BUY, "1", "97", client_id="c1")
    assert again.status is OrderStatus.NEW and again.order_id != first.order_id
    assert engine.order_by_client_id("a", "c1") == again


# -- matching ----------------------------------------------------------------------------------------


def test_price_then_time_priority_and_maker_price() -> None:
    engine = make()
    o1 = lim(engine, "mm", SELL, "1", "100.02")
    o2 = lim(engine, "b", SELL, "1", "100.01")
    o3 = lim(engine, "mm", SELL, "1", "100.01")
    taker = lim(engine, "a", BUY, "2.5", "100.02")
    assert fills(engine, "a") == [
        (taker.order_id, D("100.01"), D("1.0")),
        (taker.order_id, D("100.01"), D("1.0")),
        (taker.order_id, D("100.02"), D("0.5")),
    ]
    assert [f.order_id for f in engine.fills("b")] == [o2.order_id]
    assert [f.order_id for f in engine.fills("mm")] == [o3.order_id, o1.order_id]
    assert (taker.status, taker.filled, taker.filled_quote, taker.avg_price) == (
        OrderStatus.FILLED, D("2.5"), D("250.03"), D("100.012"),
    )  # fmt: skip
    rest = engine.order(o1.order_id)
    assert rest is not None and (rest.status, rest.filled, rest.remaining) == (
        OrderStatus.PARTIALLY_FILLED, D("0.5"), D("0.5"),
    )  # fmt: skip
    assert levels(engine) == ([], [(D("100.02"), D("0.5"))])


def test_gtc_remainder_rests_at_its_limit() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    taker = lim(engine, "a", BUY, "3", "100.05")
    assert (taker.status, taker.filled, taker.remaining) == (OrderStatus.PARTIALLY_FILLED, D("1.0"), D("2.0"))
    assert levels(engine) == ([(D("100.05"), D("2.0"))], [])
    assert [o.order_id for o in engine.open_orders("a")] == [taker.order_id]
    assert fills(engine, "a") == [(taker.order_id, D("100.00"), D("1.0"))]


def test_ioc_fills_what_it_can_and_expires_the_rest() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    taker = lim(engine, "a", BUY, "3", "100.05", time_in_force=IOC)
    assert (taker.status, taker.reason, taker.filled) == (OrderStatus.EXPIRED, Reason.IOC_REMAINDER, D("1.0"))
    assert levels(engine) == ([], []) and engine.open_orders("a") == ()
    lim(engine, "mm", SELL, "1", "100.00")
    miss = lim(engine, "a", BUY, "1", "99.99", time_in_force=IOC)
    assert (miss.status, miss.filled) == (OrderStatus.EXPIRED, D("0"))
    assert levels(engine) == ([], [(D("100.00"), D("1.0"))])


def test_fok_fills_in_full_or_not_at_all() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "mm", SELL, "1", "100.01")
    too_big = lim(engine, "a", BUY, "2.5", "100.01", time_in_force=FOK)
    beyond_limit = lim(engine, "a", BUY, "2", "100.00", time_in_force=FOK)
    for view in (too_big, beyond_limit):
        assert (view.status, view.reason, view.filled) == (OrderStatus.EXPIRED, Reason.FOK_NOT_FILLABLE, D("0"))
    assert engine.fills("a") == ()
    assert levels(engine) == ([], [(D("100.00"), D("1.0")), (D("100.01"), D("1.0"))])
    full = lim(engine, "a", BUY, "2", "100.01", time_in_force=FOK)
    assert (full.status, full.filled, full.avg_price) == (OrderStatus.FILLED, D("2.0"), D("100.005"))


def test_fok_unfillable_can_be_a_synchronous_reject() -> None:
    engine = make(VenuePolicy(fok_unfillable="reject"))
    lim(engine, "mm", SELL, "1", "100.00")
    view = lim(engine, "a", BUY, "2", "100.00", time_in_force=FOK)
    assert (view.status, view.reason) == (OrderStatus.REJECTED, Reason.FOK_NOT_FILLABLE)


@pytest.mark.parametrize(
    ("stp", "status", "reason", "own_maker"),
    [
        ("reject_taker", OrderStatus.EXPIRED, Reason.FOK_NOT_FILLABLE, OrderStatus.NEW),
        ("cancel_both", OrderStatus.EXPIRED, Reason.FOK_NOT_FILLABLE, OrderStatus.NEW),
        ("cancel_maker", OrderStatus.FILLED, None, OrderStatus.EXPIRED),
        ("allow", OrderStatus.FILLED, None, OrderStatus.FILLED),
    ],
)
def test_fok_dry_run_follows_the_self_trade_policy(
    stp: str, status: OrderStatus, reason: Reason | None, own_maker: OrderStatus
) -> None:
    engine = make(VenuePolicy(self_trade=stp))  # type: ignore[arg-type]
    own = lim(engine, "a", SELL, "1", "100.00")
    lim(engine, "mm", SELL, "1", "100.01")
    view = lim(engine, "a", BUY, "1", "100.01", time_in_force=FOK)
    assert (view.status, view.reason) == (status, reason)
    own_now = engine.order(own.order_id)
    assert own_now is not None and own_now.status is own_maker


def test_market_order_sweeps_then_expires_for_lack_of_liquidity() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "mm", SELL, "1", "100.50")
    view = mkt(engine, "a", BUY, "3")
    assert (view.status, view.reason, view.filled, view.avg_price, view.price) == (
        OrderStatus.EXPIRED, Reason.NO_LIQUIDITY, D("2.0"), D("100.25"), None,
    )  # fmt: skip
    empty = mkt(engine, "a", BUY, "1")
    assert (empty.status, empty.reason, empty.filled) == (OrderStatus.EXPIRED, Reason.NO_LIQUIDITY, D("0"))
    assert empty.order_id == view.order_id + 1


def test_market_order_stops_at_its_protection_price() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "mm", SELL, "1", "100.50")
    view = mkt(engine, "a", BUY, "3", price=D("100.20"))
    assert (view.status, view.reason, view.filled) == (OrderStatus.EXPIRED, Reason.SLIPPAGE_LIMIT, D("1.0"))
    assert levels(engine) == ([], [(D("100.50"), D("1.0"))])


def test_market_order_min_notional_is_judged_at_the_far_touch() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "12.49")
    assert mkt(engine, "a", BUY, "0.4").reason is Reason.BELOW_MIN_NOTIONAL
    assert mkt(engine, "a", BUY, "0.5").status is OrderStatus.FILLED


# -- post-only ---------------------------------------------------------------------------------------


def test_post_only_rests_when_it_does_not_cross() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    view = lim(engine, "a", BUY, "1", "99.99", time_in_force=POST)
    assert view.status is OrderStatus.NEW
    assert levels(engine) == ([(D("99.99"), D("1.0"))], [(D("100.00"), D("1.0"))])


def test_post_only_that_would_cross_is_rejected_synchronously() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    events = record(engine)
    view = lim(engine, "a", BUY, "1", "100.00", time_in_force=POST)
    assert (view.status, view.reason) == (OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS)
    assert kinds(events) == ["OrderRejected"]
    assert engine.fills("mm") == () and levels(engine) == ([], [(D("100.00"), D("1.0"))])


def test_post_only_that_would_cross_can_be_accepted_then_cancelled() -> None:
    engine = make(VenuePolicy(post_only_cross="cancel"))
    lim(engine, "mm", SELL, "1", "100.00")
    events = record(engine)
    view = lim(engine, "a", BUY, "1", "100.05", time_in_force=POST)
    assert (view.status, view.reason, view.filled) == (OrderStatus.EXPIRED, Reason.POST_ONLY_WOULD_CROSS, D("0"))
    assert kinds(events) == ["OrderAccepted", "OrderExpired"]
    assert engine.order(view.order_id) == view and engine.fills("a") == ()


# -- cancels -----------------------------------------------------------------------------------------


def test_cancel_by_order_id() -> None:
    engine = make()
    view = lim(engine, "a", BUY, "1", "99.00")
    done = engine.cancel("a", view.order_id)
    assert (done.status, done.reason, done.order_id) == (OrderStatus.CANCELLED, Reason.USER_CANCEL, view.order_id)
    assert levels(engine) == ([], []) and engine.open_orders("a") == ()
    assert engine.order(view.order_id) == done
    with pytest.raises(SimError) as closed:
        engine.cancel("a", view.order_id)
    assert closed.value.reason is Reason.ORDER_CLOSED
    with pytest.raises(SimError) as unknown:
        engine.cancel("a", 999)
    assert unknown.value.reason is Reason.ORDER_NOT_FOUND


def test_cancel_of_another_accounts_order_is_not_found() -> None:
    engine = make()
    view = lim(engine, "a", BUY, "1", "99.00")
    with pytest.raises(SimError) as err:
        engine.cancel("b", view.order_id)
    assert err.value.reason is Reason.ORDER_NOT_FOUND
    assert engine.open_orders("a")[0].status is OrderStatus.NEW


def test_cancel_after_a_partial_fill_keeps_the_fill() -> None:
    engine = make()
    maker = lim(engine, "mm", SELL, "2", "100.00")
    lim(engine, "a", BUY, "0.5", "100.00")
    done = engine.cancel("mm", maker.order_id)
    assert (done.status, done.filled, done.size) == (OrderStatus.CANCELLED, D("0.5"), D("2.0"))
    assert engine.position("mm", "ETH").size == D("-0.5")


def test_cancel_by_client_id() -> None:
    engine = make()
    lim(engine, "a", BUY, "1", "99.00", client_id="x-1")
    done = engine.cancel_by_client_id("a", "x-1")
    assert (done.status, done.client_id) == (OrderStatus.CANCELLED, "x-1")
    with pytest.raises(SimError) as err:
        engine.cancel_by_client_id("a", "nope")
    assert err.value.reason is Reason.ORDER_NOT_FOUND


def test_cancel_all_is_per_account_and_per_market() -> None:
    engine = make()
    a1 = lim(engine, "a", BUY, "1", "99.00")
    a2 = lim(engine, "a", SELL, "1", "101.00")
    a_sol = engine.submit("a", "SOL", BUY, D("1"), price=D("20.000"))
    b1 = lim(engine, "b", BUY, "1", "98.00")
    done = engine.cancel_all("a", "ETH")
    assert [(v.order_id, v.status, v.reason) for v in done] == [
        (a1.order_id, OrderStatus.CANCELLED, Reason.CANCEL_ALL),
        (a2.order_id, OrderStatus.CANCELLED, Reason.CANCEL_ALL),
    ]
    assert [o.order_id for o in engine.open_orders("a")] == [a_sol.order_id]
    assert [o.order_id for o in engine.open_orders("b")] == [b1.order_id]
    assert [v.order_id for v in engine.cancel_all("a")] == [a_sol.order_id]
    assert engine.cancel_all("a") == ()
    with pytest.raises(SimError) as err:
        engine.cancel_all("a", "NOPE")
    assert err.value.reason is Reason.UNKNOWN_MARKET


# -- self-trade --------------------------------------------------------------------------------------


def self_trade_book(stp: str) -> tuple[Engine, OrderView, OrderView]:
    engine = make(VenuePolicy(self_trade=stp))  # type: ignore[arg-type]
    lim(engine, "mm", SELL, "1", "100.00")
    own = lim(engine, "a", SELL, "1", "100.01")
    far = lim(engine, "mm", SELL, "1", "100.02")
    return engine, own, far


def test_self_trade_reject_taker_stops_the_incoming_order() -> None:
    engine, own, _far = self_trade_book("reject_taker")
    taker = lim(engine, "a", BUY, "3", "100.02")
    assert (taker.status, taker.reason, taker.filled) == (OrderStatus.EXPIRED, Reason.SELF_TRADE, D("1.0"))
    assert engine.order(own.order_id).status is OrderStatus.NEW  # type: ignore[union-attr]
    assert levels(engine) == ([], [(D("100.01"), D("1.0")), (D("100.02"), D("1.0"))])


def test_self_trade_cancel_maker_expires_the_resting_order_and_continues() -> None:
    engine, own, _far = self_trade_book("cancel_maker")
    taker = lim(engine, "a", BUY, "3", "100.02")
    own_now = engine.order(own.order_id)
    assert own_now is not None and (own_now.status, own_now.reason) == (OrderStatus.EXPIRED, Reason.SELF_TRADE)
    assert fills(engine, "a") == [(taker.order_id, D("100.00"), D("1.0")), (taker.order_id, D("100.02"), D("1.0"))]
    assert (taker.status, taker.remaining) == (OrderStatus.PARTIALLY_FILLED, D("1.0"))
    assert levels(engine) == ([(D("100.02"), D("1.0"))], [])


def test_self_trade_cancel_both() -> None:
    engine, own, _far = self_trade_book("cancel_both")
    taker = lim(engine, "a", BUY, "3", "100.02")
    assert (taker.status, taker.reason, taker.filled) == (OrderStatus.EXPIRED, Reason.SELF_TRADE, D("1.0"))
    assert engine.order(own.order_id).reason is Reason.SELF_TRADE  # type: ignore[union-attr]
    assert levels(engine) == ([], [(D("100.02"), D("1.0"))])


def test_self_trade_allowed_moves_no_position_but_charges_both_fees() -> None:
    engine = make(VenuePolicy(self_trade="allow", maker_fee_rate=D("0.0002"), taker_fee_rate=D("0.0005")))
    maker = lim(engine, "a", SELL, "1", "100.00")
    taker = lim(engine, "a", BUY, "1", "100.00")
    assert taker.status is OrderStatus.FILLED
    assert [(f.order_id, f.liquidity, f.fee) for f in engine.fills("a")] == [
        (taker.order_id, Liquidity.TAKER, D("0.05")),
        (maker.order_id, Liquidity.MAKER, D("0.02")),
    ]
    assert engine.position("a", "ETH").size == 0
    assert engine.balance("a").cash == D("9999.93")
    assert engine.fees_collected == D("0.07")


# -- reduce-only -------------------------------------------------------------------------------------


def long_two(policy: VenuePolicy = DEFAULT) -> Engine:
    """a long 2.0 @ 100.00 (bought from mm)."""
    engine = make(policy)
    lim(engine, "mm", SELL, "2", "100.00")
    lim(engine, "a", BUY, "2", "100.00")
    assert engine.position("a", "ETH").size == D("2.0")
    return engine


def test_reduce_only_without_position_is_rejected_or_cancelled() -> None:
    engine = make()
    view = lim(engine, "a", SELL, "1", "100.00", reduce_only=True)
    assert (view.status, view.reason) == (OrderStatus.REJECTED, Reason.REDUCE_ONLY_NO_POSITION)
    engine = make(VenuePolicy(reduce_only_no_position="cancel"))
    events = record(engine)
    view = lim(engine, "a", SELL, "1", "100.00", reduce_only=True)
    assert (view.status, view.reason) == (OrderStatus.EXPIRED, Reason.REDUCE_ONLY_NO_POSITION)
    assert kinds(events) == ["OrderAccepted", "OrderExpired"]


def test_reduce_only_on_the_position_side_would_increase_it() -> None:
    engine = long_two()
    view = lim(engine, "a", BUY, "1", "99.00", reduce_only=True)
    assert (view.status, view.reason) == (OrderStatus.REJECTED, Reason.REDUCE_ONLY_WOULD_INCREASE)


def test_reduce_only_oversize_clamp_fills_the_position_then_expires_the_rest() -> None:
    engine = long_two()
    lim(engine, "mm", BUY, "5", "99.00")
    view = lim(engine, "a", SELL, "3", "99.00", reduce_only=True)
    assert (view.status, view.reason, view.filled) == (OrderStatus.EXPIRED, Reason.REDUCE_ONLY_OVERSIZE, D("2.0"))
    assert engine.position("a", "ETH").size == 0
    assert levels(engine) == ([(D("99.00"), D("3.0"))], [])


@pytest.mark.parametrize(("oversize", "status"), [("reject", OrderStatus.REJECTED), ("cancel", OrderStatus.EXPIRED)])
def test_reduce_only_oversize_reject_or_cancel_trades_nothing(oversize: str, status: OrderStatus) -> None:
    engine = long_two(VenuePolicy(reduce_only_oversize=oversize))  # type: ignore[arg-type]
    lim(engine, "mm", BUY, "5", "99.00")
    view = lim(engine, "a", SELL, "3", "99.00", reduce_only=True)
    assert (view.status, view.reason, view.filled) == (status, Reason.REDUCE_ONLY_OVERSIZE, D("0"))
    assert engine.position("a", "ETH").size == D("2.0")


def test_fok_reduce_only_clamped_fills_the_whole_position_or_nothing() -> None:
    engine = long_two()
    lim(engine, "mm", BUY, "1.5", "99.00")
    short_book = lim(engine, "a", SELL, "3", "99.00", reduce_only=True, time_in_force=FOK)
    assert (short_book.status, short_book.reason, short_book.filled) == (
        OrderStatus.EXPIRED, Reason.FOK_NOT_FILLABLE, D("0"),
    )  # fmt: skip
    lim(engine, "mm", BUY, "1", "98.00")  # 2.5 bid in all: less than 3, enough for the position
    view = lim(engine, "a", SELL, "3", "98.00", reduce_only=True, time_in_force=FOK)
    assert (view.status, view.reason, view.filled) == (OrderStatus.EXPIRED, Reason.REDUCE_ONLY_OVERSIZE, D("2.0"))
    assert engine.position("a", "ETH").size == 0


def test_resting_reduce_only_is_clamped_to_the_position_when_placed() -> None:
    engine = long_two()
    events = record(engine)
    view = lim(engine, "a", SELL, "3", "101.00", reduce_only=True)
    assert (view.status, view.size, view.requested_size) == (OrderStatus.NEW, D("2.0"), D("3.0"))
    assert kinds(events) == ["OrderAccepted", "OrderResized", "BookChanged"]
    resized = events[1]
    assert isinstance(resized, OrderResized) and resized.previous_size == D("3.0")
    assert levels(engine) == ([], [(D("101.00"), D("2.0"))])


def test_resting_reduce_only_shrinks_with_the_position_then_expires_when_flat() -> None:
    engine = long_two()
    ro = lim(engine, "a", SELL, "2", "101.00", reduce_only=True)
    lim(engine, "mm", BUY, "1", "99.00")
    lim(engine, "a", SELL, "1", "99.00")  # not reduce-only: position 2 -> 1
    shrunk = engine.order(ro.order_id)
    assert shrunk is not None and (shrunk.status, shrunk.size) == (OrderStatus.NEW, D("1.0"))
    assert levels(engine) == ([], [(D("101.00"), D("1.0"))])
    lim(engine, "mm", BUY, "1", "99.00")
    lim(engine, "a", SELL, "1", "99.00")  # flat
    gone = engine.order(ro.order_id)
    assert gone is not None and (gone.status, gone.reason) == (OrderStatus.EXPIRED, Reason.REDUCE_ONLY_NO_POSITION)
    assert levels(engine) == ([], [])


def test_resting_reduce_only_beyond_a_shrunken_position_expires_without_clamp() -> None:
    engine = long_two(VenuePolicy(reduce_only_oversize="reject"))
    ro = lim(engine, "a", SELL, "2", "101.00", reduce_only=True)
    lim(engine, "mm", BUY, "1", "99.00")
    lim(engine, "a", SELL, "1", "99.00")
    gone = engine.order(ro.order_id)
    assert gone is not None and (gone.status, gone.reason) == (OrderStatus.EXPIRED, Reason.REDUCE_ONLY_OVERSIZE)


def test_reduce_only_makers_never_take_the_position_past_zero() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "a", BUY, "1", "100.00")  # a long 1.0
    first = lim(engine, "a", SELL, "0.6", "100.10", reduce_only=True)
    second = lim(engine, "a", SELL, "0.6", "100.20", reduce_only=True)  # each fits; together they do not
    taker = lim(engine, "b", BUY, "1.2", "100.20")
    assert fills(engine, "a")[1:] == [(first.order_id, D("100.10"), D("0.6")), (second.order_id, D("100.20"), D("0.4"))]
    assert engine.position("a", "ETH").size == 0
    second_now = engine.order(second.order_id)
    assert second_now is not None and (second_now.status, second_now.filled) == (OrderStatus.EXPIRED, D("0.4"))
    assert (taker.status, taker.filled) == (OrderStatus.PARTIALLY_FILLED, D("1.0"))
    assert levels(engine) == ([(D("100.20"), D("0.2"))], [])


def test_reduce_only_may_skip_min_notional_when_the_venue_says_so() -> None:
    engine = long_two(VenuePolicy(reduce_only_min_notional=False))
    lim(engine, "mm", BUY, "1", "10.00")
    view = lim(engine, "a", SELL, "0.2", "10.00", reduce_only=True)  # notional 2 < 5
    assert view.status is OrderStatus.FILLED
    assert lim(engine, "a", SELL, "0.2", "10.00").reason is Reason.BELOW_MIN_NOTIONAL


# -- positions, PnL, fees ----------------------------------------------------------------------------


def test_average_cost_pnl_is_exact_and_closes_to_zero() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "mm", SELL, "2", "100.10")
    lim(engine, "a", BUY, "3", "100.10")
    pos = engine.position("a", "ETH")
    assert (pos.size, pos.cost_basis, pos.realized_pnl) == (D("3.0"), D("300.200"), 0)
    lim(engine, "mm", BUY, "1", "100.20")
    lim(engine, "mm", BUY, "2", "100.00")
    lim(engine, "a", SELL, "1", "100.20")
    pos = engine.position("a", "ETH")
    # a third of the basis, floored to the 0.001 unit; the residue stays in what is still open
    assert (pos.size, pos.cost_basis, pos.realized_pnl, pos.entry_price) == (
        D("2.0"), D("200.134"), D("0.134"), D("100.067"),
    )  # fmt: skip
    lim(engine, "a", SELL, "2", "100.00")
    pos = engine.position("a", "ETH")
    assert (pos.size, pos.cost_basis, pos.realized_pnl, pos.entry_price) == (0, 0, 0, None)
    assert engine.position("mm", "ETH").realized_pnl == 0
    assert engine.balance("a").cash == D("10000")


def test_flip_through_zero_realizes_then_opens_at_the_fill_price() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "a", BUY, "1", "100.00")
    lim(engine, "mm", BUY, "3", "101.00")
    lim(engine, "a", SELL, "3", "101.00")
    pos = engine.position("a", "ETH")
    assert (pos.size, pos.cost_basis, pos.realized_pnl, pos.entry_price) == (D("-2.0"), D("-202.000"), D("1.000"), 101)
    assert engine.balance("a").cash == D("10001.000")
    mm = engine.position("mm", "ETH")
    assert (mm.size, mm.realized_pnl) == (D("2.0"), D("-1.000"))


def test_short_profits_when_price_falls() -> None:
    engine = make()
    lim(engine, "mm", BUY, "2", "100.00")
    lim(engine, "a", SELL, "2", "100.00")
    lim(engine, "mm", SELL, "2", "99.00")
    lim(engine, "a", BUY, "2", "99.00")
    assert engine.position("a", "ETH").realized_pnl == D("2.000")
    assert engine.balance("a").cash == D("10002.000")


def test_maker_and_taker_fees_are_charged_in_quote_to_a_fee_sink() -> None:
    engine = make(FEES)
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "a", BUY, "1", "100.00")
    (taker_fill,) = engine.fills("a")
    (maker_fill,) = engine.fills("mm")
    assert (taker_fill.fee, taker_fill.liquidity) == (D("0.05"), Liquidity.TAKER)
    assert (maker_fill.fee, maker_fill.liquidity) == (D("0.02"), Liquidity.MAKER)
    assert taker_fill.trade_id == maker_fill.trade_id
    a, mm = engine.balance("a"), engine.balance("mm")
    assert (a.cash, a.fees_paid, mm.cash, mm.fees_paid) == (D("9999.95"), D("0.05"), D("9999.98"), D("0.02"))
    assert engine.fees_collected == D("0.07")


def test_negative_maker_fee_is_a_rebate() -> None:
    engine = make(VenuePolicy(maker_fee_rate=D("-0.0001"), taker_fee_rate=D("0.0005")))
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "a", BUY, "1", "100.00")
    assert engine.balance("mm").cash == D("10000.01")
    assert engine.fees_collected == D("0.04")


def test_cash_always_equals_deposits_plus_realized_minus_fees() -> None:
    engine = make(FEES)
    lim(engine, "mm", SELL, "3", "100.00")
    lim(engine, "a", BUY, "3", "100.00")
    lim(engine, "mm", BUY, "1", "100.37")
    lim(engine, "a", SELL, "1", "100.37")
    for name in ("a", "mm"):
        bal = engine.balance(name)
        assert bal.cash == bal.deposits + bal.realized_pnl - bal.fees_paid
    assert engine.balance("a").realized_pnl == D("0.370")


def test_accounts_create_fund_and_withdraw() -> None:
    engine = make()
    events = record(engine)
    with pytest.raises(ValueError):
        engine.create_account("a", D("1"))
    assert engine.fund("a", D("5.5")).cash == D("10005.5")
    assert engine.fund("a", "-5.5").cash == D("10000.0")
    with pytest.raises(ValueError):
        engine.fund("a", D("-10000.1"))
    with pytest.raises(TypeError):
        engine.fund("a", 1.5)
    with pytest.raises(SimError) as err:
        engine.fund("zz", D("1"))
    assert err.value.reason is Reason.UNKNOWN_ACCOUNT
    assert engine.balance("a").deposits == D("10000.0")
    deltas = [e.delta for e in events if isinstance(e, BalanceChanged)]
    assert deltas == [D("5.5"), D("-5.5")]


# -- events ------------------------------------------------------------------------------------------


def test_events_of_a_crossing_order_in_order() -> None:
    clock = ManualClock()
    engine = make(FEES, clock)
    maker = lim(engine, "mm", SELL, "1", "100.00")
    clock.advance(1.5)
    events = record(engine)
    seq0 = engine.last_seq
    taker = lim(engine, "a", BUY, "1.5", "100.00")
    assert kinds(events) == [
        "OrderAccepted",
        "Trade",
        "PositionChanged",
        "BalanceChanged",
        "PositionChanged",
        "BalanceChanged",
        "BookChanged",
    ]
    assert [e.seq for e in events] == list(range(seq0 + 1, seq0 + 8))
    assert {e.ts for e in events} == {clock.time()}
    accepted, trade, pos_a, bal_a, pos_mm, bal_mm, book = events
    assert isinstance(accepted, OrderAccepted) and accepted.order.status is OrderStatus.NEW
    assert isinstance(trade, Trade)
    assert (trade.price, trade.size, trade.taker_side, trade.trade_id) == (D("100.00"), D("1.0"), BUY, 1)
    assert (trade.taker.account_id, trade.maker.account_id) == ("a", "mm")
    assert (trade.taker_order.order_id, trade.maker_order.order_id) == (taker.order_id, maker.order_id)
    assert (trade.taker_order.status, trade.maker_order.status) == (OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED)
    assert trade.taker.seq == trade.seq
    assert isinstance(pos_a, PositionChanged) and (pos_a.position.account_id, pos_a.position.size) == ("a", D("1.0"))
    assert isinstance(bal_a, BalanceChanged) and bal_a.delta == D("-0.05")
    assert isinstance(pos_mm, PositionChanged) and pos_mm.position.size == D("-1.0")
    assert isinstance(bal_mm, BalanceChanged) and bal_mm.delta == D("-0.02")
    assert isinstance(book, BookChanged)
    assert book.levels == (LevelView(BUY, D("100.00"), D("0.5"), 1), LevelView(SELL, D("100.00"), D("0"), 0))
    assert (book.bid, book.bid_size, book.ask, book.ask_size, book.top_changed) == (
        D("100.00"), D("0.5"), None, None, True,
    )  # fmt: skip


def test_events_of_a_sweep_that_skips_a_maker_and_expires() -> None:
    engine = make(VenuePolicy(self_trade="cancel_maker"))
    own = lim(engine, "a", SELL, "1", "100.00")
    lim(engine, "mm", SELL, "1", "100.01")
    events = record(engine)
    taker = lim(engine, "a", BUY, "2", "100.01", time_in_force=IOC)
    assert kinds(events) == [
        "OrderAccepted", "OrderExpired", "Trade", "OrderExpired", "PositionChanged", "PositionChanged", "BookChanged",
    ]  # fmt: skip
    assert [e.order.order_id for e in events if isinstance(e, OrderExpired)] == [own.order_id, taker.order_id]
    assert [e.position.account_id for e in events if isinstance(e, PositionChanged)] == ["a", "mm"]
    book = events[-1]
    assert isinstance(book, BookChanged) and [lv.size for lv in book.levels] == [D("0"), D("0")]


def test_book_event_reports_a_change_below_the_top_without_top_changed() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    events = record(engine)
    lim(engine, "mm", SELL, "1", "100.05")
    (_accepted, book) = events
    assert isinstance(book, BookChanged) and not book.top_changed
    assert book.levels == (LevelView(SELL, D("100.05"), D("1.0"), 1),)
    assert (book.ask, book.ask_size) == (D("100.00"), D("1.0"))


def test_cancel_events() -> None:
    engine = make()
    view = lim(engine, "a", BUY, "1", "99.00")
    events = record(engine)
    engine.cancel("a", view.order_id)
    assert kinds(events) == ["OrderCancelled", "BookChanged"]
    cancelled = events[0]
    assert isinstance(cancelled, OrderCancelled) and cancelled.order.reason is Reason.USER_CANCEL


def test_listeners_run_after_the_operation_and_may_call_back_in() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    seen: list[tuple[str, int]] = []

    def requote(event: EngineEvent) -> None:
        seen.append((type(event).__name__, event.seq))
        if isinstance(event, Trade):
            # the operation is complete: the position is already final
            assert engine.position("a", "ETH").size == D("1.0")
            lim(engine, "mm", SELL, "1", "100.01")

    engine.subscribe(requote)
    lim(engine, "a", BUY, "1", "100.00")
    names = [name for name, _ in seen]
    assert names == ["OrderAccepted", "Trade", "PositionChanged", "PositionChanged", "BookChanged",
                     "OrderAccepted", "BookChanged"]  # fmt: skip
    assert [s for _, s in seen] == list(range(seen[0][1], seen[0][1] + 7))
    assert levels(engine) == ([], [(D("100.01"), D("1.0"))])


def test_unsubscribe_stops_delivery() -> None:
    engine = make()
    events: list[EngineEvent] = []
    unsubscribe = engine.subscribe(events.append)
    lim(engine, "a", BUY, "1", "99.00")
    unsubscribe()
    lim(engine, "a", BUY, "1", "98.00")
    assert kinds(events) == ["OrderAccepted", "BookChanged"]


def test_a_failing_listener_loses_no_event() -> None:
    engine = make()
    lim(engine, "mm", SELL, "1", "100.00")
    got: list[int] = []
    engine.subscribe(lambda e: got.append(e.seq))

    def boom(event: EngineEvent) -> None:
        if isinstance(event, Trade):
            raise RuntimeError("listener bug")

    unsubscribe = engine.subscribe(boom)
    with pytest.raises(RuntimeError):
        lim(engine, "a", BUY, "1", "100.00")
    assert engine.position("a", "ETH").size == D("1.0")  # the operation itself completed
    unsubscribe()
    lim(engine, "a", BUY, "1", "99.00")
    assert got == list(range(got[0], got[0] + len(got))) and got[-1] == engine.last_seq


def test_views_and_events_are_frozen() -> None:
    engine = make()
    events = record(engine)
    view = lim(engine, "a", BUY, "1", "99.00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.size = D("2")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[0].seq = 0  # type: ignore[misc]


# -- determinism -------------------------------------------------------------------------------------

SCRIPT = """
import hashlib, random
from decimal import Decimal as D
from xtb.clock import ManualClock
from xtb.model import MarketInfo, OrderType, Side, TimeInForce
from xtb.sim.engine import Engine, MarketSpec, VenuePolicy

def run(seed):
    engine = Engine(ManualClock(), seed=seed)
    info = MarketInfo("ETH", D("0.01"), D("0.1"), D("0.1"))
    engine.add_market(MarketSpec(info, VenuePolicy(self_trade="cancel_maker", maker_fee_rate=D("0.0002"))))
    names = ["acct-%s" % c for c in "qwertyuiop"]
    for name in names:
        engine.create_account(name, D(1000))
    out = []
    engine.subscribe(lambda e: out.append(repr(e)))
    rng = random.Random(seed)
    for _ in range(400):
        name = rng.choice(names)
        if rng.random() < 0.15:
            engine.cancel_all(name, "ETH")
            continue
        side = rng.choice([Side.BUY, Side.SELL])
        tif = rng.choice(list(TimeInForce))
        engine.submit(name, "ETH", side, D(rng.randint(1, 9)) / 10, price=D(rng.randint(9990, 10010)) / 100,
                      time_in_force=tif, reduce_only=rng.random() < 0.2, client_id=rng.randint(1, 3))
    return hashlib.sha256("\\n".join(out).encode()).hexdigest(), len(out)

print(run(11))
"""


def test_same_calls_give_the_same_events() -> None:
    namespace: dict[str, object] = {}
    exec(SCRIPT.replace("print(run(11))", ""), namespace)
    run = namespace["run"]
    first = run(11)  # type: ignore[operator]
    assert first == run(11)  # type: ignore[operator]
    assert first[1] > 500


def test_events_do_not_depend_on_hash_randomization() -> None:
    root = Path(__file__).resolve().parents[2]
    outputs = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(root))
        proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
        outputs.add(proc.stdout.strip())
    assert len(outputs) == 1, outputs
    assert hashlib.sha256(b"").hexdigest() not in outputs.pop()


# -- truth reads and reset ---------------------------------------------------------------------------


def test_book_levels_are_aggregated_best_first_and_cut_at_depth() -> None:
    engine = make()
    for size, price in (("1", "100.01"), ("2", "100.01"), ("1", "100.02"), ("1", "100.03")):
        lim(engine, "mm", SELL, size, price)
    lim(engine, "mm", BUY, "1", "99.99")
    lim(engine, "b", BUY, "1.5", "99.98")
    book = engine.book("ETH", depth=2)
    assert book.asks == (LevelView(SELL, D("100.01"), D("3.0"), 2), LevelView(SELL, D("100.02"), D("1.0"), 1))
    assert book.bids == (LevelView(BUY, D("99.99"), D("1.0"), 1), LevelView(BUY, D("99.98"), D("1.5"), 1))
    top = engine.top_of_book("ETH")
    assert (top.bid, top.bid_size, top.ask, top.ask_size, top.source) == (
        D("99.99"), D("1.0"), D("100.01"), D("3.0"), Source.LOCAL,
    )  # fmt: skip
    assert [o.price for o in engine.resting_orders("ETH")] == [
        D("99.99"), D("99.98"), D("100.01"), D("100.01"), D("100.02"), D("100.03"),
    ]  # fmt: skip
    with pytest.raises(SimError):
        engine.book("NOPE")


def test_truth_reads_per_account_and_market() -> None:
    engine = make()
    eth = lim(engine, "a", BUY, "1", "99.00", client_id="e")
    sol = engine.submit("a", "SOL", SELL, D("2"), price=D("20.500"), client_id="s")
    engine.submit("mm", "SOL", BUY, D("2"), price=D("20.500"))
    assert [o.order_id for o in engine.open_orders("a", "ETH")] == [eth.order_id]
    assert engine.order_by_client_id("a", "s").status is OrderStatus.FILLED  # type: ignore[union-attr]
    assert engine.order_by_client_id("a", "zz") is None and engine.order(999) is None
    assert [(f.market, f.price, f.size) for f in engine.fills("a", "SOL")] == [("SOL", D("20.500"), D("2"))]
    assert engine.fills("a", "ETH") == ()
    assert [(p.market, p.size) for p in engine.positions("a")] == [("SOL", D("-2"))]
    assert engine.position("b", "ETH").size == 0 and engine.positions("b") == ()
    assert engine.accounts() == ("mm", "a", "b")
    assert [s.symbol for s in engine.markets()] == ["ETH", "SOL"] and engine.market("SOL").info == SOL
    assert sol.order_id == eth.order_id + 1
    with pytest.raises(SimError) as err:
        engine.open_orders("zz")
    assert err.value.reason is Reason.UNKNOWN_ACCOUNT


def test_reset_forgets_state_but_keeps_markets_and_listeners() -> None:
    engine = make(FEES)
    events = record(engine)
    lim(engine, "mm", SELL, "1", "100.00")
    lim(engine, "a", BUY, "1", "100.00")
    engine.rng.random()
    engine.reset()
    assert engine.accounts() == () and engine.last_seq == 0 and engine.fees_collected == 0
    assert engine.order(1) is None and levels(engine) == ([], [])
    assert [s.symbol for s in engine.markets()] == ["ETH", "SOL"]
    events.clear()
    engine.create_account("a", D("1"))
    engine.create_account("mm", D("1"))
    assert kinds(events) == ["BalanceChanged", "BalanceChanged"] and events[0].seq == 1
    assert lim(engine, "a", BUY, "1", "99.00").order_id == 1
    import random

    assert engine.rng.random() == random.Random(7).random()


def test_history_bounds_closed_orders_and_fills_but_never_live_orders() -> None:
    engine = Engine(ManualClock(), history=3)
    engine.add_market(MarketSpec(ETH))
    engine.create_account("mm", D("10000"))
    engine.create_account("a", D("10000"))
    live = lim(engine, "mm", SELL, "10", "100.00")
    takers = [lim(engine, "a", BUY, "1", "100.00", client_id=n) for n in range(5)]
    assert [engine.order(t.order_id) is not None for t in takers] == [False, False, True, True, True]
    assert engine.order_by_client_id("a", 0) is None and engine.order_by_client_id("a", 4) == takers[4]
    assert engine.order(live.order_id) is not None  # still resting: never forgotten
    assert [f.order_id for f in engine.fills("a")] == [t.order_id for t in takers[2:]]
    assert lim(engine, "a", BUY, "1", "100.00", client_id=0).status is OrderStatus.FILLED
    with pytest.raises(ValueError):
        Engine(ManualClock(), history=0)


def test_market_and_policy_validation() -> None:
    engine = make()
    with pytest.raises(ValueError):
        engine.add_market(MarketSpec(ETH))
    with pytest.raises(ValueError):
        VenuePolicy(self_trade="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        VenuePolicy(maker_fee_rate=0.001)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        engine.create_account(1.5, D("1"))  # type: ignore[arg-type]


def test_rejected_and_cancelled_views_are_distinct_from_live_ones() -> None:
    engine = make()
    events = record(engine)
    view = lim(engine, "a", BUY, "1", "99.00")
    engine.cancel("a", view.order_id)
    accepted, _, cancelled, _ = events
    assert isinstance(accepted, OrderAccepted) and accepted.order.is_open and accepted.order.status is OrderStatus.NEW
    assert isinstance(cancelled, OrderCancelled) and not cancelled.order.is_open
    assert isinstance(lim(engine, "a", BUY, "0.2", "9.00"), OrderView)
    assert isinstance(events[-1], OrderRejected)
    assert not any(isinstance(e, OrderExpired) for e in events)


# -- the venue ending an order on its own ----------------------------------------------------------


def test_expire_ends_a_partly_filled_order_keeping_its_fill() -> None:
    engine = make()
    maker = lim(engine, "a", BUY, "1", "100")
    mkt(engine, "b", SELL, "0.4")
    events = record(engine)
    view = engine.expire(maker.order_id)
    assert (view.status, view.reason, view.filled) == (OrderStatus.EXPIRED, Reason.SELF_TRADE, D("0.4"))
    assert kinds(events) == ["OrderExpired", "BookChanged"]
    assert engine.open_orders("a") == () and levels(engine) == ([], [])
    assert engine.position("a", "ETH").size == D("0.4")


def test_expire_refuses_closed_unknown_orders_and_other_reasons() -> None:
    engine = make()
    maker = lim(engine, "a", BUY, "1", "100")
    with pytest.raises(ValueError, match=r"not Reason\.USER_CANCEL"):
        engine.expire(maker.order_id, Reason.USER_CANCEL)
    engine.cancel("a", maker.order_id)
    with pytest.raises(SimError, match="is cancelled"):
        engine.expire(maker.order_id)
    with pytest.raises(SimError, match="no order 999"):
        engine.expire(999)
