"""Stream updates of an order whose `create_order` call has not returned yet, held until it has.

Why: GRVT's private socket can deliver an order's OPEN (or REJECTED, or a fill) before the REST
call that created it answers. Applied first, the stream's view would precede the PENDING
acknowledgement and the acknowledgement would then read as a step back. The private stream routes
every order update and fill through here; the submit opens a hold for its client id, applies its
acknowledgement, and releases the hold, which hands the held items to the sink in arrival order.
A post-only submit also reads its verdict (the first state after PENDING) from the held items.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from xtb.connectors.streams import StreamSink
from xtb.model import Fill, OrderSnapshot, OrderState


@dataclass
class Held:
    """What the stream said about one order while its create call was in flight."""

    items: list[OrderSnapshot | Fill] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def verdict(self) -> OrderSnapshot | None:
        """The first update past PENDING (OPEN, FILLED, REJECTED, ...), if one came."""
        for item in self.items:
            if isinstance(item, OrderSnapshot) and item.state is not OrderState.SUBMITTING:
                return item
        return None

    async def wait_verdict(self, seconds: float) -> OrderSnapshot | None:
        """The verdict once the stream has brought it, or None after `seconds` without one."""
        try:
            async with asyncio.timeout(seconds):  # not wait_for: no task, no extra loop turn
                while (verdict := self.verdict()) is None:
                    self.changed.clear()
                    await self.changed.wait()
                return verdict
        except TimeoutError:
            return None


class InflightOrders:
    """The private stream's way to the sink for order updates and fills."""

    def __init__(self, sink: StreamSink) -> None:
        self._sink = sink
        self._held: dict[str, Held] = {}

    def hold(self, client_id: str) -> Held:
        """From now until `release`, the stream's updates for `client_id` wait."""
        held = self._held[client_id] = Held()
        return held

    def release(self, client_id: str) -> None:
        """Hand what was held to the sink, in the order it came."""
        held = self._held.pop(client_id, None)
        for item in held.items if held is not None else ():
            self._deliver(item)

    def route(self, client_id: str | None, item: OrderSnapshot | Fill) -> None:
        """An order update or fill from the stream: held while its order's create call is in flight."""
        held = self._held.get(client_id or "")
        if held is None:
            self._deliver(item)
            return
        held.items.append(item)
        held.changed.set()

    def _deliver(self, item: OrderSnapshot | Fill) -> None:
        if isinstance(item, Fill):
            self._sink.fill(item)
        else:
            self._sink.order(item)
