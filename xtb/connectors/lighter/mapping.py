"""Lighter payloads → runtime values. Every enum is mapped explicitly; anything unknown raises.

Status mapping follows the venue spec §6: the refusals (`canceled-post-only`, `canceled-reduce-only`,
margin, slippage, liquidity...) are FAILED when nothing filled and CANCELLED when something did.

Prices and sizes are decimal strings padded to the market's decimals; venue integers (tx amounts)
are made here from the market's declared decimals, never from the shape of a price string.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from xtb.connectors.orderbook import Delta, Level
from xtb.connectors.parsing import PayloadReader, clip
from xtb.errors import ConnectorError, InvalidOrder
from xtb.model import (
    ZERO,
    Balance,
    Fill,
    Liquidity,
    MarketInfo,
    OrderSnapshot,
    OrderState,
    Position,
    Side,
    Source,
)

VENUE = "lighter"


_read = PayloadReader(VENUE)
bad = _read.bad
field = _read.field
dec = _read.dec
get = _read.get
rows = _read.rows
obj = _read.obj
parser = _read.parser
MAX_PRICE = 2**32 - 1
MAX_BASE_AMOUNT = 2**48 - 1
MAX_DECIMALS = 18
"""A market's declared price / size decimals: more would make a tick no venue quotes."""

CANCELLED_STATUSES = frozenset(
    {
        "canceled",
        "canceled-expired",
        "canceled-self-trade",
        "canceled-oco",
        "canceled-child",
        "canceled-liquidation",
    }
)
REFUSAL_STATUSES = frozenset(
    {
        "canceled-post-only",
        "canceled-reduce-only",
        "canceled-position-not-allowed",
        "canceled-margin-not-allowed",
        "canceled-invalid-balance",
        "canceled-too-much-slippage",
        "canceled-not-enough-liquidity",
    }
)
STATUSES = CANCELLED_STATUSES | REFUSAL_STATUSES | {"in-progress", "pending", "open", "filled"}


def integer(value: Any, what: str, *, minimum: int = 0, maximum: int = 2**63 - 1) -> int:
    """A JSON integer (ids, indexes, nonces, fees per million: none negative)."""
    return _read.integer(value, what, minimum=minimum, maximum=maximum)


def frame(data: str) -> dict[str, Any]:
    """One WS text frame: Lighter sends only JSON objects."""
    return _read.json_object(data, "stream frame")


def order_state(status: Any, filled: Decimal, size: Decimal | None) -> OrderState:
    """The runtime state for a Lighter order status (spec §6)."""
    if not isinstance(status, str):
        raise bad(f"unknown order status {clip(status)}")
    if status == "in-progress":
        return OrderState.SUBMITTING
    if status == "pending":
        return OrderState.OPEN
    if status == "open":
        return OrderState.PARTIALLY_FILLED if filled > 0 else OrderState.OPEN
    if status == "filled":
        return OrderState.FILLED
    if status in CANCELLED_STATUSES:
        return OrderState.CANCELLED
    if status in REFUSAL_STATUSES:
        return OrderState.CANCELLED if filled > 0 else OrderState.FAILED
    raise bad(f"unknown order status {clip(status)}")


def seconds(value: Any) -> float | None:
    """A venue timestamp in seconds, ms or µs (told apart by magnitude) → epoch seconds; 0 or
    absent is none."""
    if value is None:
        return None
    value = integer(value, "timestamp")
    if value == 0:
        return None
    if value > 10**14:
        return value / 1_000_000
    if value > 10**11:
        return value / 1000
    return float(value)


# ---------------------------------------------------------------------------------- markets


@parser
def parse_market(row: Mapping[str, Any]) -> MarketInfo | None:
    """A perp row of `orderBookDetails` (None for inactive markets)."""
    if get(row, "market_type", "market", "perp") != "perp" or row.get("status", "active") != "active":
        return None
    price_decimals = integer(field(row, "price_decimals", "market"), "price_decimals", maximum=MAX_DECIMALS)
    size_decimals = integer(field(row, "size_decimals", "market"), "size_decimals", maximum=MAX_DECIMALS)
    symbol = _read.text(field(row, "symbol", "market"), "symbol")
    return MarketInfo(
        symbol,
        tick_size=Decimal(1).scaleb(-price_decimals),
        step_size=Decimal(1).scaleb(-size_decimals),
        min_size=_read.non_negative(field(row, "min_base_amount", "market"), "min_base_amount"),
        min_notional=_read.non_negative(row.get("min_quote_amount", "0"), "min_quote_amount"),
        price_decimals=price_decimals,
        size_decimals=size_decimals,
        base_asset=symbol,
        quote_asset="USDC",
        venue_symbol=str(integer(field(row, "market_id", "market"), "market_id")),
    )


