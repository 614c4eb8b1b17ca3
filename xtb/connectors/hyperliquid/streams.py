"""Hyperliquid's one socket (spec §5): every feed the connector uses, parsed into the narrow sink
(docs/connectors.md section 2.4). Never the connector: the sink, the paced session (its upgrades
are in the transcript), the account address, a REST book source and the symbols.

Subscriptions: `orderUpdates` and `userFills` for the account (queried by the account address, never
the agent's, hazard 6), `l2Book` and `bbo` per symbol. `ready()` once every subscription is echoed
by a `subscriptionResponse` (the ack names the normalised subscription, §5.1) and every book holds
a snapshot (the stream's, else one REST `l2Book`).

* `orderUpdates` has no snapshot (the base reconciles over REST after a reconnect) and one entry
  per status change; `userFills` sends recent fills first (`isSnapshot: true`) and later frames
  omit the key: every fill goes to the sink, which dedupes by trade id per order. A partial fill
  has no `orderUpdates` entry, and no subscribed channel carries positions: both come from the
  fills (stream_views.py: the order's last entry moved by its fills; the fill's `startPosition`).
* Books: every `l2Book` frame is a full snapshot, pushed at most every 0.5 s; `bbo` is real time.
  Both carry the block `time`, used as the update id of an ordered BookKeeper, so the aggregated
  book never steps the top back behind a newer bbo.
* Keep-alive: `{"method":"ping"}` every `ping_interval_s` (the venue closes a socket idle for 60 s);
  no pong by the next ping means a dead socket, closed here so the read ends with ConnectionLost
  and the base reconnects and reconciles. Nothing reconnects silently.
* `subscriptionResponse`, `pong` and `post` frames are control frames; an `error` frame answers
  something we sent (our subscriptions) and raises; a channel the venue does not document raises.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

import aiohttp

from xtb.connectors.hyperliquid import mapping
from xtb.connectors.hyperliquid.errors import VENUE
from xtb.connectors.hyperliquid.stream_views import StreamViews, fill_order
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.parsing import clip
from xtb.connectors.streams import StreamReady, StreamSink, text_frames
from xtb.errors import VenueProtocolError
from xtb.model import Fill, Position, Source

log = logging.getLogger(__name__)
READ = mapping.READ
STREAM = "venue"

BookSource = Callable[[str], Awaitable[Any]]  # coin → the REST `l2Book` answer
CONTROL_CHANNELS = frozenset({"subscriptionResponse", "pong", "post"})
UNUSED_CHANNELS = frozenset(
    {
        "allMids",
        "trades",
        "candle",
        "user",
        "userFundings",
        "activeAssetCtx",
        "activeSpotAssetCtx",
        "activeAssetData",
        "webData2",
        "webData3",
        "notification",
        "clearinghouseState",
        "openOrders",
        "userNonFundingLedgerUpdates",
        "userTwapSliceFills",
        "userTwapHistory",
    }
)  # documented (§5.3), never subscribed here


def _fill_time(pair: tuple[Fill, Position]) -> tuple[float, int]:
    """Snapshot fills come newest first: applied oldest first, as they happened."""
    fill, position = pair
    return fill_order(position.venue_ts, fill.trade_id)


def subscription_key(subscription: Any) -> tuple[str, str]:
    """What identifies a subscription in its ack: the type and its coin or user (normalised)."""
    kind = READ.text(READ.field(subscription, "type", "subscription"), "subscription type")
    target = subscription.get("coin") or subscription.get("user") or ""
    return kind, str(target).lower() if kind in ("orderUpdates", "userFills") else str(target)


class HyperliquidStreams:
    def __init__(
        self,
        sink: StreamSink,
        http: PacedSession,
        ws_url: str,
        account: str,
        symbols: Sequence[str],
        book_source: BookSource,
        ping_interval_s: float,
    ) -> None:
        self._sink = sink
        self._http = http
        self._ws_url = ws_url
        self._account = account.lower()
        self._symbols = tuple(symbols)
        self._book_source = book_source
        self._ping_interval_s = ping_interval_s
        self._bbo_ms: dict[str, int] = {}
        self._pong = asyncio.Event()
        self._views = StreamViews()

    def names(self) -> list[str]:
        """One socket carries the account's feeds and the books of every symbol."""
        return [STREAM]

    def subscriptions(self) -> list[dict[str, Any]]:
        subs: list[dict[str, Any]] = [
            {"type": "orderUpdates", "user": self._account},
            {"type": "userFills", "user": self._account},
        ]
        for coin in self._symbols:
            subs += [{"type": "l2Book", "coin": coin}, {"type": "bbo", "coin": coin}]
        return subs

    async def run(self, name: str, ready: StreamReady) -> None:
        if name != STREAM:
            raise ValueError(f"{VENUE} has no stream {name!r}")
        self._bbo_ms.clear()
        async with self._http.ws_connect(self._ws_url, autoping=True) as ws:
            self._sink.books.reset()
            pending = set()
            for subscription in self.subscriptions():
                pending.add(subscription_key(subscription))
                await ws.send_str(json.dumps({"method": "subscribe", "subscription": subscription}))
            pinger = asyncio.create_task(self._keep_alive(ws), name=f"{VENUE}:ping")
            try:
                frames = text_frames(ws, VENUE)
                if pending:
                    async for text in frames:
                        acked = self.on_frame(text)
                        if acked is not None:
                            pending.discard(acked)
                            if not pending:
                                break
                for coin in self._symbols:
                    if not self._sink.books.synced(coin):  # no book frame yet: one REST snapshot
                        bids, asks, time_ms = mapping.parse_book_levels(await self._book_source(coin), coin)
                        self._sink.books.on_snapshot(coin, bids, asks, time_ms)
                ready()
                async for text in frames:
                    self.on_frame(text)
            finally:
                pinger.cancel()
                await asyncio.gather(pinger, return_exceptions=True)

    async def _keep_alive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Ping on the interval; a ping still unanswered at the next one closes the socket."""
        while True:
            self._pong.clear()
            await ws.send_str(json.dumps({"method": "ping"}))
            try:
                await asyncio.wait_for(self._pong.wait(), self._ping_interval_s)
            except TimeoutError:
                log.warning("no pong venue=%s within %.0fs: closing the socket", VENUE, self._ping_interval_s)
                await ws.close()
                return
            await asyncio.sleep(self._ping_interval_s)  # a timer: the next ping is due then

    def on_frame(self, text: str) -> tuple[str, str] | None:
        """One frame, read whole, then handed to the sink. Returns the key a subscriptionResponse
        acknowledges (None for every other frame)."""
        frame = READ.json_object(text, "stream frame", parse_float=Decimal)
        channel = READ.field(frame, "channel", "stream frame")
        if channel == "pong":
            self._pong.set()
            return None
        data = READ.get(frame, "data", "stream frame")
        if channel == "subscriptionResponse":
            if READ.get(data, "method", "subscriptionResponse") == "subscribe":
                return subscription_key(READ.field(data, "subscription", "subscriptionResponse"))
            return None
        if channel == "error":
            raise VenueProtocolError(f"the venue refused a subscription: {clip(data, 300)}", venue=VENUE)
        if channel == "orderUpdates":
            snapshots = [mapping.parse_status_entry(e, Source.WS) for e in READ.rows(data, "orderUpdates")]
            for snapshot in snapshots:
                self._views.on_order(snapshot)
                self._sink.order(snapshot)
        elif channel == "userFills":
            _snapshot, user, fills = mapping.parse_user_fills_frame(data)
            if user == self._account:
                rows = READ.rows(READ.field(data, "fills", "userFills"), "userFills fills")
                positions = [mapping.position_after_fill(row) for row in rows]
                for fill, position in sorted(zip(fills, positions, strict=True), key=_fill_time):
                    self._sink.fill(fill)
                    partly = self._views.on_fill(fill)
                    if partly is not None:
                        self._sink.order(partly)
                    shown = self._views.on_position(position, fill.trade_id)
                    if shown is not None:
                        self._sink.position(shown)
        elif channel == "l2Book":
            self.on_book(data)
        elif channel == "bbo":
            self.on_bbo(data)
        elif channel not in CONTROL_CHANNELS and channel not in UNUSED_CHANNELS:
            raise VenueProtocolError(f"unknown stream channel {clip(channel)}", venue=VENUE)
        return None

    def on_book(self, data: Any) -> None:
        coin = READ.text(READ.field(data, "coin", "l2Book"), "l2Book coin")
        if coin not in self._sink.books:
            return
        bids, asks, time_ms = mapping.parse_book_levels(data, coin)
        if self._sink.books.synced(coin) and time_ms < self._bbo_ms.get(coin, 0):
            return  # older than the bbo already shown: the top must not step back
        self._sink.books.on_snapshot(coin, bids, asks, time_ms)

    def on_bbo(self, data: Any) -> None:
        top, time_ms = mapping.parse_bbo(data, self._sink.clock.monotonic())
        if top.symbol not in self._sink.books:
            return
        if self._sink.books.publish_top(top, time_ms):
            self._bbo_ms[top.symbol] = time_ms
