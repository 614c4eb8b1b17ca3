"""Backpack payloads → runtime values. Every enum is mapped explicitly; anything unknown raises.

Status mapping follows the venue spec §6.3: `Expired` is a refusal (FAILED) when nothing filled and
the reason is not the order's own time in force; otherwise it is CANCELLED with the fills kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xtb.connectors.books import top_of_levels
from xtb.connectors.orderbook import Delta, Level
from xtb.connectors.parsing import PayloadReader, clip
from xtb.model import (
    ZERO,
    Balance,
    Fill,
    Liquidity,
    MarketInfo,
    OrderRequest,
    OrderSnapshot,
    OrderState,
    OrderType,
    Position,
    Side,
    Source,
    TimeInForce,
    TopOfBook,
)

VENUE = "backpack"


_read = PayloadReader(VENUE)
bad = _read.bad
field = _read.field
dec = _read.dec
opt_dec = _read.opt_dec
parser = _read.parser
rows = _read.rows
get = _read.get
levels = _read.pair_levels  # [[price, size], ...]

SIDES = {"Bid": Side.BUY, "Ask": Side.SELL}
SIDE_NAMES = {side: name for name, side in SIDES.items()}

LIVE_STATUSES = {
    "New": OrderState.OPEN,
    "TriggerPending": OrderState.OPEN,
    "Triggered": OrderState.OPEN,
    "PartiallyFilled": OrderState.PARTIALLY_FILLED,
}
FINAL_STATUSES = {"Filled": OrderState.FILLED, "Cancelled": OrderState.CANCELLED, "TriggerFailed": OrderState.FAILED}

# Expiry reasons that are the order ending by its own terms, not a refusal.
TIF_ENDINGS = frozenset(
    {"ImmediateOrCancel", "FillOrKill", "InsufficientLiquidity", "PriceImpact", "SlippageToleranceExceeded"}
)
EXPIRY_REASONS = frozenset(
    {
        "AccountTradingSuspended",
        "BorrowRequiresLendRedeem",
        "FillOrKill",
        "InsufficientBorrowableQuantity",
        "InsufficientFunds",
        "InsufficientLiquidity",
        "InvalidPrice",
        "InvalidQuantity",
        "ImmediateOrCancel",
        "InsufficientMargin",
        "Liquidation",
        "NegativeEquity",
        "PostOnlyMode",
        "PostOnlyTaker",
        "PriceOutOfBounds",
        "ReduceOnlyNotReduced",
        "SelfTradePrevention",
        "StopWithoutPosition",
        "PriceImpact",
        "Unknown",
        "UserPermissions",
        "MaxStopOrdersPerPosition",
        "PositionLimit",
        "SlippageToleranceExceeded",
    }
)
# The WS doc writes reasons in upper snake case (its example: PRICE_BAND); accept both spellings.
_UPPER_SNAKE = {re.sub(r"(?<!^)(?=[A-Z])", "_", r).upper(): r for r in EXPIRY_REASONS}
_UPPER_SNAKE["PRICE_BAND"] = "PriceOutOfBounds"

ORDER_EVENTS = frozenset(
    {"orderAccepted", "orderCancelled", "orderExpired", "orderFill", "orderModified", "triggerPlaced", "triggerFailed"}
)
POSITION_EVENTS = frozenset({"positionOpened", "positionAdjusted", "positionClosed"})


def frame(data: str) -> dict[str, Any]:
    """One WS text frame: Backpack sends only JSON objects."""
    return _read.json_object(data, "stream frame")


def stream_name(frame: Mapping[str, Any]) -> str:
    """A data frame's `stream` ("" when it has none: an unexpected stream for either socket)."""
    return _read.text(frame.get("stream", ""), "stream", empty=True)


def side(value: Any) -> Side:
    return SIDES[_read.choice(value, SIDES, "side")]


def expiry_reason(value: Any) -> str:
    if isinstance(value, str) and value in EXPIRY_REASONS:
        return value
    if isinstance(value, str) and value in _UPPER_SNAKE:
        return _UPPER_SNAKE[value]
    raise bad(f"unknown expiry reason {clip(value)}")


