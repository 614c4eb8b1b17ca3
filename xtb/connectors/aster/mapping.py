"""Aster payloads → runtime values. Every enum is mapped explicitly; anything unknown raises.

Status mapping (spec §6.1): NEW → OPEN, PARTIALLY_FILLED, FILLED, CANCELED → CANCELLED,
REJECTED → FAILED; EXPIRED → CANCELLED keeping its fills, except a GTX (post-only) order that
expired with nothing filled, which is FAILED (it would have taken liquidity). NEW_INSURANCE /
NEW_ADL are the venue's liquidation / ADL orders (never ours): their updates carry no runtime state.

Decimals arrive as strings with trailing zeros (`"0.010"`); they are parsed exactly and compared
numerically. Market rules come from the filters (`tickSize`, `stepSize`, `minQty`, `notional`),
never from `pricePrecision` / `quantityPrecision`.
"""

from __future__ import annotations

from collections.abc import Mapping
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

VENUE = "aster"


_read = PayloadReader(VENUE)
bad = _read.bad
field = _read.field
dec = _read.dec

SIDES = {"BUY": Side.BUY, "SELL": Side.SELL}
SIDE_NAMES = {side: name for name, side in SIDES.items()}
STATUSES = {
    "NEW": OrderState.OPEN,
    "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED,
    "FILLED": OrderState.FILLED,
    "CANCELED": OrderState.CANCELLED,
    "REJECTED": OrderState.FAILED,
}
EXTERNAL_STATUSES = frozenset({"NEW_INSURANCE", "NEW_ADL"})  # liquidation / ADL orders (WS only)
EXECUTIONS = frozenset({"NEW", "TRADE", "CANCELED", "EXPIRED", "CALCULATED", "AMENDMENT"})
TIME_IN_FORCE = frozenset({"GTC", "IOC", "FOK", "GTX", "HIDDEN", "RPI"})


def side(value: Any) -> Side:
    try:
        return SIDES[value]
    except (KeyError, TypeError):
        raise bad(f"unknown side {value!r}") from None


def order_state(status: Any, executed: Decimal, time_in_force: Any) -> OrderState:
    """The runtime state for an Aster order status (REST `status` / WS `X`)."""
    if status in STATUSES:
        return STATUSES[status]
    if status == "EXPIRED":
        if time_in_force not in TIME_IN_FORCE:
            raise bad(f"unknown time in force {time_in_force!r}")
        if executed == 0 and time_in_force == "GTX":
            return OrderState.FAILED  # post-only that would have taken
        return OrderState.CANCELLED
    raise bad(f"unknown order status {status!r}")


def _ms(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"a time must be an integer of ms, got {value!r}")
    return value / 1000


