"""GRVT payloads → runtime values. Decimal strings become Decimal (a JSON int is tolerated where the
venue has been seen to drift, never a float); the order status is mapped per spec §6.3 and an unknown
status raises. Unknown reject reasons are kept as text: the venue adds them over time.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from xtb.connectors.books import top_of_levels
from xtb.connectors.grvt.sdk import InstrumentMeta
from xtb.connectors.orderbook import Level
from xtb.connectors.parsing import PayloadReader, clip
from xtb.errors import VenueProtocolError
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
get = _read.get
obj = _read.obj
rows = _read.rows
parser = _read.parser
document = _read.json
LIVE = {"PENDING": OrderState.SUBMITTING, "OPEN": OrderState.OPEN}
STATUSES = frozenset({*LIVE, "FILLED", "CANCELLED", "REJECTED"})
# A REJECTED order that ended by its own time in force was not refused (§6.3).
TIF_ENDINGS = frozenset({"IOC_CANCEL", "FOK_CANCEL", "AON_CANCEL", "MARKET_CANCEL"})
POST_ONLY_REJECT = "FAIL_POST_ONLY"
MAX_DECIMALS = 18
"""An instrument's base decimals (9 on every live instrument): the signature scales sizes by 10**it."""


def ns_seconds(value: Any) -> float | None:
    """A unix-nanosecond decimal string (or int) as epoch seconds; "0" or absent is none."""
    if value is None or (isinstance(value, (str, int)) and not isinstance(value, bool) and value in ("", "0", 0)):
        return None
    return _read.seconds(value, 1_000_000_000, "timestamp (unix ns)", strings=True)


def first(values: Any, what: str) -> Decimal:
    """The first leg's value of a per-leg array (`traded_size`, `book_size`, `avg_fill_price`):
    never negative."""
    if isinstance(values, list):
        return _read.non_negative(values[0], what) if values else ZERO
    return _read.non_negative(values, what)


def client_id(value: Any) -> str | None:
    """`client_order_id` is a uint64 as a decimal string (a JSON number is tolerated)."""
    if value in (None, "") and not isinstance(value, bool):
        return None
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise bad(f"client_order_id must be a uint64, got {clip(value)}")
    try:
        return str(_read.integer(value, "client_order_id", minimum=0, maximum=2**64 - 1, strings=True))
    except VenueProtocolError:
        raise bad(f"client_order_id must be a uint64, got {clip(value)}") from None


def order_state(status: Any, traded: Decimal, reason: str) -> OrderState:
    """§6.3: OPEN with fills is PARTIALLY_FILLED; REJECTED keeps its fills as CANCELLED, and so does
    a TIF ending; any other refusal is FAILED."""
    status = _read.choice(status, STATUSES, "order status")
    if status == "OPEN" and traded > 0:
        return OrderState.PARTIALLY_FILLED
    if status in LIVE:
        return LIVE[status]
    if status == "FILLED":
        return OrderState.FILLED
    if status == "CANCELLED":
        return OrderState.CANCELLED
    return OrderState.CANCELLED if traded > 0 or reason in TIF_ENDINGS else OrderState.FAILED  # REJECTED


@parser
def parse_instrument(row: Mapping[str, Any]) -> tuple[MarketInfo, InstrumentMeta]:
    name = _read.text(field(row, "instrument", "instrument"), "instrument")
    min_size = _read.positive(field(row, "min_size", "instrument"), "min_size")
    base_decimals = _read.integer(
        field(row, "base_decimals", "instrument"), f"{name}: base_decimals", minimum=0, maximum=MAX_DECIMALS
    )
    base = _read.opt_text(row.get("base"), "base")
    quote = _read.opt_text(row.get("quote"), "quote")
    info = MarketInfo(
        symbol=name,
        tick_size=_read.positive(field(row, "tick_size", "instrument"), "tick_size"),
        step_size=min_size,  # sizes are multiples of min_size (the spec's reading of 2065)
        min_size=min_size,
        min_notional=_read.non_negative(row.get("min_notional") or "0", "min_notional"),
        base_asset=base,
        quote_asset=quote,
    )
    instrument_hash = _read.text(field(row, "instrument_hash", "instrument"), "instrument_hash")
    return info, InstrumentMeta(name, instrument_hash, base_decimals, base, quote)


def parse_instruments(answer: Any) -> list[tuple[MarketInfo, InstrumentMeta]]:
    """The perpetuals of an `all_instruments` answer (`{"result": [...]}`)."""
    instruments = rows(field(answer, "result", "all_instruments answer"), "all_instruments result")
    return [parse_instrument(row) for row in instruments if get(row, "kind", "instrument") == "PERPETUAL"]


