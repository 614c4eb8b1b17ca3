"""MarketInfo's significant-figures price rule (the shared model change for Hyperliquid, spec §3).

Expected values are the spec's examples (fixtures/price_rule.json). The same checks with the rule
off show that a market without it (every other venue) keeps its fixed tick.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from xtb.connectors.hyperliquid import numbers
from xtb.errors import InvalidOrder
from xtb.model import InvalidValue, MarketInfo, Rounding, Side

RULE = json.loads((Path(__file__).parent / "fixtures" / "price_rule.json").read_text())


def market(sz_decimals: int) -> MarketInfo:
    """A market as the connector builds it: finest tick 10^-(6 - szDecimals), 5 significant figures."""
    return MarketInfo(
        "X",
        tick_size=Decimal(1).scaleb(-(RULE["max_decimals_perp"] - sz_decimals)),
        step_size=Decimal(1).scaleb(-sz_decimals),
        min_size=Decimal(1).scaleb(-sz_decimals),
        significant_figures=RULE["significant_figures"],
    )


@pytest.mark.parametrize("case", RULE["valid"], ids=lambda c: c["price"])
def test_valid_prices_are_on_tick(case: dict) -> None:
    info = market(case["sz_decimals"])
    price = Decimal(case["price"])
    assert info.is_on_tick(price)
    assert info.round_price(price) == price
    assert info.order_problem(info.step_size * 10**6, price) is None


@pytest.mark.parametrize("case", RULE["invalid"], ids=lambda c: c["price"])
def test_invalid_prices_are_off_tick_and_refused_locally(case: dict) -> None:
    info = market(case["sz_decimals"])
    price = Decimal(case["price"])
    assert not info.is_on_tick(price)
    problem = info.order_problem(info.step_size * 10**6, price)
    assert problem is not None and "not a multiple of tick" in problem


@pytest.mark.parametrize("case", RULE["effective_tick"], ids=lambda c: c["coin"])
def test_effective_tick_at_the_spec_prices(case: dict) -> None:
    assert market(case["sz_decimals"]).tick_at(Decimal(case["price"])) == Decimal(case["tick"])


@pytest.mark.parametrize(
    ("price", "rounding", "expected"),
    [
        ("3500.57", Rounding.DOWN, "3500.5"),
        ("3500.51", Rounding.UP, "3500.6"),
        ("99999.6", Rounding.NEAREST, "100000"),  # into the next power of ten: an integer, valid
        ("9.99996", Rounding.UP, "10"),
    ],
)
def test_rounding_lands_on_a_valid_price(price: str, rounding: Rounding, expected: str) -> None:
    info = market(4)
    rounded = info.round_price(Decimal(price), rounding)
    assert rounded == Decimal(expected)
    assert info.is_on_tick(rounded)
    numbers.price_wire(rounded, 4)  # the wire builder accepts it (it raises otherwise)


def test_passive_price_rounds_away_from_the_spread_at_the_effective_tick() -> None:
    info = market(4)
    assert info.passive_price(Decimal("3500.57"), Side.BUY) == Decimal("3500.5")
    assert info.passive_price(Decimal("3500.51"), Side.SELL) == Decimal("3500.6")


def test_model_agrees_with_the_wire_builder_on_a_grid_of_prices() -> None:
    """is_on_tick says yes exactly when price_wire accepts, for every szDecimals."""
    for sz in range(0, 7):
        info = market(sz)
        for text in ("0.000123", "0.0012345", "1.23456", "12.3456", "123.456", "1234.56", "12345.6", "123456"):
            price = Decimal(text)
            try:
                numbers.price_wire(price, sz)
                accepted = True
            except InvalidOrder:
                accepted = False
            assert info.is_on_tick(price) is accepted, (sz, text)


def test_without_the_rule_the_fixed_tick_is_unchanged() -> None:
    plain = MarketInfo("ETHUSDT", tick_size=Decimal("0.10"), step_size=Decimal("0.001"), min_size=Decimal("0.001"))
    for price in ("3500.1", "0.1", "123456.7"):
        assert plain.tick_at(Decimal(price)) == Decimal("0.10")
    assert plain.is_on_tick(Decimal("3500.1"))
    assert not plain.is_on_tick(Decimal("3500.15"))
    assert plain.round_price(Decimal("3500.15"), Rounding.DOWN) == Decimal("3500.1")
    assert plain.order_problem(Decimal("1"), Decimal("3500.15")) == "price 3500.15 is not a multiple of tick 0.10"


@pytest.mark.parametrize("figures", [0, -1, True, 2.5])
def test_a_nonsense_rule_is_refused(figures: object) -> None:
    with pytest.raises(InvalidValue):
        MarketInfo("X", Decimal("0.01"), Decimal("1"), Decimal("1"), significant_figures=figures)  # type: ignore[arg-type]
