"""Engine values → Backpack JSON, key for key (spec §3, §4, §5, checklist §9).

REST decimals are canonical and unpadded (`"150"`), WS decimals are padded to the tick / step
(`"150.00"`). `createdAt` is int ms on live order endpoints and a naive UTC ISO string in history;
WS `E`/`T` are int µs. Optional keys are present as null. Every enum is mapped explicitly: an engine
value without a Backpack name raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

from xtb.model import Liquidity, OrderType, Side
from xtb.sim.backpack.settings import QUOTE_ASSET, TAKER_FEE_RATE, MarketDef
from xtb.sim.backpack.state import OrderMeta, TapeTrade
from xtb.sim.engine_types import BookView, FillView, LevelView, OrderStatus, OrderView, PositionView, Reason

ZERO = Decimal(0)
WIDE = Context(prec=100)
"""Room for any value the venue's decimals hold (29 digits) at any padding: the default context's 28
digits make quantize fail on a large order's size."""

SIDE_NAMES = {Side.BUY: "Bid", Side.SELL: "Ask"}
SIDES = {name: side for side, name in SIDE_NAMES.items()}
STATUS_NAMES = {
    OrderStatus.NEW: "New",
    OrderStatus.PARTIALLY_FILLED: "PartiallyFilled",
    OrderStatus.FILLED: "Filled",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.EXPIRED: "Expired",
}
EXPIRY_REASONS = {
    Reason.REDUCE_ONLY_NO_POSITION: "ReduceOnlyNotReduced",
    Reason.REDUCE_ONLY_WOULD_INCREASE: "ReduceOnlyNotReduced",
    Reason.REDUCE_ONLY_OVERSIZE: "ReduceOnlyNotReduced",
    Reason.SELF_TRADE: "SelfTradePrevention",
    Reason.IOC_REMAINDER: "ImmediateOrCancel",
    Reason.FOK_NOT_FILLABLE: "FillOrKill",
    Reason.NO_LIQUIDITY: "InsufficientLiquidity",
    Reason.SLIPPAGE_LIMIT: "SlippageToleranceExceeded",
    Reason.POST_ONLY_WOULD_CROSS: "PostOnlyTaker",
}
_NULL_ORDER_KEYS = (
    "stopLossLimitPrice",
    "stopLossTriggerBy",
    "stopLossTriggerPrice",
    "strategyId",
    "takeProfitLimitPrice",
    "takeProfitTriggerBy",
    "takeProfitTriggerPrice",
    "triggerBy",
    "triggerPrice",
    "triggerQuantity",
)


# ------------------------------------------------------------------------------ numbers and time


def plain(value: Decimal) -> str:
    """REST form: exact, no exponent, no trailing zeros ("150", "0.003")."""
    if not value:
        return "0"
    return format(value.normalize(), "f")


def padded(value: Decimal, places: int) -> str:
    """WS form: padded (or rounded half-even) to `places` decimals ("150.00", "0.00000")."""
    if not value:
        value = ZERO
    return format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN, context=WIDE), "f")