def _filters(obj: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    filters = field(obj, "filters", "symbol")
    if not isinstance(filters, list):
        raise bad(f"filters of {obj.get('symbol')!r} is not a list")
    return {str(f.get("filterType")): f for f in filters if isinstance(f, Mapping)}


def parse_markets(info: Mapping[str, Any]) -> dict[str, MarketInfo]:
    """TRADING perpetuals of `exchangeInfo` (pending and settling symbols cannot take orders)."""
    symbols = field(info, "symbols", "exchangeInfo")
    if not isinstance(symbols, list):
        raise bad("exchangeInfo symbols is not a list")
    markets = {}
    for obj in symbols:
        if obj.get("status") == "TRADING" and obj.get("contractType") == "PERPETUAL":
            market = parse_market(obj)
            markets[market.symbol] = market
    return markets


def parse_market(obj: Mapping[str, Any]) -> MarketInfo:
    filters = _filters(obj)
    symbol = field(obj, "symbol", "symbol")
    price = field(filters, "PRICE_FILTER", f"{symbol} filters")
    lot = field(filters, "LOT_SIZE", f"{symbol} filters")
    notional = filters.get("MIN_NOTIONAL")
    return MarketInfo(
        symbol=symbol,
        tick_size=dec(field(price, "tickSize", "PRICE_FILTER"), "tickSize"),
        step_size=dec(field(lot, "stepSize", "LOT_SIZE"), "stepSize"),
        min_size=dec(field(lot, "minQty", "LOT_SIZE"), "minQty"),
        min_notional=dec(field(notional, "notional", "MIN_NOTIONAL"), "notional") if notional else ZERO,
        base_asset=obj.get("baseAsset") or "",
        quote_asset=obj.get("quoteAsset") or "",
    )


def parse_order(obj: Mapping[str, Any], source: Source = Source.REST) -> OrderSnapshot:
    """A REST order object (POST / DELETE / GET order, openOrders)."""
    executed = dec(field(obj, "executedQty", "order"), "executedQty")
    status = field(obj, "status", "order")
    tif = obj.get("timeInForce")
    price = dec(obj.get("price", "0"), "price")
    avg = dec(obj.get("avgPrice", "0"), "avgPrice")
    return OrderSnapshot(
        symbol=field(obj, "symbol", "order"),
        state=order_state(status, executed, tif),
        source=source,
        client_id=obj.get("clientOrderId") or None,
        venue_id=str(field(obj, "orderId", "order")),
        side=side(field(obj, "side", "order")),
        size=dec(field(obj, "origQty", "order"), "origQty"),
        price=price or None,  # a market order's price is "0"
        filled=executed,
        avg_fill_price=avg if executed and avg else None,
        venue_status=str(status),
        reason=f"{status} ({tif})" if status == "EXPIRED" else "",
        venue_ts=_ms(obj.get("updateTime")),
        raw=dict(obj),
    )


def parse_order_update(event: Mapping[str, Any]) -> tuple[OrderSnapshot | None, Fill | None]:
    """One ORDER_TRADE_UPDATE: the order's state (None for the venue's own liquidation / ADL
    orders) and the fill it reports (`x=TRADE`)."""
    o = field(event, "o", "ORDER_TRADE_UPDATE")
    execution = field(o, "x", "order update")
    if execution not in EXECUTIONS:
        raise bad(f"unknown execution type {execution!r}")
    status = field(o, "X", "order update")
    executed = dec(field(o, "z", "order update"), "z")
    symbol = field(o, "s", "order update")
    order_side = side(field(o, "S", "order update"))
    venue_id = str(field(o, "i", "order update"))
    client_id = o.get("c") or None
    venue_ts = _ms(event.get("E"))
    fill = None
    if execution == "TRADE":
        last = dec(field(o, "l", "trade update"), "l")
        if last <= 0:
            raise bad(f"a TRADE update with last filled {last}")
        fill = Fill(
            trade_id=str(field(o, "t", "trade update")),
            symbol=symbol,
            side=order_side,
            price=dec(field(o, "L", "trade update"), "L"),
            size=last,
            source=Source.WS,
            client_id=client_id,
            venue_id=venue_id,
            fee=dec(o.get("n", "0"), "n"),
            fee_asset=o.get("N") or "",
            liquidity=Liquidity.MAKER if o.get("m") else Liquidity.TAKER,
            venue_ts=_ms(o.get("T")),
        )
    if status in EXTERNAL_STATUSES:
        return None, fill
    tif = o.get("f")
    price = dec(o.get("p", "0"), "p")
    avg = dec(o.get("ap", "0"), "ap")
    snapshot = OrderSnapshot(
        symbol=symbol,
        state=order_state(status, executed, tif),
        source=Source.WS,
        client_id=client_id,
        venue_id=venue_id,
        side=order_side,
        size=dec(field(o, "q", "order update"), "q"),
        price=price or None,
        filled=executed,
        avg_fill_price=avg if executed and avg else None,
        venue_status=str(status),
        reason=f"{status} ({tif})" if status == "EXPIRED" else "",
        venue_ts=venue_ts,
        raw=dict(o),
    )
    return snapshot, fill


def parse_account_update(event: Mapping[str, Any]) -> list[Position]:
    """The one-way (`ps=BOTH`) positions of an ACCOUNT_UPDATE; `pa` is signed."""
    data = field(event, "a", "ACCOUNT_UPDATE")
    positions = []
    for entry in data.get("P") or []:
        position_side = field(entry, "ps", "position update")
        if position_side not in ("BOTH", "LONG", "SHORT"):
            raise bad(f"unknown position side {position_side!r}")
        if position_side != "BOTH":
            continue  # hedge mode is refused at start-up
        positions.append(
            Position(
                symbol=field(entry, "s", "position update"),
                size=dec(field(entry, "pa", "position update"), "pa"),
                source=Source.WS,
                entry_price=dec(entry.get("ep", "0"), "ep") or None,
                unrealized_pnl=dec(entry.get("up", "0"), "up"),
                venue_ts=_ms(event.get("E")),
            )
        )
    return positions


def parse_position_risk(rows: Any) -> list[Position]:
    """positionRisk rows, one position per symbol (`positionAmt` signed; LONG + SHORT rows add up)."""
    if not isinstance(rows, list):
        raise bad(f"positionRisk answered {type(rows).__name__}")
    sizes: dict[str, Decimal] = {}
    entries: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        symbol = field(row, "symbol", "position")
        sizes[symbol] = sizes.get(symbol, ZERO) + dec(field(row, "positionAmt", "position"), "positionAmt")
        entries.setdefault(symbol, row)
    return [
        Position(
            symbol=symbol,
            size=size,
            source=Source.REST,
            entry_price=dec(entries[symbol].get("entryPrice", "0"), "entryPrice") or None,
            unrealized_pnl=dec(entries[symbol].get("unRealizedProfit", "0"), "unRealizedProfit"),
        )
        for symbol, size in sizes.items()
    ]


def parse_balances(rows: Any) -> list[Balance]:
    if not isinstance(rows, list):
        raise bad(f"balance answered {type(rows).__name__}")
    return [
        Balance(
            field(row, "asset", "balance"),
            dec(field(row, "balance", "balance"), "balance"),
            dec(field(row, "availableBalance", "balance"), "availableBalance"),
        )
        for row in rows
    ]


def levels(raw: Any, what: str) -> tuple[Level, ...]:
    if not isinstance(raw, list):
        raise bad(f"{what} must be a list of [price, qty]")
    out = []
    for entry in raw:
        if not isinstance(entry, list) or len(entry) != 2:
            raise bad(f"{what} level must be [price, qty], got {entry!r}")
        out.append((dec(entry[0], f"{what} price"), dec(entry[1], f"{what} qty")))
    return tuple(out)


def parse_depth(obj: Mapping[str, Any]) -> tuple[tuple[Level, ...], tuple[Level, ...], int]:
    last = field(obj, "lastUpdateId", "depth")
    if isinstance(last, bool) or not isinstance(last, int):
        raise bad(f"depth lastUpdateId is not an integer: {last!r}")
    return levels(field(obj, "bids", "depth"), "bids"), levels(field(obj, "asks", "depth"), "asks"), last


def parse_depth_delta(data: Mapping[str, Any]) -> Delta:
    """A diff-depth event as the generic local book wants it. Aster's continuity rule is
    `pu == previous u` (ids jump between messages), so the delta spans `pu + 1 .. u`: the book's
    contiguity check then says exactly that, and the first event after a snapshot L is accepted
    when `pu ≤ L < u`, as the venue's `U ≤ L ≤ u` rule allows."""
    try:
        previous, last = int(field(data, "pu", "depth event")), int(field(data, "u", "depth event"))
    except (TypeError, ValueError):
        raise bad(f"depth event ids are not integers: {data!r}") from None
    return Delta(
        previous + 1, last, levels(field(data, "b", "depth event"), "b"), levels(field(data, "a", "depth event"), "a")
    )


def parse_book_ticker(obj: Mapping[str, Any], received_at: float) -> TopOfBook:
    def level(price_key: str, qty_key: str) -> tuple[Decimal | None, Decimal | None]:
        price = dec(field(obj, price_key, "bookTicker"), price_key)
        qty = dec(field(obj, qty_key, "bookTicker"), qty_key)
        return (price, qty) if price and qty else (None, None)

    bid, bid_qty = level("bidPrice", "bidQty")
    ask, ask_qty = level("askPrice", "askQty")
    return TopOfBook(
        field(obj, "symbol", "bookTicker"), bid, bid_qty, ask, ask_qty, Source.REST, received_at, _ms(obj.get("time"))
    )


def parse_ws_book_ticker(data: Mapping[str, Any], received_at: float) -> TopOfBook:
    """A `bookTicker` stream event (b / B / a / A); a "0" level is an empty side."""
    bid, bid_qty = dec(field(data, "b", "bookTicker"), "b"), dec(field(data, "B", "bookTicker"), "B")
    ask, ask_qty = dec(field(data, "a", "bookTicker"), "a"), dec(field(data, "A", "bookTicker"), "A")
    return TopOfBook(
        field(data, "s", "bookTicker"),
        bid if bid and bid_qty else None,
        bid_qty if bid and bid_qty else None,
        ask if ask and ask_qty else None,
        ask_qty if ask and ask_qty else None,
        Source.WS,
        received_at,
        _ms(data.get("E")),
    )
