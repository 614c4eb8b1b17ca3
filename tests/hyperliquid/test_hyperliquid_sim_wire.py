"""The simulator's answer decimals as the spec prints them (§3, §4.2.2 examples)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xtb.sim.hyperliquid.wire import decimal_str


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("30135", "30135.0"),
        ("0", "0.0"),
        ("-0", "0.0"),
        ("0E-8", "0.0"),
        ("3500.50", "3500.5"),
        ("1000.000", "1000.0"),
        ("4720.8375", "4720.8375"),
        ("1E+3", "1000.0"),
        ("-339414.3", "-339414.3"),
        ("0.00001", "0.00001"),
        ("170043721737.450012207", "170043721737.450012207"),
    ],
)
def test_decimals_are_written_as_the_venue_writes_them(value: str, text: str) -> None:
    assert decimal_str(Decimal(value)) == text


def test_a_non_finite_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        decimal_str(Decimal("NaN"))
