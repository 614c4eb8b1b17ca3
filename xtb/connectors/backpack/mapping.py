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

from xtb.connectors.orderbook import Delta, Level
from xtb.connectors.parsing import PayloadReader
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
    TopOfBook,
)

VENUE = "backpack"


_read = PayloadReader(VENUE)
bad = _read.bad
field = _read.field
dec = _read.dec
opt_dec = _read.opt_dec

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


def side(value: Any) -> Side:
    try:
        return SIDES[value]
    except (KeyError, TypeError):
        raise bad(f"unknown side {value!r}") from None


def expiry_reason(value: Any) -> str:
    if value in EXPIRY_REASONS:
        return str(value)
    if value in _UPPER_SNAKE:
        return _UPPER_SNAKE[value]
    raise bad(f"unknown expiry reason {value!r}")


def order_state(status: Any, executed: Decimal, reason: Any = None) -> OrderState:
    """The runtime state for a Backpack order status (spec §6.3)."""
    if status in LIVE_STATUSES:
        return LIVE_STATUSES[status]
    if status in FINAL_STATUSES:
        return FINAL_STATUSES[status]
    if status == "Expired":
        why = expiry_reason(reason) if reason is not None else "Unknown"
        if executed > 0 or why in TIF_ENDINGS:
            return OrderState.CANCELLED
        return OrderState.FAILED
    raise bad(f"unknown order status {status!r}")


def client_id(value: Any) -> str | None:
    """clientId is a JSON integer on orders (a string in fill history); 0 is a valid id."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise bad(f"clientId must be a uint32, got {value!r}")
    return str(int(value))


def parse_market(obj: Mapping[str, Any]) -> MarketInfo:
    filters = field(obj, "filters", "market")
    price = field(filters, "price", "market filters")
    quantity = field(filters, "quantity", "market filters")
    return MarketInfo(
        symbol=field(obj, "symbol", "market"),
        tick_size=dec(field(price, "tickSize", "price filter"), "tickSize"),
        step_size=dec(field(quantity, "stepSize", "quantity filter"), "stepSize"),
        min_size=dec(field(quantity, "minQuantity", "quantity filter"), "minQuantity"),
        min_notional=ZERO,  # Backpack has no min-notional filter
        base_asset=obj.get("baseSymbol") or "",
        quote_asset=obj.get("quoteSymbol") or "",
    )


def parse_order(obj: Mapping[str, Any], source: Source = Source.REST) -> OrderSnapshot:
    """A REST order object (live endpoints or history)."""
    executed = dec(field(obj, "executedQuantity", "order"), "executedQuantity")
    executed_quote = dec(field(obj, "executedQuoteQuantity", "order"), "executedQuoteQuantity")
    status = field(obj, "status", "order")
    reason = obj.get("expiryReason")
    return OrderSnapshot(
        symbol=field(obj, "symbol", "order"),
        state=order_state(status, executed, reason),
        source=source,
        client_id=client_id(obj.get("clientId")),
        venue_id=str(field(obj, "id", "order")),
        side=side(field(obj, "side", "order")),
        size=opt_dec(obj.get("quantity"), "quantity"),
        price=opt_dec(obj.get("price"), "price"),
        filled=executed,
        avg_fill_price=executed_quote / executed if executed else None,
        venue_status=str(status),
        reason=expiry_reason(reason) if reason is not None else "",
        venue_ts=_created_at(obj.get("createdAt")),
        raw=dict(obj),
    )


def parse_order_update(data: Mapping[str, Any]) -> tuple[OrderSnapshot, Fill | None]:
    """One `account.orderUpdate` event: the order's state, and the fill it reports (orderFill)."""
    event = field(data, "e", "order update")
    if event not in ORDER_EVENTS:
        raise bad(f"unknown order event {event!r}")
    executed = dec(field(data, "z", "order update"), "z")
    executed_quote = dec(field(data, "Z", "order update"), "Z")
    status = field(data, "X", "order update")
    reason = data.get("R") if event == "orderExpired" else None
    symbol = field(data, "s", "order update")
    order_side = side(field(data, "S", "order update"))
    venue_id = str(field(data, "i", "order update"))
    cid = client_id(data.get("c"))
    venue_ts = _micros(data.get("E"))
    snapshot = OrderSnapshot(
        symbol=symbol,
        state=order_state(status, executed, reason),
        source=Source.WS,
        client_id=cid,
        venue_id=venue_id,
        side=order_side,
        size=opt_dec(data.get("q"), "q"),
        price=opt_dec(data.get("p"), "p"),
        filled=executed,
        avg_fill_price=executed_quote / executed if executed else None,
        venue_status=str(status),
        reason=expiry_reason(reason) if reason is not None else "",
        venue_ts=venue_ts,
        raw=dict(data),
    )
    fill = None
    if event == "orderFill":
        maker = field(data, "m", "order fill")
        fill = Fill(
            trade_id=str(field(data, "t", "order fill")),
            symbol=symbol,
            side=order_side,
            price=dec(field(data, "L", "order fill"), "L"),
            size=dec(field(data, "l", "order fill"), "l"),
            source=Source.WS,
            client_id=cid,
            venue_id=venue_id,
            fee=dec(data.get("n", "0"), "n"),
            fee_asset=data.get("N") or "",
            liquidity=Liquidity.MAKER if maker else Liquidity.TAKER,
            venue_ts=venue_ts,
        )
    return snapshot, fill


