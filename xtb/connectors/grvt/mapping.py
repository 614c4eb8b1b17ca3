"""GRVT payloads → runtime values. Decimal strings become Decimal (a JSON int is tolerated where the
venue has been seen to drift, never a float); the order status is mapped per spec §6.3 and an unknown
status raises. Unknown reject reasons are kept as text: the venue adds them over time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from xtb.connectors.grvt.sdk import InstrumentMeta
from xtb.connectors.orderbook import Level
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

VENUE = "grvt"


_read = PayloadReader(VENUE)
bad = _read.bad
field = _read.field
dec = _read.dec
LIVE = {"PENDING": OrderState.SUBMITTING, "OPEN": OrderState.OPEN}
# A REJECTED order that ended by its own time in force was not refused (§6.3).
TIF_ENDINGS = frozenset({"IOC_CANCEL", "FOK_CANCEL", "AON_CANCEL", "MARKET_CANCEL"})
POST_ONLY_REJECT = "FAIL_POST_ONLY"


def ns_seconds(value: Any) -> float | None:
    """A unix-nanosecond decimal string (or int) as epoch seconds."""
    if value in (None, "", "0", 0):
        return None
    try:
        return int(value) / 1_000_000_000
    except (TypeError, ValueError):
        raise bad(f"timestamp is not unix nanoseconds: {value!r}") from None


def first(values: Any, what: str) -> Decimal:
    """The first leg's value of a per-leg array (`traded_size`, `book_size`, `avg_fill_price`)."""
    if isinstance(values, Sequence) and not isinstance(values, str):
        return dec(values[0], what) if values else ZERO
    return dec(values, what)


def client_id(value: Any) -> str | None:
    """`client_order_id` is a uint64 as a decimal string (a JSON number is tolerated)."""
    if value in (None, ""):
        return None
    text = str(value)
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        raise bad(f"client_order_id must be a uint64, got {value!r}")
    return str(int(text))


def order_state(status: Any, traded: Decimal, reason: str) -> OrderState:
    """§6.3: OPEN with fills is PARTIALLY_FILLED; REJECTED keeps its fills as CANCELLED, and so does
    a TIF ending; any other refusal is FAILED."""
    if status == "OPEN" and traded > 0:
        return OrderState.PARTIALLY_FILLED
    if status in LIVE:
        return LIVE[status]
    if status == "FILLED":
        return OrderState.FILLED
    if status == "CANCELLED":
        return OrderState.CANCELLED
    if status == "REJECTED":
        return OrderState.CANCELLED if traded > 0 or reason in TIF_ENDINGS else OrderState.FAILED
    raise bad(f"unknown order status {status!r}")


def parse_instrument(obj: Mapping[str, Any]) -> tuple[MarketInfo, InstrumentMeta]:
    name = field(obj, "instrument", "instrument")
    min_size = dec(field(obj, "min_size", "instrument"), "min_size")
    base_decimals = field(obj, "base_decimals", "instrument")
    if isinstance(base_decimals, bool) or not isinstance(base_decimals, int):
        raise bad(f"{name}: base_decimals must be an integer, got {base_decimals!r}")
    info = MarketInfo(
        symbol=name,
        tick_size=dec(field(obj, "tick_size", "instrument"), "tick_size"),
        step_size=min_size,  # sizes are multiples of min_size (the spec's reading of 2065)
        min_size=min_size,
        min_notional=dec(obj.get("min_notional") or "0", "min_notional"),
        base_asset=str(obj.get("base", "")),
        quote_asset=str(obj.get("quote", "")),
    )
    meta = InstrumentMeta(name, str(field(obj, "instrument_hash", "instrument")), base_decimals,
                          str(obj.get("base", "")), str(obj.get("quote", "")))  # fmt: skip
    return info, meta


