"""One order of an `order` / `modify` / `batchModify` action: the venue's checks in its order (spec
§11.6), then the engine, then the per-order status (§4.3.1).

Checks: size decimals → price rule (≤ 5 significant figures unless an integer, ≤ 6 − szDecimals
decimals, and on the engine's tick) → the 80 % band around the mark → $10 minimum value (an order
closing the whole position is exempt, so is a reduce-only order larger than it, §3) → reduce-only
(no position or the wrong side) → post-only crossing (the message carries the bbo) → margin (§10.16).
A refused order still gets an oid and is queryable, and its `*Rejected` status is pushed (§10.11,
switch `rejected_orders_get_oid`).

Trigger orders (§6.1) are checked the same way, recorded and answered `waitingForTrigger`; the
simulator never triggers them (they rest until cancelled), and TP/SL groupings place each order on
its own (no `waitingForFill` parents).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from xtb.model import OrderType, Side, TimeInForce
from xtb.sim.engine_types import AccountId, OrderStatus, Reason
from xtb.sim.hyperliquid import margin, payloads
from xtb.sim.hyperliquid.settings import HyperliquidMarketDef
from xtb.sim.hyperliquid.state import Trigger, UserBook, VenueOrder
from xtb.sim.hyperliquid.venue import Venue
from xtb.sim.hyperliquid.wire import decimal_str

TIFS = {"Gtc": TimeInForce.GTC, "Ioc": TimeInForce.IOC, "FrontendMarket": TimeInForce.IOC, "Alo": TimeInForce.POST_ONLY}
AVG_PX = Decimal("0.00000001")
MAX_SIGNIFICANT = 5
PERP_MAX_DECIMALS = 6


class Refusal(Exception):
    """A per-order error: `text` for the status, `status` for the order's record."""

    def __init__(self, text: str, status: str) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def valid_price(px: Decimal, sz_decimals: int) -> bool:
    """§3: positive; an integer, or ≤ 5 significant figures; ≤ 6 − szDecimals decimals."""
    if px <= 0:
        return False
    if px == px.to_integral_value():
        return True
    digits = len(px.normalize().as_tuple().digits)
    return digits <= MAX_SIGNIFICANT and _decimals(px) <= PERP_MAX_DECIMALS - sz_decimals


