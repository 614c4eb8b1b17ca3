"""Open interest as the venue reports it (REST `/api/v1/openInterest`, WS `openInterest.<symbol>`):
read from every account's positions in the engine, so both always agree with the book's trades."""

from __future__ import annotations

from decimal import Decimal

from xtb.sim.engine import Engine


def open_interest(engine: Engine, symbol: str) -> Decimal:
    """Contracts held long across all accounts (equal to those held short)."""
    total = Decimal(0)
    for account in engine.accounts():
        size = engine.position(account, symbol).size
        if size > 0:
            total += size
    return total
