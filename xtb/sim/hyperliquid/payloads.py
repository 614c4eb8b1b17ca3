"""The venue's answer shapes for orders, fills and account state (spec §4.2, §5.4, §7), written once so
`/info`, the `/exchange` answers and the socket frames agree to the byte.

Numbers go through `wire.decimal_str` (`.0` on integral values); ids, times and leverage are JSON
numbers. `openOrders` carries `cloid` / `reduceOnly` only when set (§4.2 [obs]); `frontendOpenOrders`
and `orderStatus` carry every field, null when absent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xtb.model import ZERO
from xtb.sim.hyperliquid import margin
from xtb.sim.hyperliquid.state import VenueOrder
from xtb.sim.hyperliquid.wire import decimal_str


def side(is_buy: bool) -> str:
    return "B" if is_buy else "A"


def open_order(order: VenueOrder) -> dict[str, Any]:
    """`openOrders` / `orderUpdates.order`: optional fields only when set."""
    out: dict[str, Any] = {
        "coin": order.coin,
        "side": side(order.is_buy),
        "limitPx": decimal_str(order.limit_px),
        "sz": decimal_str(order.sz),
        "oid": order.oid,
        "timestamp": order.timestamp,
        "origSz": decimal_str(order.orig_sz),
    }
    if order.cloid is not None:
        out["cloid"] = order.cloid
    if order.reduce_only:
        out["reduceOnly"] = True
    return out


def trigger_condition(order: VenueOrder) -> str:
    trig = order.trigger
    if trig is None:
        return "N/A"
    # a take-profit sell and a stop buy fire on a rise; the other two on a fall
    above = (trig.tpsl == "tp") != order.is_buy
    return f"Price {'above' if above else 'below'} {decimal_str(trig.trigger_px)}"


def frontend_order(order: VenueOrder) -> dict[str, Any]:
    """`frontendOpenOrders` / `orderStatus.order.order` / `historicalOrders`: every field."""
    return {
        "coin": order.coin,
        "side": side(order.is_buy),
        "limitPx": decimal_str(order.limit_px),
        "sz": decimal_str(order.sz),
        "oid": order.oid,
        "timestamp": order.timestamp,
        "triggerCondition": trigger_condition(order),
        "isTrigger": order.trigger is not None,
        "triggerPx": decimal_str(order.trigger.trigger_px if order.trigger else ZERO),
        "children": [],
        "isPositionTpsl": False,
        "reduceOnly": order.reduce_only,
        "orderType": order.order_type,
        "origSz": decimal_str(order.orig_sz),
        "tif": order.tif,
        "cloid": order.cloid,
    }


def order_status(order: VenueOrder) -> dict[str, Any]:
    return {"order": frontend_order(order), "status": order.status, "statusTimestamp": order.status_ts}


def order_update(order: VenueOrder) -> dict[str, Any]:
    """One `orderUpdates` entry (§5.4)."""
    return {"order": open_order(order), "status": order.status, "statusTimestamp": order.status_ts}


def direction(start: Decimal, is_buy: bool, size: Decimal) -> str:
    """§5.4 `dir`: Open/Close Long/Short, or the flip `Long > Short` / `Short > Long`."""
    end = start + (size if is_buy else -size)
    if start > 0 and end < 0:
        return "Long > Short"
    if start < 0 and end > 0:
        return "Short > Long"
    if is_buy:
        return "Close Short" if start < 0 else "Open Long"
    return "Close Long" if start > 0 else "Open Short"


def fill(
    *,
    coin: str,
    px: Decimal,
    sz: Decimal,
    is_buy: bool,
    time_ms: int,
    start_position: Decimal,
    closed_pnl: Decimal,
    hash_: str,
    oid: int,
    crossed: bool,
    fee: Decimal,
    tid: int,
    cloid: str | None,
) -> dict[str, Any]:
    """One fill as `userFills` and `userEvents` carry it (§5.4; `cloid` only when the order had one)."""
    out: dict[str, Any] = {
        "coin": coin,
        "px": decimal_str(px),
        "sz": decimal_str(sz),
        "side": side(is_buy),
        "time": time_ms,
        "startPosition": decimal_str(start_position),
        "dir": direction(start_position, is_buy, sz),
        "closedPnl": decimal_str(closed_pnl),
        "hash": hash_,
        "oid": oid,
        "crossed": crossed,
        "fee": decimal_str(fee),
        "tid": tid,
    }
    if cloid is not None:
        out["cloid"] = cloid
    out["feeToken"] = "USDC"
    out["twapId"] = None
    return out


def _summary(s: margin.Summary) -> dict[str, str]:
    return {
        "accountValue": decimal_str(margin.usd(s.account_value)),
        "totalNtlPos": decimal_str(margin.usd(s.total_ntl_pos)),
        "totalRawUsd": decimal_str(margin.usd(s.total_raw_usd)),
        "totalMarginUsed": decimal_str(margin.usd(s.total_margin_used)),
    }


def asset_position(p: margin.PositionFigures) -> dict[str, Any]:
    src = p.src
    leverage: dict[str, Any] = {"type": "cross" if src.is_cross else "isolated", "value": src.leverage}
    if p.raw_usd is not None:
        leverage["rawUsd"] = decimal_str(margin.usd(p.raw_usd))
    funding = decimal_str(margin.usd(src.cum_funding))
    return {
        "type": "oneWay",
        "position": {
            "coin": src.coin,
            "szi": decimal_str(src.szi),
            "leverage": leverage,
            "entryPx": decimal_str(margin.price(src.entry_px)),
            "positionValue": decimal_str(margin.usd(p.position_value)),
            "unrealizedPnl": decimal_str(margin.usd(p.unrealized_pnl)),
            "returnOnEquity": decimal_str(margin.ratio(p.return_on_equity)),
            "liquidationPx": None if p.liquidation_px is None else decimal_str(margin.price(p.liquidation_px)),
            "marginUsed": decimal_str(margin.usd(p.margin_used)),
            "maxLeverage": src.max_leverage,
            "cumFunding": {"allTime": funding, "sinceOpen": funding, "sinceChange": funding},
        },
    }


def clearinghouse_state(figures: margin.AccountFigures, now_ms: int) -> dict[str, Any]:
    """§4.2.2, key order as the live capture."""
    return {
        "marginSummary": _summary(figures.margin_summary),
        "crossMarginSummary": _summary(figures.cross_summary),
        "crossMaintenanceMarginUsed": decimal_str(margin.usd(figures.cross_maintenance)),
        "withdrawable": decimal_str(margin.usd(figures.withdrawable)),
        "assetPositions": [asset_position(p) for p in figures.positions],
        "time": now_ms,
    }


def zero_state(now_ms: int) -> dict[str, Any]:
    """An unknown or agent address: the flat shape with zeros (§10.8)."""
    return clearinghouse_state(margin.account_figures(ZERO, ()), now_ms)
