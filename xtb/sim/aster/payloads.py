"""Engine values → Aster JSON, key for key (spec §3, §4, §5.3, checklist §9.7-§9.10).

Decimals are strings with the venue's scale: prices at `pricePrecision`, quantities at
`quantityPrecision`, a zero as `"0"` except a zero `avgPrice` (`"0.00000"`). Ids and times are JSON
integers, times in ms. Every enum is mapped explicitly: an engine value without an Aster name raises.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from xtb.model import OrderType, Side
from xtb.sim.aster.settings import QUOTE_ASSET, MarketDef, RateLimits
from xtb.sim.aster.state import OrderMeta
from xtb.sim.engine_types import BookView, FillView, LevelView, MarketSpec, OrderStatus, OrderView, PositionView

ZERO = Decimal(0)
SIDE_NAMES = {Side.BUY: "BUY", Side.SELL: "SELL"}
STATUS_NAMES = {
    OrderStatus.NEW: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELLED: "CANCELED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.REJECTED: "REJECTED",
}
AVG_PLACES = 5


# ------------------------------------------------------------------------------ numbers and time


def fixed(value: Decimal | None, places: int, *, zero: str | None = "0") -> str:
    """`value` at `places` decimals (half-even); a zero as `zero` unless that is None."""
    if value is None or not value:
        if zero is not None:
            return zero
        value = ZERO
    return format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")


def plain(value: Decimal) -> str:
    """Exact, no exponent, no trailing zeros ("150", "0.003")."""
    if not value:
        return "0"
    return format(value.normalize(), "f")


def rounded(value: Decimal, places: int = 8) -> str:
    """A quotient that need not terminate (entry price, mark, PnL), cut to `places` and stripped."""
    return plain(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def ms(ts: float) -> int:
    return round(ts * 1000)


def margin_percent(fraction: Decimal) -> str:
    """`exchangeInfo`'s margin percents: "5.0000" for a fraction of 0.05."""
    return fixed(fraction * 100, 4)


def price(market: MarketDef, value: Decimal | None) -> str:
    return fixed(value, market.price_precision)


def qty(market: MarketDef, value: Decimal | None) -> str:
    return fixed(value, market.quantity_precision)


def avg_price(view: OrderView) -> str:
    avg = view.avg_price
    return fixed(avg, AVG_PLACES, zero=None)


def quote(market: MarketDef, value: Decimal) -> str:
    """Σ price × qty, exact at tick decimals + step decimals."""
    return fixed(value, _decimals(market.tick_size) + _decimals(market.step_size))


def _decimals(increment: Decimal) -> int:
    exponent = increment.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


# ---------------------------------------------------------------------------------- markets


def symbol_json(market: MarketDef, spec: MarketSpec) -> dict[str, Any]:
    """One `exchangeInfo` symbol, as the live BTCUSDT entry of §3 (strings keep trailing zeros);
    the margin percents are the engine's current fractions (`spec`)."""
    return {
        "symbol": market.symbol,
        "pair": market.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": market.onboard_date,
        "status": "TRADING",
        "maintMarginPercent": margin_percent(spec.maintenance_margin_fraction),
        "requiredMarginPercent": margin_percent(spec.initial_margin_fraction),
        "baseAsset": market.base,
        "quoteAsset": QUOTE_ASSET,
        "marginAsset": QUOTE_ASSET,
        "pricePrecision": market.price_precision,
        "quantityPrecision": market.quantity_precision,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "symbolType": 0,
        "tradingMode": 0,
        "name": market.name,
        "channel": "",
        "sequenceNo": 10,
        "twapMinNotional": "1000",
        "settlePlan": 0,
        "triggerProtect": "0.0200",
        "liquidationFee": "0.025000",
        "marketTakeBound": str(market.market_take_bound),
        "createTime": market.onboard_date + 2_417_068_108,
        "filters": [
            {
                "minPrice": str(market.min_price),
                "maxPrice": str(market.max_price),
                "filterType": "PRICE_FILTER",
                "tickSize": str(market.tick_size),
            },
            {
                "stepSize": str(market.step_size),
                "filterType": "LOT_SIZE",
                "maxQty": str(market.max_qty),
                "minQty": str(market.min_qty),
            },
            {
                "stepSize": str(market.step_size),
                "filterType": "MARKET_LOT_SIZE",
                "maxQty": str(market.market_max_qty),
                "minQty": str(market.min_qty),
            },
            {"limit": 200, "filterType": "MAX_NUM_ORDERS"},
            {"limit": 10, "filterType": "MAX_NUM_ALGO_ORDERS"},
            {"notional": str(market.min_notional), "filterType": "MIN_NOTIONAL"},
            {
                "multiplierDown": str(market.multiplier_down),
                "multiplierUp": str(market.multiplier_up),
                "ltMultiplierDown": "0",
                "multiplierDecimal": "4",
                "filterType": "PERCENT_PRICE",
                "ltMultiplierUp": "0",
            },
        ],
        "orderTypes": [
            "LIMIT",
            "MARKET",
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "RPI", "HIDDEN"],
    }


def exchange_info_json(
    markets: list[tuple[MarketDef, MarketSpec]], server_ms: int, limits: RateLimits | None = None
) -> dict[str, Any]:
    """exchangeInfo lists the limits the simulator enforces (the venue's defaults unless configured):
    a connector paces itself by what the venue publishes here."""
    limits = limits or RateLimits()
    return {
        "timezone": "UTC",
        "serverTime": server_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": limits.weight_per_minute,
            },
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": limits.orders_per_minute},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": limits.orders_per_10s},
        ],
        "exchangeFilters": [],
        "assets": [
            {"asset": QUOTE_ASSET, "marginAvailable": True, "autoAssetExchange": "0"},
            {"asset": "USDF", "marginAvailable": True, "autoAssetExchange": "0"},
        ],
        "symbols": [symbol_json(m, spec) for m, spec in markets],
    }