@parser
def parse_order(order: Mapping[str, Any], source: Source) -> OrderSnapshot:
    """An Order object (REST or `v1.order`). The create acknowledgement's `order_id "0x00"` is no id."""
    state = obj(field(order, "state", "order"), "order state")
    legs = field(order, "legs", "order")
    if not isinstance(legs, list) or not legs:
        raise bad(f"order has no legs: {clip(legs)}")
    leg = obj(legs[0], "order leg")
    traded = first(state.get("traded_size", []), "traded_size")
    reason = _read.opt_text(state.get("reject_reason"), "reject_reason")
    status = field(state, "status", "order state")
    price = _read.price_or_none(leg.get("limit_price") or "0", "limit_price")
    order_id = _read.opt_text(order.get("order_id") or None, "order_id")
    metadata = obj(order.get("metadata") or {}, "order metadata")
    avg = first(state.get("avg_fill_price", []), "avg_fill_price")
    is_market = _read.opt_flag(order.get("is_market"), "is_market")
    return OrderSnapshot(
        symbol=_read.text(field(leg, "instrument", "order leg"), "instrument"),
        state=order_state(status, traded, reason),
        source=source,
        client_id=client_id(metadata.get("client_order_id")),
        venue_id=None if order_id in ("", "0x00", "0x0", "0") else order_id,
        side=Side.BUY if _read.flag(field(leg, "is_buying_asset", "order leg"), "is_buying_asset") else Side.SELL,
        size=_read.positive(field(leg, "size", "order leg"), "size"),
        price=None if is_market else price,
        filled=traded,
        avg_fill_price=avg if traded and avg else None,
        venue_status=status,
        reason="" if reason == "UNSPECIFIED" else reason,
        venue_ts=ns_seconds(state.get("update_time")),
        filled_stated="traded_size" in state,
        raw=dict(order),
    )


@parser
def parse_fill(row: Mapping[str, Any], source: Source = Source.WS) -> Fill:
    return Fill(
        trade_id=_read.ident(field(row, "trade_id", "fill"), "trade_id"),
        symbol=_read.text(field(row, "instrument", "fill"), "instrument"),
        side=Side.BUY if _read.flag(field(row, "is_buyer", "fill"), "is_buyer") else Side.SELL,
        price=_read.positive(field(row, "price", "fill"), "price"),
        size=_read.positive(field(row, "size", "fill"), "size"),
        source=source,
        client_id=client_id(row.get("client_order_id")),
        venue_id=_read.opt_text(row.get("order_id") or None, "order_id") or None,
        fee=dec(row.get("fee") or "0", "fee"),
        fee_asset=_read.opt_text(row.get("fee_currency") or None, "fee_currency") or "USDT",
        liquidity=Liquidity.TAKER if _read.opt_flag(row.get("is_taker"), "is_taker") else Liquidity.MAKER,
        venue_ts=ns_seconds(row.get("event_time")),
    )


@parser
def parse_position(row: Mapping[str, Any], source: Source) -> Position:
    row = obj(row, "position")
    entry = row.get("entry_price")
    unrealized = row.get("unrealized_pnl")
    return Position(
        symbol=_read.text(field(row, "instrument", "position"), "instrument"),
        size=dec(field(row, "size", "position"), "size"),
        source=source,
        entry_price=_read.price_or_none(entry, "entry_price") if entry != "" else None,
        unrealized_pnl=dec(unrealized, "unrealized_pnl") if unrealized not in (None, "") else None,
        venue_ts=ns_seconds(row.get("event_time")),
    )


@parser
def parse_balances(summary: Mapping[str, Any]) -> list[Balance]:
    """Spot balances of a sub-account; the settle currency's free part is `available_balance`."""
    settle = get(summary, "settle_currency", "account summary")
    available = summary.get("available_balance")
    balances = []
    for row in rows(summary.get("spot_balances"), "spot_balances"):
        currency = _read.text(field(row, "currency", "spot balance"), "currency")
        total = dec(field(row, "balance", "spot balance"), "balance")
        free = dec(available, "available_balance") if currency == settle and available is not None else total
        balances.append(Balance(currency, total, free))
    return balances


def levels(raw: Any, what: str) -> tuple[Level, ...]:
    return _read.object_levels(raw, what)


@parser
def top_from_book(symbol: str, book: Mapping[str, Any], received_at: float) -> TopOfBook:
    """A `book` answer's top (the venue lists the best level first; `top_of_levels` does not rely on it)."""
    bids, asks = levels(get(book, "bids", "book", []), "bids"), levels(book.get("asks", []), "asks")
    return top_of_levels(symbol, bids, asks, received_at, Source.REST, ns_seconds(book.get("event_time")))


@parser
def book_levels(feed: Any) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
    """(bids, asks) of a `v1.book.d` frame's feed (snapshot or delta: a 0 size deletes)."""
    return levels(get(feed, "bids", "book feed", []), "bids"), levels(feed.get("asks", []), "asks")


def result(answer: Any, route: str, kind: type = Mapping) -> Any:
    """The `result` of a success answer (`{"result": ...}`, §4.0), of the kind the route returns."""
    value = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(value, kind):
        raise bad(f"{route} answered without a result: {clip(answer, 200)}")
    return value


def ack(answer: Any) -> None:
    """A cancel's `{"result": {"ack": true}}`: the docs show "true", the schema a boolean; both are an ack."""
    value = answer.get("result") if isinstance(answer, dict) else None
    if (value.get("ack") if isinstance(value, dict) else None) not in (True, "true"):
        raise bad(f"expected an ack, got {clip(answer, 200)}")


def server_time(text: str) -> int:
    """`GET /time`'s `{"server_time": <unix ms>}` (§4.1: an integer, UNCONFIRMED)."""
    return _read.integer(field(document(text, "time answer"), "server_time", "time answer"), "server_time", minimum=0)
