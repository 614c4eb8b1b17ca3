"""Simulator accounts: collateral cash, per-market positions and the fills that built them.

One collateral currency per account (the quote of every market); positions are per market.
Everything here is internal and mutable; the engine hands out frozen views of it.

Positions are kept in integers: size in steps and the signed cost basis of the open position in
tick·step units (price ticks × size steps). Realized PnL on a partial close releases
`cost × closed / held` of the basis, rounded towards zero to a whole unit; the rounding residue stays
in the basis of what is still open and is realized when the position closes. So the account's equity
(cash + size × mark − basis) moves by exactly `±qty × (price − mark)` on every fill, and the sum over
all accounts is conserved to the last digit, with no float and no Decimal rounding on the way.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any


class PositionBook:
    """Signed net position of one account in one market, in integer units."""

    __slots__ = ("cost", "realized", "size")

    def __init__(self) -> None:
        self.size = 0  # steps, positive = long
        self.cost = 0  # ticks·steps of the open position, same sign as size
        self.realized = 0  # ticks·steps realized so far

    def apply(self, signed_qty: int, price: int) -> int:
        """Book a fill of `signed_qty` steps at `price` ticks; return the realized PnL (tick·steps).

        Average-cost accounting: adding to a position adds to its basis; reducing releases a
        proportional share of the basis; crossing through zero closes everything, then opens the rest
        at the fill price.
        """
        held = self.size
        if held == 0 or (held > 0) == (signed_qty > 0):
            self.size = held + signed_qty
            self.cost += signed_qty * price
            return 0
        direction = 1 if held > 0 else -1
        held_abs = held * direction
        qty = -signed_qty * direction
        closed = qty if qty < held_abs else held_abs
        released = (self.cost * direction) * closed // held_abs
        realized = direction * (closed * price - released)
        self.cost -= direction * released
        self.size = held - direction * closed
        rest = qty - closed
        if rest:
            self.size = -direction * rest
            self.cost = -direction * rest * price
        self.realized += realized
        return realized

    def reducible(self, is_buy: bool) -> int:
        """How many steps an order on this side can trade without increasing |position|."""
        size = self.size
        if is_buy:
            return -size if size < 0 else 0
        return size if size > 0 else 0


class Account:
    """Cash in the quote currency, positions per market, open orders and fills of one account."""

    __slots__ = (
        "account_id",
        "by_client_id",
        "cash",
        "deposits",
        "fees_paid",
        "fills",
        "margin_fractions",
        "open_orders",
        "positions",
        "realized",
        "resting_margined",
    )

    def __init__(self, account_id: Any, cash: Decimal, history: int) -> None:
        self.account_id = account_id
        self.cash = cash
        self.deposits = cash
        self.fees_paid = Decimal(0)
        self.realized = Decimal(0)
        self.positions: dict[str, PositionBook] = {}
        self.open_orders: dict[int, Any] = {}  # order id -> live order, in id order
        self.by_client_id: dict[Any, Any] = {}  # client id -> latest order that used it
        self.fills: deque[Any] = deque(maxlen=history)  # the newest `history` fills
        self.margin_fractions: dict[str, Decimal] = {}  # symbol -> the initial fraction this account chose
        # symbol -> Σ remaining × price (tick·steps) of its resting orders that are not reduce-only: the
        # notional its orders margin, kept by the engine as orders rest, fill and leave, so a margin
        # check costs the markets the account is in, not the orders it has resting
        self.resting_margined: dict[str, int] = {}

    def position(self, symbol: str) -> PositionBook:
        book = self.positions.get(symbol)
        if book is None:
            book = self.positions[symbol] = PositionBook()
        return book

    def reducible(self, symbol: str, is_buy: bool) -> int:
        book = self.positions.get(symbol)
        return 0 if book is None else book.reducible(is_buy)
