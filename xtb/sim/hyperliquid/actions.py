"""The `/exchange` actions once verified (spec §4.3): order, cancel, cancelByCloid, modify, batchModify,
scheduleCancel, updateLeverage, approveAgent, noop; updateIsolatedMargin, topUpIsolatedOnlyMargin
and approveBuilderFee are `margin_actions.py`'s.

Each returns the `{"status":"ok",...}` body or raises `HyperliquidError` for a top-level refusal (which
consumes no nonce and costs no budget). Nothing here awaits, so one action is one uninterrupted
sequence of engine calls and its pushes leave in one frame per user (`venue.Outbox`).

Modify is cancel-and-replace (§4.3.3): the new order is placed first (a new oid, the cloid of the new
wire), then the old one is cancelled, so `orderUpdates` carries `[new open, old canceled]` in one
frame (§10.13). A new order the checks refuse leaves the old one in place.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from xtb.sim.engine_types import AccountId, SimError
from xtb.sim.hyperliquid import payloads
from xtb.sim.hyperliquid.canonical import ParsedAction
from xtb.sim.hyperliquid.errors import HyperliquidError
from xtb.sim.hyperliquid.margin_actions import MarginActions
from xtb.sim.hyperliquid.orders import OrderDesk
from xtb.sim.hyperliquid.signers import ZERO_ADDRESS, Signers
from xtb.sim.hyperliquid.state import Agent, Leverage, UserBook, VenueOrder
from xtb.sim.hyperliquid.venue import Venue

DAY_MS = 86_400_000
MISSING_ORDER = "Order was never placed, already canceled, or filled."
DEFAULT = {"status": "ok", "response": {"type": "default"}}
_CENT = Decimal("0.01")


def batch_size(action: ParsedAction) -> int:
    """How many entries an action carries: its address-budget cost and its IP weight's batch."""
    c = action.canonical
    for key in ("orders", "cancels", "modifies"):
        if key in c:
            return max(1, len(c[key]))
    return 1


