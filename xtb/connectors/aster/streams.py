"""Aster's two sockets (spec §5): the market socket (combined `/stream`, SUBSCRIBE acknowledged by
`{"result": null, "id": N}`; diff depth into the local book) and the user socket (`/ws/<listenKey>`,
live once LIST_SUBSCRIPTIONS shows the key; the key is renewed by a keep-alive task and replaced on
every reconnect).
"""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import aiohttp

from xtb.connectors.aster import mapping
from xtb.connectors.aster.rest import LISTEN_KEY_GONE
from xtb.connectors.base import StreamReady
from xtb.connectors.orderbook import BookGap
from xtb.errors import ConnectionLost, VenueProtocolError, VenueRejected
from xtb.model import Source, TopOfBook

if TYPE_CHECKING:
    from xtb.connectors.aster.connector import AsterConnector

log = logging.getLogger(__name__)
SUBSCRIBE_ID = 1
LIST_ID = 2
# The book's top is what the connector serves; 100 levels keep it right through any plausible run of
# removals between two updates, and weigh 5 where 1000 weigh 20 (spec §4.2) on every (re)connect.
DEPTH_SNAPSHOT_LIMIT = 100


def decode(data: str) -> Any:
    """One text frame, read with bounds; JSON numbers become Decimal, never float."""
    return mapping.document(data, "stream frame", parse_float=Decimal)


async def frames(ws: aiohttp.ClientWebSocketResponse) -> Any:
    """Text frames, parsed, until the socket ends (which raises ConnectionLost)."""
    async for msg in ws:
        if msg.type is aiohttp.WSMsgType.TEXT:
            yield decode(msg.data)
        elif msg.type is aiohttp.WSMsgType.ERROR:
            raise ConnectionLost(f"stream error: {ws.exception()!r}", venue="aster")
    raise ConnectionLost(f"stream closed (code {ws.close_code})", venue="aster")


def control_error(frame: Any) -> VenueProtocolError | None:
    if isinstance(frame, dict) and "code" in frame and "msg" in frame and "e" not in frame:
        return VenueProtocolError(f"stream error frame {frame!r}", venue="aster")
    return None


class MarketStream:
    """The diff-depth stream is aggregated (100 ms at best), so the top of book is also taken from
    the real-time `bookTicker` stream. Both carry the book's update id: a top is published only when
    its id is newer than the last one published, so the two sources never step the top backwards."""

    def __init__(self, connector: AsterConnector) -> None:
        self.c = connector
        self.top_ids: dict[str, int] = {}

    def names(self) -> list[str]:
        speed = self.c.depth_speed
        symbols = [s.lower() for s in self.c.config.symbols]
        return [f"{s}@depth@{speed}" for s in symbols] + [f"{s}@bookTicker" for s in symbols]

    async def run(self, ready: StreamReady) -> None:
        c = self.c
        async with c.http.ws_connect(c.ws_base + "/stream", heartbeat=c.ws_heartbeat) as ws:
            for book in c.books.values():
                book.reset()  # deltas are buffered until the snapshot arrives
            self.top_ids.clear()
            await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": self.names(), "id": SUBSCRIBE_ID}))
            stream = frames(ws)
            async for frame in stream:
                error = control_error(frame)
                if error is not None:
                    raise error
                if isinstance(frame, dict) and frame.get("id") == SUBSCRIBE_ID and "result" in frame:
                    break
                await self.handle(frame)  # a depth event before the ack: buffered by the book
            await asyncio.gather(*(self.seed(s) for s in c.config.symbols))
            ready()
            async for frame in stream:
                error = control_error(frame)
                if error is not None:
                    raise error
                await self.handle(frame)

    async def seed(self, symbol: str) -> None:
        """REST snapshot (deep) and replay of the buffered deltas; retried on a gap."""
        for _ in range(5):
            depth = await self.c.rest.request("GET", "depth", {"symbol": symbol, "limit": DEPTH_SNAPSHOT_LIMIT})
            bids, asks, last_id = mapping.parse_depth(depth)
            try:
                self.c.books[symbol].on_snapshot(bids, asks, last_id)
            except BookGap as gap:
                log.warning("book resync venue=%s symbol=%s reason=%s", self.c.venue, symbol, gap)
                continue
            self.publish(symbol)
            return
        raise BookGap(f"{symbol}: could not sync the book after 5 snapshots", venue=self.c.venue)

    async def handle(self, frame: Any) -> None:
        if not isinstance(frame, dict) or "stream" not in frame:
            return  # a control reply
        data = mapping.field(frame, "data", "stream frame")
        kind = data.get("e") if isinstance(data, dict) else None
        if kind == "bookTicker":
            top = mapping.parse_ws_book_ticker(data, self.c.clock.monotonic())  # read whole first
            update_id = mapping.update_id(mapping.field(data, "u", "bookTicker"), "bookTicker u")
            symbol = top.symbol
            if symbol in self.c.books and self.c.books[symbol].synced and update_id > self.top_ids.get(symbol, 0):
                self.top_ids[symbol] = update_id
                self.emit(top)
            return
        if kind != "depthUpdate":
            return
        symbol = mapping.field(data, "s", "depth event")
        book = self.c.books.get(symbol) if isinstance(symbol, str) else None
        if book is None:
            return
        delta = mapping.parse_depth_delta(data)  # read whole before the book is touched
        try:
            changed = book.on_delta(delta)
        except BookGap as gap:
            log.warning("book gap venue=%s symbol=%s %s; re-seeding", self.c.venue, symbol, gap)
            await self.seed(symbol)
            return
        if changed:
            self.publish(symbol)

    def publish(self, symbol: str) -> None:
        """The local book's top, unless a newer bookTicker already said more."""
        c = self.c
        book = c.books[symbol]
        assert book.last_id is not None
        if book.last_id < self.top_ids.get(symbol, 0):
            return
        self.top_ids[symbol] = book.last_id
        bid, ask = book.best_bid(), book.best_ask()
        self.emit(
            TopOfBook(
                symbol,
                bid[0] if bid else None,
                bid[1] if bid else None,
                ask[0] if ask else None,
                ask[1] if ask else None,
                Source.WS,
                c.clock.monotonic(),
            )
        )

    def emit(self, top: TopOfBook) -> None:
        c = self.c
        previous = c.books_ws.get(top.symbol)
        key = (top.bid, top.bid_size, top.ask, top.ask_size)
        if previous is None or (previous.bid, previous.bid_size, previous.ask, previous.ask_size) != key:
            c._on_top_of_book(top)