def order_state(status: Any, executed: Decimal, reason: Any = None) -> OrderState:
    """The runtime state for a Backpack order status (spec §6.3)."""
    if not isinstance(status, str):
        raise bad(f"unknown order status {clip(status)}")
    if status in LIVE_STATUSES:
        return LIVE_STATUSES[status]
    if status in FINAL_STATUSES:
        return FINAL_STATUSES[status]
    if status == "Expired":
        why = expiry_reason(reason) if reason is not None else "Unknown"
        if executed > 0 or why in TIF_ENDINGS:
            return OrderState.CANCELLED
        return OrderState.FAILED
    raise bad(f"unknown order status {clip(status)}")


def client_id(value: Any) -> str | None:
    """clientId is a JSON integer on orders (a string in fill history); 0 is a valid id."""
    if value is None:
        return None
    if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= 10):
        raise bad(f"clientId must be a uint32, got {clip(value)}")
    return str(_read.integer(value, "clientId", minimum=0, maximum=2**32 - 1, strings=True))


def fmt(value: Decimal) -> str:
    """A decimal as the venue reads it: no exponent, no trailing zeros ("150", "0.001")."""
    return format(value.normalize(), "f")


def order_body(request: OrderRequest) -> dict[str, Any]:
    """The `POST /api/v1/order` body. Post-only is the `postOnly` flag (the venue has no PO time in
    force), sent instead of a time in force; a market order names one only for FOK."""
    body: dict[str, Any] = {
        "symbol": request.symbol,
        "side": SIDE_NAMES[request.side],
        "orderType": "Limit" if request.order_type is OrderType.LIMIT else "Market",
        "quantity": fmt(request.size),
        "clientId": int(request.client_id),
    }
    if request.order_type is OrderType.LIMIT:
        assert request.price is not None  # OrderRequest refuses a limit order without one
        body["price"] = fmt(request.price)
        if request.post_only:
            body["postOnly"] = True
        else:
            body["timeInForce"] = request.time_in_force.name
    elif request.time_in_force is TimeInForce.FOK:
        body["timeInForce"] = "FOK"
    if request.reduce_only:
        body["reduceOnly"] = True
    return body


def _avg(executed: Decimal, executed_quote: Decimal) -> Decimal | None:
    """The average fill price from the cumulative quote and base quantities (None before a fill)."""
    return executed_quote / executed if executed else None


@parser
def parse_market(obj: Mapping[str, Any]) -> MarketInfo:
    filters = field(obj, "filters", "market")
    price = field(filters, "price", "market filters")
    quantity = field(filters, "quantity", "market filters")
    return MarketInfo(
        symbol=_read.text(field(obj, "symbol", "market"), "symbol"),
        tick_size=_read.positive(field(price, "tickSize", "price filter"), "tickSize"),
        step_size=_read.positive(field(quantity, "stepSize", "quantity filter"), "stepSize"),
        min_size=_read.non_negative(field(quantity, "minQuantity", "quantity filter"), "minQuantity"),
        min_notional=ZERO,  # Backpack has no min-notional filter
        base_asset=_read.opt_text(obj.get("baseSymbol"), "baseSymbol"),
        quote_asset=_read.opt_text(obj.get("quoteSymbol"), "quoteSymbol"),
    )


@parser
def parse_order(obj: Mapping[str, Any], source: Source = Source.REST) -> OrderSnapshot:
    """A REST order object (live endpoints or history)."""
    executed = _read.non_negative(field(obj, "executedQuantity", "order"), "executedQuantity")
    executed_quote = _read.non_negative(field(obj, "executedQuoteQuantity", "order"), "executedQuoteQuantity")
    status = field(obj, "status", "order")
    reason = obj.get("expiryReason")
    return OrderSnapshot(
        symbol=_read.text(field(obj, "symbol", "order"), "symbol"),
        state=order_state(status, executed, reason),
        source=source,
        client_id=client_id(obj.get("clientId")),
        venue_id=_read.ident(field(obj, "id", "order"), "id"),
        side=side(field(obj, "side", "order")),
        size=_read.opt_positive(obj.get("quantity"), "quantity"),
        price=_read.opt_positive(obj.get("price"), "price"),
        filled=executed,
        avg_fill_price=_avg(executed, executed_quote),
        venue_status=status,
        reason=expiry_reason(reason) if reason is not None else "",
        venue_ts=_created_at(obj.get("createdAt")),
        raw=dict(obj),
    )


