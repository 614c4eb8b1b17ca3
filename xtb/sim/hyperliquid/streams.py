"""The hyperliquid simulator's sockets: client frames in, engine events out as the venue's messages.

The front-end base hands each socket, frame and engine event here (xtb/sim/venue_streams.py).
Messages go out through the hub, which applies the stream faults: the channel and kind given to
`hub.publish` / `hub.send` are what `simulator.faults` in venues/hyperliquid.yaml aims at
(`orders:<account>` with kinds order, fill and position; `book:<symbol>`). Clocked work (depth
aggregation, tickers, pings) goes in `self.periodic = Periodic(name, interval, step)`
(xtb/sim/periodic.py), which the base starts and stops with the server.
"""

from __future__ import annotations

from xtb.sim.engine_types import EngineEvent
from xtb.sim.stream_hub import StreamConnection, StreamHub
from xtb.sim.venue_streams import VenueStreams


class HyperliquidSimStreams(VenueStreams):
    def __init__(self, hub: StreamHub) -> None:
        self.hub = hub

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        raise NotImplementedError(
            f"{type(self).__name__}.on_message: not implemented yet — read the venue's subscribe, auth and ping "
            "frames, `conn.subscribe(channel)`, and answer as the venue does with `self.hub.send(conn, channel, "
            "kind, message)` (docs/connectors.md section 7, Streams)"
        )

    def on_engine_event(self, event: EngineEvent) -> None:
        raise NotImplementedError(
            f"{type(self).__name__}.on_engine_event: not implemented yet — map {type(event).__name__} to the "
            "venue's stream message and `self.hub.publish(channel, kind, message)` (docs/connectors.md section 7)"
        )
