"""Aster's two sockets (spec §5), parsed into the connector's sink (xtb/connectors/streams.py).

The market socket (combined `/stream`; SUBSCRIBE acknowledged by `{"result": null, "id": N}`) carries
the diff depth, which moves the local books, and the real-time `bookTicker`. The user socket
(`/ws/<listenKey>`) is live once LIST_SUBSCRIPTIONS shows the key; the key is renewed by a
keep-alive task and asked for afresh on every connection.

The streams hold the sink, the REST client (depth snapshots, listen keys) and a socket opener (the
paced session's, so each upgrade is in the transcript); never the connector.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

import aiohttp

from xtb.connectors.aster import mapping
from xtb.connectors.aster.error_codes import VENUE, ListenKeyGone
from xtb.connectors.aster.rest import AsterRest
from xtb.connectors.aster.settings import AsterExtra
from xtb.connectors.books import Applied, Snapshot
from xtb.connectors.paced_http import Connecting
from xtb.connectors.streams import StreamReady, StreamSink, text_frames
from xtb.errors import ConnectionLost, VenueProtocolError, VenueRejected
from xtb.model import Position

log = logging.getLogger(__name__)
SUBSCRIBE_ID = 1
LIST_ID = 2
# The book's top is what the connector serves; 100 levels keep it right through any plausible run of
# removals between two updates, and weigh 5 where 1000 weigh 20 (spec §4.2) on every (re)connect.
DEPTH_SNAPSHOT_LIMIT = 100

PositionsSource = Callable[[], Awaitable[list[Position]]]
SocketOpener = Callable[[str], Connecting]  # a path under the venue's WS base → the connecting socket


def decode(data: str) -> Any:
    """One text frame, read with bounds; JSON numbers become Decimal, never float."""
    return mapping.document(data, "stream frame", parse_float=Decimal)


def control_error(frame: Any) -> VenueProtocolError | None:
    """The venue's answer to a control frame it could not take (`{"code": 2, "msg": ...}`)."""
    if isinstance(frame, dict) and "code" in frame and "msg" in frame and "e" not in frame:
        return VenueProtocolError(f"stream error frame {frame!r}", venue=VENUE)
    return None