def to_units(value: Decimal, decimals: int, what: str, *, rounding: str | None = None) -> int:
    """value × 10^decimals as an int; refuses a value off the grid unless a rounding is given."""
    scaled = value.scaleb(decimals)
    if rounding is None:
        if scaled != scaled.to_integral_value():
            raise InvalidOrder(f"{what} {value} has more than {decimals} decimals", venue=VENUE)
        return int(scaled)
    return int(scaled.to_integral_value(rounding=rounding))


def price_units(price: Decimal, market: MarketInfo, *, rounding: str | None = None) -> int:
    assert market.price_decimals is not None
    units = to_units(price, market.price_decimals, "price", rounding=rounding)
    if not 1 <= units <= MAX_PRICE:
        raise InvalidOrder(f"price {price} does not fit the signed uint32 price of {market.symbol}", venue=VENUE)
    return units


def size_units(size: Decimal, market: MarketInfo) -> int:
    assert market.size_decimals is not None
    units = to_units(size, market.size_decimals, "size")
    if not 1 <= units <= MAX_BASE_AMOUNT:
        raise InvalidOrder(f"size {size} is out of the venue's range", venue=VENUE)
    return units


def protection_price(touch: Decimal, side: Side, slippage: Decimal, market: MarketInfo) -> int:
    """The worst price a market order accepts: the far touch moved by `slippage`, on the tick."""
    assert market.price_decimals is not None
    if side is Side.BUY:
        bound = touch * (1 + slippage)
        return min(MAX_PRICE, to_units(bound, market.price_decimals, "price", rounding=ROUND_CEILING))
    bound = touch * (1 - slippage)
    return max(1, to_units(bound, market.price_decimals, "price", rounding=ROUND_FLOOR))


# ----------------------------------------------------------------------------------- orders


@parser
def parse_order(obj: Mapping[str, Any], symbol: str, source: Source) -> OrderSnapshot:
    """An Order object (REST lists or account channels)."""
    filled = _read.non_negative(field(obj, "filled_base_amount", "order"), "filled_base_amount")
    quote = _read.non_negative(obj.get("filled_quote_amount", "0"), "filled_quote_amount")
    size = _read.positive(field(obj, "initial_base_amount", "order"), "initial_base_amount")
    status = field(obj, "status", "order")
    is_ask = _read.flag(field(obj, "is_ask", "order"), "order is_ask")
    coi = integer(obj.get("client_order_index", 0), "client_order_index", maximum=MAX_BASE_AMOUNT)
    return OrderSnapshot(
        symbol=symbol,
        state=order_state(status, filled, size),
        source=source,
        client_id=str(coi) if coi > 0 else None,
        venue_id=str(integer(field(obj, "order_index", "order"), "order_index")),
        side=Side.SELL if is_ask else Side.BUY,  # `side` may be empty: the direction is is_ask
        size=size,
        price=_read.price_or_none(obj.get("price", "0"), "price"),
        filled=filled,
        avg_fill_price=quote / filled if filled else None,
        venue_status=status,
        reason=status if status.startswith("canceled") else "",
        venue_ts=seconds(obj.get("updated_at")) or seconds(obj.get("timestamp")),
        raw=dict(obj),
    )


@parser
def parse_fills(trade: Mapping[str, Any], account: int, symbol: str, source: Source) -> list[Fill]:
    """Our side(s) of one Trade (both, for a self-trade). Fees are per million of the USD amount."""
    price = _read.positive(field(trade, "price", "trade"), "price")
    size = _read.positive(field(trade, "size", "trade"), "size")
    usd = _read.non_negative(trade.get("usd_amount", "0"), "usd_amount") or price * size
    maker_ask = _read.flag(field(trade, "is_maker_ask", "trade"), "is_maker_ask")
    trade_id = _read.ident(trade.get("trade_id_str") or field(trade, "trade_id", "trade"), "trade_id")
    fills = []
    for side, prefix in ((Side.SELL, "ask"), (Side.BUY, "bid")):
        if trade.get(f"{prefix}_account_id") != account:
            continue
        maker = maker_ask if side is Side.SELL else not maker_ask
        fee_ppm = integer(trade.get("maker_fee" if maker else "taker_fee") or 0, "fee", maximum=1_000_000)
        coi = integer(trade.get(f"{prefix}_client_id", 0), f"{prefix}_client_id", maximum=MAX_BASE_AMOUNT)
        fills.append(
            Fill(
                trade_id=trade_id,
                symbol=symbol,
                side=side,
                price=price,
                size=size,
                source=source,
                client_id=str(coi) if coi > 0 else None,
                venue_id=_read.ident(field(trade, f"{prefix}_id", "trade"), f"{prefix}_id"),
                fee=usd * fee_ppm / 1_000_000,
                fee_asset="USDC",
                liquidity=Liquidity.MAKER if maker else Liquidity.TAKER,
                venue_ts=seconds(trade.get("timestamp")),
            )
        )
    return fills


