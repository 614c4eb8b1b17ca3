"""The WebSocket side of a simulator front-end: each live connection with its subscriptions and
sender task, and the hub that fans messages out to them.

Kept apart from the HTTP server so the one point where stream faults apply reads on its own: every
outgoing message, broadcast or direct reply, passes `FaultPlan.deliver()` in `StreamHub.send`, and
each connection's sender task carries out the resulting `Delivery`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from xtb.sim.engine_types import AccountId
from xtb.sim.faults import Delivery, FaultPlan

log = logging.getLogger(__name__)


class StreamConnection:
    """One WebSocket client: what it subscribed to, who it authenticated as, and the bounded queue
    of deliveries its own sender task drains, so one slow client never holds up the others."""

    def __init__(
        self,
        conn_id: str,
        site: str,
        request: web.Request,
        ws: web.WebSocketResponse,
        *,
        queue_size: int,
        max_channels: int,
        close_code: int,
        encode: Callable[[Any], str | bytes],
    ) -> None:
        self.id = conn_id
        self.site = site
        self.request = request
        self.ws = ws
        self.account: AccountId | None = None
        self.channels: set[str] = set()
        self.state: dict[str, Any] = {}  # the front-end's own per-connection data
        self._max_channels = max_channels
        self._close_code = close_code
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize=queue_size)
        self._sender: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._fault_closing = False
        self._encode = encode

    @property
    def path(self) -> str:
        return self.request.path

    @property
    def closed(self) -> bool:
        return self.ws.closed

    def subscribe(self, channel: str) -> None:
        if channel not in self.channels and len(self.channels) >= self._max_channels:
            raise ValueError(f"a connection may hold at most {self._max_channels} subscriptions")
        self.channels.add(channel)

    def unsubscribe(self, channel: str) -> None:
        self.channels.discard(channel)

    def start(self) -> None:
        """Start the sender task that drains this connection's queue."""
        self._sender = asyncio.get_running_loop().create_task(self._drain(), name=f"sim-ws-sender-{self.id}")

    def enqueue(self, delivery: Delivery) -> None:
        if not delivery.sends and not delivery.close:
            return
        try:
            self._queue.put_nowait(delivery)
        except asyncio.QueueFull:
            log.warning("ws send queue full conn=%s: closing the connection", self.id)
            self._close_soon(1013, b"send queue overflow")

    async def _drain(self) -> None:
        ws = self.ws
        try:
            while True:
                delivery = await self._queue.get()
                if delivery.wait is not None:
                    await delivery.wait()  # a hold: later deliveries queue behind it, in order
                for delay, message in delivery.sends:
                    if delay:
                        await asyncio.sleep(delay)
                    try:
                        data = self._encode(message)
                    except Exception:  # a mapping bug loses this message, not the connection
                        log.exception("cannot encode a stream message conn=%s", self.id)
                        continue
                    if isinstance(data, bytes):
                        await ws.send_bytes(data)
                    else:
                        await ws.send_str(data)
                if delivery.close:
                    log.info("ws closed by stream fault conn=%s", self.id)
                    self._fault_closing = True
                    await ws.close(code=self._close_code, message=b"simulated stream fault")
                    return
        except (ConnectionError, RuntimeError) as exc:  # the client went away mid-send
            log.debug("ws send stopped conn=%s error=%s", self.id, exc)

    def _close_soon(self, code: int, message: bytes) -> None:
        if self._closer is None and not self.ws.closed:
            if self._sender is not None:
                self._sender.cancel()
            self._closer = asyncio.get_running_loop().create_task(self.ws.close(code=code, message=message))

    async def close(self, code: int = 1001, message: bytes = b"server shutdown") -> None:
        """Stop sending and close the socket (a no-op on a closed one). A close the sender already
        began (a CLOSE fault) is left to finish its handshake, which the close timeout bounds."""
        sender = self._sender
        if sender is not None and not sender.done():
            if not self._fault_closing:
                sender.cancel()
            try:
                await sender
            except asyncio.CancelledError:
                pass
        if self._closer is not None:
            await self._closer
        if not self.ws.closed:
            await self.ws.close(code=code, message=message)


class StreamHub:
    """The front-end's live connections, their subscriptions and the one point stream faults apply.

    `publish` and `send` are synchronous (they only queue), so a synchronous engine listener can
    call them; each connection's sender task does the async sending."""

    def __init__(self, faults: FaultPlan, *, max_connections: int = 256) -> None:
        self.faults = faults
        self.max_connections = max_connections
        self._connections: dict[str, StreamConnection] = {}

    @property
    def connections(self) -> tuple[StreamConnection, ...]:
        return tuple(self._connections.values())

    @property
    def full(self) -> bool:
        return len(self._connections) >= self.max_connections

    def add(self, conn: StreamConnection) -> None:
        self._connections[conn.id] = conn

    def remove(self, conn: StreamConnection) -> None:
        self._connections.pop(conn.id, None)
        held = list(self.faults.release_held(conn.id))
        if held:
            log.debug("ws closed with %d reordered messages held conn=%s: dropped", len(held), conn.id)

    def publish(self, channel: str, kind: str, message: Any) -> int:
        """Queue `message` for every connection subscribed to `channel`; returns how many."""
        count = 0
        for conn in tuple(self._connections.values()):
            if channel in conn.channels:
                self.send(conn, channel, kind, message)
                count += 1
        return count

    def send(self, conn: StreamConnection, channel: str, kind: str, message: Any) -> None:
        """Queue one message for one connection, through the fault plan."""
        conn.enqueue(self.faults.deliver(conn.id, channel, kind, message))

    async def close_all(self) -> None:
        connections = tuple(self._connections.values())
        await asyncio.gather(*(conn.close() for conn in connections), return_exceptions=True)