@parser
def parse_order_update(data: Mapping[str, Any]) -> tuple[OrderSnapshot, Fill | None]:
    """One `account.orderUpdate` event: the order's state, and the fill it reports (orderFill)."""
    event = _read.choice(field(data, "e", "order update"), ORDER_EVENTS, "order event")
    executed = _read.non_negative(field(data, "z", "order update"), "z")
    executed_quote = _read.non_negative(field(data, "Z", "order update"), "Z")
    status = field(data, "X", "order update")
    reason = data.get("R") if event == "orderExpired" else None
    symbol = _read.text(field(data, "s", "order update"), "s")
    order_side = side(field(data, "S", "order update"))
    venue_id = _read.ident(field(data, "i", "order update"), "i")
    cid = client_id(data.get("c"))
    venue_ts = _micros(data.get("E"))
    snapshot = OrderSnapshot(
        symbol=symbol,
        state=order_state(status, executed, reason),
        source=Source.WS,
        client_id=cid,
        venue_id=venue_id,
        side=order_side,
        size=_read.opt_positive(data.get("q"), "q"),
        price=_read.opt_positive(data.get("p"), "p"),
        filled=executed,
        avg_fill_price=_avg(executed, executed_quote),
        venue_status=status,
        reason=expiry_reason(reason) if reason is not None else "",
        venue_ts=venue_ts,
        raw=dict(data),
    )
    fill = None
    if event == "orderFill":
        maker = _read.flag(field(data, "m", "order fill"), "m")
        fill = Fill(
            trade_id=_read.ident(field(data, "t", "order fill"), "t"),
            symbol=symbol,
            side=order_side,
            price=_read.positive(field(data, "L", "order fill"), "L"),
            size=_read.positive(field(data, "l", "order fill"), "l"),
            source=Source.WS,
            client_id=cid,
            venue_id=venue_id,
            fee=dec(data.get("n", "0"), "n"),
            fee_asset=_read.opt_text(data.get("N"), "N"),
            liquidity=Liquidity.MAKER if maker else Liquidity.TAKER,
            venue_ts=venue_ts,
        )
    return snapshot, fill


@parser
def parse_history_fill(obj: Mapping[str, Any]) -> Fill:
    """A `/wapi/v1/history/fills` row as the Fill the stream's orderFill makes of the same execution:
    the same trade id (the de-duplication key), order ids, side, price, size, fee and liquidity.
    `clientId` is a string here; `timestamp` a naive UTC ISO string."""
    maker = _read.flag(field(obj, "isMaker", "fill"), "isMaker")
    return Fill(
        trade_id=_read.ident(field(obj, "tradeId", "fill"), "tradeId"),
        symbol=_read.text(field(obj, "symbol", "fill"), "symbol"),
        side=side(field(obj, "side", "fill")),
        price=_read.positive(field(obj, "price", "fill"), "price"),
        size=_read.positive(field(obj, "quantity", "fill"), "quantity"),
        source=Source.REST,
        client_id=client_id(obj.get("clientId")),
        venue_id=_read.ident(field(obj, "orderId", "fill"), "orderId"),
        fee=dec(field(obj, "fee", "fill"), "fee"),
        fee_asset=_read.opt_text(obj.get("feeSymbol"), "feeSymbol"),
        liquidity=Liquidity.MAKER if maker else Liquidity.TAKER,
        venue_ts=_naive_utc(field(obj, "timestamp", "fill"), "timestamp"),
    )


