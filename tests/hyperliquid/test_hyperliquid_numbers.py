"""Hyperliquid price and size strings against the spec's §3 examples and the rule itself.

Expected strings and verdicts are copied from shared/venues/hyperliquid.md §3; the properties check
each formatted string against the rule read from the string (significant figures, decimals), not
against the code under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xtb.connectors.hyperliquid.numbers import finest_tick, price_wire, size_wire, step, tick_at
from xtb.errors import InvalidOrder, VenueProtocolError


@pytest.mark.parametrize(
    ("price", "sz_decimals", "wire"),
    [
        ("1234.5", 0, "1234.5"),
        ("0.001234", 0, "0.001234"),
        ("0.01234", 1, "0.01234"),
        ("100.0", 2, "100"),
        ("3500.50", 4, "3500.5"),
        ("0.00001", 0, "0.00001"),
        ("83767", 5, "83767"),
        ("123456", 5, "123456"),  # integer prices are always valid
        ("100000000000000000000", 5, "100000000000000000000"),
        ("64020.0", 5, "64020"),
    ],
)
def test_valid_prices_are_written_without_trailing_zeros(price: str, sz_decimals: int, wire: str) -> None:
    assert price_wire(Decimal(price), sz_decimals) == wire


@pytest.mark.parametrize(
    ("price", "sz_decimals", "named"),
    [
        ("1234.56", 0, "significant figures"),
        ("0.0012345", 0, "decimals"),
        ("0.012345", 1, "decimals"),
        ("12345.6", 5, "significant figures"),  # BTC, refused live with "divisible by tick size"
        ("3500.05", 4, "significant figures"),
        ("0", 2, "positive"),
        ("-1", 2, "positive"),
        ("NaN", 2, "finite"),
        ("Infinity", 2, "finite"),
        ("1E+30", 0, "below 1e30"),
    ],
)
def test_refused_prices_raise_naming_the_rule(price: str, sz_decimals: int, named: str) -> None:
    with pytest.raises(InvalidOrder, match=named) as refused:
        price_wire(Decimal(price), sz_decimals)
    assert refused.value.venue == "hyperliquid"


def test_an_integer_price_with_more_digits_than_the_context_precision_is_not_rounded() -> None:
    price = Decimal("123456789012345678901234567891")  # 30 digits, default precision is 28
    assert price_wire(price, 0) == "123456789012345678901234567891"


@pytest.mark.parametrize(
    ("size", "sz_decimals", "wire"),
    [("0.05", 4, "0.05"), ("1.17163", 5, "1.17163"), ("10.0", 0, "10"), ("0.0100", 2, "0.01"), ("20", 1, "20")],
)
def test_valid_sizes(size: str, sz_decimals: int, wire: str) -> None:
    assert size_wire(Decimal(size), sz_decimals) == wire


@pytest.mark.parametrize(("size", "sz_decimals"), [("0.12345", 4), ("0.5", 0), ("0", 3), ("-0.1", 3), ("sNaN", 3)])
def test_refused_sizes(size: str, sz_decimals: int) -> None:
    with pytest.raises(InvalidOrder):
        size_wire(Decimal(size), sz_decimals)


def test_a_float_is_refused_not_converted() -> None:
    with pytest.raises(InvalidOrder, match="Decimal"):
        price_wire(0.1, 2)  # type: ignore[arg-type]


@pytest.mark.parametrize("sz_decimals", [-1, 7, True, "2"])
def test_an_impossible_sz_decimals_is_a_protocol_error(sz_decimals: object) -> None:
    with pytest.raises(VenueProtocolError, match="szDecimals"):
        price_wire(Decimal("1"), sz_decimals)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("coin_sz_decimals", "price", "tick"),
    [(5, "83767", "1"), (4, "3500", "0.1"), (2, "150", "0.01"), (1, "2.11", "0.0001"), (0, "0.0156", "0.000001")],
)
def test_effective_tick_matches_the_spec_examples(coin_sz_decimals: int, price: str, tick: str) -> None:
    assert tick_at(Decimal(price), coin_sz_decimals) == Decimal(tick)


def test_step_and_finest_tick() -> None:
    assert step(5) == Decimal("0.00001")
    assert step(0) == Decimal("1")
    assert finest_tick(5) == Decimal("0.1")
    assert finest_tick(0) == Decimal("0.000001")


def _figures_and_decimals(wire: str) -> tuple[int, int]:
    """Read from the string alone: significant figures of the fraction-carrying number, decimals."""
    whole, _, fraction = wire.partition(".")
    digits = (whole + fraction).lstrip("0")
    return len(digits), len(fraction)


prices = st.decimals(min_value=Decimal("1e-9"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False)
sz_decimals = st.integers(min_value=0, max_value=6)


@given(prices, sz_decimals)
def test_a_formatted_price_obeys_the_rule_and_reads_back_equal(price: Decimal, sz: int) -> None:
    try:
        wire = price_wire(price, sz)
    except InvalidOrder:
        return
    assert Decimal(wire) == price
    assert "e" not in wire.lower()
    if "." in wire:
        figures, decimals = _figures_and_decimals(wire)
        assert not wire.endswith("0")
        assert figures <= 5
        assert decimals <= 6 - sz


@given(prices, sz_decimals)
def test_a_price_is_refused_exactly_when_the_rule_refuses_it(price: Decimal, sz: int) -> None:
    text = format(price, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    figures, decimals = _figures_and_decimals(text)
    allowed = decimals == 0 or (figures <= 5 and decimals <= 6 - sz)
    if allowed:
        assert price_wire(price, sz) == text
    else:
        with pytest.raises(InvalidOrder):
            price_wire(price, sz)


@given(prices, sz_decimals)
def test_a_price_is_valid_exactly_when_it_is_a_multiple_of_its_tick(price: Decimal, sz: int) -> None:
    on_tick = price % tick_at(price, sz) == 0
    try:
        price_wire(price, sz)
    except InvalidOrder:
        assert not on_tick
    else:
        assert on_tick


@given(st.integers(min_value=1, max_value=10**15), sz_decimals)
def test_a_whole_number_of_steps_is_a_valid_size(steps: int, sz: int) -> None:
    size = Decimal(steps).scaleb(-sz)
    wire = size_wire(size, sz)
    assert Decimal(wire) == size
    assert len(wire.partition(".")[2]) <= sz
