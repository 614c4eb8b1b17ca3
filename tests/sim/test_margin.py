"""Initial margin at order entry (xtb/sim/margin.py) through the engine, with hand-computed numbers.

Market X: tick 0.5, step 0.1, initial margin 10 %, maintenance 5 %. Market Y: tick 0.01, step 1,
initial 5 %, maintenance 2 %. Market Z asks for no margin. No fees: every cash move is a PnL.
Account "mm" (1e9) makes the book; account "a" holds what each test says.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xtb.clock import ManualClock
from xtb.model import MarketInfo, OrderType, Side
from xtb.sim.engine import Engine, MarketSpec, OrderStatus, Reason, SimError
from xtb.sim.margin import MarginFigures, figures

BUY, SELL = Side.BUY, Side.SELL
X_INFO = MarketInfo("X", tick_size=D("0.5"), step_size=D("0.1"), min_size=D("0.1"))
X = MarketSpec(X_INFO, initial_margin_fraction=D("0.1"), maintenance_margin_fraction=D("0.05"))
Y_INFO = MarketInfo("Y", tick_size=D("0.01"), step_size=D("1"), min_size=D("1"))
Y = MarketSpec(Y_INFO, initial_margin_fraction=D("0.05"), maintenance_margin_fraction=D("0.02"))
Z = MarketSpec(MarketInfo("Z", tick_size=D("0.5"), step_size=D("0.1"), min_size=D("0.1")))


def make(cash: str) -> Engine:
    engine = Engine(ManualClock(), seed=1)
    for spec in (X, Y, Z):
        engine.add_market(spec)
    engine.create_account("mm", D("1000000000"))
    engine.create_account("a", D(cash))
    return engine


def account_figures(engine: Engine, account: str) -> MarginFigures:
    return figures(engine._markets, engine._accounts[account])  # the model read directly, as the engine does


def refused(view: object) -> bool:
    return view.status is OrderStatus.REJECTED and view.reason is Reason.INSUFFICIENT_MARGIN  # type: ignore[attr-defined]


def long_10_at_100(cash: str) -> Engine:
    """Account a bought 10 X at 100 from mm; the book is then emptied."""
    engine = make(cash)
    engine.submit("mm", "X", SELL, "10", price="100")
    assert engine.submit("a", "X", BUY, "10", price="100").status is OrderStatus.FILLED
    return engine


# ---------------------------------------------------------------------------------- resting orders


def test_a_resting_order_may_use_all_of_the_equity_and_not_a_cent_more() -> None:
    engine = make("1000")
    over = engine.submit("a", "X", BUY, "100.1", price="100")  # 0.1 × 100.1 × 100 = 1001 > 1000
    assert refused(over) and over.order_id == 0
    assert over.detail == (
        "order needs initial margin 1001.000 but 1000 is available (equity 1000, initial margin in use 0)"
    )
    assert engine.open_orders("a") == ()
    assert engine.submit("a", "X", BUY, "100", price="100").status is OrderStatus.NEW  # exactly 1000


def test_resting_orders_use_margin_across_markets() -> None:
    engine = make("1000")
    assert engine.submit("a", "Y", SELL, "10", price="50").status is OrderStatus.NEW  # 0.05 × 10 × 50 = 25
    assert refused(engine.submit("a", "X", BUY, "97.6", price="100"))  # 976 > 975
    assert engine.submit("a", "X", BUY, "97.5", price="100").status is OrderStatus.NEW  # 975
    assert account_figures(engine, "a") == MarginFigures(equity=D("1000"), initial=D("1000"), maintenance=D(0))


def test_a_modify_counts_the_new_order_without_the_old_one() -> None:
    engine = make("1000")
    order = engine.submit("a", "X", BUY, "100", price="100")  # uses all 1000
    moved = engine.amend("a", order.order_id, D("100"), D("99.5"))  # 0.1 × 100 × 99.5 = 995: fits alone
    assert moved.status is OrderStatus.NEW and moved.price == D("99.5")
    with pytest.raises(SimError) as raised:
        engine.amend("a", order.order_id, D("100.6"), D("99.5"))  # 0.1 × 100.6 × 99.5 = 1000.97 > 1000
    assert raised.value.reason is Reason.INSUFFICIENT_MARGIN
    assert engine.order(order.order_id).size == D("100") and engine.order(order.order_id).price == D("99.5")


def test_a_cancel_frees_the_margin_of_the_order() -> None:
    engine = make("1000")
    resting = engine.submit("a", "X", BUY, "100", price="100")
    assert refused(engine.submit("a", "X", SELL, "0.1", price="200"))  # any new exposure: nothing is left
    engine.cancel("a", resting.order_id)
    assert engine.submit("a", "X", SELL, "50", price="200").status is OrderStatus.NEW  # 0.1 × 50 × 200 = 1000


def test_a_market_without_margin_takes_any_size() -> None:
    engine = make("1")
    assert engine.submit("a", "Z", BUY, "1000000", price="150").status is OrderStatus.NEW


# ---------------------------------------------------------------------------------- market orders


def test_a_market_order_is_judged_at_the_price_it_takes_first() -> None:
    engine = make("1000")
    engine.submit("mm", "X", SELL, "200", price="100")
    engine.submit("mm", "X", SELL, "200", price="120")
    assert refused(engine.submit("a", "X", BUY, "100.1", order_type=OrderType.MARKET))  # 0.1 × 100.1 × 100
    filled = engine.submit("a", "X", BUY, "100", order_type=OrderType.MARKET)
    assert (filled.status, filled.filled) == (OrderStatus.FILLED, D("100"))


def test_a_market_order_with_nothing_to_take_is_not_refused_for_margin() -> None:
    engine = make("0")
    view = engine.submit("a", "X", BUY, "1", order_type=OrderType.MARKET)
    assert view.status is OrderStatus.EXPIRED and view.reason is Reason.NO_LIQUIDITY


# --------------------------------------------------------------------------- positions and the mark


def test_unrealised_pnl_at_the_mid_counts_as_equity() -> None:
    engine = long_10_at_100("1000")
    engine.submit("mm", "X", BUY, "1", price="109")
    engine.submit("mm", "X", SELL, "1", price="111")  # mid 110: +100 unrealised
    # equity 1100; initial 0.1 × 10 × 110 = 110; maintenance 0.05 × 10 × 110 = 55
    assert account_figures(engine, "a") == MarginFigures(equity=D("1100"), initial=D("110"), maintenance=D("55"))
    # available 1100 − 110 = 990
    assert refused(engine.submit("a", "X", BUY, "89.6", price="110.5"))  # 0.1 × 89.6 × 110.5 = 990.08
    assert engine.submit("a", "X", BUY, "89.5", price="110.5").status is OrderStatus.NEW  # 988.975


def test_the_mark_is_a_half_tick_mid_kept_exact() -> None:
    engine = long_10_at_100("1000")
    engine.submit("mm", "X", BUY, "1", price="100")
    engine.submit("mm", "X", SELL, "1", price="100.5")  # mid 100.25
    # equity 1000 + 10 × 0.25 = 1002.5; initial 0.1 × 1002.5 = 100.25; maintenance 50.125
    assert account_figures(engine, "a") == MarginFigures(D("1002.5"), D("100.25"), D("50.125"))


def test_with_one_side_quoted_the_mark_is_that_side() -> None:
    engine = long_10_at_100("1000")
    engine.submit("mm", "X", BUY, "1", price="90")  # no asks: mark 90, 100 lost
    assert account_figures(engine, "a") == MarginFigures(D("900"), D("90"), D("45"))


def test_with_no_book_the_position_is_marked_at_its_entry_price() -> None:
    engine = long_10_at_100("1000")
    assert account_figures(engine, "a") == MarginFigures(D("1000"), D("100"), D("50"))


# ------------------------------------------------------------------------------ reducing is free


def test_reducing_orders_are_never_refused_even_under_water() -> None:
    engine = long_10_at_100("100")  # initial margin 0.1 × 10 × 100 = 100: all of the cash
    engine.submit("mm", "X", BUY, "30", price="50")
    engine.submit("mm", "X", SELL, "1", price="52")  # mid 51: equity 100 + 10 × (51 − 100) = −390
    assert account_figures(engine, "a").available == D("-441")  # −390 − 0.1 × 10 × 51
    assert refused(engine.submit("a", "X", SELL, "10.1", price="50"))  # 0.1 beyond the position opens a short
    assert engine.submit("a", "X", SELL, "4", price="50", reduce_only=True).status is OrderStatus.FILLED
    assert engine.submit("a", "X", SELL, "6", price="50").status is OrderStatus.FILLED  # closes the rest
    assert engine.position("a", "X").size == 0


def test_an_order_through_the_position_margins_only_what_it_opens() -> None:
    engine = long_10_at_100("1000")
    # no book: the long is marked at its entry, 100 of initial margin, so 900 is available; a sell
    # of 110 closes 10 and opens a short of 100, which needs 0.1 × 100 × 100 = 1000
    assert refused(engine.submit("a", "X", SELL, "110", price="100"))
    assert engine.submit("a", "X", SELL, "100", price="100").status is OrderStatus.NEW  # opens 90: 900


def test_resting_reduce_only_orders_use_no_margin() -> None:
    engine = long_10_at_100("1000")
    engine.submit("mm", "X", BUY, "1", price="99.5")
    engine.submit("mm", "X", SELL, "1", price="100.5")  # mid 100
    engine.submit("a", "X", SELL, "10", price="150", reduce_only=True)
    assert account_figures(engine, "a").initial == D("100")  # the position's alone: 0.1 × 10 × 100


# ---------------------------------------------------------------------------------------- the spec


@pytest.mark.parametrize(
    ("imf", "mmf"),
    [(D("-0.1"), D(0)), (D("1.5"), D(0)), (D("0.05"), D("0.1")), (D("NaN"), D(0))],
)
def test_market_spec_refuses_fractions_out_of_order(imf: D, mmf: D) -> None:
    with pytest.raises(ValueError, match=r"margin.fraction"):
        MarketSpec(X.info, initial_margin_fraction=imf, maintenance_margin_fraction=mmf)


# ------------------------------------------------------------------ leverage and settings changes


def test_leverage_an_account_chooses_sets_what_its_orders_need() -> None:
    engine = make("1000")
    assert engine.initial_margin_fraction("a", "X") == D("0.1")  # the market's default: 10×
    assert refused(engine.submit("a", "X", BUY, "200", price="100"))  # 0.1 × 200 × 100 = 2000 > 1000
    assert engine.set_initial_margin_fraction("a", "X", D("0.05")) == D("0.05")  # 20×
    assert engine.submit("a", "X", BUY, "200", price="100").status is OrderStatus.NEW  # 0.05 × 20000 = 1000
    assert engine.margin("a") == MarginFigures(equity=D("1000"), initial=D("1000"), maintenance=D(0))
    assert engine.initial_margin_fraction("mm", "X") == D("0.1")  # another account keeps the default


def test_going_back_to_the_default_fraction_and_fractions_the_engine_refuses() -> None:
    engine = make("1000")
    engine.set_initial_margin_fraction("a", "X", D("0.5"))
    assert refused(engine.submit("a", "X", BUY, "20.1", price="100"))  # 0.5 × 2010 = 1005 > 1000
    assert engine.set_initial_margin_fraction("a", "X", None) == D("0.1")
    assert engine.submit("a", "X", BUY, "20.1", price="100").status is OrderStatus.NEW  # 201
    for bad in (D("0"), D("1.5"), D("0.04"), 0.2):  # 0.04 is below X's 5 % maintenance
        with pytest.raises(ValueError):
            engine.set_initial_margin_fraction("a", "X", bad)  # type: ignore[arg-type]
    assert engine.initial_margin_fraction("a", "X") == D("0.1")


def test_market_margin_changes_while_running() -> None:
    engine = make("1000")
    assert refused(engine.submit("a", "Z", BUY, "1000", price="100")) is False  # Z asks for no margin
    engine.set_market_margin("Z", D("0.2"), D("0.1"))
    assert engine.market("Z").initial_margin_fraction == D("0.2")
    assert refused(engine.submit("a", "Z", BUY, "0.1", price="100"))  # 0.2 × 100,000 in use already
    with pytest.raises(ValueError):
        engine.set_market_margin("Z", D("0.1"), D("0.2"))  # maintenance above initial
    assert engine.market("Z").initial_margin_fraction == D("0.2")


def test_a_chosen_leverage_never_margins_below_a_maintenance_raised_later() -> None:
    engine = make("1000")
    engine.set_initial_margin_fraction("a", "X", D("0.05"))  # 20×, at X's 5 % maintenance
    engine.set_market_margin("X", D("0.2"), D("0.1"))
    assert engine.initial_margin_fraction("a", "X") == D("0.1")
    assert refused(engine.submit("a", "X", BUY, "100.1", price="100"))  # 0.1 × 10,010 = 1001 > 1000
    assert engine.submit("a", "X", BUY, "100", price="100").status is OrderStatus.NEW


def test_the_book_mark_is_the_mid_or_the_one_quoted_side() -> None:
    engine = make("1000")
    assert engine.book_mark("X") is None
    engine.submit("mm", "X", BUY, "1", price="99.5")
    assert engine.book_mark("X") == D("99.5")
    engine.submit("mm", "X", SELL, "1", price="101")
    assert engine.book_mark("X") == D("100.25")  # a half tick: (99.5 + 101) / 2
