"""Value types shared by the runtime, the connectors and the simulators.

Prices, sizes and money are `Decimal` everywhere; venue integers (scaled prices, ticks) exist only
inside a venue module. Values are frozen dataclasses so a snapshot can be kept in a history without
being changed behind the keeper's back.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

ZERO = Decimal(0)


class InvalidValue(ValueError):
    """A value type refused what it was built from: a number it cannot hold (NaN, a negative size,
    filled above the size). Raised by the constructors below so no impossible state exists to be
    acted on; a venue mapping turns it into its VenueProtocolError (`xtb.connectors.parsing`)."""


def _clip(value: Any) -> str:
    """A value for an error message: a Decimal as its digits, anything else as its repr, clipped."""
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


MAX_MAGNITUDE = Decimal(10) ** 30
"""No price, size or amount comes near 10**30; `1e999` is finite to Decimal and still no value."""


def _finite(owner: str, name: str, value: Any, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value.copy_abs() >= MAX_MAGNITUDE:
        raise InvalidValue(f"{owner} {name} must be a finite Decimal below 1e30, got {_clip(value)}")


def _positive(owner: str, name: str, value: Any, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    _finite(owner, name, value)
    if value <= 0:
        raise InvalidValue(f"{owner} {name} must be positive, got {_clip(value)}")


def _symbol(owner: str, name: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidValue(f"{owner} {name} must be a non-empty string, got {_clip(value)}")


def _timestamp(owner: str, name: str, value: Any) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
    ):
        raise InvalidValue(f"{owner} {name} must be finite seconds, got {_clip(value)}")


def to_decimal(value: Any, what: str = "value") -> Decimal:
    """Convert a venue number to Decimal without passing through float.

    Floats are refused: a float has already lost the exact decimal the venue sent.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{what}: refusing {type(value).__name__} {value!r}; pass a str, int or Decimal")
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(value)
        except ArithmeticError as exc:
            raise ValueError(f"{what}: {value!r} is not a decimal number") from exc
    else:
        raise TypeError(f"{what}: expected str, int or Decimal, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite number")
    return result


