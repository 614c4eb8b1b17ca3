"""Lighter payloads → runtime values. Every enum is mapped explicitly; anything unknown raises.

Status mapping follows the venue spec §6: the refusals (`canceled-post-only`, `canceled-reduce-only`,
margin, slippage, liquidity...) are FAILED when nothing filled and CANCELLED when something did.

Prices and sizes are decimal strings padded to the market's decimals; venue integers (tx amounts)
are made here from the market's declared decimals, never from the shape of a price string.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from xtb.connectors.orderbook import Delta, Level
from xtb.connectors.parsing import PayloadReader
from xtb.errors import InvalidOrder
from xtb.model import ZERO, Balance, Fill, Liquidity, MarketInfo, OrderSnapshot, OrderState, Position, Side, Source

VENUE = "lighter"


_read = PayloadReader(VENUE)
bad = _read.bad
field = _read.field
dec = _read.dec
MAX_PRICE = 2**32 - 1
MAX_BASE_AMOUNT = 2**48 - 1

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


def integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"{what} must be an integer, got {value!r}")
    return value


def order_state(status: Any, filled: Decimal, size: Decimal | None) -> OrderState:
    """The runtime state for a Lighter order status (spec §6)."""
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
    raise bad(f"unknown order status {status!r}")


def seconds(value: Any) -> float | None:
    """A venue timestamp in seconds, ms or µs (told apart by magnitude) → epoch seconds."""
    if value is None or isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    if value > 10**14:
        return value / 1_000_000
    if value > 10**11:
        return value / 1000
    return float(value)


# ---------------------------------------------------------------------------------- markets


def parse_market(row: Mapping[str, Any]) -> MarketInfo | None:
    """A perp row of `orderBookDetails` (None for inactive markets)."""
    if row.get("market_type", "perp") != "perp" or row.get("status", "active") != "active":
        return None
    price_decimals = integer(field(row, "price_decimals", "market"), "price_decimals")
    size_decimals = integer(field(row, "size_decimals", "market"), "size_decimals")
    symbol = field(row, "symbol", "market")
    return MarketInfo(
        symbol,
        tick_size=Decimal(1).scaleb(-price_decimals),
        step_size=Decimal(1).scaleb(-size_decimals),
        min_size=dec(field(row, "min_base_amount", "market"), "min_base_amount"),
        min_notional=dec(row.get("min_quote_amount", "0"), "min_quote_amount"),
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


def parse_order(obj: Mapping[str, Any], symbol: str, source: Source) -> OrderSnapshot:
    """An Order object (REST lists or account channels)."""
    filled = dec(field(obj, "filled_base_amount", "order"), "filled_base_amount")
    quote = dec(obj.get("filled_quote_amount", "0"), "filled_quote_amount")
    size = dec(field(obj, "initial_base_amount", "order"), "initial_base_amount")
    status = field(obj, "status", "order")
    is_ask = field(obj, "is_ask", "order")
    if not isinstance(is_ask, bool):
        raise bad(f"order is_ask must be a boolean, got {is_ask!r}")
    coi = integer(obj.get("client_order_index", 0), "client_order_index")
    return OrderSnapshot(
        symbol=symbol,
        state=order_state(status, filled, size),
        source=source,
        client_id=str(coi) if coi > 0 else None,
        venue_id=str(integer(field(obj, "order_index", "order"), "order_index")),
        side=Side.SELL if is_ask else Side.BUY,  # `side` may be empty: the direction is is_ask
        size=size,
        price=dec(obj.get("price", "0"), "price") or None,
        filled=filled,
        avg_fill_price=quote / filled if filled else None,
        venue_status=str(status),
        reason=str(status) if str(status).startswith("canceled") else "",
        venue_ts=seconds(obj.get("updated_at")) or seconds(obj.get("timestamp")),
        raw=dict(obj),
    )


def parse_fills(trade: Mapping[str, Any], account: int, symbol: str, source: Source) -> list[Fill]:
    """Our side(s) of one Trade (both, for a self-trade). Fees are per million of the USD amount."""
    price = dec(field(trade, "price", "trade"), "price")
    size = dec(field(trade, "size", "trade"), "size")
    usd = dec(trade.get("usd_amount", "0"), "usd_amount") or price * size
    maker_ask = field(trade, "is_maker_ask", "trade")
    trade_id = str(trade.get("trade_id_str") or field(trade, "trade_id", "trade"))
    fills = []
    for side, prefix in ((Side.SELL, "ask"), (Side.BUY, "bid")):
        if trade.get(f"{prefix}_account_id") != account:
            continue
        maker = maker_ask if side is Side.SELL else not maker_ask
        fee_ppm = trade.get("maker_fee" if maker else "taker_fee") or 0
        coi = integer(trade.get(f"{prefix}_client_id", 0), f"{prefix}_client_id")
        fills.append(
            Fill(
                trade_id=trade_id,
                symbol=symbol,
                side=side,
                price=price,
                size=size,
                source=source,
                client_id=str(coi) if coi > 0 else None,
                venue_id=str(field(trade, f"{prefix}_id", "trade")),
                fee=usd * integer(fee_ppm, "fee") / 1_000_000,
                fee_asset="USDC",
                liquidity=Liquidity.MAKER if maker else Liquidity.TAKER,
                venue_ts=seconds(trade.get("timestamp")),
            )
        )
    return fills


def parse_position(obj: Mapping[str, Any], source: Source) -> Position:
    """`position` is the absolute size; the sign field gives the direction."""
    sign = integer(field(obj, "sign", "position"), "sign")
    if sign not in (-1, 0, 1):
        raise bad(f"position sign must be -1, 0 or 1, got {sign}")
    size = dec(field(obj, "position", "position"), "position")
    return Position(
        symbol=field(obj, "symbol", "position"),
        size=size * sign if sign else ZERO,
        source=source,
        entry_price=dec(obj.get("avg_entry_price", "0"), "avg_entry_price") or None,
        unrealized_pnl=dec(obj.get("unrealized_pnl", "0"), "unrealized_pnl"),
    )


def parse_balance(account: Mapping[str, Any]) -> Balance:
    collateral = dec(field(account, "collateral", "account"), "collateral")
    available = dec(field(account, "available_balance", "account"), "available_balance")
    return Balance("USDC", collateral, available)


# ------------------------------------------------------------------------------------- books


def levels(raw: Any, what: str) -> tuple[Level, ...]:
    if not isinstance(raw, list):
        raise bad(f"{what} must be a list of levels")
    return tuple((dec(field(lv, "price", what), "price"), dec(field(lv, "size", what), "size")) for lv in raw)


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
        raise bad(f"{what} must be a list of orders")
    best: Decimal | None = None
    size = ZERO
    for order in orders:
        price = dec(field(order, "price", what), "price")
        if best is None:
            best = price
        if price != best:
            break
        size += dec(field(order, "remaining_base_amount", what), "remaining_base_amount")
    return None if best is None else (best, size)
