"""The `margin` run setting: each market's initial and maintenance margin fractions, changed while
a simulator runs (`PUT /_sim/settings {"margin": {"SOL_USDC_PERP": {"initial": "0.05"}}}` or a venue
file's `simulator.settings`).

Why the control API owns it rather than each venue: the fractions live in the engine's markets and
mean the same on every venue (`xtb.sim.margin`); only how a venue publishes them differs, and the
venues read them back from the engine. Every market's change is checked before any is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from xtb.sim.engine import Engine

FIELDS = {"initial": "initial_margin_fraction", "maintenance": "maintenance_margin_fraction"}


def _fraction(where: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{where} must be a decimal string or number, got {value!r}")
    try:
        fraction = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where} must be a decimal, got {value!r}") from None
    if not fraction.is_finite():
        raise ValueError(f"{where} must be finite, got {value!r}")
    return fraction


def prepare_margin(engine: Engine, value: Any) -> Callable[[], None]:
    """Check a `margin` setting (market symbol → {"initial", "maintenance"}, either may be left
    out) against the engine's markets; return what applies it. ValueError names the first problem."""
    if not isinstance(value, Mapping):
        raise ValueError('margin must be an object like {"SYMBOL": {"initial": "0.05", "maintenance": "0.025"}}')
    symbols = {spec.symbol for spec in engine.markets()}
    changes: list[tuple[str, Decimal, Decimal]] = []
    for symbol, fractions in value.items():
        if symbol not in symbols:
            raise ValueError(f"margin: unknown market {symbol!r}; markets are {sorted(symbols)}")
        if not isinstance(fractions, Mapping) or not fractions or set(fractions) - set(FIELDS):
            raise ValueError(f"margin.{symbol} must be an object with initial and/or maintenance")
        spec = engine.market(symbol)
        parsed = {FIELDS[k]: _fraction(f"margin.{symbol}.{k}", v) for k, v in fractions.items()}
        try:
            checked = replace(spec, **parsed)
        except ValueError as exc:
            raise ValueError(f"margin.{symbol}: {exc}") from None
        changes.append((symbol, checked.initial_margin_fraction, checked.maintenance_margin_fraction))

    def apply() -> None:
        for symbol, initial, maintenance in changes:
            engine.set_market_margin(symbol, initial, maintenance)

    return apply


def current_margin(engine: Engine) -> dict[str, dict[str, str]]:
    """Each market's fractions as the setting takes them."""
    return {
        spec.symbol: {
            "initial": str(spec.initial_margin_fraction),
            "maintenance": str(spec.maintenance_margin_fraction),
        }
        for spec in engine.markets()
    }
