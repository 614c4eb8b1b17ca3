"""The order routes (spec §4.6-§4.8): create (an acknowledgement with `order_id "0x00"` and
`PENDING`; the outcome follows on the streams), cancel and cancel-all (`ack: true` at once),
`time_to_live_ms` pre-cancels, and the queries by order id or client order id, open orders and the
paginated order and fill histories.

Post-only orders reach the engine before the acknowledgement is sent (no speed bump); the others
after `speed_bump_ms`. Either way the acknowledgement shows what was accepted, never the outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from xtb.model import OrderType, TimeInForce
from xtb.sim.engine_types import AccountId, OrderStatus, SimError
from xtb.sim.grvt import admission, checks, query
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.auth import Ctx
from xtb.sim.grvt.builders import Builders
from xtb.sim.grvt.errors import GrvtError
from xtb.sim.grvt.feeds import Feeds
from xtb.sim.grvt.parts import Parts
from xtb.sim.grvt.query import page
from xtb.sim.grvt.state import OrderRecord

HOUSEKEEPING_S = 1.0
_TIF = {"GOOD_TILL_TIME": TimeInForce.GTC, "IMMEDIATE_OR_CANCEL": TimeInForce.IOC, "FILL_OR_KILL": TimeInForce.FOK}


class OrderDesk:
    def __init__(self, parts: Parts, feeds: Feeds, builders: Builders) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.markets = parts.markets
        self.state = parts.state
        self.accounts = parts.accounts
        self.settings = parts.settings
        self.clock = parts.clock
        self.feeds = feeds
        self.builders = builders
        self._next_housekeeping = 0.0
        self._timers: set[asyncio.TimerHandle] = set()
        self.pre_cancels: dict[tuple[AccountId, str], float] = {}  # (account, cid) → deadline (auth clock)

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    def _later(self, delay: float, callback: Any, *args: Any) -> None:
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def run() -> None:
            self._timers.discard(timer)
            callback(*args)

        timer = loop.call_later(delay, run)
        self._timers.add(timer)

    # -------------------------------------------------------------------------------- create

    async def create_order(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        assert ctx.main is not None
        order = checks.parse_order(body, self.markets)
        digest = await admission.verify(self.parts, order, ctx.main)
        account = self.accounts.by_sub_account(order.sub_account_id)
        assert account is not None
        now_ns = self.clock.now_ns()
        rec = self._record(order, account, now_ns)
        if self.state.seen(digest, now_ns):  # §2.7.8: a duplicate, ignored
            if self.settings.duplicate_payload == "reject":
                raise GrvtError(2012)
            return {"result": pl.order_json(rec, order_id="0x00")}
        admission.business(self.parts, self.builders, order, account)
        self.state.remember(digest, order.expiration, now_ns)
        self.state.add(rec)
        ack = {"result": pl.order_json(rec, order_id="0x00")}
        deadline = self.pre_cancels.pop((account, rec.client_order_id), None)
        if deadline is not None and deadline >= self.clock.now():
            rec.end_reason = "CLIENT_CANCEL"
            self.feeds.finish(rec, "CANCELLED", "CLIENT_CANCEL")  # cancelled before it reached the book
        elif order.post_only or not self.settings.speed_bump_ms:
            self.submit(rec)
        else:
            self._later(self.settings.speed_bump_ms / 1000, self.submit, rec)
        return ack

    def _record(self, order: checks.ParsedOrder, account: AccountId, now_ns: int) -> OrderRecord:
        builder = order.builder if order.builder is not None and checks.eip712.has_builder(order.builder) else None
        return OrderRecord(
            order_id=self.state.new_order_id(),
            account=account,
            sub_account_id=order.sub_account_id,
            instrument=order.market.instrument,
            is_buy=order.is_buy,
            size=order.size,
            limit_price=Decimal(0) if order.is_market else order.limit_price,
            is_market=order.is_market,
            time_in_force=order.time_in_force,
            post_only=order.post_only,
            reduce_only=order.reduce_only,
            client_order_id=order.client_order_id or "0",
            signature=order.signature_echo(),
            create_ns=now_ns,
            builder=builder.lower() if builder else pl.NO_BUILDER,
            builder_fee=order.builder_fee if builder else Decimal(0),
            expiration_ns=order.expiration,
        )

    def submit(self, rec: OrderRecord) -> None:
        """Hand the order to the engine; its events update the record silently, then the outcome
        of the whole operation is published as one update (a taker goes PENDING → FILLED)."""
        if rec.status != "PENDING":
            return
        tif = TimeInForce.POST_ONLY if rec.post_only else _TIF[rec.time_in_force]
        self.state.holding = rec
        try:
            view = self.engine.submit(
                rec.account, rec.instrument, rec.side, rec.size,
                price=None if rec.is_market else rec.limit_price,
                order_type=OrderType.MARKET if rec.is_market else OrderType.LIMIT,
                time_in_force=tif, reduce_only=rec.reduce_only, client_id=rec.client_order_id,
            )  # fmt: skip
        finally:
            self.state.holding = None
        if view.status is OrderStatus.REJECTED:  # the engine refused what the checks let through
            self.feeds.finish(rec, "REJECTED", self.feeds.refusal_reason(view))
            return
        self.feeds.settle(rec, view)

    # -------------------------------------------------------------------------------- cancel

    async def cancel_order(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        order_id, cid = _ids(body)
        ttl = self._ttl(body.get("time_to_live_ms"))
        rec = self._find(account, order_id, cid)
        if rec is not None and rec.active:
            self.cancel(rec, "CLIENT_CANCEL")
        elif (rec is None or not rec.active) and cid is not None and ttl:
            key = (account, cid)
            duplicate = key in self.pre_cancels
            self.pre_cancels[key] = self.clock.now() + ttl / 1000
            if duplicate:
                self.feeds.cancel_status(account, cid, "DROPPED_DUPLICATE")
            else:
                self._later(ttl / 1000, self._pre_cancel_expired, key)
        elif rec is None and self.settings.cancel_unknown == "not_found":
            raise GrvtError(1004)
        return {"result": {"ack": True}}

    def cancel(self, rec: OrderRecord, reason: str) -> None:
        """End an order on the book. "Before an order is open, it cannot be cancelled" (§6.1): one
        still in its speed bump carries on."""
        if rec.engine_id is None or rec.status != "OPEN":
            return
        rec.end_reason = reason
        try:
            self.engine.cancel(rec.account, rec.engine_id)
        except SimError:  # filled or ended meanwhile
            rec.end_reason = None

    def _pre_cancel_expired(self, key: tuple[AccountId, str]) -> None:
        deadline = self.pre_cancels.get(key)
        if deadline is not None and deadline <= self.clock.now() + 1e-3:
            del self.pre_cancels[key]
            self.feeds.cancel_status(key[0], key[1], "EXPIRED")

    def _ttl(self, value: Any) -> int:
        if value in (None, "", 0, "0"):
            return 0
        ttl = checks.uint(value, "time_to_live_ms", 2**31)
        if not self.settings.ttl_enabled:
            raise GrvtError(2300)
        if ttl > self.settings.ttl_max_ms:
            raise GrvtError(2301)
        return ttl // 100 * 100

    async def cancel_all_orders(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        for instrument in query.instruments(self.markets, body):
            for rec in self.state.orders(account):
                if rec.active and rec.engine_id is not None and rec.instrument == instrument:
                    rec.end_reason = "CLIENT_BULK_CANCEL"
            self.engine.cancel_all(account, instrument)
        return {"result": {"ack": True}}

    def cancel_everything(self, account: AccountId, reason: str) -> None:
        for rec in list(self.state.orders(account)):
            if rec.active:
                self.cancel(rec, reason)

    def housekeeping(self) -> None:
        """Once a second: resting orders whose signature expired are cancelled with EXPIRED."""
        now = self.clock.now()
        if now < self._next_housekeeping:
            return
        self._next_housekeeping = now + HOUSEKEEPING_S
        now_ns = self.clock.now_ns()
        for rec in list(self.state.records.values()):
            if rec.status == "OPEN" and rec.expiration_ns and rec.expiration_ns <= now_ns:
                self.cancel(rec, "EXPIRED")

    # ------------------------------------------------------------------------------- queries

    async def order(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        order_id, cid = _ids(body)
        rec = self._find(account, order_id, cid)
        if rec is None:
            raise GrvtError(1004)
        return {"result": pl.order_json(rec)}

    async def open_orders(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        wanted = set(query.instruments(self.markets, body))
        pending = self.settings.open_orders_include_pending
        rows = [
            pl.order_json(rec)
            for rec in self.state.orders(account, newest_first=False)
            if rec.instrument in wanted and (rec.status == "OPEN" or (pending and rec.status == "PENDING"))
        ]
        return {"result": rows}

    async def order_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        wanted = set(query.instruments(self.markets, body))
        string_ints = self.settings.string_ints_in_history
        rows = [
            (rec.update_ns, pl.order_json(rec, string_ints=string_ints))
            for rec in self.state.orders(account)
            if rec.instrument in wanted and not rec.active
        ]
        return page(rows, body)

    async def fill_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        wanted = set(query.instruments(self.markets, body))
        fills = reversed(self.state.fills.get(account, ()))
        rows = [(int(f["event_time"]), f) for f in fills if f["instrument"] in wanted]
        return page(rows, body)

    # ------------------------------------------------------------------------------ helpers

    def _find(self, account: AccountId, order_id: str | None, cid: str | None) -> OrderRecord | None:
        state = self.state
        if order_id is not None:
            rec = state.records.get(order_id.lower())
            return rec if rec is not None and rec.account == account else None
        assert cid is not None
        return state.by_cid(account, cid)  # the active order with that id, else the latest one


def _ids(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(order_id, client_order_id); an order id wins when both are given (§4.7, UNCONFIRMED)."""
    order_id = body.get("order_id")
    cid = body.get("client_order_id")
    if order_id in (None, "", "0x00", "0x0", "0"):
        order_id = None
    if cid in (None, "", "0", 0):
        cid = None
    if order_id is None and cid is None:
        raise GrvtError(3021)
    if order_id is not None and not isinstance(order_id, str):
        raise checks.malformed("order_id")
    if cid is not None:
        cid = str(checks.uint(cid, "client_order_id", checks.U64))
    return order_id, cid if order_id is None else None
