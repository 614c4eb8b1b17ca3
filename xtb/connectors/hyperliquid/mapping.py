"""Hyperliquid's payloads mapped to the runtime's values, and orders mapped to the venue's parameters.

Rules (docs/connectors.md sections 3 and 5): `Decimal` from the wire to the wire; every venue
vocabulary is one explicit table, and a value the table does not know raises VenueProtocolError
(never a default); market rules come from the venue's filters, never from a precision field.
Test each function against the venue's documented example payloads (tests/test_hyperliquid_mapping.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xtb.errors import VenueProtocolError
from xtb.model import Balance, Fill, MarketInfo, OrderRequest, OrderSnapshot, OrderState, Position, Source, TopOfBook

VENUE = "hyperliquid"

#: the venue's order statuses → the runtime's states (section 3: FAILED only for a definitive refusal)
ORDER_STATES: dict[str, OrderState] = {
    # "New": OrderState.OPEN,
}


def order_state(status: str) -> OrderState:
    """The runtime's state for one of the venue's order statuses; an unknown one is a protocol error."""
    try:
        return ORDER_STATES[status]
    except KeyError:
        raise VenueProtocolError(f"unknown order status {status!r}", venue=VENUE) from None


def _todo(what: str, section: str) -> NotImplementedError:
    return NotImplementedError(
        f"mapping.{what}: not implemented yet — map it from the venue's documented example payload "
        f"(docs/connectors.md {section}) and test it in tests/test_hyperliquid_mapping.py"
    )


def parse_markets(payload: Any) -> dict[str, MarketInfo]:
    """Every tradable market by the symbol users pass: tick, step, minimum size and notional."""
    raise _todo("parse_markets", "section 2.1, _load_markets")


def parse_top_of_book(payload: Any, received_at: float) -> TopOfBook:
    """A REST best bid and offer (`source=Source.REST`)."""
    raise _todo("parse_top_of_book", "section 2.5")


def order_params(request: OrderRequest) -> dict[str, Any]:
    """The venue's parameters for one order: plain decimals on the grid, the client id, post-only."""
    raise _todo("order_params", "sections 2.1 and 5")


def parse_order(payload: Mapping[str, Any], source: Source = Source.REST) -> OrderSnapshot:
    """One order as the venue reports it: state from ORDER_STATES, cumulative filled, VWAP price."""
    raise _todo("parse_order", "section 3")


def parse_position(payload: Mapping[str, Any], source: Source = Source.REST) -> Position:
    """One position, signed size (positive = long)."""
    raise _todo("parse_position", "section 2.1, _fetch_positions")


def parse_balance(payload: Mapping[str, Any]) -> Balance:
    """Total and available of one asset."""
    raise _todo("parse_balance", "section 2.1, _fetch_balances")


def parse_fill(payload: Mapping[str, Any], source: Source = Source.REST) -> Fill:
    """One execution, with the trade id the stream's fill message carries too."""
    raise _todo("parse_fill", "section 2.1, _fetch_fills")