class Side(enum.Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy (position grows), -1 for a sell."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(enum.Enum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(enum.Enum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    POST_ONLY = "post_only"  # GTC that must never take; a crossing order is refused or cancelled


class OrderState(enum.Enum):
    NEW = "new"
    SUBMITTING = "submitting"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    CANCELLING = "cancelling"
    FILLED = "filled"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def is_live(self) -> bool:
        """Could still be (or become) resting on the venue's book."""
        return not self.is_terminal


TERMINAL_STATES = frozenset({OrderState.FILLED, OrderState.CANCELLED, OrderState.FAILED})


class Source(enum.Enum):
    """Where an update came from; the tracker keeps the latest view of each separately."""

    REST = "rest"
    WS = "ws"
    LOCAL = "local"


class Rounding(enum.Enum):
    DOWN = "down"  # towards -infinity
    UP = "up"  # towards +infinity
    NEAREST = "nearest"


_ROUNDING_MODES = {Rounding.DOWN: ROUND_FLOOR, Rounding.UP: ROUND_CEILING, Rounding.NEAREST: ROUND_HALF_EVEN}


def round_to_increment(value: Decimal, increment: Decimal, rounding: Rounding) -> Decimal:
    """Round `value` to a whole multiple of `increment`, exactly, in the chosen direction."""
    if increment <= 0:
        raise ValueError(f"increment must be positive, got {increment}")
    units = (value / increment).to_integral_value(rounding=_ROUNDING_MODES[rounding])
    return (units * increment).quantize(increment)


def decimals_of(increment: Decimal) -> int:
    """Number of decimal places an increment needs (0.01 → 2, 5 → 0, 0.5 → 1)."""
    exponent = increment.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


@dataclass(frozen=True)
class MarketInfo:
    """A venue market's trading rules, as the venue declares them (never guessed from a price string).

    `significant_figures`: a venue without a fixed tick (Hyperliquid) limits a price to this many
    significant figures, integers always allowed, and to `tick_size`'s decimals. The tick valid at a
    price, `tick_at(price)`, then grows with the price; every method that rounds or checks a price
    uses it. None (every other venue): the tick is `tick_size` at every price.
    """

    symbol: str
    tick_size: Decimal
    step_size: Decimal
    min_size: Decimal
    min_notional: Decimal = ZERO
    price_decimals: int | None = None
    size_decimals: int | None = None
    base_asset: str = ""
    quote_asset: str = ""
    venue_symbol: str = ""  # the venue's own id when it differs (e.g. Lighter's market index)
    significant_figures: int | None = None  # a price rule instead of a fixed tick (see above)

    def __post_init__(self) -> None:
        _symbol("market", "symbol", self.symbol)
        figures = self.significant_figures
        if figures is not None and (isinstance(figures, bool) or not isinstance(figures, int) or figures < 1):
            raise InvalidValue(f"{self.symbol}: significant_figures must be a positive int, got {_clip(figures)}")
        for name in ("tick_size", "step_size"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or not 0 < value < MAX_MAGNITUDE:
                raise InvalidValue(f"{self.symbol}: {name} must be a positive Decimal, got {_clip(value)}")
        for name in ("min_size", "min_notional"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value < MAX_MAGNITUDE:
                raise InvalidValue(f"{self.symbol}: {name} must be a non-negative Decimal, got {_clip(value)}")
        if self.price_decimals is None:
            object.__setattr__(self, "price_decimals", decimals_of(self.tick_size))
        if self.size_decimals is None:
            object.__setattr__(self, "size_decimals", decimals_of(self.step_size))

    def tick_at(self, price: Decimal) -> Decimal:
        """The price increment valid around `price`: `tick_size`, or under a significant-figures
        rule the place of the last allowed figure (never finer than `tick_size`, never coarser
        than 1, since integer prices are always valid). Rounding to it lands on a valid price
        even across a power of ten (10^k is a multiple of every tick at or above it)."""
        figures = self.significant_figures
        if figures is None or not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
            return self.tick_size
        by_figures = Decimal(1).scaleb(price.adjusted() - figures + 1)
        return max(self.tick_size, min(Decimal(1), by_figures))

    def round_price(self, price: Decimal, rounding: Rounding = Rounding.NEAREST) -> Decimal:
        return round_to_increment(price, self.tick_at(price), rounding)

    def round_size(self, size: Decimal, rounding: Rounding = Rounding.DOWN) -> Decimal:
        return round_to_increment(size, self.step_size, rounding)

    def passive_price(self, price: Decimal, side: Side) -> Decimal:
        """Round to a tick away from the spread: down for a buy, up for a sell."""
        return self.round_price(price, Rounding.DOWN if side is Side.BUY else Rounding.UP)

    def is_on_tick(self, price: Decimal) -> bool:
        return price % self.tick_at(price) == 0

    def is_on_step(self, size: Decimal) -> bool:
        return size % self.step_size == 0

    def min_order_size(self, price: Decimal) -> Decimal:
        """The smallest size the venue accepts at `price`: min size and min notional, on a step."""
        if price <= 0:
            raise ValueError(f"{self.symbol}: price must be positive, got {price}")
        size = max(self.min_size, self.step_size)
        if self.min_notional > 0:
            size = max(size, self.min_notional / price)
        return self.round_size(size, Rounding.UP)

    def order_problem(self, size: Decimal, price: Decimal | None) -> str | None:
        """Why the venue would refuse this size/price, or None when it is acceptable."""
        if size <= 0:
            return f"size {size} must be positive"
        if not self.is_on_step(size):
            return f"size {size} is not a multiple of step {self.step_size}"
        if size < self.min_size:
            return f"size {size} is below the minimum {self.min_size}"
        if price is not None:
            if price <= 0:
                return f"price {price} must be positive"
            if not self.is_on_tick(price):
                return f"price {price} is not a multiple of tick {self.tick_at(price)}"
            if size * price < self.min_notional:
                return f"notional {size * price} is below the minimum {self.min_notional}"
        return None


@dataclass(frozen=True)
class TopOfBook:
    symbol: str
    bid: Decimal | None
    bid_size: Decimal | None
    ask: Decimal | None
    ask_size: Decimal | None
    source: Source
    received_at: float  # monotonic seconds when we learned it
    venue_ts: float | None = None  # venue's own timestamp (epoch seconds) when it sends one

    def __post_init__(self) -> None:
        """Prices and sizes, when present, are positive: an empty side is None, never 0 (a crossed
        book is representable, see `is_crossed`: the runtime decides what it means)."""
        _symbol("book", "symbol", self.symbol)
        for name in ("bid", "bid_size", "ask", "ask_size"):
            _positive("book", name, getattr(self, name), optional=True)
        _timestamp("book", "venue_ts", self.venue_ts)

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2

    @property
    def is_crossed(self) -> bool:
        return self.bid is not None and self.ask is not None and self.bid >= self.ask

    def touch(self, side: Side) -> Decimal | None:
        """The best price on our own side: the bid for a buy, the ask for a sell."""
        return self.bid if side is Side.BUY else self.ask

    def far_touch(self, side: Side) -> Decimal | None:
        """The best price on the other side: what a buy would take (the ask)."""
        return self.ask if side is Side.BUY else self.bid


@dataclass(frozen=True)
class OrderRequest:
    """What we asked for. The tracker keeps it; a venue module turns it into the venue's message."""

    symbol: str
    side: Side
    size: Decimal
    order_type: OrderType
    client_id: str
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False

    def __post_init__(self) -> None:
        if self.size <= 0:
            raise ValueError(f"order size must be positive, got {self.size}")
        if self.order_type is OrderType.LIMIT and self.price is None:
            raise ValueError("a limit order needs a price")
        if self.order_type is OrderType.MARKET and self.time_in_force is TimeInForce.POST_ONLY:
            raise ValueError("a market order cannot be post-only")

    @property
    def post_only(self) -> bool:
        return self.time_in_force is TimeInForce.POST_ONLY


@dataclass(frozen=True)
class OrderSnapshot:
    """One source's report of an order at one moment, already mapped to the runtime's vocabulary.

    `filled` is the cumulative executed size; `venue_status` keeps the venue's own word for the log.
    `filled_stated` is False when the message did not carry the cumulative filled size (an answer
    that only names the state): `filled` is then no statement, only what the mapping assumed.
    """

    symbol: str
    state: OrderState
    source: Source
    client_id: str | None = None
    venue_id: str | None = None
    side: Side | None = None
    size: Decimal | None = None
    price: Decimal | None = None
    filled: Decimal = ZERO
    avg_fill_price: Decimal | None = None
    venue_status: str = ""
    reason: str = ""
    venue_ts: float | None = None
    filled_stated: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        """What no venue can truthfully report: a size or price ≤ 0, a negative or over-size fill,
        an average fill price ≤ 0, a number that is not finite."""
        _symbol("order", "symbol", self.symbol)
        _positive("order", "size", self.size, optional=True)
        _positive("order", "price", self.price, optional=True)
        _finite("order", "filled", self.filled)
        if self.filled < 0:
            raise InvalidValue(f"order filled must not be negative, got {_clip(self.filled)}")
        if self.size is not None and self.filled > self.size:
            raise InvalidValue(f"order filled {_clip(self.filled)} is more than its size {_clip(self.size)}")
        _positive("order", "avg_fill_price", self.avg_fill_price, optional=True)
        _timestamp("order", "venue_ts", self.venue_ts)


class Liquidity(enum.Enum):
    MAKER = "maker"
    TAKER = "taker"


@dataclass(frozen=True)
class Fill:
    """One execution. `trade_id` is unique per venue account and is what de-duplicates fills."""

    trade_id: str
    symbol: str
    side: Side
    price: Decimal
    size: Decimal
    source: Source
    client_id: str | None = None
    venue_id: str | None = None
    fee: Decimal = ZERO
    fee_asset: str = ""
    liquidity: Liquidity | None = None
    venue_ts: float | None = None

    def __post_init__(self) -> None:
        """An execution has a positive size at a positive price, and an id to de-duplicate it by."""
        _symbol("fill", "trade_id", self.trade_id)
        _symbol("fill", "symbol", self.symbol)
        _positive("fill", "price", self.price)
        _positive("fill", "size", self.size)
        _finite("fill", "fee", self.fee)  # a rebate is negative
        _timestamp("fill", "venue_ts", self.venue_ts)


@dataclass(frozen=True)
class Position:
    """Net position in one market; `size` is signed (positive = long)."""

    symbol: str
    size: Decimal
    source: Source
    entry_price: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    venue_ts: float | None = None

    def __post_init__(self) -> None:
        """The size may be negative (short); an entry price, when known, is positive."""
        _symbol("position", "symbol", self.symbol)
        _finite("position", "size", self.size)
        _positive("position", "entry_price", self.entry_price, optional=True)
        _finite("position", "unrealized_pnl", self.unrealized_pnl, optional=True)
        _timestamp("position", "venue_ts", self.venue_ts)

    @property
    def is_flat(self) -> bool:
        return self.size == 0

    @property
    def side(self) -> Side | None:
        if self.size > 0:
            return Side.BUY
        if self.size < 0:
            return Side.SELL
        return None


@dataclass(frozen=True)
class Balance:
    asset: str
    total: Decimal
    available: Decimal
    source: Source = Source.REST

    def __post_init__(self) -> None:
        """Finite amounts (either may be negative on a margin account in deficit)."""
        _symbol("balance", "asset", self.asset)
        _finite("balance", "total", self.total)
        _finite("balance", "available", self.available)
