"""Engine events in GRVT's words (spec §6): order records move PENDING → OPEN → FILLED / CANCELLED
or end REJECTED with the venue's reject reason, each change goes out on `v1.order` and `v1.state`,
each execution on `v1.fill` (and the public `v1.trade` / `v1.candle`), each position change on
`v1.position`.

"Once an order is open, it cannot be rejected": an order that rested ends CANCELLED whatever ended
it; one that never rested and did not fill completely ends REJECTED with the reason (IOC / FOK /
market remainders per `tif_ending_status`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xtb.model import Side
from xtb.sim.engine_types import (
    AccountId,
    BalanceChanged,
    BookChanged,
    EngineEvent,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderResized,
    OrderStatus,
    OrderView,
    PositionChanged,
    PositionView,
    Reason,
    Trade,
)
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.fanout import Fanout
from xtb.sim.grvt.ledger import Ledger
from xtb.sim.grvt.parts import Parts
from xtb.sim.grvt.state import OrderRecord, TapeTrade

ENDINGS = {
    Reason.POST_ONLY_WOULD_CROSS: "FAIL_POST_ONLY",
    Reason.IOC_REMAINDER: "IOC_CANCEL",
    Reason.NO_LIQUIDITY: "MARKET_CANCEL",
    Reason.SLIPPAGE_LIMIT: "MARKET_CANCEL",
    Reason.FOK_NOT_FILLABLE: "FOK_CANCEL",
    Reason.SELF_TRADE: "SELF_TRADE_PROTECTION",
    Reason.REDUCE_ONLY_OVERSIZE: "REDUCE_ONLY_LIMIT",
    Reason.REDUCE_ONLY_NO_POSITION: "REDUCE_ONLY_LIMIT",
    Reason.REDUCE_ONLY_WOULD_INCREASE: "FAIL_REDUCE_ONLY",
    Reason.USER_CANCEL: "CLIENT_CANCEL",
    Reason.CANCEL_ALL: "CLIENT_BULK_CANCEL",
    Reason.DUPLICATE_CLIENT_ID: "OVERLAPPING_CLIENT_ORDER_ID",
    Reason.INSUFFICIENT_MARGIN: "BELOW_MARGIN",  # §6: the asynchronous form of 2080
    Reason.UNKNOWN_MARKET: "INSTRUMENT_INVALID",
    Reason.UNKNOWN_ACCOUNT: "SUB_ACCOUNT_NOT_FOUND",
}
TIF_ENDINGS = frozenset({"IOC_CANCEL", "FOK_CANCEL", "AON_CANCEL", "MARKET_CANCEL"})
# Reasons grvt-pysdk 0.2.1's enum lacks (§9.13): shown only with `full_reject_reasons`.
NEW_REASONS = frozenset({
    "INVALID_CHAIN_ID", "BUILDER_ORDER_FEE_EXCEED", "BUILDER_ORDER_FEE_NEGATIVE",
    "BUILDER_ORDER_BUILDER_NOT_AUTHORIZED", "BUILDER_ORDER_BUILDER_NOT_EXIST",
    "TRADE_PRICE_WORSE_THAN_BANKRUPTCY_PRICE", "TOO_MANY_MAKER_ORDERS", "REDUCE_ONLY_NOT_SUPPORTED_FOR_SPOT_ORDER",
    "TPSL_NOT_SUPPORTED_FOR_SPOT_ORDER", "SPOT_ORDER_NOT_SUPPORTED", "INSUFFICIENT_BALANCE",
    "SPOT_TRADING_BLOCKED_DURING_SOCIALIZED_LOSS", "BELOW_MARGIN_WITH_PENALTY_DEVIATION",
})  # fmt: skip


class Feeds:
    def __init__(self, parts: Parts, fanout: Fanout, ledger: Ledger) -> None:
        self.engine = parts.engine
        self.state = parts.state
        self.accounts = parts.accounts
        self.settings = parts.settings
        self.clock = parts.clock
        self.figures = parts.figures
        self.fanout = fanout
        self.ledger = ledger

    # ------------------------------------------------------------------------ engine events

    def on_engine_event(self, event: EngineEvent) -> None:
        self.state.observe(event.seq)
        kind = type(event)
        if kind is BookChanged:
            self.fanout.book_changed(event)  # type: ignore[arg-type]
        elif kind is Trade:
            self._trade(event)  # type: ignore[arg-type]
        elif kind is OrderAccepted or kind is OrderCancelled or kind is OrderExpired or kind is OrderResized:
            self._order(event.order)  # type: ignore[attr-defined]
        elif kind is PositionChanged:
            self._position(event.position)  # type: ignore[attr-defined]
        elif kind is BalanceChanged:
            self.ledger.on_balance(event)  # type: ignore[arg-type]

    def _record(self, view: OrderView) -> OrderRecord | None:
        """The venue record of an engine order: the one being submitted, a known one, or (for an
        order a test placed on the engine directly) a new one without a signature."""
        state = self.state
        rec = state.by_engine_id(view.order_id)
        if rec is not None or not self.accounts.known(view.account_id):
            return rec
        holding = state.holding
        if holding is not None and holding.engine_id is None and holding.account == view.account_id:
            state.link(holding, view.order_id)
            return holding
        rec = OrderRecord(
            order_id=state.new_order_id(), account=view.account_id,
            sub_account_id=self.accounts.sub_of(view.account_id), instrument=view.market,
            is_buy=view.side is Side.BUY, size=view.size, limit_price=view.price or Decimal(0),
            is_market=view.price is None, time_in_force="GOOD_TILL_TIME", post_only=False,
            reduce_only=view.reduce_only, client_order_id=str(view.client_id or 0), signature={},
            create_ns=round(view.created_ts * 1e9),
        )  # fmt: skip
        state.add(rec)
        state.link(rec, view.order_id)
        return rec

    def _order(self, view: OrderView) -> None:
        rec = self._record(view)
        if rec is None:
            return
        rec.follow(view)
        if rec is not self.state.holding:  # the desk publishes the outcome of its own submit
            self.settle(rec, view)

    def _trade(self, event: Trade) -> None:
        state = self.state
        taker = self._record(event.taker_order)
        trade_id = state.trade_id(event.trade_id, taker, event.taker_order.order_id)
        tape = TapeTrade(event.ts, trade_id, event.price, event.size, event.taker_side is Side.BUY)
        tapes = state.tapes.get(event.market)
        if tapes is not None:
            tapes.append(tape)
        mark = self.figures.mark_price(event.market)
        self.fanout.trade(event.market, tape, mark)
        at = pl.ns(event.ts)
        for fill, view, rec in ((event.taker, event.taker_order, taker), (event.maker, event.maker_order, None)):
            rec = rec or self._record(view)
            if rec is None:
                continue
            rec.follow(view)
            body = pl.fill_json(rec, trade_id, fill.price, fill.size, fill.fee, fill is event.taker,
                                fill.realized_pnl, mark, at)  # fmt: skip
            state.add_fill(rec.account, body, fill.fee)
            self.fanout.publish_private("v1.fill", rec.sub_account_id, rec.instrument, body)
            if rec is not state.holding:
                self.settle(rec, view)

    def _position(self, position: PositionView) -> None:
        if not self.accounts.known(position.account_id):
            return
        figures = self.figures.position(position)
        if figures is not None:
            body = pl.position_json(figures, pl.ns(self.engine.clock.time()))
            self.fanout.publish_private("v1.position", figures.sub_account_id, position.market, body)

    # --------------------------------------------------------------------------- outcomes

    def settle(self, rec: OrderRecord, view: OrderView) -> None:
        """Publish the record as the engine's view of it says."""
        rec.follow(view)
        status, reason = self.venue_status(rec, view)
        if status == "OPEN":
            rec.rested = True
        self._publish(rec, status, reason)

    def finish(self, rec: OrderRecord, status: str, reason: str) -> None:
        """End an order the engine never held (a pre-cancel, a refusal after the acknowledgement)."""
        self._publish(rec, status, reason)

    def venue_status(self, rec: OrderRecord, view: OrderView) -> tuple[str, str]:
        status = view.status
        if status.is_open:
            return "OPEN", "UNSPECIFIED"
        if status is OrderStatus.FILLED:
            return "FILLED", "UNSPECIFIED"
        reason = rec.end_reason or (ENDINGS.get(view.reason, "UNSPECIFIED") if view.reason else "UNSPECIFIED")
        if status is OrderStatus.CANCELLED or rec.rested:
            return "CANCELLED", reason
        if reason in TIF_ENDINGS:
            return self.settings.tif_ending_status, reason
        return "REJECTED", reason

    @staticmethod
    def refusal_reason(view: OrderView) -> str:
        return ENDINGS.get(view.reason, "INVALID_ORDER_TYPE") if view.reason else "INVALID_ORDER_TYPE"

    def _publish(self, rec: OrderRecord, status: str, reason: str) -> None:
        if reason in NEW_REASONS and not self.settings.full_reject_reasons:
            reason = "UNSPECIFIED"
        rec.status, rec.reject_reason = status, reason
        shown = (status, reason, rec.traded, rec.size)
        if shown == rec.published:
            return
        rec.published = shown
        rec.update_ns = max(rec.update_ns + 1, self.clock.now_ns())
        self.fanout.publish_private("v1.order", rec.sub_account_id, rec.instrument, pl.order_json(rec))
        state_feed = {"order_id": rec.order_id, "client_order_id": rec.client_order_id,
                      "order_state": pl.state_json(rec)}  # fmt: skip
        self.fanout.publish_private("v1.state", rec.sub_account_id, rec.instrument, state_feed)

    def cancel_status(self, account: AccountId, client_order_id: str, status: str) -> None:
        """A `v1.cancel` outcome of a `time_to_live_ms` cancel."""
        sub = self.accounts.sub_of(account)
        body: dict[str, Any] = {
            "sub_account_id": sub, "client_order_id": client_order_id, "order_id": "0x00",
            "reason": "CLIENT_CANCEL", "update_time": str(self.clock.now_ns()), "cancel_status": status,
        }  # fmt: skip
        self.fanout.publish_private("v1.cancel", sub, None, body)
