"""Initial margin at order entry: the one check every simulated venue makes before an order may open
exposure, and the account figures behind it.

Why one small, pure module: every venue refuses an order its account cannot margin, each in its own
words. The engine decides once (`Reason.INSUFFICIENT_MARGIN`) and the front-ends only translate, so
four simulators cannot disagree on the arithmetic. The model is cross margin in one collateral
currency, per market fractions from `MarketSpec`:

* mark: the book's mid; one side's best price when the other side is empty; no book at all, the
  position's entry price (so no unrealised PnL) — the front-ends quote the same mid;
* equity = cash + Σ unrealised PnL at the mark;
* initial margin = Σ imf × (|position| × mark + Σ remaining × price of the resting orders that are
  not reduce-only); maintenance margin = Σ mmf × |position| × mark (reported; nothing liquidates);
* an order is refused when the part of it that opens exposure (what exceeds the opposite position)
  needs more initial margin, at its limit price (a market order: the best opposite price, the one it
  takes first), than equity minus the initial margin already used. Reduce-only orders and orders
  that only reduce the position are never refused for margin.

Positions and orders are read in the engine's integer units (steps, ticks, tick·steps); a mid may
fall on a half tick, so marks are kept doubled and every sum is exact (no rounding anywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from xtb.model import ZERO, OrderType, Side
from xtb.sim.accounts import Account
from xtb.sim.book import BookSide
from xtb.sim.engine_types import EXACT, MarketSpec

HALF = Decimal("0.5")


class MarginMarket(Protocol):
    """What the margin model reads of an engine market."""

    spec: MarketSpec
    symbol: str
    unit: Decimal  # tick × step: the money of one tick·step
    bids: BookSide
    asks: BookSide


@dataclass(frozen=True, slots=True)
class MarginFigures:
    """An account's margin at the marks, in the collateral currency."""

    equity: Decimal
    initial: Decimal
    maintenance: Decimal

    @property
    def available(self) -> Decimal:
        """What new exposure may still use (negative once losses ate into the initial margin)."""
        return EXACT.subtract(self.equity, self.initial)


def initial_fraction(m: MarginMarket, account: Account) -> Decimal:
    """The initial margin fraction the account trades `m` at: the leverage it chose (a venue's
    leverage call), never below the market's maintenance fraction (a settings change may raise
    that after the choice), else the market's default."""
    chosen = account.margin_fractions.get(m.symbol)
    if chosen is None:
        return m.spec.initial_margin_fraction
    return max(chosen, m.spec.maintenance_margin_fraction)


def doubled_mark(m: MarginMarket) -> int | None:
    """Twice the mark in ticks (a mid may be a half tick), or None when the book is empty."""
    bid = m.bids.best()
    ask = m.asks.best()
    if bid is not None and ask is not None:
        return bid.price + ask.price
    side = bid if bid is not None else ask
    return None if side is None else 2 * side.price


def figures(markets: Mapping[str, MarginMarket], account: Account, *, leaving_out: Any = None) -> MarginFigures:
    """Equity, initial and maintenance margin of `account` over every market it is exposed in;
    `leaving_out` is an open order whose margin is not counted (the one a modify replaces)."""
    resting = account.resting_margined  # symbol -> Σ remaining × price of margined resting orders, tick·steps
    if leaving_out is not None and leaving_out.order_id in account.open_orders and not leaving_out.reduce_only:
        resting = dict(resting)
        left = resting[leaving_out.market.symbol] - (leaving_out.size - leaving_out.filled) * leaving_out.price
        resting[leaving_out.market.symbol] = left
    equity = account.cash
    initial = maintenance = ZERO
    for symbol in dict.fromkeys([*account.positions, *resting]):
        m = markets[symbol]
        book = account.positions.get(symbol)
        size, cost = (book.size, book.cost) if book is not None else (0, 0)
        half_unit = EXACT.multiply(m.unit, HALF)
        mark2 = doubled_mark(m) if size else None
        if mark2 is None:
            exposure2 = 2 * abs(cost)  # at the entry price
        else:
            exposure2 = abs(size) * mark2
            unrealized2 = size * mark2 - 2 * cost
            if unrealized2:
                equity = EXACT.add(equity, EXACT.multiply(half_unit, unrealized2))
        imf, mmf = initial_fraction(m, account), m.spec.maintenance_margin_fraction
        margined2 = exposure2 + 2 * resting.get(symbol, 0)
        if imf and margined2:
            initial = EXACT.add(initial, EXACT.multiply(imf, half_unit * margined2))
        if mmf and exposure2:
            maintenance = EXACT.add(maintenance, EXACT.multiply(mmf, half_unit * exposure2))
    return MarginFigures(equity, initial, maintenance)


def margin_shortfall(
    markets: Mapping[str, MarginMarket],
    m: MarginMarket,
    account: Account,
    side: Side,
    steps: int,
    ticks: int | None,
    order_type: OrderType,
    reduce_only: bool,
    *,
    replacing: Any = None,
) -> str | None:
    """Why the account cannot margin this order (the refusal's detail), or None when it can.
    `replacing`: the open order a modify replaces, whose own margin is released for the new one.

    Cheap when it cannot matter: a market without margin, a reduce-only order, an order that only
    reduces the position, or a market order with nothing to take returns before any sum is made.
    """
    imf = initial_fraction(m, account)
    if reduce_only or not imf:
        return None
    is_buy = side is Side.BUY
    opening = steps - account.reducible(m.symbol, is_buy)
    if opening <= 0:
        return None
    if order_type is OrderType.MARKET or ticks is None:
        best = (m.asks if is_buy else m.bids).best()
        if best is None:
            return None  # nothing to take: it opens nothing
        ticks = best.price
    needed = EXACT.multiply(imf, EXACT.multiply(m.unit, opening * ticks))
    margin = figures(markets, account, leaving_out=replacing)
    available = margin.available
    if needed <= available:
        return None
    return (
        f"order needs initial margin {needed} but {max(available, ZERO)} is available "
        f"(equity {margin.equity}, initial margin in use {margin.initial})"
    )