def rounded(value: Decimal, places: int = 8) -> Decimal:
    """A quotient that need not terminate (entry price, mark), cut to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN, context=WIDE)


def ms(ts: float) -> int:
    return round(ts * 1000)


def us(ts: float) -> int:
    return round(ts * 1_000_000)


def iso_ms(ts: float) -> str:
    """Naive UTC with ms, as history endpoints write it ("2026-09-01T17:54:04.094")."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def iso_seconds(ts: float) -> str:
    """Naive UTC to the second, as funding intervals write it ("2026-09-23T04:00:00")."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")


# ---------------------------------------------------------------------------------- enums


def status_name(view: OrderView) -> str:
    try:
        return STATUS_NAMES[view.status]
    except KeyError:
        raise ValueError(f"order {view.order_id} has no Backpack status: {view.status}") from None


def expiry_reason(view: OrderView) -> str | None:
    if view.status is not OrderStatus.EXPIRED:
        return None
    if view.reason not in EXPIRY_REASONS:
        raise ValueError(f"order {view.order_id} expired for a reason Backpack has no name for: {view.reason}")
    return EXPIRY_REASONS[view.reason]  # type: ignore[index]


def client_id(view: OrderView | FillView) -> int | None:
    cid = view.client_id
    return cid if isinstance(cid, int) else None


# ------------------------------------------------------------------------------------ markets


def market_json(m: MarketDef, maintenance: Decimal) -> dict[str, Any]:
    """§3.1: every key present; perps carry the margin functions and funding bounds. The `mmfFunction`
    base is the market's `maintenance` fraction as the engine holds it now (a run may change it)."""
    return {
        "symbol": m.symbol,
        "baseSymbol": m.base,
        "quoteSymbol": m.quote,
        "marketType": "PERP",
        "rwaMarketType": None,
        "orderBookState": "Open",
        "visible": True,
        "createdAt": m.created_at,
        "filters": {
            "price": {
                "minPrice": plain(m.min_price),
                "maxPrice": plain(m.max_price),
                "tickSize": plain(m.tick_size),
                "minMultiplier": plain(m.band_min),
                "maxMultiplier": plain(m.band_max),
                "minImpactMultiplier": "0.99",
                "maxImpactMultiplier": "1.01",
                "meanMarkPriceBand": {"minMultiplier": plain(m.mark_band_min), "maxMultiplier": plain(m.mark_band_max)},
                "meanPremiumBand": {"tolerancePct": "0.05"},
                "borrowEntryFeeMinMultiplier": None,
                "borrowEntryFeeMaxMultiplier": None,
                "minPriceUpdateMultiplier": "0.9975",
                "maxPriceUpdateMultiplier": "1.0025",
                "discoveryBoundBand": None,
            },
            "quantity": {"minQuantity": plain(m.min_quantity), "maxQuantity": None, "stepSize": plain(m.step_size)},
        },
        "imfFunction": {"type": "sqrt", "base": plain(m.imf_base), "factor": plain(m.imf_factor)},
        "mmfFunction": {"type": "sqrt", "base": plain(maintenance), "factor": plain(m.mmf_factor)},
        "fundingInterval": m.funding_interval_ms,
        "fundingRateLowerBound": "-100",
        "fundingRateUpperBound": "100",
        "openInterestLimit": m.open_interest_limit,
        "positionLimitWeight": "1",
    }


def tape_trade_json(t: TapeTrade) -> dict[str, Any]:
    """§4.2 public trade (`/trades`, `/trades/history`)."""
    return {
        "id": t.trade_id,
        "price": plain(t.price),
        "quantity": plain(t.size),
        "quoteQuantity": plain(t.price * t.size),
        "timestamp": ms(t.ts),
        "isBuyerMaker": t.buyer_is_maker,
    }


def depth_json(book: BookView, update_id: int, ts: float) -> dict[str, Any]:
    """§4.3: both sides ascending (the best bid LAST), lastUpdateId a string, timestamp in µs."""
    return {
        "asks": [[plain(lv.price), plain(lv.size)] for lv in book.asks],
        "bids": [[plain(lv.price), plain(lv.size)] for lv in reversed(book.bids)],
        "lastUpdateId": str(update_id),
        "timestamp": us(ts),
    }


def ticker_json(symbol: str, trades: Iterable[TapeTrade], reference: Decimal) -> dict[str, Any]:
    """§4.4 over the given trades; without trades every price is `reference` (always numeric)."""
    first = last = high = low = None
    volume = quote = ZERO
    count = 0
    for trade in trades:
        if first is None:
            first = high = low = trade.price
        last = trade.price
        high = max(high, trade.price)  # type: ignore[type-var]
        low = min(low, trade.price)  # type: ignore[type-var]
        volume += trade.size
        quote += trade.price * trade.size
        count += 1
    if first is None:
        first = last = high = low = reference
    assert last is not None and high is not None and low is not None
    change = last - first
    return {
        "symbol": symbol,
        "firstPrice": plain(first),
        "lastPrice": plain(last),
        "high": plain(high),
        "low": plain(low),
        "priceChange": plain(change),
        "priceChangePercent": plain(rounded(change / first, 6)) if first else "0",
        "volume": plain(volume),
        "quoteVolume": plain(quote),
        "trades": str(count),
    }


