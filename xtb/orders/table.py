"""Every order a connector tracks, found by client id or by venue id.

Venues often send the venue id only after the ack (or in a stream message that beats the ack), so
orders are registered by client id first and bound to their venue id when it appears. The table
owns that binding: every venue report goes through `apply`, which indexes the venue id the moment
the tracker learns it (one owner of the key, not a tracker that learns and a caller that tells).
"""

from __future__ import annotations

from collections.abc import Iterator

from xtb.model import OrderSnapshot
from xtb.orders.tracker import OrderTracker


class OrderTable:
    def __init__(self) -> None:
        self._by_client: dict[str, OrderTracker] = {}
        self._by_venue: dict[str, OrderTracker] = {}

    def add(self, tracker: OrderTracker) -> None:
        if tracker.client_id in self._by_client:
            raise ValueError(f"client id {tracker.client_id} is already tracked")
        self._by_client[tracker.client_id] = tracker
        if tracker.venue_id is not None:
            self.bind(tracker)

    def apply(self, tracker: OrderTracker, snap: OrderSnapshot) -> None:
        """Apply a venue report to one of our orders, indexing its venue id if this report taught
        it (a report naming another venue id is the tracker's anomaly, not a rebinding)."""
        had_venue_id = tracker.venue_id is not None
        tracker.apply(snap)
        if not had_venue_id and tracker.venue_id is not None:
            self.bind(tracker)

    def bind(self, tracker: OrderTracker) -> None:
        """Index `tracker` under its venue id (once the venue has told us what it is)."""
        if tracker.venue_id is None:
            return
        other = self._by_venue.get(tracker.venue_id)
        if other is not None and other is not tracker:
            raise ValueError(f"venue id {tracker.venue_id} already belongs to {other.client_id}")
        self._by_venue[tracker.venue_id] = tracker

    def discard(self, tracker: OrderTracker) -> None:
        """Stop finding `tracker` (it is replaced by a fresh one for the same order)."""
        if self._by_client.get(tracker.client_id) is tracker:
            del self._by_client[tracker.client_id]
        if tracker.venue_id is not None and self._by_venue.get(tracker.venue_id) is tracker:
            del self._by_venue[tracker.venue_id]

    def find(self, client_id: str | None = None, venue_id: str | None = None) -> OrderTracker | None:
        if client_id is not None and client_id in self._by_client:
            return self._by_client[client_id]
        if venue_id is not None:
            return self._by_venue.get(venue_id)
        return None

    def __iter__(self) -> Iterator[OrderTracker]:
        return iter(list(self._by_client.values()))

    def __len__(self) -> int:
        return len(self._by_client)

    def live(self, symbol: str | None = None) -> list[OrderTracker]:
        return [t for t in self if not t.is_terminal and (symbol is None or t.symbol == symbol)]
