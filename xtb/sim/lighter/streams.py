"""Lighter's WebSocket `/stream` (spec §5): the `connected` greeting, subscribe `name/id` answered
on `name:id` with a `subscribed/<name>` snapshot then `update/<name>` frames, application pings both
ways, idle close, error frames that keep the socket open, and `jsonapi/sendtx(batch)`.

Engine events become frames in `feed`. The fault "kind" of a frame is its `type`
(`update/order_book`, `subscribed/account_all_orders`, `ping`, ...).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from xtb.sim import inbound
from xtb.sim.engine_types import EngineEvent
from xtb.sim.lighter.candle_stream import channel_resolution
from xtb.sim.lighter.errors import LighterError
from xtb.sim.lighter.feed import EngineFeed
from xtb.sim.lighter.keys import TokenChecker
from xtb.sim.lighter.parts import VenueParts
from xtb.sim.lighter.pipeline import TxPipeline
from xtb.sim.lighter.snapshots import PRIVATE, TOKEN_OPTIONAL
from xtb.sim.lighter.txs import parse_tx
from xtb.sim.periodic import Periodic
from xtb.sim.stream_hub import StreamConnection, StreamHub
from xtb.sim.venue_streams import VenueStreams

log = logging.getLogger(__name__)

TICK_S = 1.0


def _error(code: int, message: str, request_id: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"error": {"code": code, "message": message}}
    if request_id is not None:
        frame["id"] = request_id
    return frame


class LighterStreams(VenueStreams):
    """The socket side: `feed` publishes engine events, `pipeline` takes `jsonapi/sendtx`, `tokens`
    guard private channels, and each beat runs `expire_orders` (OrderExpiry) with the pings."""

    def __init__(
        self,
        venue: VenueParts,
        hub: StreamHub,
        *,
        feed: EngineFeed,
        pipeline: TxPipeline,
        tokens: TokenChecker,
        expire_orders: Callable[[int], int],
    ) -> None:
        self.venue = venue
        self.hub = hub
        self.feed = feed
        self.snapshots = feed.snapshots
        self.candles = feed.candles
        self.pipeline = pipeline
        self.tokens = tokens
        self.expire_orders = expire_orders
        self.periodic = Periodic("lighter-sim-periodic", TICK_S, self._beat)
        self._last_ping = 0.0

    # ------------------------------------------------------------------------ client frames

    def on_open(self, conn: StreamConnection) -> None:
        conn.state["seen"] = asyncio.get_running_loop().time()
        self.hub.send(conn, "connected", "connected", {"session_id": uuid.uuid4().hex[:16], "type": "connected"})

    def on_close(self, conn: StreamConnection) -> None:
        for channel in conn.channels:
            account = conn.state.get(channel)
            if isinstance(account, int):
                self.feed.release(account)
            self._unwatch_candles(channel)

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        conn.state["seen"] = asyncio.get_running_loop().time()
        try:
            frame = inbound.loads(data)  # too deep, too big or not UTF-8 too: 30000
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            self._reply_error(conn, 30000, "Invalid JSON")
            return
        kind = frame.get("type")
        if kind == "ping":
            self.hub.send(conn, "pong", "pong", {"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            await self._subscribe(conn, frame)
        elif kind == "unsubscribe":
            self._unsubscribe(conn, frame)
        elif kind in ("jsonapi/sendtx", "jsonapi/sendtxbatch"):
            await self._send_tx(conn, kind, frame.get("data"))
        else:
            self._reply_error(conn, 30001, f"Invalid Type: {kind}")

    def _reply_error(self, conn: StreamConnection, code: int, message: str, request_id: Any = None) -> None:
        self.hub.send(conn, "error", "error", _error(code, message, request_id))

    async def _subscribe(self, conn: StreamConnection, frame: dict[str, Any]) -> None:
        request = frame.get("channel")
        parsed = self.snapshots.parse_channel(request) if isinstance(request, str) else None
        if parsed is None:
            self._reply_error(conn, 30005, f"Invalid Channel:  ({request})")
            return
        name, channel, market, account = parsed
        if channel in conn.channels:
            self._reply_error(conn, 30003, f"Already Subscribed to : {channel}")
            return
        token = frame.get("auth")
        if name in PRIVATE or (name in TOKEN_OPTIONAL and token):
            try:
                await self.tokens.check(token if isinstance(token, str) else None, account)
            except LighterError as exc:
                log.info("ws subscribe refused conn=%s channel=%s reason=%s", conn.id, channel, exc.message)
                self._reply_error(conn, 30012, f"Failed to subscribe: {channel}: {exc.message}")
                return
        try:
            conn.subscribe(channel)
        except ValueError:
            self._reply_error(conn, 23001, "Too Many Subscriptions")
            return
        if account is not None:
            conn.state[channel] = account
            self.feed.watch(account)
        resolution = channel_resolution(channel)
        if resolution is not None and market is not None:
            self.candles.watch(market, resolution)
            snapshot = self.candles.snapshot(market, resolution)
        else:
            snapshot = self.snapshots.build(name, market, account)
        label = channel
        if name == "account_orders" and not self.venue.settings.account_orders_with_account:
            label = f"account_orders:{market}"  # what the docs show; observed payloads add the account
        frame = {**snapshot, "channel": label, "type": f"subscribed/{name}"}
        self.hub.send(conn, channel, f"subscribed/{name}", frame)

    def _unsubscribe(self, conn: StreamConnection, frame: dict[str, Any]) -> None:
        request = frame.get("channel")
        parsed = self.snapshots.parse_channel(request) if isinstance(request, str) else None
        channel = parsed[1] if parsed is not None else str(request)
        if parsed is None or channel not in conn.channels:
            self._reply_error(conn, 30002, f"Not Subscribed to : {channel}")
            return
        conn.unsubscribe(channel)
        account = conn.state.pop(channel, None)
        if isinstance(account, int):
            self.feed.release(account)
        self._unwatch_candles(channel)
        self.hub.send(conn, channel, "unsubscribed", {"type": "unsubscribed", "channel": channel})

    def _unwatch_candles(self, channel: str) -> None:
        resolution = channel_resolution(channel)
        if resolution is not None:
            self.candles.unwatch(int(channel.split(":")[1]), resolution)

    async def _send_tx(self, conn: StreamConnection, kind: str, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        request_id = data.get("id")
        try:
            if kind == "jsonapi/sendtx":
                hashes: Any = await self.pipeline.submit(parse_tx(data.get("tx_type"), data.get("tx_info")))
            else:
                hashes = await self.pipeline.submit_lists(data.get("tx_types"), data.get("tx_infos"))
        except LighterError as exc:
            self._reply_error(conn, exc.code, exc.message, request_id)
            return
        reply: dict[str, Any] = {"code": 200, "predicted_execution_time_ms": self.venue.now_ms() + 50, "type": kind}
        reply["tx_hash"] = hashes
        if request_id is not None:
            reply["id"] = request_id
        self.hub.send(conn, "jsonapi", kind, reply)

    def on_engine_event(self, event: EngineEvent) -> None:
        self.feed.on_engine_event(event)

    # ------------------------------------------------------------------------ periodic work

    def start(self) -> None:
        self._last_ping = asyncio.get_running_loop().time()
        super().start()

    async def _beat(self, beat: int) -> None:
        """Every second: expire orders past OrderExpiry, ping quiet sockets, close idle ones."""
        settings = self.venue.settings
        self.expire_orders(self.venue.now_ms())
        now = asyncio.get_running_loop().time()
        ping = settings.ws_ping_interval is not None and now - self._last_ping >= settings.ws_ping_interval
        if ping:
            self._last_ping = now
        for conn in self.hub.connections:
            if now - conn.state.get("seen", now) > settings.ws_idle_timeout:
                log.info("closing idle ws conn=%s", conn.id)
                await conn.close(code=1000, message=b"idle")
            elif ping:
                self.hub.send(conn, "ping", "ping", {"type": "ping"})

    def shutdown_notice(self, close_in_ms: int) -> None:
        """The venue's pre-deploy warning, to every socket."""
        for conn in self.hub.connections:
            self.hub.send(conn, "shutdown", "shutdown", {"type": "shutdown", "close_in_ms": close_in_ms})