class Actions:
    def __init__(self, venue: Venue, signers: Signers) -> None:
        self.venue = venue
        self.signers = signers
        self.orders = OrderDesk(venue)
        self.margin = MarginActions(venue)
        self._handlers: dict[str, Callable[[str, AccountId, dict[str, Any]], dict[str, Any]]] = {
            "order": self.order,
            "cancel": self.cancel,
            "cancelByCloid": self.cancel_by_cloid,
            "modify": self.modify,
            "batchModify": self.batch_modify,
            "scheduleCancel": self.schedule_cancel,
            "updateLeverage": self.update_leverage,
            "updateIsolatedMargin": self.margin.update_isolated_margin,
            "topUpIsolatedOnlyMargin": self.margin.top_up_isolated_only_margin,
            "noop": lambda user, account, action: DEFAULT,
        }

    def run(self, user: str, account: AccountId, action: ParsedAction) -> dict[str, Any]:
        if action.kind == "approveAgent":
            return self.approve_agent(user, action.canonical)
        if action.kind == "approveBuilderFee":
            return self.margin.approve_builder_fee(user, action.canonical)
        entries = action.canonical.get("orders") or action.canonical.get("cancels") or action.canonical.get("modifies")
        if entries is not None and len(entries) > self.venue.settings.max_batch:
            raise HyperliquidError(f"Signed action over weight limit of {self.venue.settings.max_batch}.")
        return self._handlers[action.kind](user, account, action.canonical)

    # ------------------------------------------------------------------------------ orders

    def order(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        self.margin.check_builder(user, action.get("builder"))
        statuses = [self.orders.place(user, account, wire) for wire in action["orders"]]
        return {"status": "ok", "response": {"type": "order", "data": {"statuses": statuses}}}

    def cancel(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        book = self.venue.state.user(user)
        statuses = [self._cancel_one(account, book, book.orders.get(c["o"]), c["a"]) for c in action["cancels"]]
        return {"status": "ok", "response": {"type": "cancel", "data": {"statuses": statuses}}}

    def cancel_by_cloid(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        book = self.venue.state.user(user)
        statuses = [
            self._cancel_one(account, book, book.by_oid_or_cloid(c["cloid"]), c["asset"]) for c in action["cancels"]
        ]
        return {"status": "ok", "response": {"type": "cancel", "data": {"statuses": statuses}}}

    def _cancel_one(self, account: AccountId, book: UserBook, order: VenueOrder | None, asset: int) -> Any:
        if order is None or not order.is_open or order.asset != asset or not self.end(account, order, "canceled"):
            return {"error": self.venue.with_suffix(MISSING_ORDER, asset)}
        return "success"

    def end(self, account: AccountId, order: VenueOrder, status: str) -> bool:
        """Cancel a live order with `status`; False when it is already gone."""
        venue = self.venue
        if order.engine_id is None:  # a trigger order, never on the engine
            order.set_status(status, venue.now_ms())
            venue.outbox.order_update(order.user, payloads.order_update(order))
            return True
        order.end_status = status
        try:
            venue.engine.cancel(account, order.engine_id)
        except SimError:
            return False
        finally:
            order.end_status = None
        return True

    def modify(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        status = self._modify_one(user, account, action["oid"], action["order"], top_level=True)
        if isinstance(status, dict) and "error" in status:
            raise HyperliquidError(status["error"])
        return DEFAULT

    def batch_modify(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        statuses = [self._modify_one(user, account, m["oid"], m["order"], top_level=False) for m in action["modifies"]]
        return {"status": "ok", "response": {"type": "order", "data": {"statuses": statuses}}}

    def _modify_one(
        self, user: str, account: AccountId, ref: int | str, wire: dict[str, Any], *, top_level: bool
    ) -> Any:
        book = self.venue.state.user(user)
        old = book.by_oid_or_cloid(ref)
        if old is None or not old.is_open:
            if top_level:
                raise HyperliquidError("Cannot modify canceled or filled order")
            return {"error": "Cannot modify canceled or filled order"}
        status = self.orders.place(user, account, wire)
        if isinstance(status, dict) and "error" in status:
            return status
        self.end(account, old, "canceled")
        return status

    # ------------------------------------------------------------------------------ account

    def schedule_cancel(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        venue, settings = self.venue, self.venue.settings
        book = venue.state.user(user)
        when = action.get("time")
        if when is None:
            book.scheduled_cancel = None
            return DEFAULT
        if settings.schedule_cancel_volume_gate and book.cum_volume < settings.schedule_cancel_required_volume:
            required = format(settings.schedule_cancel_required_volume.normalize(), "f")
            raise HyperliquidError(
                f"Cannot set scheduled cancel time until enough volume traded. Required: ${required}. "
                f"Traded: ${book.cum_volume.quantize(_CENT)}."
            )
        now = venue.now_ms()
        if when < now + settings.schedule_cancel_min_delay_ms:
            raise HyperliquidError(settings.schedule_cancel_too_early_text)
        if book.schedule_day == now // DAY_MS and book.schedule_count >= settings.schedule_cancel_per_day:
            raise HyperliquidError(settings.schedule_cancel_too_many_text)
        book.scheduled_cancel = when
        return DEFAULT

    def fire_scheduled(self) -> None:
        """Cancel every open order of each user whose scheduled time has come (`scheduledCancel`)."""
        venue = self.venue
        now = venue.now_ms()
        for user, book in list(venue.state.users.items()):
            if book.scheduled_cancel is None or book.scheduled_cancel > now:
                continue
            book.scheduled_cancel = None
            day = now // DAY_MS
            book.schedule_count = book.schedule_count + 1 if book.schedule_day == day else 1
            book.schedule_day = day
            account = venue.account_of.get(user)
            if account is None:
                continue
            for order in book.open_orders():
                self.end(account, order, "scheduledCancel")

    def update_leverage(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        venue = self.venue
        market = venue.market_by_asset(action["asset"])
        if market is None or market.delisted:
            raise HyperliquidError(venue.settings.unknown_asset_text)
        value = action["leverage"]
        if not 1 <= value <= market.max_leverage:
            raise HyperliquidError(venue.settings.invalid_leverage_text)
        book = venue.state.user(user)
        current = venue.leverage(book, market)
        szi, _ = venue.position(account, market.name)
        if current.is_cross != action["isCross"] and szi:
            raise HyperliquidError("Cannot switch leverage type with open position.")
        book.leverage[market.name] = Leverage(action["isCross"], value)
        venue.outbox.account_changed(user)
        return DEFAULT

    def approve_agent(self, user: str, action: dict[str, Any]) -> dict[str, Any]:
        """§2.1: named agents (quota, `valid_until` suffix), the unnamed one, removal by the zero
        address. The pending-removal window is not modelled."""
        venue, settings = self.venue, self.venue.settings
        agent = action["agentAddress"]
        raw_name = action.get("agentName", "")
        name, _, until_text = raw_name.partition(" valid_until ")
        now = venue.now_ms()
        if until_text:
            if not until_text.isdigit():
                raise HyperliquidError("Invalid agent name.")
            valid_until = int(until_text)
            if valid_until <= now or valid_until > now + settings.agent_max_validity_days * DAY_MS:
                raise HyperliquidError("Agent valid_until already expired.")
        else:
            valid_until = now + settings.agent_validity_days * DAY_MS
        if len(name) > 16:
            raise HyperliquidError("Invalid agent name.")
        book = venue.state.user(user)
        current = self.signers.agents_of(user)
        if agent != ZERO_ADDRESS:
            if agent in venue.state.used_agents or self.signers.is_user(agent):
                raise HyperliquidError("Extra agent already used.")
            named = [n for n in current if n]
            if name and name not in current and len(named) >= settings.named_agents_limit:
                limit = settings.named_agents_limit
                raise HyperliquidError(f"Too many extra agents for cumulative volume traded. Current limit is {limit}")
        previous = current.get(name)
        self.signers.approve_agent(user, agent, name)
        if previous is not None:
            book.agents.pop(previous, None)
        if agent != ZERO_ADDRESS:
            venue.state.used_agents.add(agent)
            book.agents[agent] = Agent(agent, name, valid_until)
        return DEFAULT

    def agent_expired(self, signer: str) -> bool:
        """§10.9: an agent past its expiry plus the grace no longer signs."""
        master = self.signers.master_of(signer)
        if master is None:
            return False
        book = self.venue.state.known(master)
        agent = None if book is None else book.agents.get(signer)
        if agent is None:
            return False
        return self.venue.now_ms() > agent.valid_until + self.venue.settings.agent_expiry_grace_ms
