"""Backpack's two sockets on its one WS URL, parsed into the connector's sink (never the connector).

`market`: depth diffs per symbol into the local books, seeded from a deep REST snapshot once the
subscription is live and seeded again after a gap. `account`: signed order and position updates.

Backpack never acknowledges a SUBSCRIBE, so a socket counts as live once a protocol ping sent after
the SUBSCRIBE frame has come back: the server has read the subscription by then. That needs autoping
off, so the server's own pings are answered here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp

from xtb.connectors.backpack import endpoints, mapping
from xtb.connectors.backpack.rest import BackpackRest
from xtb.connectors.books import Applied, BookKeeper, Snapshot
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.streams import StreamReady, StreamSink
from xtb.errors import AuthError, ConnectionLost, VenueProtocolError

MARKET = "market"
ACCOUNT = "account"
ACCOUNT_STREAMS = ["account.orderUpdate", "account.positionUpdate"]
SEED_DEPTH = "1000"  # levels of the REST snapshot a book is seeded from
LIVE_PING = b"xtb-live"
SIGNATURE_REFUSED = 4003  # the error frame of a private subscription whose signature the venue refused

Handler = Callable[[Mapping[str, Any]], Awaitable[None]]


class BackpackStreams:
    """The `market` socket (when books are streamed) and the `account` socket."""

    def __init__(
        self,
        sink: StreamSink,
        session: PacedSession,
        url: str,
        rest: BackpackRest,
        account_signature: Callable[[], list[str]],
    ) -> None:
        self._sink = sink
        self._session = session
        self._url = url
        self._rest = rest
        self._account_signature = account_signature  # signed afresh for every subscription

    def names(self) -> list[str]:
        return [MARKET, ACCOUNT] if self._sink.books.symbols else [ACCOUNT]

    async def run(self, name: str, ready: StreamReady) -> None:
        async with self._session.ws_connect(self._url, autoping=False, heartbeat=None) as ws:
            if name == ACCOUNT:
                frame = {"method": "SUBSCRIBE", "params": ACCOUNT_STREAMS, "signature": self._account_signature()}
                await ws.send_str(json.dumps(frame))

                async def live() -> None:
                    ready()

                await self._read(ws, self._on_account, live)
            else:
                await self._run_market(ws, ready)

    async def _run_market(self, ws: aiohttp.ClientWebSocketResponse, ready: StreamReady) -> None:
        books = self._sink.books
        books.reset()  # deltas are buffered until the snapshot arrives
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": [f"depth.{s}" for s in books.symbols]}))

        async def live() -> None:
            await asyncio.gather(*(books.seed(s, self._snapshot) for s in books.symbols))
            ready()

        await self._read(ws, self._on_market, live)

    async def _snapshot(self, symbol: str) -> Snapshot:
        return mapping.parse_depth(
            await self._rest.request(endpoints.DEPTH, params={"symbol": symbol, "limit": SEED_DEPTH})
        )

    async def _read(
        self, ws: aiohttp.ClientWebSocketResponse, handle: Handler, on_live: Callable[[], Awaitable[None]]
    ) -> None:
        """Read frames until the socket ends. Answers server pings; the pong to our own ping (sent
        after the SUBSCRIBE frame) runs `on_live` once."""
        venue = self._sink.venue
        await ws.ping(LIVE_PING)
        pending_live: Callable[[], Awaitable[None]] | None = on_live
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.PING:
                await ws.pong(msg.data)
            elif msg.type is aiohttp.WSMsgType.PONG:
                if pending_live is not None:
                    live, pending_live = pending_live, None
                    await live()
            elif msg.type is aiohttp.WSMsgType.TEXT:
                frame = mapping.frame(msg.data)
                if "error" in frame:
                    error = frame["error"]
                    if isinstance(error, dict) and error.get("code") == SIGNATURE_REFUSED:
                        raise AuthError(f"stream subscription refused: {error.get('message')}", venue=venue)
                    raise VenueProtocolError(f"stream error frame {mapping.clip(frame, 300)}", venue=venue)
                await handle(frame)
            elif msg.type is aiohttp.WSMsgType.ERROR:
                raise ConnectionLost(f"stream error: {ws.exception()!r}", venue=venue)
        raise ConnectionLost(f"stream closed (code {ws.close_code})", venue=venue)

    async def _on_account(self, frame: Mapping[str, Any]) -> None:
        account_update(self._sink, frame)

    async def _on_market(self, frame: Mapping[str, Any]) -> None:
        applied = depth_update(self._sink.books, frame)
        if applied is not None and applied[1] is Applied.GAP:
            await self._sink.books.seed(applied[0], self._snapshot)


def account_update(sink: StreamSink, frame: Mapping[str, Any]) -> None:
    """One account-socket frame into the sink; a frame that does not parse reaches no order."""
    stream = mapping.stream_name(frame)
    data = mapping.field(frame, "data", "stream frame")
    if stream.startswith("account.orderUpdate"):
        snapshot, fill = mapping.parse_order_update(data)
        if fill is not None:
            sink.fill(fill)  # before the order update: the tracker sees the fill, then the state
        sink.order(snapshot)
    elif stream.startswith("account.positionUpdate"):
        sink.position(mapping.parse_position_update(data))
    else:
        raise VenueProtocolError(f"unexpected stream {mapping.clip(stream)} on the account socket", venue=sink.venue)


def depth_update(books: BookKeeper, frame: Mapping[str, Any]) -> tuple[str, Applied] | None:
    """One market-socket frame into its symbol's book (read whole first, so a frame that does not
    parse leaves the book as it was); None for a symbol whose book is not kept."""
    stream = mapping.stream_name(frame)
    data = mapping.field(frame, "data", "stream frame")
    if not stream.startswith("depth."):
        raise VenueProtocolError(f"unexpected stream {mapping.clip(stream)} on the market socket", venue=books.venue)
    symbol = mapping.field(data, "s", "depth event")
    if not isinstance(symbol, str) or symbol not in books:
        return None
    delta = mapping.parse_depth_delta(data)
    return symbol, books.on_delta(symbol, delta)