def level_pairs(levels: tuple[LevelView, ...] | list[LevelView], market: MarketDef) -> list[list[str]]:
    return [[price(market, lv.price), fixed(lv.size, market.quantity_precision, zero=None)] for lv in levels]


def depth_json(book: BookView, market: MarketDef, last_update_id: int, now_ms: int) -> dict[str, Any]:
    return {
        "lastUpdateId": last_update_id,
        "E": now_ms,
        "T": now_ms,
        "bids": level_pairs(book.bids, market),
        "asks": level_pairs(book.asks, market),
    }


# ------------------------------------------------------------------------------------ orders


def order_json(
    view: OrderView, meta: OrderMeta, order_id: int, market: MarketDef, *, query: bool = False
) -> dict[str, Any]:
    """The order object: POST / DELETE answers (`cumQty`), or GET / openOrders (`time`, no `cumQty`)."""
    row: dict[str, Any] = {
        "orderId": order_id,
        "symbol": view.market,
        "status": STATUS_NAMES[view.status],
        "clientOrderId": str(view.client_id) if view.client_id is not None else "",
        "price": price(market, view.price if view.order_type is OrderType.LIMIT else None),
        "avgPrice": avg_price(view),
        "origQty": qty(market, view.size),
        "executedQty": qty(market, view.filled),
    }
    if not query:
        row["cumQty"] = qty(market, view.filled)
    row.update(
        {
            "cumQuote": quote(market, view.filled_quote),
            "timeInForce": meta.time_in_force,
            "type": meta.order_type,
            "reduceOnly": meta.reduce_only,
            "closePosition": False,
            "side": SIDE_NAMES[view.side],
            "positionSide": meta.position_side,
            "stopPrice": "0",
            "workingType": meta.working_type,
            "priceProtect": meta.price_protect,
            "origType": meta.order_type,
        }
    )
    if query:
        row["time"] = ms(view.created_ts)
    row["updateTime"] = ms(view.updated_ts)
    return row


def ws_order(
    view: OrderView,
    meta: OrderMeta,
    order_id: int,
    market: MarketDef,
    execution: str,
    event_ms: int,
    fill: FillView | None = None,
    trade_id: int = 0,
) -> dict[str, Any]:
    """ORDER_TRADE_UPDATE (§5.3): no `C` key; `N`/`n` only when a commission was charged."""
    o: dict[str, Any] = {
        "s": view.market,
        "c": str(view.client_id) if view.client_id is not None else "",
        "S": SIDE_NAMES[view.side],
        "o": meta.order_type,
        "f": meta.time_in_force,
        "q": qty(market, view.size),
        "p": price(market, view.price if view.order_type is OrderType.LIMIT else None),
        "ap": avg_price(view) if view.filled else "0",
        "sp": "0",
        "x": execution,
        "X": STATUS_NAMES[view.status],
        "i": order_id,
        "l": qty(market, fill.size if fill is not None else None),
        "z": qty(market, view.filled),
        "L": price(market, fill.price if fill is not None else None),
    }
    if fill is not None and fill.fee:
        o["N"] = QUOTE_ASSET
        o["n"] = plain(fill.fee)
    o.update(
        {
            "T": ms(fill.ts if fill is not None else view.updated_ts),
            "t": trade_id,
            "b": "0",
            "a": "0",
            "m": bool(fill is not None and fill.liquidity.value == "maker"),
            "R": meta.reduce_only,
            "wt": meta.working_type,
            "ot": meta.order_type,
            "ps": meta.position_side,
            "cp": False,
            "rp": plain(fill.realized_pnl) if fill is not None else "0",
        }
    )
    return {"e": "ORDER_TRADE_UPDATE", "E": event_ms, "T": ms(view.updated_ts), "o": o}


def open_notional(orders: list[OrderView], side: Side) -> Decimal:
    return sum((o.remaining * o.price for o in orders if o.side is side and o.price is not None), ZERO)


def trade_json(fill: FillView, order_id: int, trade_id: int, market: MarketDef, position_side: str) -> dict[str, Any]:
    """A `userTrades` row."""
    return {
        "buyer": fill.side is Side.BUY,
        "commission": plain(fill.fee),
        "commissionAsset": QUOTE_ASSET,
        "id": trade_id,
        "maker": fill.liquidity.value == "maker",
        "orderId": order_id,
        "price": price(market, fill.price),
        "qty": qty(market, fill.size),
        "quoteQty": quote(market, fill.price * fill.size),
        "realizedPnl": plain(fill.realized_pnl),
        "side": SIDE_NAMES[fill.side],
        "positionSide": position_side,
        "symbol": fill.market,
        "time": ms(fill.ts),
    }


# --------------------------------------------------------------------------------- positions


def entry_price(position: PositionView) -> Decimal:
    return position.entry_price or ZERO


def unrealized(position: PositionView, mark: Decimal) -> Decimal:
    return position.size * mark - position.cost_basis


def position_update(position: PositionView, market: MarketDef, mark: Decimal, realized: Decimal) -> dict[str, Any]:
    """One `P` entry of ACCOUNT_UPDATE (with `ma`, as live)."""
    return {
        "s": position.market,
        "pa": qty(market, position.size),
        "ep": rounded(entry_price(position)),
        "cr": plain(realized),
        "up": rounded(unrealized(position, mark)),
        "mt": "cross",
        "iw": "0",
        "ps": "BOTH",
        "ma": QUOTE_ASSET,
    }
