"""Values the engine hands out: reject reasons, statuses, per-venue policy, market specs, the frozen
views of orders, fills, positions and balances, and the events listeners receive.

Kept apart from the matching code so a front-end can read what it maps without the engine's inner
workings in view.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow
from typing import Any, Literal, TypeVar

from xtb.errors import XtbError
from xtb.model import ZERO, Liquidity, MarketInfo, OrderType, Side, TimeInForce

# Exact money arithmetic: a result that would need rounding raises instead of losing a digit.
EXACT = Context(prec=80, traps=[Inexact, InvalidOperation, Overflow, DivisionByZero])
# Display-only quotients (average prices), which need not terminate.
DISPLAY = Context(prec=28)

REJECTED_ORDER_ID = 0
"""The order id carried by a rejected order's view: the order was never created."""

AccountId = str | int
ClientId = str | int
_T = TypeVar("_T")


def _fast_init(cls: type[_T]) -> type[_T]:
    """Give a frozen slots dataclass an `__init__` that stores through the slot descriptors.

    The generated `__init__` of a frozen dataclass assigns each field with `object.__setattr__`,
    which resolves the name on the type every time. The engine builds a dozen of these values per
    matched order, and storing through the descriptors directly halves their cost (the benchmark's
    largest single item). Equality, hashing, repr and immutability stay the dataclass's own.
    """
    assert not hasattr(cls, "__post_init__"), f"{cls.__name__}: __post_init__ would be skipped"
    params: list[str] = []
    lines: list[str] = []
    namespace: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        assert f.init and not f.kw_only and f.default_factory is MISSING, f"{cls.__name__}.{f.name}"
        namespace[f"set_{f.name}"] = getattr(cls, f.name).__set__
        lines.append(f"    set_{f.name}(self, {f.name})")
        if f.default is MISSING:
            params.append(f.name)
        else:
            namespace[f"default_{f.name}"] = f.default
            params.append(f"{f.name}=default_{f.name}")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(lines) + "\n"
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls


class Reason(enum.Enum):
    """Why the engine refused, ended or cancelled an order; front-ends map it to venue error text."""

    # refused at submit (status REJECTED, or EXPIRED when the policy accepts then cancels)
    UNKNOWN_MARKET = "unknown_market"
    UNKNOWN_ACCOUNT = "unknown_account"
    INVALID_SIZE = "invalid_size"
    INVALID_PRICE = "invalid_price"
    MISSING_PRICE = "missing_price"
    INVALID_TIME_IN_FORCE = "invalid_time_in_force"
    PRICE_NOT_ON_TICK = "price_not_on_tick"
    SIZE_NOT_ON_STEP = "size_not_on_step"
    BELOW_MIN_SIZE = "below_min_size"
    BELOW_MIN_NOTIONAL = "below_min_notional"
    DUPLICATE_CLIENT_ID = "duplicate_client_id"
    POST_ONLY_WOULD_CROSS = "post_only_would_cross"
    REDUCE_ONLY_NO_POSITION = "reduce_only_no_position"
    REDUCE_ONLY_WOULD_INCREASE = "reduce_only_would_increase"
    REDUCE_ONLY_OVERSIZE = "reduce_only_oversize"
    FOK_NOT_FILLABLE = "fok_not_fillable"
    INSUFFICIENT_MARGIN = "insufficient_margin"  # it would raise initial margin above equity
    # ended by the engine after acceptance (status EXPIRED)
    SELF_TRADE = "self_trade"
    IOC_REMAINDER = "ioc_remainder"
    NO_LIQUIDITY = "no_liquidity"
    SLIPPAGE_LIMIT = "slippage_limit"
    # ended on request (status CANCELLED)
    USER_CANCEL = "user_cancel"
    CANCEL_ALL = "cancel_all"
    # lookups (carried by SimError)
    ORDER_NOT_FOUND = "order_not_found"
    ORDER_CLOSED = "order_closed"


#: Why the engine may end a live order on its own (`Engine.expire`): what a venue does after acceptance.
EXPIRY_REASONS = frozenset({Reason.SELF_TRADE, Reason.REDUCE_ONLY_NO_POSITION})


