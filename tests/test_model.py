"""Value types: exact Decimal conversion, tick/step rounding, venue order rules, book and position helpers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xtb.model import (
    TERMINAL_STATES,
    Balance,
    Fill,
    InvalidValue,
    MarketInfo,
    OrderRequest,
    OrderSnapshot,
    OrderState,
    OrderType,
    Position,
    Rounding,
    Side,
    Source,
    TimeInForce,
    TopOfBook,
    round_to_increment,
    to_decimal,
)

# -- to_decimal ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [0.1, 1.0, float("nan"), float("inf"), True, False],
    ids=["float-0.1", "float-1.0", "float-nan", "float-inf", "bool-True", "bool-False"],
)
def test_to_decimal_refuses_float_and_bool(value: object) -> None:
    with pytest.raises(TypeError, match="price"):
        to_decimal(value, "price")


@pytest.mark.parametrize("value", [None, [1], b"1"], ids=["None", "list", "bytes"])
def test_to_decimal_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        to_decimal(value)


@pytest.mark.parametrize(
    "value",
    ["NaN", "nan", "sNaN", "inf", "-Infinity", D("NaN"), D("Infinity"), D("-Infinity")],
    ids=["str-NaN", "str-nan", "str-sNaN", "str-inf", "str--Infinity", "dec-NaN", "dec-inf", "dec--inf"],
)
def test_to_decimal_refuses_non_finite(value: object) -> None:
    with pytest.raises(ValueError, match="size"):
        to_decimal(value, "size")


@pytest.mark.parametrize("value", ["", "abc", "1,5", "0x10", "1.2.3", "--1", "12e"])
def test_to_decimal_refuses_garbage_strings(value: str) -> None:
    with pytest.raises(ValueError):
        to_decimal(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.1", D("0.1")),
        ("-42.000001", D("-42.000001")),
        ("1e-8", D("0.00000001")),
        (7, D(7)),
        (10**30 + 1, D("1000000000000000000000000000001")),
        (D("3.14159265358979323846"), D("3.14159265358979323846")),
    ],
    ids=["str", "neg-str", "exp-str", "int", "big-int", "decimal"],
)
def test_to_decimal_accepts_exactly(value: object, expected: D) -> None:
    result = to_decimal(value)
    assert type(result) is D
    assert result == expected
    # Exactness: not the float approximation of the same literal.
    assert result.as_tuple() == expected.as_tuple()


def test_to_decimal_keeps_the_venue_digits() -> None:
    assert to_decimal("0.1") != D(0.1)  # noqa: RUF032 -- the binary float expansion differs
    assert str(to_decimal("1.10")) == "1.10"


# -- rounding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "increment", "rounding", "expected"),
    [
        # tick 0.5
        ("1.3", "0.5", Rounding.DOWN, "1.0"),
        ("1.3", "0.5", Rounding.UP, "1.5"),
        ("1.3", "0.5", Rounding.NEAREST, "1.5"),
        ("1.1", "0.5", Rounding.NEAREST, "1.0"),
        # negative values: DOWN is towards -infinity, UP towards +infinity
        ("-1.3", "0.5", Rounding.DOWN, "-1.5"),
        ("-1.3", "0.5", Rounding.UP, "-1.0"),
        ("-1.3", "0.5", Rounding.NEAREST, "-1.5"),
        ("-1.1", "0.5", Rounding.NEAREST, "-1.0"),
        # already on tick: unchanged in every direction
        ("1.5", "0.5", Rounding.DOWN, "1.5"),
        ("1.5", "0.5", Rounding.UP, "1.5"),
        ("1.5", "0.5", Rounding.NEAREST, "1.5"),
        ("-2.0", "0.5", Rounding.UP, "-2.0"),
        # tick 0.01
        ("100.005", "0.01", Rounding.DOWN, "100.00"),
        ("100.001", "0.01", Rounding.UP, "100.01"),
        ("100.009", "0.01", Rounding.NEAREST, "100.01"),
        # integer tick 5
        ("12", "5", Rounding.DOWN, "10"),
        ("12", "5", Rounding.UP, "15"),
        ("12", "5", Rounding.NEAREST, "10"),
        ("-12", "5", Rounding.DOWN, "-15"),
        ("-12", "5", Rounding.UP, "-10"),
        ("0", "5", Rounding.UP, "0"),
    ],
)
def test_round_to_increment(value: str, increment: str, rounding: Rounding, expected: str) -> None:
    result = round_to_increment(D(value), D(increment), rounding)
    assert result == D(expected)
    assert result % D(increment) == 0


@pytest.mark.parametrize("increment", ["0", "-0.01"])
def test_round_to_increment_rejects_non_positive_increment(increment: str) -> None:
    with pytest.raises(ValueError):
        round_to_increment(D("1"), D(increment), Rounding.DOWN)


def market(**kw: object) -> MarketInfo:
    values: dict[str, object] = {
        "symbol": "BTC-PERP",
        "tick_size": D("0.5"),
        "step_size": D("0.001"),
        "min_size": D("0.001"),
    }
    values.update(kw)
    return MarketInfo(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("price", "rounding", "expected"),
    [
        ("100.3", Rounding.DOWN, "100.0"),
        ("100.3", Rounding.UP, "100.5"),
        ("100.3", Rounding.NEAREST, "100.5"),
        ("100.2", Rounding.NEAREST, "100.0"),
        ("-0.3", Rounding.DOWN, "-0.5"),
        ("-0.3", Rounding.UP, "0"),
        ("100.5", Rounding.DOWN, "100.5"),
        ("100.5", Rounding.UP, "100.5"),
    ],
)
def test_market_round_price(price: str, rounding: Rounding, expected: str) -> None:
    assert market().round_price(D(price), rounding) == D(expected)


def test_market_round_price_defaults_to_nearest() -> None:
    m = market()
    assert m.round_price(D("100.3")) == D("100.5")
    assert m.round_price(D("100.2")) == D("100.0")


def test_market_round_size() -> None:
    m = market()
    assert m.round_size(D("1.23456")) == D("1.234")  # default DOWN: never more than asked
    assert m.round_size(D("1.23456"), Rounding.UP) == D("1.235")
    assert m.round_size(D("1.23456"), Rounding.NEAREST) == D("1.235")
    assert m.round_size(D("1.234")) == D("1.234")
    assert m.round_size(D("0.0009")) == D("0")


@pytest.mark.parametrize(
    ("price", "side", "expected"),
    [
        ("100.3", Side.BUY, "100.0"),
        ("100.3", Side.SELL, "100.5"),
        ("100.7", Side.BUY, "100.5"),
        ("100.7", Side.SELL, "101.0"),
        ("100.5", Side.BUY, "100.5"),
        ("100.5", Side.SELL, "100.5"),
    ],
)
def test_passive_price_rounds_away_from_the_spread(price: str, side: Side, expected: str) -> None:
    assert market().passive_price(D(price), side) == D(expected)


@pytest.mark.parametrize(
    ("tick", "step", "price_decimals", "size_decimals"),
    [
        ("0.01", "0.001", 2, 3),
        ("5", "1", 0, 0),
        ("0.5", "0.1", 1, 1),
        ("10", "0.00010", 0, 4),
        ("0.25", "100", 2, 0),
    ],
)
def test_decimals_derived_from_tick_and_step(tick: str, step: str, price_decimals: int, size_decimals: int) -> None:
    m = market(tick_size=D(tick), step_size=D(step))
    assert m.price_decimals == price_decimals
    assert m.size_decimals == size_decimals


def test_decimals_given_explicitly_are_kept() -> None:
    m = market(tick_size=D("0.01"), step_size=D("0.001"), price_decimals=5, size_decimals=0)
    assert m.price_decimals == 5
    assert m.size_decimals == 0


@pytest.mark.parametrize(
    "kw",
    [
        {"tick_size": D("0")},
        {"tick_size": D("-0.01")},
        {"step_size": D("0")},
        {"step_size": D("-1")},
        {"tick_size": 0.01},
        {"min_size": D("-0.001")},
        {"min_notional": D("-1")},
        {"tick_size": D("Infinity")},
        {"min_size": D("NaN")},
        {"step_size": D("1e999")},
        {"symbol": ""},
    ],
    ids=[
        "tick-0", "tick-neg", "step-0", "step-neg", "tick-float", "min-size-neg", "min-notional-neg", "tick-inf",
        "min-size-nan", "step-1e999", "no-symbol",
    ],
)  # fmt: skip
def test_market_info_rejects_bad_rules(kw: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):  # a ValueError
        market(**kw)


@pytest.mark.parametrize(
    ("step", "min_size", "min_notional", "price", "expected"),
    [
        ("0.001", "0.01", "10", "100", "0.1"),  # notional decides: 10 / 100
        ("0.001", "0.01", "10", "3", "3.334"),  # 10 / 3 = 3.333.. rounded UP to the step
        ("0.001", "0.01", "10", "2000", "0.01"),  # min size decides
        ("0.1", "0.05", "0", "100", "0.1"),  # one step is more than the min size
        ("0.1", "0.15", "0", "100", "0.2"),  # min size off the step: rounded UP
        ("1", "0", "0", "100", "1"),
    ],
)
def test_min_order_size(step: str, min_size: str, min_notional: str, price: str, expected: str) -> None:
    m = market(tick_size=D("0.5"), step_size=D(step), min_size=D(min_size), min_notional=D(min_notional))
    size = m.min_order_size(D(price))
    assert size == D(expected)
    # It is acceptable, and one step less is not (or is not positive).
    assert m.order_problem(size, D(price)) is None
    assert m.order_problem(size - D(step), D(price)) is not None


@pytest.mark.parametrize("price", ["0", "-1"])
def test_min_order_size_rejects_non_positive_price(price: str) -> None:
    with pytest.raises(ValueError):
        market().min_order_size(D(price))


def strict_market() -> MarketInfo:
    return MarketInfo("ETH-PERP", tick_size=D("0.5"), step_size=D("0.01"), min_size=D("0.1"), min_notional=D("10"))


def test_order_problem_none_when_acceptable() -> None:
    m = strict_market()
    assert m.order_problem(D("1"), D("100")) is None
    assert m.order_problem(D("1"), None) is None  # a market order: size rules only
    assert m.order_problem(D("0.1"), D("100")) is None  # exactly at both minimums


@pytest.mark.parametrize(
    ("size", "price", "words"),
    [
        ("1", "100.3", ("price 100.3", "tick 0.5")),
        ("1.005", "100", ("size 1.005", "step 0.01")),
        ("0.05", "1000", ("size 0.05", "below the minimum 0.1")),
        ("0.1", "50", ("notional 5", "below the minimum 10")),
        ("0", "100", ("size 0", "positive")),
        ("-1", "100", ("size -1", "positive")),
        ("1", "0", ("price 0", "positive")),
        ("1", "-0.5", ("price -0.5", "positive")),
    ],
    ids=["off-tick", "off-step", "below-min-size", "below-min-notional", "size-0", "size-neg", "price-0", "price-neg"],
)
def test_order_problem_names_the_problem(size: str, price: str, words: tuple[str, ...]) -> None:
    problem = strict_market().order_problem(D(size), D(price))
    assert problem is not None
    for word in words:
        assert word in problem


def test_order_problem_below_min_size_without_price() -> None:
    problem = strict_market().order_problem(D("0.05"), None)
    assert problem is not None
    assert "size 0.05" in problem and "notional" not in problem


def test_is_on_tick_and_step() -> None:
    m = strict_market()
    assert m.is_on_tick(D("100.5")) and m.is_on_tick(D("-0.5")) and not m.is_on_tick(D("100.25"))
    assert m.is_on_step(D("0.07")) and not m.is_on_step(D("0.075"))


# -- OrderRequest -------------------------------------------------------------------------------


def request(**kw: object) -> OrderRequest:
    values: dict[str, object] = {
        "symbol": "BTC-PERP",
        "side": Side.BUY,
        "size": D("1"),
        "order_type": OrderType.LIMIT,
        "client_id": "c1",
        "price": D("100"),
    }
    values.update(kw)
    return OrderRequest(**values)  # type: ignore[arg-type]


def test_order_request_valid() -> None:
    limit = request(time_in_force=TimeInForce.POST_ONLY)
    assert limit.post_only is True
    market_order = request(order_type=OrderType.MARKET, price=None, time_in_force=TimeInForce.IOC)
    assert market_order.price is None and market_order.post_only is False


def test_limit_order_needs_a_price() -> None:
    with pytest.raises(ValueError, match="price"):
        request(price=None)


def test_market_order_cannot_be_post_only() -> None:
    with pytest.raises(ValueError, match="post-only"):
        request(order_type=OrderType.MARKET, price=None, time_in_force=TimeInForce.POST_ONLY)


@pytest.mark.parametrize("size", ["0", "-1", "-0.001"])
def test_order_size_must_be_positive(size: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        request(size=D(size))


# -- TopOfBook ----------------------------------------------------------------------------------


def book(bid: str | None, ask: str | None) -> TopOfBook:
    return TopOfBook(
        symbol="BTC-PERP",
        bid=None if bid is None else D(bid),
        bid_size=None if bid is None else D("1"),
        ask=None if ask is None else D(ask),
        ask_size=None if ask is None else D("2"),
        source=Source.WS,
        received_at=1.0,
    )


def test_top_of_book_touch_and_far_touch() -> None:
    tob = book("99.5", "100")
    assert tob.touch(Side.BUY) == D("99.5")
    assert tob.touch(Side.SELL) == D("100")
    assert tob.far_touch(Side.BUY) == D("100")
    assert tob.far_touch(Side.SELL) == D("99.5")


def test_top_of_book_mid_is_exact() -> None:
    assert book("99.5", "100").mid == D("99.75")
    assert book("0.1", "0.2").mid == D("0.15")


def test_top_of_book_one_sided() -> None:
    tob = book("99", None)
    assert tob.mid is None
    assert tob.is_crossed is False
    assert tob.touch(Side.SELL) is None
    assert tob.far_touch(Side.BUY) is None
    assert book(None, None).mid is None


def test_top_of_book_crossed() -> None:
    assert book("99", "100").is_crossed is False
    assert book("101", "100").is_crossed is True


# -- Position, Side, OrderState -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "side", "flat"),
    [("1.5", Side.BUY, False), ("-2", Side.SELL, False), ("0", None, True), ("0.000", None, True)],
)
def test_position_side_and_flat(size: str, side: Side | None, flat: bool) -> None:
    pos = Position("BTC-PERP", D(size), Source.REST)
    assert pos.side is side
    assert pos.is_flat is flat


def test_side_sign_and_opposite() -> None:
    assert Side.BUY.sign == 1
    assert Side.SELL.sign == -1
    assert Side.BUY.opposite is Side.SELL
    assert Side.SELL.opposite is Side.BUY


def test_order_state_terminal_and_live() -> None:
    assert {s for s in OrderState if s.is_terminal} == {OrderState.FILLED, OrderState.CANCELLED, OrderState.FAILED}
    assert TERMINAL_STATES == {OrderState.FILLED, OrderState.CANCELLED, OrderState.FAILED}
    assert {s for s in OrderState if s.is_live} == {
        OrderState.NEW,
        OrderState.SUBMITTING,
        OrderState.OPEN,
        OrderState.PARTIALLY_FILLED,
        OrderState.CANCELLING,
    }


# -- invariants of the values a venue reports (issue #16) ---------------------------------------


def snapshot(**kw: object) -> OrderSnapshot:
    values: dict[str, object] = {"size": D("2"), "price": D("100"), "filled": D("1"), "avg_fill_price": D("100")}
    values.update(kw)
    return OrderSnapshot("BTC-PERP", OrderState.PARTIALLY_FILLED, Source.WS, **values)  # type: ignore[arg-type]


def test_a_snapshot_within_its_invariants_is_built() -> None:
    assert snapshot().filled == D("1")
    assert snapshot(size=None, price=None, avg_fill_price=None, filled=D("5")).filled == D("5")  # no size to pass
    assert snapshot(filled=D("2")).filled == snapshot().size  # filled up to the size


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"filled": D("2.5")}, "filled 2.5 is more than its size 2"),
        ({"filled": D("-1")}, "filled must not be negative"),
        ({"size": D("0"), "filled": D("0")}, "size must be positive"),
        ({"size": D("-2")}, "size must be positive"),
        ({"price": D("0")}, "price must be positive"),
        ({"price": D("-100")}, "price must be positive"),
        ({"avg_fill_price": D("0")}, "avg_fill_price must be positive"),
        ({"size": D("1e999")}, "size must be a finite Decimal below 1e30"),
        ({"filled": D("NaN")}, "filled must be a finite Decimal"),
        ({"price": D("Infinity")}, "price must be a finite Decimal"),
        ({"size": 2}, "size must be a finite Decimal"),
        ({"venue_ts": float("nan")}, "venue_ts must be finite seconds"),
    ],
)
def test_an_impossible_snapshot_is_refused(kw: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidValue, match=words):
        snapshot(**kw)


def fill(**kw: object) -> Fill:
    values: dict[str, object] = {"trade_id": "t1", "price": D("100"), "size": D("0.5"), "fee": D("-0.01")}
    values.update(kw)
    return Fill(symbol="BTC-PERP", side=Side.BUY, source=Source.WS, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"size": D("0")}, "size must be positive"),
        ({"size": D("-0.5")}, "size must be positive"),
        ({"price": D("0")}, "price must be positive"),
        ({"price": D("-100")}, "price must be positive"),
        ({"fee": D("NaN")}, "fee must be a finite Decimal"),
        ({"trade_id": ""}, "trade_id must be a non-empty string"),
        ({"price": D("1e999")}, "price must be a finite Decimal below 1e30"),
    ],
)
def test_an_impossible_fill_is_refused(kw: dict[str, object], words: str) -> None:
    assert fill().fee == D("-0.01")  # a rebate is a negative fee
    with pytest.raises(InvalidValue, match=words):
        fill(**kw)


def test_positions_may_be_short_but_not_impossible() -> None:
    assert Position("BTC-PERP", D("-2"), Source.REST, entry_price=D("100"), unrealized_pnl=D("-5")).side is Side.SELL
    for kw, words in [
        ({"size": D("NaN")}, "size must be a finite Decimal"),
        ({"size": D("-1e999")}, "size must be a finite Decimal below 1e30"),
        ({"entry_price": D("0")}, "entry_price must be positive"),
        ({"entry_price": D("-1")}, "entry_price must be positive"),
        ({"unrealized_pnl": D("-Infinity")}, "unrealized_pnl must be a finite Decimal"),
    ]:
        values: dict[str, object] = {"size": D("1")}
        values.update(kw)
        with pytest.raises(InvalidValue, match=words):
            Position("BTC-PERP", source=Source.REST, **values)  # type: ignore[arg-type]


def test_balances_are_finite_and_books_positive() -> None:
    assert Balance("USDC", D("-5"), D("-5")).total == D("-5")  # a margin account in deficit
    with pytest.raises(InvalidValue, match="available must be a finite Decimal"):
        Balance("USDC", D("1"), D("sNaN"))
    with pytest.raises(InvalidValue, match="asset must be a non-empty string"):
        Balance("", D("1"), D("1"))
    assert book("101", "100").is_crossed  # crossed is representable: the runtime decides what it means
    for name, value in [("bid", D("0")), ("ask", D("-1")), ("bid_size", D("0")), ("ask_size", D("NaN"))]:
        values = {"bid": D("99"), "bid_size": D("1"), "ask": D("100"), "ask_size": D("1"), name: value}
        with pytest.raises(InvalidValue, match=f"book {name}"):
            TopOfBook("BTC-PERP", source=Source.WS, received_at=1.0, **values)
