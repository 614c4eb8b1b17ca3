"""Flatten one symbol and prove it is flat, from the venue's own answers.

Scoped to the symbol, and by default to this run's orders (where the venue's client ids carry a
run tag): another strategy's resting orders on the same account are left alone. Positions are read
over REST, never from a stream cache, and a residue is an error that names it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from xtb.connectors.deadline import VenueDeadline
from xtb.errors import FlattenError, VenueRejected, WaitTimeout
from xtb.model import OrderSnapshot, Position
from xtb.orders.tracker import OrderTracker

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector

log = logging.getLogger(__name__)

Scope = Literal["run", "symbol"]


@dataclass
class FlattenResult:
    symbol: str
    position_before: Position
    position_after: Position
    cancelled: list[str] = field(default_factory=list)  # client ids (or venue ids) cancelled
    left_alone: list[str] = field(default_factory=list)  # open orders outside the scope
    close_orders: list[OrderTracker] = field(default_factory=list)


def _in_scope(connector: BaseConnector, snap: OrderSnapshot, scope: Scope) -> bool:
    if scope == "symbol" or not connector.client_ids.scoped:
        return True
    return connector.owns(snap.client_id)


async def cancel_open_orders(
    connector: BaseConnector, symbol: str, scope: Scope = "run"
) -> tuple[list[str], list[str]]:
    """Cancel (and confirm) each open order on `symbol` in scope; never cancel-all. What the venue
    lists decides, not what the connector believes (`track_listed`)."""
    cancelled, left = [], []
    for snap in await connector.get_open_orders(symbol):
        key = snap.client_id or snap.venue_id or "?"
        if snap.symbol != symbol:
            log.error("open orders of %s listed %s on %s: left alone", symbol, key, snap.symbol)
            left.append(key)
            continue
        if not _in_scope(connector, snap, scope):
            left.append(key)
            continue
        tracker = connector.track_listed(snap)
        await connector.cancel_order(tracker)
        cancelled.append(key)
    return cancelled, left


async def flatten(
    connector: BaseConnector,
    symbol: str,
    *,
    timeout: float = 30.0,
    poll_interval: float = 0.2,
    scope: Scope = "run",
    max_close_orders: int = 3,
) -> FlattenResult:
    """Cancel the symbol's open orders, close the position with reduce-only market orders, and
    re-read the position over REST until it is flat. Raises FlattenError with the residue."""
    deadline = VenueDeadline(connector, timeout)  # throttled by our own pacing is slow, not failed
    cancelled, left = await cancel_open_orders(connector, symbol, scope)
    before = position = await connector.get_position(symbol)
    result = FlattenResult(symbol, before, before, cancelled, left)
    market = await connector.get_market_info(symbol)
    while not position.is_flat:
        if len(result.close_orders) >= max_close_orders or deadline.expired:
            raise FlattenError(
                f"{connector.venue} {symbol}: position {position.size} remains after "
                f"{len(result.close_orders)} close orders",
                position=position,
            )
        side = position.side
        assert side is not None
        size = market.round_size(abs(position.size))
        if size < market.min_size or size == 0:
            raise FlattenError(
                f"{connector.venue} {symbol}: residue {position.size} is below the minimum size {market.min_size}",
                position=position,
            )
        try:
            tracker = await connector.submit_market_order(symbol, side.opposite, size, reduce_only=True)
        except VenueRejected as exc:
            raise FlattenError(
                f"{connector.venue} {symbol}: venue refused the reduce-only close of {position.size}: {exc}",
                position=position,
            ) from exc
        result.close_orders.append(tracker)
        try:
            await tracker.wait_final(deadline.remaining())
        except WaitTimeout:
            raise FlattenError(
                f"{connector.venue} {symbol}: close order {tracker.client_id} still {tracker.state.value}",
                position=position,
            ) from None
        if tracker.filled == 0:
            log.warning(
                "close order filled nothing venue=%s cid=%s reason=%s",
                connector.venue,
                tracker.client_id,
                tracker.reason,
            )
            position = await connector.get_position(symbol)
        else:
            position = await _await_position_change(connector, symbol, position, deadline, poll_interval)
    result.position_after = position
    log.info(
        "flattened venue=%s symbol=%s before=%s closes=%d",
        connector.venue,
        symbol,
        before.size,
        len(result.close_orders),
    )
    return result


async def _await_position_change(
    connector: BaseConnector, symbol: str, previous: Position, deadline: VenueDeadline, poll_interval: float
) -> Position:
    """Re-read the REST position until it moves from `previous` (the close landed) or time runs out."""
    while True:
        position = await connector.get_position(symbol)
        if position.size != previous.size or deadline.expired:
            return position
        await asyncio.sleep(poll_interval)  # REST has no change signal: poll


@dataclass
class ExposureReport:
    symbol: str
    rest_position: Position
    ws_position: Position | None
    open_orders: list[OrderSnapshot]
    live_trackers: list[OrderTracker]

    @property
    def is_flat(self) -> bool:
        return (
            self.rest_position.is_flat
            and (self.ws_position is None or self.ws_position.is_flat)
            and not self.open_orders
            and not self.live_trackers
        )


async def verify_flat(connector: BaseConnector, symbol: str, *, scope: Scope = "run") -> ExposureReport:
    """Zero exposure on `symbol`: no open orders in scope and a flat position, asked of the venue
    over REST and checked against the stream's view. Raises FlattenError naming the residue."""
    listed = await connector.get_open_orders(symbol)
    open_orders = [s for s in listed if s.symbol == symbol and _in_scope(connector, s, scope)]
    report = ExposureReport(
        symbol=symbol,
        rest_position=await connector.get_position(symbol),
        ws_position=connector.positions_ws.get(symbol),
        open_orders=open_orders,
        live_trackers=connector.orders.live(symbol),
    )
    if not report.is_flat:
        ws = report.ws_position.size if report.ws_position is not None else "n/a"
        raise FlattenError(
            f"{connector.venue} {symbol} not flat: REST position {report.rest_position.size}, WS position {ws}, "
            f"open orders {[o.client_id or o.venue_id for o in open_orders]}, "
            f"live tracked orders {[t.client_id for t in report.live_trackers]}",
            position=report.rest_position,
            open_orders=open_orders,
        )
    return report
