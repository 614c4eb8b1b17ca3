"""The matching engine's mutable records, in integers: a market (its rules, book and fee units) and
an order (ticks, steps, tick·steps).

Kept apart from the engine so the order checks (`xtb.sim.order_checks`) and the matching
(`xtb.sim.engine`) read the same records without importing each other. Only those two use them:
everything else gets the frozen views of `xtb.sim.engine_types`.
"""

from __future__ import annotations

from decimal import Decimal

from xtb.model import OrderType, Side, TimeInForce
from xtb.sim.accounts import Account
from xtb.sim.book import BookSide
from xtb.sim.engine_types import EXACT, ClientId, MarketSpec, OrderStatus, OrderView, Reason

_CACHE_LIMIT = 1 << 16


class DecimalCache(dict[int, Decimal]):
    """ticks (or steps) -> Decimal, so the hot path converts a repeated price with one dict lookup."""

    __slots__ = ("increment",)

    def __init__(self, increment: Decimal) -> None:
        super().__init__()
        self.increment = increment

    def __missing__(self, units: int) -> Decimal:
        value = EXACT.multiply(self.increment, units)
        if len(self) < _CACHE_LIMIT:
            self[units] = value
        return value


class EngineOrder:
    """The engine's mutable order record, in integers (ticks, steps, tick·steps). `snap` memoizes
    the current OrderView and is cleared by every change."""

    __slots__ = (
        "account",
        "client_id",
        "created",
        "filled",
        "is_buy",
        "market",
        "notional",
        "order_id",
        "order_type",
        "price",
        "reason",
        "reduce_only",
        "requested",
        "side",
        "size",
        "snap",
        "status",
        "tif",
        "updated",
    )

    def __init__(
        self,
        order_id: int,
        account: Account,
        market: EngineMarket,
        side: Side,
        order_type: OrderType,
        tif: TimeInForce,
        price: int | None,
        size: int,
        reduce_only: bool,
        client_id: ClientId | None,
        now: float,
    ) -> None:
        self.order_id = order_id
        self.account = account
        self.market = market
        self.side = side
        self.is_buy = side is Side.BUY
        self.order_type = order_type
        self.tif = tif
        self.price = price
        self.size = size
        self.requested = size
        self.filled = 0
        self.notional = 0
        self.reduce_only = reduce_only
        self.client_id = client_id
        self.status = OrderStatus.NEW
        self.reason: Reason | None = None
        self.created = now
        self.updated = now
        self.snap: OrderView | None = None

    def view(self) -> OrderView:
        snap = self.snap
        if snap is None:
            m = self.market
            snap = self.snap = OrderView(
                self.order_id, self.account.account_id, self.client_id, m.symbol, self.side, self.order_type,
                self.tif, self.reduce_only, None if self.price is None else m.px[self.price], m.sz[self.size],
                m.sz[self.requested], m.sz[self.filled], EXACT.multiply(m.unit, self.notional), self.status,
                self.reason, self.created, self.updated,
            )  # fmt: skip
        return snap


class EngineMarket:
    """A market's rules in integer form, its book, and its fee rates per tick·step unit."""

    __slots__ = (
        "asks",
        "bids",
        "info",
        "maker_fee_unit",
        "min_notional_units",
        "min_size_steps",
        "policy",
        "px",
        "resting_reduce_only",
        "spec",
        "step",
        "symbol",
        "sz",
        "taker_fee_unit",
        "tick",
        "unit",
    )

    def __init__(self, spec: MarketSpec) -> None:
        info = spec.info
        self.spec = spec
        self.info = info
        self.policy = spec.policy
        self.symbol = info.symbol
        self.tick = info.tick_size
        self.step = info.step_size
        self.unit = EXACT.multiply(info.tick_size, info.step_size)
        self.min_size_steps = ceil_units(info.min_size, info.step_size)
        self.min_notional_units = ceil_units(info.min_notional, self.unit)
        self.maker_fee_unit = EXACT.multiply(self.unit, spec.policy.maker_fee_rate)
        self.taker_fee_unit = EXACT.multiply(self.unit, spec.policy.taker_fee_rate)
        self.px = DecimalCache(info.tick_size)
        self.sz = DecimalCache(info.step_size)
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)
        self.resting_reduce_only = 0

    def money(self, units: int) -> Decimal:
        return EXACT.multiply(self.unit, units)

    def top_key(self) -> tuple[int, int, int, int]:
        bid = self.bids.best()
        ask = self.asks.best()
        return (
            bid.price if bid else 0,
            bid.total if bid else 0,
            ask.price if ask else 0,
            ask.total if ask else 0,
        )

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self.resting_reduce_only = 0


def ceil_units(value: Decimal, increment: Decimal) -> int:
    quotient, remainder = EXACT.divmod(value, increment)
    return int(quotient) + (1 if remainder else 0)


def units(value: Decimal, increment: Decimal) -> int | None:
    """`value / increment` when it is a whole number, else None (never rounds)."""
    try:
        quotient, remainder = EXACT.divmod(value, increment)
    except ArithmeticError:
        return None
    return int(quotient) if not remainder else None