async def frames(ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[Any]:
    """The socket's frames, decoded, until it ends (ConnectionLost); an error frame raises."""
    async for text in text_frames(ws, VENUE):
        frame = decode(text)
        error = control_error(frame)
        if error is not None:
            raise error
        yield frame


class MarketStream:
    """The diff-depth stream is aggregated (100 ms at best), so the top of book is also taken from
    the real-time `bookTicker` stream. Both carry the book's update id and the books are ordered
    (`BookKeeper(ordered=True)`): a top older than the last one published is dropped, so the two
    sources never step the top backwards."""

    def __init__(
        self, sink: StreamSink, open_socket: SocketOpener, rest: AsterRest, symbols: Sequence[str], depth_speed: str
    ) -> None:
        self.sink = sink
        self.books = sink.books
        self.open_socket = open_socket
        self.rest = rest
        self.symbols = tuple(symbols)
        self.depth_speed = depth_speed

    def subscriptions(self) -> list[str]:
        symbols = [s.lower() for s in self.symbols]
        return [f"{s}@depth@{self.depth_speed}" for s in symbols] + [f"{s}@bookTicker" for s in symbols]

    async def run(self, ready: StreamReady) -> None:
        async with self.open_socket("/stream") as ws:
            self.books.reset()  # deltas are buffered until the snapshot arrives
            await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": self.subscriptions(), "id": SUBSCRIBE_ID}))
            stream = frames(ws)
            async for frame in stream:
                if isinstance(frame, dict) and frame.get("id") == SUBSCRIBE_ID and "result" in frame:
                    break
                await self.handle(frame)  # a depth event before the ack: buffered by the book
            await asyncio.gather(*(self.books.seed(s, self.snapshot) for s in self.symbols))
            ready()
            async for frame in stream:
                await self.handle(frame)

    async def snapshot(self, symbol: str) -> Snapshot:
        depth = await self.rest.request("GET", "depth", {"symbol": symbol, "limit": DEPTH_SNAPSHOT_LIMIT})
        return mapping.parse_depth(depth)

    async def handle(self, frame: Any) -> None:
        if not isinstance(frame, dict) or "stream" not in frame:
            return  # a control reply
        data = mapping.field(frame, "data", "stream frame")
        kind = data.get("e") if isinstance(data, dict) else None
        if kind == "bookTicker":
            self.on_book_ticker(data)
        elif kind == "depthUpdate":
            await self.on_depth(data)

    def on_book_ticker(self, data: Any) -> None:
        top = mapping.parse_ws_book_ticker(data, self.sink.clock.monotonic())  # read whole first
        self.books.publish_top(top, mapping.update_id(mapping.field(data, "u", "bookTicker"), "bookTicker u"))

    async def on_depth(self, data: Any) -> None:
        symbol = mapping.field(data, "s", "depth event")
        if not isinstance(symbol, str) or symbol not in self.books:
            return
        delta = mapping.parse_depth_delta(data)  # read whole before the book is touched
        if self.books.on_delta(symbol, delta) is Applied.GAP:
            await self.books.seed(symbol, self.snapshot)


class UserStream:
    """Orders, fills and positions of the account. The venue sends no position snapshot on
    connect, so `positions()` (REST) is read once the socket is up."""

    def __init__(
        self,
        sink: StreamSink,
        open_socket: SocketOpener,
        rest: AsterRest,
        positions: PositionsSource,
        keepalive_s: float,
    ) -> None:
        self.sink = sink
        self.open_socket = open_socket
        self.rest = rest
        self.positions = positions
        self.keepalive_s = keepalive_s

    async def run(self, ready: StreamReady) -> None:
        answer = await self.rest.request("POST", "listenKey", security="USER_STREAM")
        key = str(mapping.field(answer, "listenKey", "listenKey answer"))
        async with self.open_socket(f"/ws/{key}") as ws:
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": LIST_ID}))
            stream = frames(ws)
            async for frame in stream:
                if isinstance(frame, dict) and frame.get("id") == LIST_ID:
                    # the reply proves the venue has set the socket up; an unknown key is closed by
                    # the venue shortly after (and the reconnect asks for a new one)
                    listed = frame.get("result")
                    if not isinstance(listed, list) or key not in listed:
                        log.warning("listen key not listed by the venue venue=%s", VENUE)
                    break
                self.handle(frame)
            # after the socket is up (later ACCOUNT_UPDATEs queue behind it), so the stream's
            # position view is not left stale by what happened while disconnected
            for position in await self.positions():
                self.sink.position(position)
            keepalive = asyncio.create_task(self.keep_alive(ws), name=f"{VENUE}:listenKey")
            try:
                ready()
                async for frame in stream:
                    self.handle(frame)
            finally:
                keepalive.cancel()
                await asyncio.gather(keepalive, return_exceptions=True)

    async def keep_alive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """PUT the key every `keepalive_s` seconds; a key the venue no longer knows ends the
        socket, and the reconnect asks for a new one."""
        while True:
            await asyncio.sleep(self.keepalive_s)  # a timer, not a wait for a condition
            try:
                await self.rest.request("PUT", "listenKey", security="USER_STREAM")
            except ListenKeyGone:
                log.warning("listen key gone venue=%s: reconnecting", VENUE)
                await ws.close()
                return
            except VenueRejected as exc:
                log.warning("listen key keep-alive refused venue=%s error=%s", VENUE, exc)
            except Exception as exc:  # a transient REST failure: the next round tries again
                log.warning("listen key keep-alive failed venue=%s error=%r", VENUE, exc)

    def handle(self, frame: Any) -> None:
        if not isinstance(frame, dict):
            return
        event = frame.get("data") if "stream" in frame else frame  # combined or raw
        if not isinstance(event, dict):
            return
        kind = event.get("e")
        if kind == "ORDER_TRADE_UPDATE":
            snapshot, fill = mapping.parse_order_update(event)
            if fill is not None:
                self.sink.fill(fill)  # before the order update: the tracker sees the fill, then the state
            if snapshot is not None:
                self.sink.order(snapshot)
        elif kind == "ACCOUNT_UPDATE":
            for position in mapping.parse_account_update(event):
                self.sink.position(position)
        elif kind == "listenKeyExpired":
            raise ConnectionLost("listen key expired", venue=VENUE)
        # other events (MARGIN_CALL, ACCOUNT_CONFIG_UPDATE, announcements, ...) are ignored (§5.3)


class AsterStreams:
    """The sockets by name: "market" (when symbols are streamed) and "user"."""

    def __init__(
        self,
        sink: StreamSink,
        open_socket: SocketOpener,
        rest: AsterRest,
        settings: AsterExtra,
        symbols: Sequence[str],
        positions: PositionsSource,
    ) -> None:
        self.market = MarketStream(sink, open_socket, rest, symbols, settings.depth_speed) if symbols else None
        self.user = UserStream(sink, open_socket, rest, positions, settings.keepalive_s)

    def names(self) -> list[str]:
        return ["market", "user"] if self.market is not None else ["user"]

    async def run(self, name: str, ready: StreamReady) -> None:
        if name == "market" and self.market is not None:
            await self.market.run(ready)
        elif name == "user":
            await self.user.run(ready)
        else:
            raise ValueError(f"{VENUE} has no stream {name!r}")
