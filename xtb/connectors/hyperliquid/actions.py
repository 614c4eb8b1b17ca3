"""The `/exchange` actions the connector sends, built in the venue's struct order, and their answers
read entry by entry (spec §2.3, §4.3).

Wire: an order is `{a, b, p, s, r, t, c}` in that order (the msgpack the signature covers follows
it, hazard 3); `p`/`s` come from numbers.price_wire/size_wire, which refuse, never round; `t` is
`{"limit": {"tif": "Alo" | "Gtc" | "Ioc"}}` (post-only is Alo); grouping "na"; the cloid `c` is our
client id, lower-case. Cancels are `cancel` `{a, o}` by oid, or `cancelByCloid` `{asset, cloid}`.

Answers: `"status":"ok"` is not success (hazard 1). Each entry of `response.data.statuses` is a
result of its own: `{"resting":{oid}}`, `{"filled":{totalSz, avgPx, oid}}`, `{"error": text}`,
`"waitingForFill"` / `"waitingForTrigger"`, or for cancels `"success"`. A whole-request
`{"status":"err","response":text}` (pre-validation, nonce, signer, budget) fans out: every entry of
the batch gets that error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from xtb.connectors.hyperliquid import numbers
from xtb.connectors.hyperliquid.errors import TABLE
from xtb.connectors.hyperliquid.mapping import READ, asset_id
from xtb.connectors.parsing import clip
from xtb.errors import ConnectorError
from xtb.model import MarketInfo, OrderRequest, OrderSnapshot, OrderState, OrderType, Side, Source, TimeInForce

TIFS = {TimeInForce.POST_ONLY: "Alo", TimeInForce.GTC: "Gtc", TimeInForce.IOC: "Ioc"}
GROUPING = "na"


def order_wire(request: OrderRequest, market: MarketInfo, price: Decimal) -> dict[str, Any]:
    """One order entry, keys in the venue's struct order. `price` is the request's, or for a market
    order the slippage bound (connector). InvalidOrder when the venue would refuse the numbers."""
    tif = TIFS.get(request.time_in_force)
    if tif is None:
        raise READ.bad(f"time in force {request.time_in_force.value} has no Hyperliquid form (Gtc, Ioc, Alo only)")
    sz_decimals = market.size_decimals
    assert sz_decimals is not None  # set by MarketInfo
    wire: dict[str, Any] = {
        "a": asset_id(market),
        "b": request.side is Side.BUY,
        "p": numbers.price_wire(price, sz_decimals),
        "s": numbers.size_wire(request.size, sz_decimals),
        "r": request.reduce_only,
        "t": {"limit": {"tif": tif}},
        "c": request.client_id.lower(),
    }
    return wire


def order_action(orders: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"type": "order", "orders": [dict(o) for o in orders], "grouping": GROUPING}


def cancel_action(cancels: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """`cancel` by (asset, oid) pairs."""
    return {"type": "cancel", "cancels": [{"a": asset, "o": oid} for asset, oid in cancels]}


def cancel_by_cloid_action(asset: int, cloid: str) -> dict[str, Any]:
    return {"type": "cancelByCloid", "cancels": [{"asset": asset, "cloid": cloid.lower()}]}


def statuses(answer: Mapping[str, Any], count: int, expected_type: str) -> list[Any]:
    """The `count` per-entry results of an `/exchange` answer; a whole-request `err` becomes
    `{"error": text}` for every entry (the batch fan-out)."""
    if answer.get("status") == "err":
        return [{"error": answer["response"]}] * count
    response = READ.field(answer, "response", "exchange answer")
    kind = READ.field(response, "type", "exchange response")
    if kind != expected_type:
        raise READ.bad(f"exchange response type {clip(kind)}, expected {expected_type!r}")
    entries = READ.rows(READ.field(READ.field(response, "data", "exchange response"), "statuses", "data"), "statuses")
    if len(entries) != count:
        raise READ.bad(f"{len(entries)} statuses for {count} entries: {clip(entries)}")
    return entries


def entry_error(entry: Any, request: str) -> ConnectorError | None:
    """The error a `{"error": text}` entry means (the table's, by its prefix), else None."""
    if isinstance(entry, Mapping) and "error" in entry:
        text = READ.text(entry["error"], f"{request} error")
        return TABLE.error(request, 200, None, text)
    return None


def order_result(entry: Any, request: OrderRequest) -> OrderSnapshot | None:
    """The snapshot one order's result states; raises the table's error for `{"error": …}`."""
    error = entry_error(entry, "POST /exchange order")
    if error is not None:
        raise error
    if entry in ("waitingForFill", "waitingForTrigger"):  # conditional orders: live, no oid yet
        return OrderSnapshot(
            request.symbol,
            OrderState.OPEN,
            Source.REST,
            client_id=request.client_id,
            venue_status=entry,
            filled_stated=False,
        )
    if not isinstance(entry, Mapping) or len(entry) != 1 or next(iter(entry)) not in ("resting", "filled"):
        raise READ.bad(f"unknown order result {clip(entry)}")
    kind, body = next(iter(entry.items()))
    oid = READ.ident(READ.field(body, "oid", kind), f"{kind} oid")
    common = {
        "client_id": request.client_id,
        "venue_id": oid,
        "side": request.side,
        "size": request.size,
        "price": request.price,
        "venue_status": kind,
        "raw": dict(body),
    }
    if kind == "resting":
        return OrderSnapshot(request.symbol, OrderState.OPEN, Source.REST, **common)
    total = READ.positive(READ.field(body, "totalSz", kind), "filled totalSz")
    average = READ.positive(READ.field(body, "avgPx", kind), "filled avgPx")
    if total > request.size:
        raise READ.bad(f"filled totalSz {total} is more than the order's size {request.size}")
    if total == request.size:
        state = OrderState.FILLED
    elif request.time_in_force is TimeInForce.IOC or request.order_type is OrderType.MARKET:
        state = OrderState.CANCELLED  # the IOC remainder (or a reduce-only capped at the position) ended
    else:
        state = OrderState.PARTIALLY_FILLED
    return OrderSnapshot(request.symbol, state, Source.REST, filled=total, avg_fill_price=average, **common)


def cancel_result(entry: Any) -> None:
    """`"success"`, or the table's error (`Order was never placed…` → OrderNotFound)."""
    error = entry_error(entry, "POST /exchange cancel")
    if error is not None:
        raise error
    if entry != "success":
        raise READ.bad(f"unknown cancel result {clip(entry)}")
