"""How the venue writes numbers in its answers (spec §3 "Response decimals", §10 item 22).

Decimal strings carry no trailing zeros, except that an integral value keeps one: `"30135.0"`,
`"0.0"`; plain notation always (never `1E+3`). Ids, times, counts and leverage are JSON numbers, so
they never pass through here. One function, because the info answers and the socket frames must
agree to the byte.
"""

from __future__ import annotations

from decimal import Decimal


def decimal_str(value: Decimal) -> str:
    """`Decimal("3500.50")` → `"3500.5"`, `Decimal("2397")` → `"2397.0"`, `Decimal("0")` → `"0.0"`."""
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {value}")
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text if "." in text else text + ".0"
