"""Events and the fan-out bus that delivers them.

Each listener gets its own queue and worker task, so a slow listener only delays itself and a
failing one is logged and keeps receiving; neither can block or kill the others or the publisher.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class EventKind(enum.Enum):
    ORDER = "order"
    TRADE = "trade"
    POSITION = "position"
    BOOK = "book"
    CONNECTION = "connection"


class ConnectionState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True)
class ConnectionStatus:
    stream: str
    state: ConnectionState
    attempt: int = 0
    error: str = ""


@dataclass(frozen=True)
class Event:
    kind: EventKind
    venue: str
    payload: Any
    ts: float  # monotonic seconds


Listener = Callable[[Event], Awaitable[None] | None]


@dataclass
class Subscription:
    listener: Listener
    kinds: frozenset[EventKind]
    queue: asyncio.Queue[Event]
    name: str
    delivered: int = 0
    failures: int = 0
    dropped: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class EventBus:
    """Fan-out of events to listeners, each on its own bounded queue."""

    def __init__(self, queue_size: int = 10_000) -> None:
        self._queue_size = queue_size
        self._subs: list[Subscription] = []
        self._closed = False

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self._subs)

    def subscribe(
        self, listener: Listener, kinds: Iterable[EventKind] | None = None, *, name: str = ""
    ) -> Subscription:
        """Start delivering events of `kinds` (all kinds by default) to `listener`.

        Must be called from a running event loop; the listener may be sync or async.
        """
        if self._closed:
            raise RuntimeError("event bus is closed")
        sub = Subscription(
            listener=listener,
            kinds=frozenset(kinds) if kinds is not None else frozenset(EventKind),
            queue=asyncio.Queue(self._queue_size),
            name=name or getattr(listener, "__qualname__", repr(listener)),
        )
        sub.task = asyncio.get_running_loop().create_task(self._deliver(sub), name=f"bus:{sub.name}")
        self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)
        if sub.task is not None:
            sub.task.cancel()

    def publish(self, event: Event) -> None:
        """Queue `event` for every interested listener. Never blocks and never raises."""
        for sub in self._subs:
            if event.kind not in sub.kinds:
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                sub.dropped += 1
                log.warning("event dropped listener=%s kind=%s dropped=%d", sub.name, event.kind.value, sub.dropped)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until every listener has handled what was published so far."""
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(sub.queue.join() for sub in self._subs))

    async def close(self) -> None:
        self._closed = True
        subs, self._subs = self._subs, []
        for sub in subs:
            if sub.task is not None:
                sub.task.cancel()
        await asyncio.gather(*(s.task for s in subs if s.task is not None), return_exceptions=True)

    async def _deliver(self, sub: Subscription) -> None:
        while True:
            event = await sub.queue.get()
            try:
                result = sub.listener(event)
                if inspect.isawaitable(result):
                    await result
                sub.delivered += 1
            except asyncio.CancelledError:
                raise
            except Exception:
                sub.failures += 1
                log.exception("event listener failed listener=%s kind=%s", sub.name, event.kind.value)
            finally:
                sub.queue.task_done()
