"""A venue's stream side as the front-end base drives it, so no venue front-end repeats the wiring.

The base (`xtb.sim.frontend.FrontEnd`) hands each accepted socket, each client frame, each closed
socket and each engine event to its `streams`, and starts and stops the venue's clocked work
(`periodic`) with the server. A venue subclasses this and overrides what its protocol uses; the
defaults do nothing, so a venue without streams needs none.
"""

from __future__ import annotations

from xtb.sim.engine_types import EngineEvent
from xtb.sim.periodic import Periodic
from xtb.sim.stream_hub import StreamConnection


class VenueStreams:
    periodic: Periodic | None = None
    """The venue's clocked work (depth aggregation, tickers, pings), run while the server runs."""

    def on_open(self, conn: StreamConnection) -> None:
        """A socket was accepted (e.g. send a greeting, subscribe by URL path or query)."""

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        """One client frame (subscribe, unsubscribe, ping, auth...)."""

    def on_close(self, conn: StreamConnection) -> None:
        """A socket is gone."""

    def on_engine_event(self, event: EngineEvent) -> None:
        """Map an engine event to the venue's stream messages and publish them. Synchronous: it
        runs inside the engine's delivery, which is why publishing only queues."""

    def start(self) -> None:
        if self.periodic is not None:
            self.periodic.start()

    async def stop(self) -> None:
        if self.periodic is not None:
            await self.periodic.stop()
