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

VENUE = "aster"


_read = PayloadReader(VENUE)
bad = _read.bad
field = _read.field
dec = _read.dec
get = _read.get
parser = _read.parser
document = _read.json
rows = _read.rows

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
POSITION_SIDES = frozenset({"BOTH", "LONG", "SHORT"})
TIME_IN_FORCE_NAMES = {
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.POST_ONLY: "GTX",
}


def order_params(request: OrderRequest) -> dict[str, Any]:
    """POST order's parameters (spec §4.3; a None is not sent), asking for the fullest answer
    (`RESULT`: the order's state and fills, not only its ids)."""
    limit = request.order_type is OrderType.LIMIT
    return {
        "symbol": request.symbol,
        "side": SIDE_NAMES[request.side],
        "type": "LIMIT" if limit else "MARKET",
        "timeInForce": TIME_IN_FORCE_NAMES[request.time_in_force] if limit else None,
        "quantity": request.size,
        "price": request.price if limit else None,
        "reduceOnly": True if request.reduce_only else None,
        "newClientOrderId": request.client_id,
        "newOrderRespType": "RESULT",
    }


def order_ref(symbol: str, client_id: str | None, venue_id: str | None) -> dict[str, Any]:
    """How GET / DELETE order name one order: the venue's id when known, else ours."""
    if venue_id is not None:
        return {"symbol": symbol, "orderId": venue_id}
    return {"symbol": symbol, "origClientOrderId": client_id}


def side(value: Any) -> Side:
    return SIDES[_read.choice(value, SIDES, "side")]


def time_in_force(value: Any) -> str | None:
    """An order's time in force, when it carries one, from the known set."""
    return None if value is None else _read.choice(value, TIME_IN_FORCE, "time in force")


def order_state(status: Any, executed: Decimal, time_in_force: Any) -> OrderState:
    """The runtime state for an Aster order status (REST `status` / WS `X`)."""
    if not isinstance(status, str):
        raise bad(f"unknown order status {clip(status)}")
    if status in STATUSES:
        return STATUSES[status]
    if status == "EXPIRED":
        if not isinstance(time_in_force, str) or time_in_force not in TIME_IN_FORCE:
            raise bad(f"unknown time in force {clip(time_in_force)}")
        if executed == 0 and time_in_force == "GTX":
            return OrderState.FAILED  # post-only that would have taken
        return OrderState.CANCELLED
    raise bad(f"unknown order status {clip(status)}")


def update_id(value: Any, what: str) -> int:
    """A book update id (`u`, `lastUpdateId`): a non-negative JSON integer."""
    return _read.integer(value, what, minimum=0)


def _ms(value: Any) -> float | None:
    return _read.seconds(value, 1000, "time (ms)")


