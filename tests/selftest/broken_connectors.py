"""Deliberately broken Backpack connectors, one per bug class the suite exists to catch.

Each reproduces a failure seen in real connectors. The self-test runs the conformance catalog
with each one on the simulator and expects a named scenario to fail.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from xtb.connectors.backpack import BackpackConnector, mapping
from xtb.errors import VenueRejected
from xtb.execution.tracker import OrderTracker
from xtb.model import Fill, OrderRequest, OrderSnapshot, OrderState, OrderType, Position, Source


class IgnoresPartialFills(BackpackConnector):
    """Treats a partly filled order as still untouched: fills are dropped, PARTIALLY_FILLED read as OPEN."""

    def _on_fill(self, fill: Fill) -> None:
        if self.orders.find(fill.client_id, fill.venue_id) is not None and fill.size:
            return None
        return super()._on_fill(fill)

    def _on_order_update(self, snap: OrderSnapshot) -> OrderTracker | None:
        if snap.state is OrderState.PARTIALLY_FILLED or (snap.state is OrderState.OPEN and snap.filled):
            snap = replace(snap, state=OrderState.OPEN, filled=snap.filled * 0)
        return super()._on_order_update(snap)

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        snap = await super()._fetch_order(symbol, client_id, venue_id)
        if snap.state is OrderState.PARTIALLY_FILLED:
            snap = replace(snap, state=OrderState.OPEN, filled=snap.filled * 0)
        return snap


class UnknownStatusIsOpen(BackpackConnector):
    """Maps a status it does not handle (Expired) to OPEN instead of raising."""

    async def start(self) -> None:
        original = mapping.order_state

        def lenient(status: Any, executed: Any, reason: Any = None) -> OrderState:
            return OrderState.OPEN if status == "Expired" else original(status, executed, reason)

        if not getattr(original, "lenient", False):
            lenient.lenient = True  # type: ignore[attr-defined]
            mapping.order_state = lenient  # the bug lives in the mapping (the self-test runs in its own process)
        await super().start()


class MarketFilledOnSubmit(BackpackConnector):
    """Marks a market order FILLED for its full size as soon as the POST returns."""

    async def _submit(self, request: Any) -> OrderSnapshot | None:
        ack = await super()._submit(request)
        if request.order_type is OrderType.MARKET and ack is not None:
            return replace(ack, state=OrderState.FILLED, filled=request.size)
        return ack


class NoPositions(BackpackConnector):
    """Reports no positions at all (an endpoint parsed as empty)."""

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        await super()._fetch_positions(symbol)
        return []


class DropsWsFills(BackpackConnector):
    """Never processes the stream's fill events (orderFill frames are skipped)."""

    async def _handle_account(self, frame: Any) -> None:
        data = frame.get("data") or {}
        if data.get("e") == "orderFill":
            return
        await super()._handle_account(frame)


class CancelsAccountWide(BackpackConnector):
    """Cancels one order by cancelling everything on the symbol."""

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        await self._cancel_all(tracker.symbol)
        return None


class LateUpdateOverwritesTerminal(BackpackConnector):
    """Applies order updates without the state machine: a late REST answer (read before the cancel,
    arriving after it) puts a cancelled order back to OPEN."""

    async def cancel_order(self, tracker: OrderTracker, *, wait: float | None = None) -> OrderTracker:
        stale = await self._fetch_order(tracker.symbol, tracker.client_id, tracker.venue_id)
        await super().cancel_order(tracker, wait=wait)
        tracker._state = stale.state  # the bug: no transition check
        tracker.views[Source.REST] = stale
        return tracker


# The scenario that must fail for each variant.
class CannotFlatten(BackpackConnector):
    """Every reduce-only order is refused locally, so nothing can close a position: the janitor is
    left with residue (used to check that one such bug is reported once, not once per scenario)."""

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        if request.reduce_only:
            raise VenueRejected("reduce-only orders refused by this broken connector", venue=self.venue)
        return await super()._submit(request)


EXPECTED_FAILURES: dict[str, str] = {
    "IgnoresPartialFills": "partial_fill_then_cancel",
    "UnknownStatusIsOpen": "reduce_only_without_position",
    "MarketFilledOnSubmit": "reduce_only_without_position",
    "NoPositions": "reduce_only_flatten",
    "DropsWsFills": "rest_ws_cross_check",
    "CancelsAccountWide": "cancel_resting",
    "LateUpdateOverwritesTerminal": "cancel_resting",
}
