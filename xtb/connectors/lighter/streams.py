"""Lighter's two sockets, both on `/stream` (spec §5), read into the connector's sink.

Each socket opens with a `connected` greeting and is kept from the venue's two-minute idle close by
an application ping every `ws_keepalive` seconds (a server ping is answered with a pong).

- "market": `order_book/{m}` per streamed symbol. A subscription's first frame
  (`subscribed/order_book`) is the whole book; later frames are deltas continuous by nonce
  (`begin_nonce` == the previous `nonce`). A gap resubscribes: the new snapshot arrives the same way.
- "account": `account_all_orders`, `account_all_trades`, `account_all_positions` with an auth
  token. A token cannot be renewed on a live subscription, so the socket ends (and the base
  reconnects with a new token) shortly before the one it subscribed with expires.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from xtb.connectors.books import Applied
from xtb.connectors.lighter import mapping
from xtb.connectors.lighter.mapping import MarketIds
from xtb.connectors.lighter.settings import LighterExtra
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.streams import StreamReady, StreamSink, text_frames
from xtb.errors import AuthError, ConnectionLost, VenueProtocolError
from xtb.model import Source

log = logging.getLogger(__name__)
VENUE = "lighter"

ACCOUNT_CHANNELS = ("account_all_orders", "account_all_trades", "account_all_positions")
SUBSCRIBE_REFUSED = 30012  # a private channel refused (bad or expired token)
TOKEN_MARGIN_S = 120  # reconnect at most this long before the token's deadline

TokenSource = Callable[[int], tuple[str, int]]  # ttl → a token with most of its life left, its deadline (epoch s)


@dataclass(kw_only=True)
class LighterStreams:
    sink: StreamSink
    session: PacedSession  # the connector's: socket upgrades land in its transcript
    url: str
    markets: MarketIds
    settings: LighterExtra
    account: int
    token: TokenSource
    greeting_timeout: float

    def names(self) -> list[str]:
        return ["market", "account"] if self.sink.books.symbols else ["account"]

    async def run(self, name: str, ready: StreamReady) -> None:
        async with self.session.ws_connect(self.url, heartbeat=None) as ws:
            first = mapping.frame(await ws.receive_str(timeout=self.greeting_timeout))
            if first.get("type") != "connected":
                raise VenueProtocolError(f"expected the connected greeting, got {mapping.clip(first)}", venue=VENUE)
            keepalive = asyncio.create_task(self._keepalive(ws), name=f"lighter-keepalive-{name}")
            try:
                if name == "account":
                    await self._run_account(ws, ready)
                else:
                    await self._run_market(ws, ready)
            finally:
                keepalive.cancel()

    async def _keepalive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            while not ws.closed:
                await asyncio.sleep(self.settings.ws_keepalive)  # a timer, not a wait for a condition
                await ws.send_str('{"type":"ping"}')
        except (ConnectionError, RuntimeError):  # the socket went away; the reader reports it
            return

    async def _frames(self, ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[dict[str, Any]]:
        """The data frames: pings answered, control frames dropped, error frames raised."""
        async for text in text_frames(ws, VENUE):
            frame = mapping.frame(text)
            kind = frame.get("type")
            if kind == "ping":
                await ws.send_str('{"type":"pong"}')
            elif kind in ("pong", "unsubscribed"):
                continue
            elif "error" in frame:
                error = frame["error"]
                if isinstance(error, dict) and error.get("code") == SUBSCRIBE_REFUSED:
                    raise AuthError(f"subscription refused: {error.get('message')}", venue=VENUE)
                raise VenueProtocolError(f"stream error frame {mapping.clip(frame, 300)}", venue=VENUE)
            elif kind == "shutdown":
                log.info("venue announced a shutdown venue=%s frame=%s", VENUE, frame)
            else:
                yield frame

    async def _run_market(self, ws: aiohttp.ClientWebSocketResponse, ready: StreamReady) -> None:
        books = self.sink.books
        books.reset()
        market_ids = [self.markets.market_id(symbol) for symbol in books.symbols]
        for market_id in market_ids:
            await _send(ws, "subscribe", f"order_book/{market_id}")
        waiting = set(market_ids)
        async for frame in self._frames(ws):
            name, _, market_id = str(frame.get("channel", "")).partition(":")
            symbol = self.markets.symbol(market_id)
            if name != "order_book" or symbol is None or symbol not in books:
                continue
            order_book = mapping.field(frame, "order_book", "order_book frame")
            if str(frame.get("type")).startswith("subscribed/"):
                bids, asks, _, nonce = mapping.parse_book(order_book)  # read whole before the book is touched
                books.on_snapshot(symbol, bids, asks, nonce)
                if market_id in waiting:
                    waiting.discard(market_id)
                    if not waiting:
                        ready()
            elif books.on_delta(symbol, mapping.book_delta(order_book)) is Applied.GAP:
                for kind in ("unsubscribe", "subscribe"):
                    await _send(ws, kind, f"order_book/{market_id}")

    async def _run_account(self, ws: aiohttp.ClientWebSocketResponse, ready: StreamReady) -> None:
        ttl = self.settings.auth_ttl
        token, deadline = self.token(ttl)
        for name in ACCOUNT_CHANNELS:
            await _send(ws, "subscribe", f"{name}/{self.account}", auth=token)
        waiting = set(ACCOUNT_CHANNELS)
        lifetime = max(1.0, deadline - time.time() - min(TOKEN_MARGIN_S, ttl / 4))
        try:
            async with asyncio.timeout(lifetime):
                async for frame in self._frames(ws):
                    name = str(frame.get("channel", "")).partition(":")[0]
                    apply_account_frame(self.sink, self.markets, self.account, name, frame)
                    if waiting and str(frame.get("type")).startswith("subscribed/"):
                        waiting.discard(name)
                        if not waiting:
                            ready()
        except TimeoutError:
            raise ConnectionLost("auth token about to expire: reconnecting with a new one", venue=VENUE) from None


async def _send(ws: aiohttp.ClientWebSocketResponse, kind: str, channel: str, **extra: str) -> None:
    await ws.send_str(json.dumps({"type": kind, "channel": channel, **extra}))


def apply_account_frame(
    sink: StreamSink, markets: MarketIds, account: int, channel: str, frame: dict[str, Any]
) -> None:
    """One account frame, read whole before any of it reaches the sink: a bad entry refuses the
    frame (the stream reconnects and reconciles) instead of leaving half of it applied."""
    if channel == "account_all_trades":
        fills = [
            fill
            for symbol, trade in markets.per_market(frame, "trades")
            for fill in mapping.parse_fills(trade, account, symbol, Source.WS)
        ]
        for fill in fills:
            sink.fill(fill)
    elif channel == "account_all_orders":
        snaps = [mapping.parse_order(order, symbol, Source.WS) for symbol, order in markets.per_market(frame, "orders")]
        for snap in snaps:
            sink.order(snap)
    elif channel == "account_all_positions":
        entries = mapping.obj(frame.get("positions") or {}, "positions").values()
        positions = [mapping.parse_position(entry, Source.WS) for entry in entries]
        for position in positions:
            if position.symbol in markets:
                sink.position(position)