def bbo_text(value: Decimal | None) -> str:
    """The bbo in the post-only message is written plain: `64143@64144`, `1789.7@1790.4` [obs]."""
    if value is None:
        return "None"
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class OrderDesk:
    """Places orders for a user; `place` answers one status entry."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    def place(self, user: str, account: AccountId, wire: dict[str, Any]) -> dict[str, Any] | str:
        """The status entry: `{"resting"}`, `{"filled"}`, `{"error"}` or `"waitingForTrigger"`."""
        venue = self.venue
        asset = wire["a"]
        market = venue.market_by_asset(asset)
        if market is None or market.delisted:
            return {"error": venue.with_suffix(venue.settings.unknown_asset_text, asset)}
        book = venue.state.user(user)
        order = self._record(user, book, market, wire)
        try:
            self._check(account, book, market, order, wire)
        except Refusal as refusal:
            self._reject(book, order, refusal.status)
            return {"error": refusal.text}
        if order.trigger is not None:
            order.oid = venue.state.new_oid()
            order.set_status("open", order.timestamp)
            book.add(order)
            venue.outbox.order_update(user, payloads.order_update(order))
            return "waitingForTrigger"
        return self._submit(user, account, book, market, order)

    # ------------------------------------------------------------------------------ steps

    def _record(self, user: str, book: UserBook, market: HyperliquidMarketDef, wire: dict[str, Any]) -> VenueOrder:
        kind = wire["t"]
        trig = kind.get("trigger")
        trigger = None
        if trig is not None:
            trigger = Trigger(trig["isMarket"], Decimal(trig["triggerPx"]), trig["tpsl"])
        size = Decimal(wire["s"])
        return VenueOrder(
            oid=0,
            user=user,
            coin=market.name,
            asset=wire["a"],
            is_buy=wire["b"],
            limit_px=Decimal(wire["p"]),
            orig_sz=size,
            sz=size,
            timestamp=self.venue.now_ms(),
            tif=None if trigger is not None else kind["limit"]["tif"],
            reduce_only=wire["r"],
            cloid=wire.get("c"),
            trigger=trigger,
        )

    def _check(
        self, account: AccountId, book: UserBook, market: HyperliquidMarketDef, order: VenueOrder, wire: dict[str, Any]
    ) -> None:
        venue, settings = self.venue, self.venue.settings
        asset, px, sz = order.asset, order.limit_px, order.orig_sz
        if sz == 0:
            raise Refusal("Order has zero size.", "rejected")
        if _decimals(sz) > market.sz_decimals:
            raise Refusal("Order has invalid size.", "rejected")
        tick = venue.with_suffix("Price must be divisible by tick size.", asset)
        if not valid_price(px, market.sz_decimals) or px % market.engine_tick:
            raise Refusal(tick, "tickRejected")
        if order.trigger is not None and not valid_price(order.trigger.trigger_px, market.sz_decimals):
            raise Refusal(venue.with_suffix("Invalid TP/SL price.", asset), "badTriggerPxRejected")
        reference = venue.mark(market.name)
        if reference and abs(px - reference) > settings.price_band * reference:
            percent = format((settings.price_band * 100).normalize(), "f")
            raise Refusal(f"Order price cannot be more than {percent}% away from the reference price", "rejected")
        szi, _ = venue.position(account, market.name)
        closing = szi != 0 and (szi > 0) != order.is_buy
        whole_close = closing and (sz == abs(szi) or (order.reduce_only and sz >= abs(szi)))
        if not whole_close and px * sz < settings.min_order_value:
            value = format(settings.min_order_value.normalize(), "f")
            raise Refusal(
                venue.with_suffix(f"Order must have minimum value of ${value}.", asset), "minTradeNtlRejected"
            )
        if order.reduce_only and not closing:
            raise Refusal(venue.with_suffix("Reduce only order would increase position.", asset), "reduceOnlyRejected")
        if order.tif == "Alo":
            top = venue.engine.top_of_book(market.name)
            crosses = (
                (top.ask is not None and px >= top.ask) if order.is_buy else (top.bid is not None and px <= top.bid)
            )
            if crosses:
                text = (
                    f"Post only order would have immediately matched, bbo was {bbo_text(top.bid)}@{bbo_text(top.ask)}."
                )
                raise Refusal(venue.with_suffix(text, asset), "badAloPxRejected")
        if order.reduce_only or order.trigger is not None:
            return
        lev = venue.leverage(book, market)
        grows = margin.increase(szi, order.is_buy, sz)
        if grows > 0:
            figures = venue.figures(order.user)
            free = figures.free_cross if figures is not None else Decimal(0)
            if settings.open_orders_reserve_margin:
                free -= sum(
                    (o.sz * o.limit_px / lev.value for o in book.open_orders() if not o.reduce_only), Decimal(0)
                )
            if free < grows * px / Decimal(lev.value):
                raise Refusal(venue.with_suffix("Insufficient margin to place order.", asset), "perpMarginRejected")

    def _reject(self, book: UserBook, order: VenueOrder, status: str) -> None:
        if not self.venue.settings.rejected_orders_get_oid:
            return
        order.oid = self.venue.state.new_oid()
        order.set_status(status, order.timestamp)
        book.add(order)
        self.venue.outbox.order_update(order.user, payloads.order_update(order))

    def _engine_client_id(self, account: AccountId, order: VenueOrder) -> str | None:
        """The cloid as the engine's client id, so the control API and its views name the order by
        what the client sent. The engine keeps client ids unique among live orders and the venue
        does not (§10 item 14): a cloid a live order already carries goes to the engine as none."""
        if order.cloid is None:
            return None
        live = self.venue.engine.order_by_client_id(account, order.cloid)
        return None if live is not None and live.is_open else order.cloid

    def _submit(
        self, user: str, account: AccountId, book: UserBook, market: HyperliquidMarketDef, order: VenueOrder
    ) -> dict[str, Any]:
        venue = self.venue
        order.oid = venue.state.new_oid()
        order.set_status("open", order.timestamp)
        book.add(order)
        venue.state.submitting[account] = order
        try:
            view = venue.engine.submit(
                account,
                market.name,
                Side.BUY if order.is_buy else Side.SELL,
                order.orig_sz,
                price=order.limit_px,
                order_type=OrderType.LIMIT,
                time_in_force=TIFS[order.tif or "Gtc"],
                reduce_only=order.reduce_only,
                client_id=self._engine_client_id(account, order),
            )
        finally:
            venue.state.submitting.pop(account, None)
        if view.status is OrderStatus.REJECTED:
            text, status = self._engine_refusal(view.reason, order.asset)
            order.set_status(status, order.timestamp)
            venue.outbox.order_update(user, payloads.order_update(order))
            return {"error": text}
        ident: dict[str, Any] = {"oid": order.oid}
        if order.cloid is not None:
            ident["cloid"] = order.cloid
        if view.is_open:
            venue.outbox.order_update(user, payloads.order_update(order))
            return {"resting": ident}
        if view.filled:
            avg = view.avg_price or Decimal(0)
            filled = {"totalSz": decimal_str(view.filled), "avgPx": decimal_str(avg.quantize(AVG_PX, ROUND_HALF_EVEN))}
            return {"filled": {**filled, **ident}}
        if order.tif in ("Ioc", "FrontendMarket"):
            text = "Order could not immediately match against any resting orders."
            return {"error": venue.with_suffix(text, order.asset)}
        return {"error": venue.with_suffix("Order was canceled before it could rest.", order.asset)}

    def _engine_refusal(self, reason: Reason | None, asset: int) -> tuple[str, str]:
        """The venue's words for a refusal the checks above should already have made."""
        venue = self.venue
        if reason in (Reason.PRICE_NOT_ON_TICK, Reason.INVALID_PRICE):
            return venue.with_suffix("Price must be divisible by tick size.", asset), "tickRejected"
        if reason in (Reason.SIZE_NOT_ON_STEP, Reason.INVALID_SIZE, Reason.BELOW_MIN_SIZE):
            return "Order has invalid size.", "rejected"
        if reason in (Reason.REDUCE_ONLY_NO_POSITION, Reason.REDUCE_ONLY_WOULD_INCREASE, Reason.REDUCE_ONLY_OVERSIZE):
            return venue.with_suffix("Reduce only order would increase position.", asset), "reduceOnlyRejected"
        if reason is Reason.POST_ONLY_WOULD_CROSS:
            top = venue.engine.top_of_book(venue.settings.markets[asset].name)
            text = f"Post only order would have immediately matched, bbo was {bbo_text(top.bid)}@{bbo_text(top.ask)}."
            return venue.with_suffix(text, asset), "badAloPxRejected"
        if reason is Reason.INSUFFICIENT_MARGIN:
            return venue.with_suffix("Insufficient margin to place order.", asset), "perpMarginRejected"
        return venue.with_suffix("Order rejected.", asset), "rejected"