class UserStream:
    def __init__(self, connector: AsterConnector) -> None:
        self.c = connector

    async def run(self, ready: StreamReady) -> None:
        c = self.c
        answer = await c.rest.request("POST", "listenKey", security="USER_STREAM")
        key = str(mapping.field(answer, "listenKey", "listenKey answer"))
        async with c.http.ws_connect(f"{c.ws_base}/ws/{key}", heartbeat=c.ws_heartbeat) as ws:
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": LIST_ID}))
            stream = frames(ws)
            async for frame in stream:
                error = control_error(frame)
                if error is not None:
                    raise error
                if isinstance(frame, dict) and frame.get("id") == LIST_ID:
                    # the reply proves the venue has set the socket up; an unknown key is closed by
                    # the venue shortly after (and the reconnect asks for a new one)
                    listed = frame.get("result")
                    if not isinstance(listed, list) or key not in listed:
                        log.warning("listen key not listed by the venue venue=%s", c.venue)
                    break
                self.handle(frame)
            # The user stream sends no position snapshot on connect: take one over REST now, after
            # the socket is up (later ACCOUNT_UPDATEs queue behind it), so the stream's position view
            # is not left stale by what happened while disconnected.
            for position in await c._fetch_positions(None):
                c._on_position(position)
            keepalive = asyncio.create_task(self.keep_alive(ws), name=f"{c.venue}:listenKey")
            try:
                ready()
                async for frame in stream:
                    self.handle(frame)
            finally:
                keepalive.cancel()
                await asyncio.gather(keepalive, return_exceptions=True)

    async def keep_alive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """PUT the key every `keepalive` seconds; a key the venue no longer knows (-1125) ends the
        socket, and the reconnect asks for a new one."""
        while True:
            await asyncio.sleep(self.c.keepalive)
            try:
                await self.c.rest.request("PUT", "listenKey", security="USER_STREAM")
            except VenueRejected as exc:
                if exc.code == str(LISTEN_KEY_GONE):
                    log.warning("listen key gone venue=%s: reconnecting", self.c.venue)
                    await ws.close()
                    return
                log.warning("listen key keep-alive refused venue=%s error=%s", self.c.venue, exc)
            except Exception as exc:  # a transient REST failure: the next round tries again
                log.warning("listen key keep-alive failed venue=%s error=%r", self.c.venue, exc)

    def handle(self, frame: Any) -> None:
        error = control_error(frame)
        if error is not None:
            raise error
        if not isinstance(frame, dict):
            return
        event = frame.get("data") if "stream" in frame else frame  # combined or raw
        if not isinstance(event, dict):
            return
        kind = event.get("e")
        if kind == "ORDER_TRADE_UPDATE":
            snapshot, fill = mapping.parse_order_update(event)
            if fill is not None:
                self.c._on_fill(fill)  # before the order update: the tracker sees the fill, then the state
            if snapshot is not None:
                self.c._on_order_update(snapshot)
        elif kind == "ACCOUNT_UPDATE":
            for position in mapping.parse_account_update(event):
                self.c._on_position(position)
        elif kind == "listenKeyExpired":
            raise ConnectionLost("listen key expired", venue=self.c.venue)
        # other events (MARGIN_CALL, ACCOUNT_CONFIG_UPDATE, announcements, ...) are ignored (§5.3)
