"""GRVT's two JSON-RPC sockets (spec §5), read into the stream sink; the base supervises them.

`market`: `v1.book.d` for each streamed symbol into the base's books. A sequence gap resubscribes
the selector, which makes the venue send a fresh seq-0 snapshot (§5.4): no REST re-seed. Live once
every book has its snapshot.

`private`: `v1.order`, `v1.fill` and `v1.position` for the sub-account, opened with the session's
cookie. A refused upgrade (401) or a 1000 on the socket invalidates the session, so the next
attempt logs in again. Order updates and fills pass through the in-flight hold (inflight.py); a
sequence gap asks the sink to recover what was lost over REST. Live once every subscription is
answered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from xtb.connectors.books import Applied, BookKeeper
from xtb.connectors.grvt import mapping
from xtb.connectors.grvt.inflight import InflightOrders
from xtb.connectors.grvt.rpc import RpcSocket, Seq
from xtb.connectors.grvt.session import GrvtSession
from xtb.connectors.orderbook import Delta
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.streams import StreamReady, StreamSink
from xtb.errors import AuthError, ConnectionLost, VenueProtocolError
from xtb.model import Source

log = logging.getLogger(__name__)
VENUE = "grvt"
BOOK_STREAM = "v1.book.d"
PRIVATE_STREAMS = ("v1.order", "v1.fill", "v1.position")
HEARTBEAT_S = 20.0


@dataclass(frozen=True)
class GrvtStreams:
    sink: StreamSink
    http: PacedSession
    session: GrvtSession  # the private socket opens with its cookie, renews it, invalidates it on a refusal
    inflight: InflightOrders  # the way order updates and fills reach the sink
    market_url: str
    private_url: str
    sub_account_id: str
    book_rate_ms: int

    @property
    def books(self) -> BookKeeper:
        return self.sink.books

    def names(self) -> list[str]:
        return ["market", "private"] if self.books.symbols else ["private"]

    async def run(self, name: str, ready: StreamReady) -> None:
        if name == "market":
            await self._run_market(ready)
        else:
            await self._run_private(ready)

    # ------------------------------------------------------------------ market

    async def _run_market(self, ready: StreamReady) -> None:
        async with self.http.ws_connect(self.market_url, heartbeat=HEARTBEAT_S) as ws:
            sock = RpcSocket(ws)
            self.books.reset()
            await sock.subscribe(BOOK_STREAM, [f"{s}@{self.book_rate_ms}" for s in self.books.symbols])
            live = False
            async for frame in sock.frames():
                if "error" in frame:
                    raise VenueProtocolError(f"market stream error {frame['error']!r}", venue=VENUE)
                if "feed" not in frame:
                    sock.reply(frame)
                    continue
                await self.on_book_frame(sock, frame)
                if not live and all(self.books.synced(s) for s in self.books.symbols):
                    live = True
                    ready()

    async def on_book_frame(self, sock: RpcSocket, frame: Mapping[str, Any]) -> None:
        """One `v1.book.d` frame, read whole before the book is touched."""
        selector = str(frame.get("selector"))
        symbol = selector.partition("@")[0]
        if symbol not in self.books or frame.get("stream") != BOOK_STREAM:
            return
        kind, seq = sock.sequence(frame)
        bids, asks = mapping.book_levels(mapping.field(frame, "feed", "book frame"))
        if kind is Seq.SNAPSHOT:  # a fresh subscription numbers from 0 again: nothing buffered still applies
            self.books.on_snapshot(symbol, bids, asks, 0)
        elif self.books.on_delta(symbol, Delta(seq, seq, bids, asks)) is Applied.GAP:
            log.info("book gap venue=%s: resubscribing %s", VENUE, selector)
            await sock.resubscribe(BOOK_STREAM, selector)

    # ------------------------------------------------------------------ private

    async def _run_private(self, ready: StreamReady) -> None:
        await self.session.ensure()  # a session that expired while disconnected is renewed first
        try:
            ws = await self.http.ws_connect(self.private_url, headers=self.session.headers(), heartbeat=HEARTBEAT_S)
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 401:
                self.session.invalidate()  # the next attempt logs in again
            raise ConnectionLost(f"private stream upgrade refused: {exc.status}", venue=VENUE) from None
        async with ws:
            sock = RpcSocket(ws)
            waiting = {await sock.subscribe(stream, [self.sub_account_id]) for stream in PRIVATE_STREAMS}
            async for frame in sock.frames():
                if "error" in frame:
                    self._private_error(frame)
                if "feed" not in frame:
                    if sock.reply(frame) is not None:
                        waiting.discard(int(frame["id"]))
                        if not waiting:
                            ready()
                    continue
                self.on_private_frame(sock, frame)

    def _private_error(self, frame: Mapping[str, Any]) -> None:
        error = frame.get("error") or {}
        code = error.get("code") if isinstance(error, dict) else None
        if code == 1000:
            self.session.invalidate()
            raise ConnectionLost("private stream: session refused (1000); logging in again", venue=VENUE)
        if code == 1001:
            raise AuthError(f"private stream: sub-account {self.sub_account_id} not authorised", venue=VENUE)
        raise VenueProtocolError(f"private stream error {error!r}", venue=VENUE)

    def on_private_frame(self, sock: RpcSocket, frame: Mapping[str, Any]) -> None:
        """One `v1.order` / `v1.fill` / `v1.position` frame; a gap before it asks for a recovery."""
        kind, _ = sock.sequence(frame)
        if kind is Seq.DUPLICATE:
            return
        stream = frame.get("stream")
        if kind is Seq.GAP:
            self.sink.recover(f"private stream gap on {stream}")
        feed = mapping.field(frame, "feed", "private frame")
        if stream == "v1.order":
            snap = mapping.parse_order(feed, Source.WS)
            self.inflight.route(snap.client_id, snap)
        elif stream == "v1.fill":
            fill = mapping.parse_fill(feed, Source.WS)
            self.inflight.route(fill.client_id, fill)
        elif stream == "v1.position":
            self.sink.position(mapping.parse_position(feed, Source.WS))