# -------------------------------------------------------------------------------------- orders


def _order_common(view: OrderView, meta: OrderMeta, order_id: str) -> dict[str, Any]:
    body: dict[str, Any] = dict.fromkeys(_NULL_ORDER_KEYS)
    body.update(
        clientId=client_id(view),
        executedQuantity=plain(view.filled),
        executedQuoteQuantity=plain(view.filled_quote),
        id=order_id,
        orderType=meta.order_type,
        selfTradePrevention=meta.self_trade_prevention,
        side=SIDE_NAMES[view.side],
        status=status_name(view),
        symbol=view.market,
        timeInForce=meta.time_in_force,
        quantity=plain(view.size),
    )
    if view.order_type is OrderType.LIMIT:
        assert view.price is not None
        body.update(postOnly=meta.post_only, price=plain(view.price))
    return body


def order_json(view: OrderView, meta: OrderMeta, order_id: str) -> dict[str, Any]:
    """§4.5: the order object of the live endpoints (place, cancel, query, open orders)."""
    body = _order_common(view, meta, order_id)
    body.update(createdAt=ms(view.created_ts), reduceOnly=meta.reduce_only, relatedOrderId=None, triggeredAt=None)
    if view.order_type is OrderType.MARKET:
        body["quoteQuantity"] = None if meta.quote_quantity is None else plain(meta.quote_quantity)
    return body


def history_order_json(view: OrderView, meta: OrderMeta, order_id: str) -> dict[str, Any]:
    """§4.11: history rows carry an ISO createdAt, expiryReason, quoteQuantity and no reduceOnly."""
    body = _order_common(view, meta, order_id)
    if view.order_type is OrderType.LIMIT:
        assert view.price is not None
        quote: Decimal | None = view.price * view.size
    else:
        quote = meta.quote_quantity
    body.update(
        createdAt=iso_ms(view.created_ts),
        expiryReason=expiry_reason(view),
        quoteQuantity=None if quote is None else plain(quote),
        slippageTolerance=None,
        slippageToleranceType=None,
        systemOrderType=None,
    )
    return body


def fill_json(fill: FillView, order_id: str, trade_id: int) -> dict[str, Any]:
    """§4.12: clientId is a string here."""
    cid = client_id(fill)
    return {
        "clientId": None if cid is None else str(cid),
        "fee": plain(fill.fee),
        "feeSymbol": QUOTE_ASSET,
        "isMaker": fill.liquidity is Liquidity.MAKER,
        "orderId": order_id,
        "price": plain(fill.price),
        "quantity": plain(fill.size),
        "side": SIDE_NAMES[fill.side],
        "symbol": fill.market,
        "systemOrderType": None,
        "timestamp": iso_ms(fill.ts),
        "tradeId": trade_id,
    }


def ws_order(
    event: str,
    view: OrderView,
    meta: OrderMeta,
    order_id: str,
    market: MarketDef,
    event_us: int,
    engine_us: int,
    fill: FillView | None = None,
    trade_id: int | None = None,
) -> dict[str, Any]:
    """§5.5 order update: `t` null except on fills, `c` only when set, `R` only on expiry."""
    pdec, sdec = market.price_decimals, market.size_decimals
    if view.order_type is OrderType.LIMIT:
        assert view.price is not None
        quote = padded(view.price * view.size, pdec + sdec)
    else:
        quote = "0" if meta.quote_quantity is None else padded(meta.quote_quantity, pdec)
    data: dict[str, Any] = {
        "e": event,
        "E": event_us,
        "T": engine_us,
        "s": view.market,
        "i": order_id,
        "S": SIDE_NAMES[view.side],
        "o": "LIMIT" if view.order_type is OrderType.LIMIT else "MARKET",
        "f": meta.time_in_force,
        "q": padded(view.size, sdec),
        "Q": quote,
        "X": status_name(view),
        "z": padded(view.filled, sdec),
        "Z": padded(view.filled_quote, pdec + sdec),
        "t": None,
        "V": meta.self_trade_prevention,
        "r": view.reduce_only,
        "y": meta.post_only,
        "O": "USER",
    }
    cid = client_id(view)
    if cid is not None:
        data["c"] = cid
    if view.price is not None and view.order_type is OrderType.LIMIT:
        data["p"] = padded(view.price, pdec)
    if fill is not None:
        data.update(
            l=padded(fill.size, sdec),
            L=padded(fill.price, pdec),
            m=fill.liquidity is Liquidity.MAKER,
            n=plain(fill.fee),
            N=QUOTE_ASSET,
            t=trade_id,
        )
    if event == "orderExpired":
        data["R"] = expiry_reason(view)
    return data


