"""Hyperliquid's sockets: connect, subscribe, prove the subscription, and hand what each frame says to
the sink (docs/connectors.md section 2.4). Never the connector: only the sink, the paced session
and what it takes to connect.

Per frame, in this order: `sink.fill`, `sink.order`, `sink.position`, `sink.books` (the local book:
section 2.5), and `sink.recover(reason)` when a private message was provably lost. Read a frame
whole before handing any of it over; raise VenueProtocolError for a value of a used event that
cannot be mapped.
"""

from __future__ import annotations

from typing import Any

from xtb.connectors.hyperliquid.settings import HyperliquidExtra
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.streams import StreamReady, StreamSink, text_frames


class HyperliquidStreams:
    def __init__(
        self,
        sink: StreamSink,
        http: PacedSession,
        ws_url: str,
        settings: HyperliquidExtra,
        symbols: tuple[str, ...],
    ) -> None:
        self._sink = sink
        self._http = http
        self._ws_url = ws_url
        self._settings = settings
        self._symbols = symbols

    def names(self) -> list[str]:
        """The public book stream when there are symbols to watch, and the private account stream."""
        return ["market", "account"] if self._symbols else ["account"]

    async def run(self, name: str, ready: StreamReady) -> None:
        """One connection of stream `name`: subscribe, call `ready()` once the venue has provably
        registered the subscription, then parse frames until the socket ends (the base reconnects)."""
        subscription = self.subscription(name)
        async with self._http.ws_connect(self._ws_url, heartbeat=self._settings.ws_heartbeat_s) as ws:
            await ws.send_json(subscription)
            await self.registered(ws, name)
            ready()
            async for text in text_frames(ws, self._sink.venue):
                self.on_frame(name, text)

    def subscription(self, name: str) -> dict[str, Any]:
        """The frame that subscribes stream `name` (the private one authenticated the venue's way)."""
        raise NotImplementedError(
            f"{type(self).__name__}.subscription({name!r}): not implemented yet — build the venue's subscribe "
            "frame (docs/connectors.md section 2.4)"
        )

    async def registered(self, ws: Any, name: str) -> None:
        """Wait until the venue has provably registered the subscription (its ack, a reply to a request
        sent after it, or a pong), and seed the books first (`await sink.books.seed(...)`)."""
        raise NotImplementedError(
            f"{type(self).__name__}.registered({name!r}): not implemented yet — wait for the venue's proof of "
            "the subscription (the table in docs/connectors.md section 2.4) and seed the local book (2.5)"
        )

    def on_frame(self, name: str, text: str) -> None:
        """One text frame of stream `name`, parsed whole, then handed to the sink in order."""
        raise NotImplementedError(
            f"{type(self).__name__}.on_frame({name!r}): not implemented yet — parse the venue's messages "
            "(mapping.py) and hand them to the sink: fill, order, position, books (docs/connectors.md 2.4)"
        )