def parse_order(obj: Mapping[str, Any], source: Source) -> OrderSnapshot:
    """An Order object (REST or `v1.order`). The create acknowledgement's `order_id "0x00"` is no id."""
    state = field(obj, "state", "order")
    legs = field(obj, "legs", "order")
    if not isinstance(legs, list) or not legs:
        raise bad("order has no legs")
    leg = legs[0]
    traded = first(state.get("traded_size", []), "traded_size")
    reason = str(state.get("reject_reason") or "")
    status = field(state, "status", "order state")
    price = dec(leg.get("limit_price") or "0", "limit_price")
    order_id = str(obj.get("order_id") or "")
    metadata = obj.get("metadata") or {}
    avg = first(state.get("avg_fill_price", []), "avg_fill_price")
    return OrderSnapshot(
        symbol=field(leg, "instrument", "order leg"),
        state=order_state(status, traded, reason),
        source=source,
        client_id=client_id(metadata.get("client_order_id")),
        venue_id=None if order_id in ("", "0x00", "0x0", "0") else order_id,
        side=Side.BUY if field(leg, "is_buying_asset", "order leg") else Side.SELL,
        size=dec(field(leg, "size", "order leg"), "size"),
        price=price if price and not obj.get("is_market") else None,
        filled=traded,
        avg_fill_price=avg if traded and avg else None,
        venue_status=str(status),
        reason="" if reason == "UNSPECIFIED" else reason,
        venue_ts=ns_seconds(state.get("update_time")),
        raw=dict(obj),
    )


def parse_fill(obj: Mapping[str, Any], source: Source = Source.WS) -> Fill:
    order_id = str(obj.get("order_id") or "")
    return Fill(
        trade_id=str(field(obj, "trade_id", "fill")),
        symbol=field(obj, "instrument", "fill"),
        side=Side.BUY if field(obj, "is_buyer", "fill") else Side.SELL,
        price=dec(field(obj, "price", "fill"), "price"),
        size=dec(field(obj, "size", "fill"), "size"),
        source=source,
        client_id=client_id(obj.get("client_order_id")),
        venue_id=order_id or None,
        fee=dec(obj.get("fee") or "0", "fee"),
        fee_asset=str(obj.get("fee_currency") or "USDT"),
        liquidity=Liquidity.TAKER if obj.get("is_taker") else Liquidity.MAKER,
        venue_ts=ns_seconds(obj.get("event_time")),
    )


def parse_position(obj: Mapping[str, Any], source: Source) -> Position:
    entry = obj.get("entry_price")
    unrealized = obj.get("unrealized_pnl")
    return Position(
        symbol=field(obj, "instrument", "position"),
        size=dec(field(obj, "size", "position"), "size"),
        source=source,
        entry_price=dec(entry, "entry_price") if entry not in (None, "") else None,
        unrealized_pnl=dec(unrealized, "unrealized_pnl") if unrealized not in (None, "") else None,
        venue_ts=ns_seconds(obj.get("event_time")),
    )


def parse_balances(summary: Mapping[str, Any]) -> list[Balance]:
    """Spot balances of a sub-account; the settle currency's free part is `available_balance`."""
    settle = summary.get("settle_currency")
    available = summary.get("available_balance")
    balances = []
    for row in summary.get("spot_balances") or []:
        currency = field(row, "currency", "spot balance")
        total = dec(field(row, "balance", "spot balance"), "balance")
        free = dec(available, "available_balance") if currency == settle and available is not None else total
        balances.append(Balance(str(currency), total, free))
    return balances


def levels(rows: Any, what: str) -> tuple[Level, ...]:
    if not isinstance(rows, list):
        raise bad(f"{what} must be a list of levels")
    return tuple((dec(field(r, "price", what), "price"), dec(field(r, "size", what), "size")) for r in rows)


def top_from_book(symbol: str, book: Mapping[str, Any], received_at: float) -> TopOfBook:
    bids = levels(book.get("bids", []), "bids")
    asks = levels(book.get("asks", []), "asks")
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
        ns_seconds(book.get("event_time")),
    )