@parser
def parse_position(obj: Mapping[str, Any]) -> Position:
    """A REST position (`netQuantity` is signed)."""
    return Position(
        symbol=_read.text(field(obj, "symbol", "position"), "symbol"),
        size=dec(field(obj, "netQuantity", "position"), "netQuantity"),
        source=Source.REST,
        entry_price=_read.price_or_none(obj.get("entryPrice"), "entryPrice"),
        unrealized_pnl=opt_dec(obj.get("pnlUnrealized"), "pnlUnrealized"),
    )


@parser
def parse_position_update(data: Mapping[str, Any]) -> Position:
    """An `account.positionUpdate` event (or the snapshot sent on subscribe, which has no `e`)."""
    event = _read.get(data, "e", "position update")
    if event is not None:
        _read.choice(event, POSITION_EVENTS, "position event")
    return Position(
        symbol=_read.text(field(data, "s", "position update"), "s"),
        size=dec(field(data, "q", "position update"), "q"),
        source=Source.WS,
        entry_price=_read.price_or_none(data.get("B"), "B"),
        unrealized_pnl=opt_dec(data.get("P"), "P"),
        venue_ts=_micros(data.get("E")),
    )


@parser
def parse_balances(obj: Mapping[str, Any]) -> list[Balance]:
    """`/api/v1/capital`: per asset, what is free, held by orders and staked (none negative)."""
    balances = []
    for asset, entry in _read.obj(obj, "capital").items():
        available = _read.non_negative(field(entry, "available", "balance"), "available")
        locked = _read.non_negative(field(entry, "locked", "balance"), "locked")
        staked = _read.non_negative(_read.get(entry, "staked", "balance", "0"), "staked")
        balances.append(Balance(_read.text(asset, "asset"), available + locked + staked, available))
    return balances


@parser
def parse_depth(obj: Mapping[str, Any]) -> tuple[tuple[Level, ...], tuple[Level, ...], int]:
    """REST depth: both sides ascending (the best bid is LAST); `lastUpdateId` is a string."""
    last_id = _read.integer(field(obj, "lastUpdateId", "depth"), "depth lastUpdateId", minimum=0, strings=True)
    return levels(field(obj, "bids", "depth"), "bids"), levels(field(obj, "asks", "depth"), "asks"), last_id


@parser
def top_of_depth(symbol: str, obj: Mapping[str, Any], received_at: float) -> TopOfBook:
    """A REST depth answer's top of book, stamped with the venue's time of the book."""
    bids, asks, _ = parse_depth(obj)
    return top_of_levels(symbol, bids, asks, received_at, Source.REST, _micros(obj.get("timestamp")))


@parser
def parse_depth_delta(data: Mapping[str, Any]) -> Delta:
    return Delta(
        first_id=_read.integer(field(data, "U", "depth event"), "U", minimum=0, strings=True),
        last_id=_read.integer(field(data, "u", "depth event"), "u", minimum=0, strings=True),
        bids=levels(field(data, "b", "depth event"), "b"),
        asks=levels(field(data, "a", "depth event"), "a"),
    )


def _micros(value: Any) -> float | None:
    """WS `E`/`T` are µs (an int, or a numeric string in older traffic) → epoch seconds."""
    return _read.seconds(value, 1_000_000, "timestamp", strings=True)


def _created_at(value: Any) -> float | None:
    """`createdAt`: int ms on live order endpoints, a naive UTC ISO string in history."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _read.seconds(value, 1000, "createdAt")
    if isinstance(value, str):
        return _naive_utc(value, "createdAt")
    raise bad(f"createdAt has an unknown form: {clip(value)}")


def _naive_utc(value: Any, what: str) -> float:
    """A history timestamp: a naive ISO datetime string that means UTC ("2025-07-27T17:39:00.092")."""
    if isinstance(value, str) and len(value) <= 40:
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
        except (ValueError, OverflowError):
            pass
    raise bad(f"{what} is not a datetime: {clip(value)}")