def level_pairs(levels: Iterable[LevelView], market: MarketDef) -> list[list[str]]:
    return [[padded(lv.price, market.price_decimals), padded(lv.size, market.size_decimals)] for lv in levels]


# ------------------------------------------------------------------------------------ positions


@dataclass(frozen=True)
class PositionFigures:
    """One open position priced at `mark`, with the worst case of the account's open orders and
    the margin fractions the engine holds it to (the account's initial, the market's maintenance)."""

    market: MarketDef
    view: PositionView
    mark: Decimal
    exposure: Decimal  # signed net exposure quantity including open orders
    imf: Decimal
    mmf: Decimal

    @property
    def entry(self) -> Decimal:
        return rounded(self.view.cost_basis / self.view.size) if self.view.size else ZERO

    @property
    def break_even(self) -> Decimal:
        """The price a taker close breaks even at, after its fee."""
        factor = 1 + TAKER_FEE_RATE if self.view.size > 0 else 1 - TAKER_FEE_RATE
        return rounded(self.entry * factor)

    @property
    def unrealized(self) -> Decimal:
        return self.view.size * self.mark - self.view.cost_basis


def exposure(size: Decimal, open_bids: Decimal, open_asks: Decimal) -> Decimal:
    """Worst-case signed position if every open order on one side filled."""
    long_case, short_case = size + open_bids, size - open_asks
    return long_case if abs(long_case) >= abs(short_case) else short_case


def position_json(p: PositionFigures, position_id: int, user_id: int) -> dict[str, Any]:
    """§4.13 element (REST): signed netQuantity / netCost, positionId a string, userId an int."""
    m = p.market
    return {
        "breakEvenPrice": plain(p.break_even),
        "cumulativeFundingPayment": "0",
        "cumulativeInterest": "0",
        "entryPrice": plain(p.entry),
        "estLiquidationPrice": "0",
        "imf": plain(p.imf),
        "imfFunction": {"base": plain(m.imf_base), "factor": plain(m.imf_factor), "type": "sqrt"},
        "markPrice": plain(p.mark),
        "mmf": plain(p.mmf),
        "mmfFunction": {"base": plain(p.mmf), "factor": plain(m.mmf_factor), "type": "sqrt"},
        "netCost": plain(p.view.cost_basis),
        "netExposureNotional": plain(abs(p.exposure) * p.mark),
        "netExposureQuantity": plain(p.exposure),
        "netQuantity": plain(p.view.size),
        "pnlRealized": plain(p.view.realized_pnl),
        "pnlUnrealized": plain(p.unrealized),
        "positionId": str(position_id),
        "subaccountId": None,
        "symbol": m.symbol,
        "userId": user_id,
    }


def ws_position(
    p: PositionFigures, position_id: int, event: str | None, event_us: int, engine_us: int
) -> dict[str, Any]:
    """§5.5 position update; `event` None for the snapshot sent on subscribe (no `e`)."""
    m = p.market
    sdec = m.size_decimals
    data: dict[str, Any] = {
        "E": event_us,
        "T": engine_us,
        "s": m.symbol,
        "i": position_id,
        "q": padded(p.view.size, sdec),
        "Q": padded(p.exposure, sdec),
        "n": plain(abs(p.exposure) * p.mark),
        "B": plain(p.entry),
        "b": plain(p.break_even),
        "M": plain(p.mark),
        "f": plain(p.imf),
        "m": plain(p.mmf),
        "p": plain(p.view.realized_pnl),
        "P": plain(p.unrealized),
        "l": "0",
    }
    if event is not None:
        data["e"] = event
    return data
