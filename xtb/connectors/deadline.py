"""A deadline on the venue's time: waiting for our own request budget does not count.

A step that re-reads the venue until it agrees (a position, an order's state, a flatten) has a
deadline for the venue to answer. When the connector's pacer holds a request back to stay inside
the venue's published limits (see pacing.py), that is a slow run, not a venue that failed to
answer: the time the pacer spent waiting extends the deadline by as much. Only this connector's
waits count, so a deadline still passes for a venue that never agrees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xtb.clock import loop_time

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector


class VenueDeadline:
    def __init__(self, connector: BaseConnector, timeout: float) -> None:
        self._connector = connector
        self._waited_before = connector.request_usage.waited_s
        self._end = loop_time() + timeout

    def remaining(self) -> float:
        """Seconds left, never negative: the deadline plus what the pacer has made us wait since."""
        paced = self._connector.request_usage.waited_s - self._waited_before
        return max(0.0, self._end + paced - loop_time())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0
