"""Bugs a tired engineer writes in the shared part of a connector, as mixins over any venue's class.

Each mixin reproduces one failure seen in real connectors, by overriding the hooks and callbacks a
connector built on `BaseConnector` has (never a venue's internals), so the same bug runs on every
venue: `BROKEN[venue][name]` is the venue's connector class with the bug. The self-test runs the
catalog with each and expects the scenario named in `EXPECTED_FAILURES` to fail.

The classes are module attributes (`Backpack_NoPositions`, ...) so `--venue-connector
backpack=tests.selftest.shared_bugs:Backpack_NoPositions` can load them.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from xtb.connectors import CONNECTORS, load_connector_class
from xtb.connectors.backpack import BackpackConnector
from xtb.connectors.base import BaseConnector
from xtb.errors import OrderNotFound, VenueRejected
from xtb.model import Fill, OrderRequest, OrderSnapshot, OrderState, OrderType, Position, Source, TimeInForce
from xtb.orders.tracker import OrderTracker

# every built-in venue: a venue joins the self-test by being built in (its own bugs, if any, go in
# tests/selftest/venues/VENUE.py)
VENUES: dict[str, type[BaseConnector]] = {name: load_connector_class(name) for name in CONNECTORS}


class IgnoresPartialFills:
    """Treats a partly filled order as untouched: its fills are dropped, PARTIALLY_FILLED read as OPEN."""

    def _on_fill(self, fill: Fill) -> None:
        if self.orders.find(fill.client_id, fill.venue_id) is not None:  # type: ignore[attr-defined]
            return None
        return super()._on_fill(fill)  # type: ignore[misc]

    def _on_order_update(self, snap: OrderSnapshot) -> OrderTracker | None:
        return super()._on_order_update(_untouched(snap))  # type: ignore[misc]

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        return _untouched(await super()._fetch_order(symbol, client_id, venue_id))  # type: ignore[misc]

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        return []


def _untouched(snap: OrderSnapshot) -> OrderSnapshot:
    if snap.state is OrderState.PARTIALLY_FILLED or (snap.state is OrderState.OPEN and snap.filled):
        return replace(snap, state=OrderState.OPEN, filled=snap.filled * 0, avg_fill_price=None)
    return snap


class MarketFilledOnSubmit:
    """Marks a market order FILLED for its full size as soon as the venue accepts it."""

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        ack = await super()._submit(request)  # type: ignore[misc]
        if request.order_type is OrderType.MARKET:
            base = ack or OrderSnapshot(request.symbol, OrderState.OPEN, Source.REST, client_id=request.client_id)
            return replace(base, state=OrderState.FILLED, filled=request.size, side=request.side, size=request.size)
        return ack


class NoPositions:
    """Reports no positions at all (the endpoint's answer parsed as empty)."""

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        await super()._fetch_positions(symbol)  # type: ignore[misc]
        return []


class DropsStreamFills:
    """Never processes the stream's fill messages (only order states)."""

    def _on_fill(self, fill: Fill) -> None:
        return None


class CancelsAccountWide:
    """Cancels one order by cancelling everything on the symbol."""

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        await self._cancel_all(tracker.symbol)  # type: ignore[attr-defined]
        return None


class LateUpdateOverwritesTerminal:
    """Applies order updates without the state machine: a REST answer read before the cancel and
    applied after it puts the cancelled order back to OPEN."""

    async def cancel_order(self, tracker: OrderTracker, *, wait: float | None = None) -> OrderTracker:
        stale = await self._fetch_order(tracker.symbol, tracker.client_id, tracker.venue_id)  # type: ignore[attr-defined]
        await super().cancel_order(tracker, wait=wait)  # type: ignore[misc]
        tracker._state = stale.state  # the bug: no transition check
        tracker.views[Source.REST] = stale
        return tracker


class UnsignedRestPosition:
    """Class 10: the REST position's magnitude is read and its sign (or side field) dropped, so a
    short reads as a long of the same size."""

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        return [replace(p, size=abs(p.size)) for p in await super()._fetch_positions(symbol)]  # type: ignore[misc]


class UnsignedStreamPosition:
    """Class 10: the same on the stream: a position message loses its sign, so the stream's view
    of a short is a long (REST stays right)."""

    def _on_position(self, position: Position) -> None:
        if position.source is Source.WS:
            position = replace(position, size=abs(position.size))
        super()._on_position(position)  # type: ignore[misc]


class RestPositionFromStream:
    """Class 2: the "REST" position is answered from the stream's cache, so a lost position
    update is never noticed."""

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        cached = self.positions_ws.values()  # type: ignore[attr-defined]
        return [replace(p, source=Source.REST) for p in cached if symbol is None or p.symbol == symbol]


class PeriodicCheckOnlyOpen:
    """Class 3: the periodic REST check re-reads OPEN orders only, so a partly filled order whose
    next fill message is lost is never re-read."""

    async def _reconcile_periodically(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval / 2)
            for tracker in self.orders.live():  # type: ignore[attr-defined]
                if tracker.state is OrderState.OPEN:
                    try:
                        await self.refresh_order(tracker)  # type: ignore[attr-defined]
                    except OrderNotFound:
                        pass


class CancelDoneOnAck:
    """Class 5: a cancel is taken as done once the venue answered it (an ack, or "not found"),
    without a confirmed terminal state."""

    async def cancel_order(self, tracker: OrderTracker, *, wait: float | None = None) -> OrderTracker:
        if tracker.is_terminal:
            return tracker
        tracker.mark_cancelling()
        try:
            await self._cancel(tracker)  # type: ignore[attr-defined]
        except OrderNotFound:
            pass
        done = OrderSnapshot(
            tracker.symbol,
            OrderState.CANCELLED,
            Source.REST,
            client_id=tracker.client_id,
            venue_id=tracker.venue_id,
            filled=tracker.filled,
        )
        tracker.apply(done)
        return tracker


class OwnsEveryOrder:
    """Class 6: the ownership check accepts any client id, so adoption and cleanup take over
    orders this run did not place."""

    def owns(self, client_id: str | None) -> bool:
        return client_id is not None


class SymbolFilterDropped:
    """Class 7: open orders are listed, and cancel-all sent, for every market instead of the one asked."""

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        return await super()._fetch_open_orders(None)  # type: ignore[misc]

    async def _cancel_all(self, symbol: str) -> int:
        total = 0
        for market in await self._load_markets():  # type: ignore[attr-defined]
            total += await super()._cancel_all(market)  # type: ignore[misc]
        return total


class EndedWithFillIsFailed:
    """Class 8: an order the venue ends on its own after part of it filled (self-trade
    prevention, a late rejection) is mapped to FAILED, which says nothing filled."""

    def _on_order_update(self, snap: OrderSnapshot) -> OrderTracker | None:
        return super()._on_order_update(self._failed(snap))  # type: ignore[misc]

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        return self._failed(await super()._fetch_order(symbol, client_id, venue_id))  # type: ignore[misc]

    def _failed(self, snap: OrderSnapshot) -> OrderSnapshot:
        tracker = self.orders.find(snap.client_id, snap.venue_id)  # type: ignore[attr-defined]
        cancelling = tracker is not None and tracker.state is OrderState.CANCELLING
        if snap.state is OrderState.CANCELLED and snap.filled and not cancelling:
            return replace(snap, state=OrderState.FAILED)
        return snap


class NoFillRecovery:
    """Class 9: a private-stream gap is recovered only in part: the order's state is re-read, but
    a lost fill record never comes back."""

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        return []


class FilledFromLastFill:
    """Class 11: the filled quantity is taken from the last execution's size, not the cumulative
    one (each fill message read as the order's state; the order messages' cumulative filled
    overwritten by it)."""

    def _on_fill(self, fill: Fill) -> None:
        self._last_fill = fill.size
        tracker = self.orders.find(fill.client_id, fill.venue_id)  # type: ignore[attr-defined]
        if tracker is not None and not tracker.is_terminal:
            state = OrderState.FILLED if fill.size >= tracker.size else OrderState.PARTIALLY_FILLED
            snap = OrderSnapshot(fill.symbol, state, fill.source, client_id=tracker.client_id, filled=fill.size)
            self._apply(tracker, snap)  # type: ignore[attr-defined]

    def _on_order_update(self, snap: OrderSnapshot) -> OrderTracker | None:
        last = getattr(self, "_last_fill", None)
        if last is not None and snap.filled > last and snap.state is not OrderState.FILLED:
            snap = replace(snap, filled=last, avg_fill_price=None)
        return super()._on_order_update(snap)  # type: ignore[misc]

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        return []


class FillIdFromOrderId:
    """Class 11: a fill's id is derived from its order's id, so a second execution of the same
    order is dropped as a duplicate of the first."""

    def _on_fill(self, fill: Fill) -> None:
        return super()._on_fill(replace(fill, trade_id=f"fill-{fill.venue_id or fill.client_id}"))  # type: ignore[misc]

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        fills = await super()._fetch_fills(symbol, client_id, venue_id)  # type: ignore[misc]
        return [replace(f, trade_id=f"fill-{f.venue_id or f.client_id}") for f in fills]


class RestingOrderMarkedFailed:
    """A post-only ack mapped to FAILED while the order rests on the venue: the janitor must still
    cancel it (the venue lists it open) and say that the connector disagreed."""

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        ack = await super()._submit(request)  # type: ignore[misc]
        if request.time_in_force is TimeInForce.POST_ONLY:
            raise VenueRejected("post-only order refused (misread ack)", venue=self.venue)  # type: ignore[attr-defined]
        return ack


class CannotFlatten:
    """Every reduce-only order is refused locally, so nothing can close a position: the janitor is
    left with residue (the verdict tests check that one such bug is reported once, as blocked
    scenarios after it, not once per scenario). Not in the kill table: it is a residue maker."""

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        if request.reduce_only:
            raise VenueRejected("reduce-only orders refused by this broken connector", venue=self.venue)  # type: ignore[attr-defined]
        return await super()._submit(request)  # type: ignore[misc]


class BackpackCannotFlatten(CannotFlatten, BackpackConnector):
    __doc__ = CannotFlatten.__doc__


#: mixin name → the scenario that must fail with it, on every venue.
EXPECTED_FAILURES: dict[str, str] = {
    "IgnoresPartialFills": "partial_fill_then_cancel",
    "MarketFilledOnSubmit": "reduce_only_without_position",
    "NoPositions": "reduce_only_flatten",
    "DropsStreamFills": "post_top_of_book",
    "CancelsAccountWide": "cancel_resting",
    "LateUpdateOverwritesTerminal": "cancel_resting",
    "UnsignedRestPosition": "position_with_resting_orders",
    "UnsignedStreamPosition": "position_with_resting_orders",
    "RestPositionFromStream": "lost_position_update",
    "PeriodicCheckOnlyOpen": "lost_fill_message",
    "CancelDoneOnAck": "cancel_races_fill",
    "OwnsEveryOrder": "foreign_orders_left_alone",
    "SymbolFilterDropped": "foreign_orders_left_alone",
    "EndedWithFillIsFailed": "refusal_after_partial_fill",
    "NoFillRecovery": "lost_fill_message",
    "FilledFromLastFill": "fills_in_several_trades",
    "FillIdFromOrderId": "fills_in_several_trades",
    "RestingOrderMarkedFailed": "cancel_resting",
}

#: (venue, mixin) → the scenario that catches it there instead (None: the bug cannot occur on
#: that venue), and why.
VENUE_EXPECTATIONS: dict[tuple[str, str], str | None] = {
    # Aster refuses a reduce-only order without a position at submit (-2022): there is no ack to
    # misread; the bug shows when a reduce-only market order larger than the position is accepted.
    ("aster", "MarketFilledOnSubmit"): "reduce_only_oversize",
    # Hyperliquid too refuses a reduce-only order without a position at submit ("Reduce only order
    # would increase position."); one larger than the position is accepted and filled up to it.
    ("hyperliquid", "MarketFilledOnSubmit"): "reduce_only_oversize",
    # GRVT refuses at submit every market order it would not fill in full (reduce-only without a
    # position: 2401, larger than the position: 2402), so no accepted market order ever ends short
    # of its size for this bug to misread: it cannot make a GRVT connector report a wrong fill.
    ("grvt", "MarketFilledOnSubmit"): None,
}


def expected_scenario(venue: str, mixin: str) -> str | None:
    return VENUE_EXPECTATIONS.get((venue, mixin), EXPECTED_FAILURES[mixin])


MIXINS: dict[str, type] = {name: globals()[name] for name in EXPECTED_FAILURES}

BROKEN: dict[str, dict[str, type[BaseConnector]]] = {}
for _venue, _base in VENUES.items():
    for _name, _mixin in MIXINS.items():
        _class_name = f"{_venue.capitalize()}_{_name}"
        _cls: Any = type(_class_name, (_mixin, _base), {"__doc__": _mixin.__doc__, "__module__": __name__})
        globals()[_class_name] = _cls
        BROKEN.setdefault(_venue, {})[_name] = _cls