@parser
def parse_position(obj: Mapping[str, Any], source: Source) -> Position:
    """`position` is the absolute size; the sign field gives the direction (0: flat)."""
    sign = integer(field(obj, "sign", "position"), "sign", minimum=-1, maximum=1)
    size = _read.non_negative(field(obj, "position", "position"), "position")
    if sign == 0 and size != 0:
        raise bad(f"position of {clip(size)} with sign 0")
    return Position(
        symbol=_read.text(field(obj, "symbol", "position"), "symbol"),
        size=size * sign if sign else ZERO,
        source=source,
        entry_price=_read.price_or_none(obj.get("avg_entry_price", "0"), "avg_entry_price"),
        unrealized_pnl=dec(obj.get("unrealized_pnl", "0"), "unrealized_pnl"),
    )


@parser
def parse_balance(account: Mapping[str, Any]) -> Balance:
    collateral = dec(field(account, "collateral", "account"), "collateral")
    available = dec(field(account, "available_balance", "account"), "available_balance")
    return Balance("USDC", collateral, available)


# ------------------------------------------------------------------------------------- books


def levels(raw: Any, what: str) -> tuple[Level, ...]:
    return _read.object_levels(raw, what)


@parser
def parse_book(book: Mapping[str, Any]) -> tuple[tuple[Level, ...], tuple[Level, ...], int, int]:
    """(bids, asks, begin_nonce, nonce) of an `order_book` frame's `order_book` object."""
    return (
        levels(field(book, "bids", "order book"), "bids"),
        levels(field(book, "asks", "order book"), "asks"),
        integer(book.get("begin_nonce", book.get("nonce")), "begin_nonce"),
        integer(field(book, "nonce", "order book"), "nonce"),
    )


def book_delta(book: Mapping[str, Any]) -> Delta:
    """An update as a contiguous delta: it must start right after the previous update's nonce."""
    bids, asks, begin, nonce = parse_book(book)
    return Delta(first_id=begin + 1, last_id=nonce, bids=bids, asks=asks)


def best_from_orders(orders: Any, what: str) -> tuple[Decimal, Decimal] | None:
    """(best price, total size at it) from `orderBookOrders` individual orders, best first."""
    if not isinstance(orders, list):
        raise bad(f"{what} must be a list of orders, got {clip(orders)}")
    best: Decimal | None = None
    size = ZERO
    for order in orders:
        price = _read.positive(field(order, "price", what), f"{what} price")
        if best is None:
            best = price
        if price != best:
            break
        size += _read.positive(field(order, "remaining_base_amount", what), f"{what} remaining_base_amount")
    return None if best is None else (best, size)


@parser
def touch_levels(body: Mapping[str, Any]) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
    """(bids, asks) of an `orderBookOrders` answer, each its best level (or none), for `top_of_levels`."""

    def best(side: str) -> tuple[Level, ...]:
        level = best_from_orders(field(body, side, "orderBookOrders"), side)
        return () if level is None else (level,)

    return best("bids"), best("asks")


# ------------------------------------------------------------------------------------ market ids


class MarketIds:
    """market_id <-> symbol of the loaded markets: frames and answers name markets by id. One object
    for the REST hooks and the streams, refilled whenever the markets are loaded again."""

    def __init__(self) -> None:
        self._symbols: dict[str, str] = {}
        self._ids: dict[str, str] = {}

    def load(self, markets: Iterable[MarketInfo]) -> None:
        self._ids = {m.symbol: m.venue_symbol for m in markets}
        self._symbols = {market_id: symbol for symbol, market_id in self._ids.items()}

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._ids

    def symbol(self, market_id: Any) -> str | None:
        """The symbol of a market id (as a frame writes it: "0" or 0); None for a market not loaded."""
        return self._symbols.get(str(market_id))

    def market_id(self, symbol: str) -> str:
        try:
            return self._ids[symbol]
        except KeyError:
            raise ConnectorError(f"unknown symbol {symbol!r}", venue=VENUE) from None

    def per_market(self, frame: Mapping[str, Any], key: str) -> list[tuple[str, Any]]:
        """(symbol, entry) of a `{market_id: [entry, ...]}` frame field, for the loaded markets."""
        out = []
        for market_id, entries in obj(frame.get(key) or {}, key).items():
            symbol = self.symbol(market_id)
            if symbol is not None:
                out.extend((symbol, entry) for entry in rows(entries, key))
        return out