def parse_position(obj: Mapping[str, Any]) -> Position:
    """A REST position (`netQuantity` is signed)."""
    return Position(
        symbol=field(obj, "symbol", "position"),
        size=dec(field(obj, "netQuantity", "position"), "netQuantity"),
        source=Source.REST,
        entry_price=opt_dec(obj.get("entryPrice"), "entryPrice"),
        unrealized_pnl=opt_dec(obj.get("pnlUnrealized"), "pnlUnrealized"),
    )


def parse_position_update(data: Mapping[str, Any]) -> Position:
    """An `account.positionUpdate` event (or the snapshot sent on subscribe, which has no `e`)."""
    event = data.get("e")
    if event not in (None, "positionOpened", "positionAdjusted", "positionClosed"):
        raise bad(f"unknown position event {event!r}")
    return Position(
        symbol=field(data, "s", "position update"),
        size=dec(field(data, "q", "position update"), "q"),
        source=Source.WS,
        entry_price=opt_dec(data.get("B"), "B"),
        unrealized_pnl=opt_dec(data.get("P"), "P"),
        venue_ts=_micros(data.get("E")),
    )


def parse_balances(obj: Mapping[str, Any]) -> list[Balance]:
    balances = []
    for asset, entry in obj.items():
        available = dec(field(entry, "available", "balance"), "available")
        locked = dec(field(entry, "locked", "balance"), "locked")
        staked = dec(entry.get("staked", "0"), "staked")
        balances.append(Balance(asset, available + locked + staked, available))
    return balances


def levels(raw: Any, what: str) -> tuple[Level, ...]:
    if not isinstance(raw, list):
        raise bad(f"{what} must be a list of [price, size]")
    out = []
    for entry in raw:
        if not isinstance(entry, list) or len(entry) != 2:
            raise bad(f"{what} level must be [price, size], got {entry!r}")
        out.append((dec(entry[0], f"{what} price"), dec(entry[1], f"{what} size")))
    return tuple(out)


def parse_depth(obj: Mapping[str, Any]) -> tuple[tuple[Level, ...], tuple[Level, ...], int]:
    """REST depth: both sides ascending (the best bid is LAST); `lastUpdateId` is a string."""
    last = field(obj, "lastUpdateId", "depth")
    try:
        last_id = int(last)
    except (TypeError, ValueError):
        raise bad(f"depth lastUpdateId is not an integer: {last!r}") from None
    return levels(field(obj, "bids", "depth"), "bids"), levels(field(obj, "asks", "depth"), "asks"), last_id


def top_from_depth(symbol: str, obj: Mapping[str, Any], received_at: float) -> TopOfBook:
    bids, asks, _ = parse_depth(obj)
    best_bid = max(bids, default=None, key=lambda level: level[0])
    best_ask = min(asks, default=None, key=lambda level: level[0])
    return TopOfBook(
        symbol,
        best_bid[0] if best_bid else None,
        best_bid[1] if best_bid else None,
        best_ask[0] if best_ask else None,
        best_ask[1] if best_ask else None,
        Source.REST,
        received_at,
        _micros(obj.get("timestamp")),
    )


def parse_depth_delta(data: Mapping[str, Any]) -> Delta:
    return Delta(
        first_id=int(field(data, "U", "depth event")),
        last_id=int(field(data, "u", "depth event")),
        bids=levels(field(data, "b", "depth event"), "b"),
        asks=levels(field(data, "a", "depth event"), "a"),
    )


def _micros(value: Any) -> float | None:
    """WS `E`/`T` are µs (an int, or a numeric string in older traffic) → epoch seconds."""
    if value is None:
        return None
    try:
        return int(value) / 1_000_000
    except (TypeError, ValueError):
        raise bad(f"timestamp is not an integer: {value!r}") from None


def _created_at(value: Any) -> float | None:
    """`createdAt`: int ms on live order endpoints, a naive UTC ISO string in history."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value / 1000
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise bad(f"createdAt is not a datetime: {value!r}") from None
    raise bad(f"createdAt has an unknown form: {value!r}")