def _filters(obj: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    filters = field(obj, "filters", "symbol")
    if not isinstance(filters, list):
        raise bad(f"filters of {clip(obj.get('symbol'))} is not a list")
    return {str(f.get("filterType")): f for f in filters if isinstance(f, Mapping)}


def parse_markets(info: Mapping[str, Any]) -> dict[str, MarketInfo]:
    """TRADING perpetuals of `exchangeInfo` (pending and settling symbols cannot take orders)."""
    symbols = field(info, "symbols", "exchangeInfo")
    if not isinstance(symbols, list):
        raise bad("exchangeInfo symbols is not a list")
    markets = {}
    for obj in symbols:
        if get(obj, "status", "symbol") == "TRADING" and obj.get("contractType") == "PERPETUAL":
            market = parse_market(obj)
            markets[market.symbol] = market
    return markets


@parser
def parse_market(obj: Mapping[str, Any]) -> MarketInfo:
    filters = _filters(obj)
    symbol = _read.text(field(obj, "symbol", "symbol"), "symbol")
    price = field(filters, "PRICE_FILTER", f"{symbol} filters")
    lot = field(filters, "LOT_SIZE", f"{symbol} filters")
    notional = filters.get("MIN_NOTIONAL")
    return MarketInfo(
        symbol=symbol,
        tick_size=_read.positive(field(price, "tickSize", "PRICE_FILTER"), "tickSize"),
        step_size=_read.positive(field(lot, "stepSize", "LOT_SIZE"), "stepSize"),
        min_size=_read.non_negative(field(lot, "minQty", "LOT_SIZE"), "minQty"),
        min_notional=_read.non_negative(field(notional, "notional", "MIN_NOTIONAL"), "notional") if notional else ZERO,
        base_asset=_read.opt_text(obj.get("baseAsset"), "baseAsset"),
        quote_asset=_read.opt_text(obj.get("quoteAsset"), "quoteAsset"),
    )


@parser
def parse_order(obj: Mapping[str, Any], source: Source = Source.REST) -> OrderSnapshot:
    """A REST order object (POST / DELETE / GET order, openOrders)."""
    executed = _read.non_negative(field(obj, "executedQty", "order"), "executedQty")
    status = field(obj, "status", "order")
    tif = time_in_force(obj.get("timeInForce"))
    avg = _read.non_negative(obj.get("avgPrice", "0"), "avgPrice")
    return OrderSnapshot(
        symbol=_read.text(field(obj, "symbol", "order"), "symbol"),
        state=order_state(status, executed, tif),
        source=source,
        client_id=_read.opt_text(obj.get("clientOrderId"), "clientOrderId") or None,
        venue_id=_read.ident(field(obj, "orderId", "order"), "orderId"),
        side=side(field(obj, "side", "order")),
        size=_read.positive(field(obj, "origQty", "order"), "origQty"),
        price=_read.price_or_none(obj.get("price", "0"), "price"),  # a market order's price is "0"
        filled=executed,
        avg_fill_price=avg if executed and avg else None,
        venue_status=status,
        reason=f"{status} ({tif})" if status == "EXPIRED" else "",
        venue_ts=_ms(obj.get("updateTime")),
        raw=dict(obj),
    )


@parser
def parse_order_update(event: Mapping[str, Any]) -> tuple[OrderSnapshot | None, Fill | None]:
    """One ORDER_TRADE_UPDATE: the order's state (None for the venue's own liquidation / ADL
    orders) and the fill it reports (`x=TRADE`)."""
    o = _read.obj(field(event, "o", "ORDER_TRADE_UPDATE"), "order update")
    execution = _read.choice(field(o, "x", "order update"), EXECUTIONS, "execution type")
    status = field(o, "X", "order update")
    executed = _read.non_negative(field(o, "z", "order update"), "z")
    symbol = _read.text(field(o, "s", "order update"), "s")
    order_side = side(field(o, "S", "order update"))
    venue_id = _read.ident(field(o, "i", "order update"), "i")
    client_id = _read.opt_text(o.get("c"), "c") or None
    venue_ts = _ms(event.get("E"))
    fill = None
    if execution == "TRADE":
        last = _read.positive(field(o, "l", "trade update"), "l")
        fill = Fill(
            trade_id=_read.ident(field(o, "t", "trade update"), "t"),
            symbol=symbol,
            side=order_side,
            price=_read.positive(field(o, "L", "trade update"), "L"),
            size=last,
            source=Source.WS,
            client_id=client_id,
            venue_id=venue_id,
            fee=dec(o.get("n", "0"), "n"),
            fee_asset=_read.opt_text(o.get("N"), "N"),
            liquidity=Liquidity.MAKER if _read.opt_flag(o.get("m"), "m") else Liquidity.TAKER,
            venue_ts=_ms(o.get("T")),
        )
    if isinstance(status, str) and status in EXTERNAL_STATUSES:
        return None, fill
    tif = time_in_force(o.get("f"))
    avg = _read.non_negative(o.get("ap", "0"), "ap")
    snapshot = OrderSnapshot(
        symbol=symbol,
        state=order_state(status, executed, tif),
        source=Source.WS,
        client_id=client_id,
        venue_id=venue_id,
        side=order_side,
        size=_read.positive(field(o, "q", "order update"), "q"),
        price=_read.price_or_none(o.get("p", "0"), "p"),
        filled=executed,
        avg_fill_price=avg if executed and avg else None,
        venue_status=status,
        reason=f"{status} ({tif})" if status == "EXPIRED" else "",
        venue_ts=venue_ts,
        raw=dict(o),
    )
    return snapshot, fill


@parser
def parse_user_trade(row: Mapping[str, Any], client_id: str | None) -> Fill:
    """One `userTrades` row as the stream reports the same execution (x=TRADE): trade id `id` (the
    stream's `t`, which de-duplicates the two), order id `orderId` (`i`), `price` (`L`), `qty` (`l`),
    `commission` (`n`) and `maker` (`m`). The row carries no client id: `client_id` is the order's,
    as the stream's `c`. The stream names a commission asset (`N`) only when it charged one, so the
    row's `commissionAsset` is kept only then."""
    fee = dec(field(row, "commission", "trade"), "commission")
    return Fill(
        trade_id=str(_read.integer(field(row, "id", "trade"), "trade id", minimum=0, strings=True)),  # fromId pages
        symbol=_read.text(field(row, "symbol", "trade"), "symbol"),
        side=side(field(row, "side", "trade")),
        price=_read.positive(field(row, "price", "trade"), "price"),
        size=_read.positive(field(row, "qty", "trade"), "qty"),
        source=Source.REST,
        client_id=client_id,
        venue_id=_read.ident(field(row, "orderId", "trade"), "orderId"),
        fee=fee,
        fee_asset=_read.opt_text(row.get("commissionAsset"), "commissionAsset") if fee else "",
        liquidity=Liquidity.MAKER if _read.flag(field(row, "maker", "trade"), "maker") else Liquidity.TAKER,
        venue_ts=_ms(row.get("time")),
    )


def created_ms(order: Mapping[str, Any]) -> int:
    """When the venue took the order (`time` of a GET order / openOrders object), in ms."""
    return _read.integer(field(order, "time", "order"), "order time", minimum=0)


@parser
def parse_account_update(event: Mapping[str, Any]) -> list[Position]:
    """The one-way (`ps=BOTH`) positions of an ACCOUNT_UPDATE; `pa` is signed."""
    data = _read.obj(field(event, "a", "ACCOUNT_UPDATE"), "ACCOUNT_UPDATE data")
    venue_ts = _ms(event.get("E"))
    positions = []
    for entry in _read.rows(data.get("P"), "ACCOUNT_UPDATE positions"):
        position_side = _read.choice(field(entry, "ps", "position update"), POSITION_SIDES, "position side")
        if position_side != "BOTH":
            continue  # hedge mode is refused at start-up
        positions.append(
            Position(
                symbol=_read.text(field(entry, "s", "position update"), "s"),
                size=dec(field(entry, "pa", "position update"), "pa"),
                source=Source.WS,
                entry_price=_read.price_or_none(entry.get("ep", "0"), "ep"),
                unrealized_pnl=dec(entry.get("up", "0"), "up"),
                venue_ts=venue_ts,
            )
        )
    return positions


@parser
def parse_position_risk(rows: Any) -> list[Position]:
    """positionRisk rows, one position per symbol (`positionAmt` signed; LONG + SHORT rows add up)."""
    if not isinstance(rows, list):
        raise bad(f"positionRisk answered {type(rows).__name__}")
    sizes: dict[str, Decimal] = {}
    entries: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        symbol = _read.text(field(row, "symbol", "position"), "symbol")
        sizes[symbol] = sizes.get(symbol, ZERO) + dec(field(row, "positionAmt", "position"), "positionAmt")
        entries.setdefault(symbol, row)
    return [
        Position(
            symbol=symbol,
            size=size,
            source=Source.REST,
            entry_price=_read.price_or_none(entries[symbol].get("entryPrice", "0"), "entryPrice"),
            unrealized_pnl=dec(entries[symbol].get("unRealizedProfit", "0"), "unRealizedProfit"),
        )
        for symbol, size in sizes.items()
    ]


def hedge_mode(rows: Any) -> bool | None:
    """The position mode positionRisk rows show: `BOTH` rows only in one-way mode, `LONG` and
    `SHORT` rows only in hedge mode (spec §4.4). None when the rows do not tell (none, or mixed)."""
    sides = {str(row.get("positionSide")) for row in rows if isinstance(row, dict)} if isinstance(rows, list) else set()
    if not sides:
        return None
    if sides == {"BOTH"}:
        return False
    if sides <= {"LONG", "SHORT"}:
        return True
    return None


@parser
def parse_balances(rows: Any) -> list[Balance]:
    if not isinstance(rows, list):
        raise bad(f"balance answered {type(rows).__name__}")
    return [
        Balance(
            _read.text(field(row, "asset", "balance"), "asset"),
            dec(field(row, "balance", "balance"), "balance"),
            dec(field(row, "availableBalance", "balance"), "availableBalance"),
        )
        for row in rows
    ]


def levels(raw: Any, what: str) -> tuple[Level, ...]:
    return _read.pair_levels(raw, what)


@parser
def parse_depth(obj: Mapping[str, Any]) -> tuple[tuple[Level, ...], tuple[Level, ...], int]:
    last = _read.integer(field(obj, "lastUpdateId", "depth"), "depth lastUpdateId", minimum=0)
    return levels(field(obj, "bids", "depth"), "bids"), levels(field(obj, "asks", "depth"), "asks"), last


@parser
def parse_depth_delta(data: Mapping[str, Any]) -> Delta:
    """A diff-depth event as the generic local book wants it. Aster's continuity rule is
    `pu == previous u` (ids jump between messages), so the delta spans `pu + 1 .. u`: the book's
    contiguity check then says exactly that, and the first event after a snapshot L is accepted
    when `pu ≤ L < u`, as the venue's `U ≤ L ≤ u` rule allows."""
    previous = _read.integer(field(data, "pu", "depth event"), "depth event pu", minimum=-1, strings=True)
    last = _read.integer(field(data, "u", "depth event"), "depth event u", minimum=0, strings=True)
    return Delta(
        previous + 1, last, levels(field(data, "b", "depth event"), "b"), levels(field(data, "a", "depth event"), "a")
    )


def _touch(price: Any, qty: Any, price_key: str, qty_key: str) -> tuple[Decimal | None, Decimal | None]:
    """One side of a book ticker: a "0" price or quantity is an empty side."""
    px = _read.non_negative(price, price_key)
    size = _read.non_negative(qty, qty_key)
    return (px, size) if px and size else (None, None)


@parser
def parse_book_ticker(obj: Mapping[str, Any], received_at: float) -> TopOfBook:
    bid, bid_qty = _touch(
        field(obj, "bidPrice", "bookTicker"), field(obj, "bidQty", "bookTicker"), "bidPrice", "bidQty"
    )
    ask, ask_qty = _touch(
        field(obj, "askPrice", "bookTicker"), field(obj, "askQty", "bookTicker"), "askPrice", "askQty"
    )
    return TopOfBook(
        _read.text(field(obj, "symbol", "bookTicker"), "symbol"),
        bid,
        bid_qty,
        ask,
        ask_qty,
        Source.REST,
        received_at,
        _ms(obj.get("time")),
    )


@parser
def parse_ws_book_ticker(data: Mapping[str, Any], received_at: float) -> TopOfBook:
    """A `bookTicker` stream event (b / B / a / A); a "0" level is an empty side."""
    bid, bid_qty = _touch(field(data, "b", "bookTicker"), field(data, "B", "bookTicker"), "b", "B")
    ask, ask_qty = _touch(field(data, "a", "bookTicker"), field(data, "A", "bookTicker"), "a", "A")
    return TopOfBook(
        _read.text(field(data, "s", "bookTicker"), "s"),
        bid,
        bid_qty,
        ask,
        ask_qty,
        Source.WS,
        received_at,
        _ms(data.get("E")),
    )
