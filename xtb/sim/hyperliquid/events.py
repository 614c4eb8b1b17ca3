"""Engine events → the venue's records and user-feed pushes (spec §5.4, §6.2, §10.12, §10.15).

Fills are recorded for each side that belongs to an account with an address (the synthetic market's
accounts have none), with `startPosition` from the user's running position, `crossed` for the taker,
and the fee rounded to the venue's decimals. An order ends with the venue's status for the engine's
reason: a cancel `canceled` (or the status the canceller chose, `scheduledCancel`), self-trade
prevention `selfTradeCanceled`, a reduce-only order the position no longer allows
`reduceOnlyCanceled`, an IOC remainder `canceled` (nothing filled: `iocCancelRejected`). Full fills,
ends and rejections push `orderUpdates`; partial fills only when `partial_fill_updates` is on.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_EVEN, Decimal

from xtb.model import Liquidity, OrderType, Side, TimeInForce
from xtb.sim.engine_types import (
    EngineEvent,
    FillView,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderResized,
    OrderStatus,
    OrderView,
    Reason,
    Trade,
)
from xtb.sim.hyperliquid import payloads
from xtb.sim.hyperliquid.state import VenueOrder
from xtb.sim.hyperliquid.venue import Venue

TIF_NAMES = {TimeInForce.GTC: "Gtc", TimeInForce.IOC: "Ioc", TimeInForce.POST_ONLY: "Alo", TimeInForce.FOK: "Ioc"}


def end_status(venue: Venue, order: VenueOrder, view: OrderView) -> str:
    """The venue's final status for an order the engine ended."""
    if view.status is OrderStatus.CANCELLED:
        return order.end_status or "canceled"
    reason = view.reason
    if reason is Reason.SELF_TRADE:
        return "selfTradeCanceled"
    if reason in (Reason.REDUCE_ONLY_NO_POSITION, Reason.REDUCE_ONLY_WOULD_INCREASE):
        return "reduceOnlyCanceled"
    if reason is Reason.REDUCE_ONLY_OVERSIZE:
        # capped at the position: what filled stays filled and the rest of the request ends, as an
        # IOC remainder does (§6.2, §10 item 15); never `filled` with size left (a client reading
        # filled = origSz - sz would count the capped part as filled)
        taker = order.tif in ("Ioc", "FrontendMarket")
        return venue.settings.ioc_partial_status if view.filled and taker else "reduceOnlyCanceled"
    if reason is Reason.POST_ONLY_WOULD_CROSS:
        return "badAloPxRejected"
    if reason is Reason.NO_LIQUIDITY:
        return "marketOrderNoLiquidityRejected"
    if reason is Reason.IOC_REMAINDER:
        return venue.settings.ioc_partial_status if view.filled else "iocCancelRejected"
    return "canceled"


class EventMapper:
    """Feeds every engine event into the venue's records, in engine order."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    def apply(self, event: EngineEvent) -> None:
        venue = self.venue
        if venue.state.observe(event.seq):
            venue.clear()
        if isinstance(event, Trade):
            self._trade(event)
        elif isinstance(event, OrderAccepted):
            self._accepted(event.order)
        elif isinstance(event, (OrderCancelled, OrderExpired)):
            self._ended(event.order, int(event.ts * 1000))
        elif isinstance(event, OrderResized):
            order = venue.state.by_engine.get(event.order.order_id)
            if order is not None:
                order.sz = event.order.size - event.order.filled

    def _accepted(self, view: OrderView) -> None:
        state = self.venue.state
        order = state.submitting.pop(view.account_id, None)
        if order is None:
            user = self.venue.address_of.get(view.account_id)
            if user is None:
                return  # the synthetic market's own accounts
            order = self._adopt(user, view)
        order.engine_id = view.order_id
        order.sz = view.size - view.filled
        state.by_engine[view.order_id] = order

    def _adopt(self, user: str, view: OrderView) -> VenueOrder:
        """An order placed on the engine without the venue's API (a test, the control API)."""
        venue = self.venue
        ts = int(view.created_ts * 1000)
        price = view.price if view.price is not None else venue.mark(view.market)
        tif = TIF_NAMES.get(view.time_in_force, "Gtc") if view.order_type is OrderType.LIMIT else "FrontendMarket"
        order = VenueOrder(
            oid=venue.state.new_oid(),
            user=user,
            coin=view.market,
            asset=venue.asset_of(view.market),
            is_buy=view.side is Side.BUY,
            limit_px=price,
            orig_sz=view.requested_size,
            sz=view.size,
            timestamp=ts,
            tif=tif,
            reduce_only=view.reduce_only,
            cloid=None,
        )
        order.set_status("open", ts)
        venue.state.user(user).add(order)
        return order

    def _trade(self, trade: Trade) -> None:
        venue = self.venue
        time_ms = int(trade.ts * 1000)
        tid = venue.state.new_tid()
        venue.record_trade(trade.market, trade.price, trade.size, time_ms, tid, trade.taker_side is Side.BUY)
        hash_ = "0x" + hashlib.sha256(f"hyperliquid-sim-trade-{tid}".encode()).hexdigest()
        for fill, view in ((trade.maker, trade.maker_order), (trade.taker, trade.taker_order)):
            self._fill(fill, view, time_ms, tid, hash_)

    def _fill(self, fill: FillView, view: OrderView, time_ms: int, tid: int, hash_: str) -> None:
        venue = self.venue
        user = venue.address_of.get(fill.account_id)
        if user is None:
            return
        book = venue.state.user(user)
        order = venue.state.by_engine.get(view.order_id)
        is_buy = fill.side is Side.BUY
        start = book.position(fill.market)
        book.positions[fill.market] = start + (fill.size if is_buy else -fill.size)
        if not book.positions[fill.market]:
            book.isolated_extra.pop(fill.market, None)  # the isolated margin went back with the close
        book.cum_volume += fill.price * fill.size
        quantum = Decimal(1).scaleb(-venue.settings.fee_decimals)
        rendered = payloads.fill(
            coin=fill.market,
            px=fill.price,
            sz=fill.size,
            is_buy=is_buy,
            time_ms=time_ms,
            start_position=start,
            closed_pnl=fill.realized_pnl,
            hash_=hash_,
            oid=order.oid if order is not None else 0,
            crossed=fill.liquidity is Liquidity.TAKER,
            fee=fill.fee.quantize(quantum, rounding=ROUND_HALF_EVEN),
            tid=tid,
            cloid=order.cloid if order is not None else None,
        )
        book.fills.append(rendered)
        venue.outbox.fill(user, rendered)
        if order is None:
            return
        order.filled = view.filled
        order.sz = view.size - view.filled
        if view.status is OrderStatus.FILLED:
            # a reduce-only order resized to the position fills less than it asked for: the rest of
            # the request ends `reduceOnlyCanceled` (§6.3), `sz` the part that never filled
            order.sz = order.orig_sz - view.filled
            order.set_status("filled" if not order.sz else "reduceOnlyCanceled", time_ms)
            venue.outbox.order_update(user, payloads.order_update(order))
        elif venue.settings.partial_fill_updates and view.is_open:
            venue.outbox.order_update(user, payloads.order_update(order))

    def _ended(self, view: OrderView, ts: int) -> None:
        venue = self.venue
        order = venue.state.by_engine.get(view.order_id)
        if order is None or not order.is_open:
            return
        order.filled = view.filled
        order.sz = view.size - view.filled
        order.set_status(end_status(venue, order, view), ts)
        venue.outbox.order_update(order.user, payloads.order_update(order))