class OrderStatus(enum.Enum):
    NEW = "new"  # accepted; resting (or about to match) with nothing filled
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"  # on request: cancel, cancel-all
    EXPIRED = "expired"  # ended by the engine: TIF remainder, self-trade, reduce-only, policy
    REJECTED = "rejected"  # refused at submit; the order never existed

    @property
    def is_open(self) -> bool:
        return self is OrderStatus.NEW or self is OrderStatus.PARTIALLY_FILLED


OPEN_STATUSES = (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


class SimError(XtbError):
    """A lookup or command the engine cannot apply (unknown market/account/order, closed order)."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


_CHOICES: dict[str, tuple[str, ...]] = {
    "reduce_only_no_position": ("reject", "cancel"),
    "reduce_only_oversize": ("clamp", "reject", "cancel"),
    "post_only_cross": ("reject", "cancel"),
    "self_trade": ("reject_taker", "cancel_maker", "cancel_both", "allow"),
    "fok_unfillable": ("reject", "cancel"),
}


@dataclass(frozen=True, slots=True)
class VenuePolicy:
    """How a venue ends the orders whose outcome venues disagree on.

    "reject" refuses at submit (no order, status REJECTED); "cancel" accepts the order and ends it at
    once (EXPIRED with the reason, zero fills). `reduce_only_no_position` also covers a reduce-only
    order on the same side as the position. `reduce_only_oversize="clamp"` accepts, caps execution at
    |position| and ends what cannot reduce (an immediate remainder expires; a resting one is shrunk).
    `self_trade`: "reject_taker" stops the incoming order and expires its remainder, "cancel_maker"
    expires the resting order and continues, "cancel_both" does both, "allow" matches (fees only, no
    position change). Fee rates are fractions of notional, negative for a rebate.
    """

    reduce_only_no_position: Literal["reject", "cancel"] = "reject"
    reduce_only_oversize: Literal["clamp", "reject", "cancel"] = "clamp"
    post_only_cross: Literal["reject", "cancel"] = "reject"
    self_trade: Literal["reject_taker", "cancel_maker", "cancel_both", "allow"] = "reject_taker"
    fok_unfillable: Literal["reject", "cancel"] = "cancel"
    maker_fee_rate: Decimal = ZERO
    taker_fee_rate: Decimal = ZERO
    reduce_only_min_notional: bool = True  # False: reduce-only orders skip MIN_NOTIONAL (Aster)

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"VenuePolicy.{name} must be one of {allowed}, got {getattr(self, name)!r}")
        for name in ("maker_fee_rate", "taker_fee_rate"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValueError(f"VenuePolicy.{name} must be a finite Decimal, got {value!r}")


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """A market's rules (`info`), how its venue ends orders (`policy`) and its margin fractions.

    `initial_margin_fraction` is the share of notional an account must hold as equity to open
    exposure (1 / leverage); zero means the market asks for no margin, as the bare engine does.
    `maintenance_margin_fraction` is what an open position must keep (reported, never enforced:
    the simulators do not liquidate)."""

    info: MarketInfo
    policy: VenuePolicy = VenuePolicy()
    initial_margin_fraction: Decimal = ZERO
    maintenance_margin_fraction: Decimal = ZERO

    def __post_init__(self) -> None:
        imf, mmf = self.initial_margin_fraction, self.maintenance_margin_fraction
        for name, value in (("initial_margin_fraction", imf), ("maintenance_margin_fraction", mmf)):
            if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
                raise ValueError(f"MarketSpec.{name} must be a Decimal in [0, 1], got {value!r}")
        if mmf > imf:
            raise ValueError(f"maintenance margin fraction {mmf} exceeds the initial one {imf}")

    @property
    def symbol(self) -> str:
        return self.info.symbol


# ---------------------------------------------------------------------------------------------- values


@_fast_init
@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as the engine knows it at one moment. `price` is None for a market order without a
    protection price; `requested_size` differs from `size` only after a reduce-only shrink."""

    order_id: int
    account_id: AccountId
    client_id: ClientId | None
    market: str
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    reduce_only: bool
    price: Decimal | None
    size: Decimal
    requested_size: Decimal
    filled: Decimal
    filled_quote: Decimal  # Σ price × size over the fills, exact
    status: OrderStatus
    reason: Reason | None
    created_ts: float
    updated_ts: float
    detail: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.size - self.filled

    @property
    def avg_price(self) -> Decimal | None:
        """Volume-weighted fill price (rounded to 28 digits: it need not terminate)."""
        return None if not self.filled else DISPLAY.divide(self.filled_quote, self.filled)

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@_fast_init
@dataclass(frozen=True, slots=True)
class FillView:
    """One side of one trade, as the account that traded it sees it."""

    trade_id: int
    account_id: AccountId
    market: str
    order_id: int
    client_id: ClientId | None
    side: Side
    price: Decimal
    size: Decimal
    fee: Decimal
    liquidity: Liquidity
    realized_pnl: Decimal
    ts: float
    seq: int  # the sequence number of the Trade event that carried it


@_fast_init
@dataclass(frozen=True, slots=True)
class PositionView:
    """`size` is signed (positive = long); `cost_basis` is the signed entry notional of what is open."""

    account_id: AccountId
    market: str
    size: Decimal
    cost_basis: Decimal
    realized_pnl: Decimal

    @property
    def entry_price(self) -> Decimal | None:
        """Average entry price (rounded to 28 digits: it need not terminate)."""
        return None if not self.size else DISPLAY.divide(self.cost_basis, self.size)


@_fast_init
@dataclass(frozen=True, slots=True)
class BalanceView:
    """Collateral in the quote currency: cash == deposits + realized_pnl − fees_paid, exactly."""

    account_id: AccountId
    cash: Decimal
    deposits: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal


@_fast_init
@dataclass(frozen=True, slots=True)
class LevelView:
    side: Side
    price: Decimal
    size: Decimal  # aggregate remaining size; 0 in a BookChanged event means the level is gone
    orders: int


@_fast_init
@dataclass(frozen=True, slots=True)
class BookView:
    market: str
    bids: tuple[LevelView, ...]  # best first
    asks: tuple[LevelView, ...]  # best first


# --------------------------------------------------------------------------------------------- events


@_fast_init
@dataclass(frozen=True, slots=True)
class EngineEvent:
    """Base of every engine event: `seq` is global and gap-free, `ts` is `clock.time()` when the
    operation that produced it ran (all events of one operation share it)."""

    seq: int
    ts: float


@_fast_init
@dataclass(frozen=True, slots=True)
class OrderAccepted(EngineEvent):
    order: OrderView


@_fast_init
@dataclass(frozen=True, slots=True)
class OrderRejected(EngineEvent):
    order: OrderView


@_fast_init
@dataclass(frozen=True, slots=True)
class OrderCancelled(EngineEvent):
    order: OrderView


@_fast_init
@dataclass(frozen=True, slots=True)
class OrderExpired(EngineEvent):
    order: OrderView


@_fast_init
@dataclass(frozen=True, slots=True)
class OrderResized(EngineEvent):
    """A resting order's size changed: a reduce-only order shrunk to what the position still allows,
    or its owner amended it (`Engine.amend`, which may also move its price)."""

    order: OrderView
    previous_size: Decimal


@_fast_init
@dataclass(frozen=True, slots=True)
class Trade(EngineEvent):
    """One execution with both sides, and both orders as they stand right after it."""

    market: str
    trade_id: int
    price: Decimal
    size: Decimal
    taker_side: Side
    taker: FillView
    maker: FillView
    taker_order: OrderView
    maker_order: OrderView


@_fast_init
@dataclass(frozen=True, slots=True)
class PositionChanged(EngineEvent):
    """An account's position after an operation that traded it (one per account per operation)."""

    position: PositionView


@_fast_init
@dataclass(frozen=True, slots=True)
class BalanceChanged(EngineEvent):
    """An account's collateral after an operation that moved it; `delta` is the net move."""

    balance: BalanceView
    delta: Decimal


@_fast_init
@dataclass(frozen=True, slots=True)
class BookChanged(EngineEvent):
    """The levels one operation changed (new aggregate sizes; bids best first, then asks) and the
    top of book afterwards (None for an empty side)."""

    market: str
    levels: tuple[LevelView, ...]
    bid: Decimal | None
    bid_size: Decimal | None
    ask: Decimal | None
    ask_size: Decimal | None
    top_changed: bool


Listener = Callable[[EngineEvent], None]
