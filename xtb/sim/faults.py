"""Fault plans that simulator front-ends apply at one point each: before answering a REST request,
and before sending a stream message.

A fault matches by method/path (REST) or channel/kind (stream), fires for the next `count` matches
(None = until cleared), and is recorded in `applied` so a report can say what was injected.
"""

from __future__ import annotations

import asyncio
import enum
import fnmatch
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


class RestAction(enum.Enum):
    STATUS = "status"  # answer with `status` (e.g. 429 with Retry-After, 500, 503) without applying
    DELAY = "delay"  # wait `delay` seconds, then handle normally
    HOLD = "hold"  # hold the request until the held requests are released (at most `delay` seconds), then handle it
    DROP_RESPONSE = "drop_response"  # apply the request, then drop the connection: the ambiguous outcome
    APPLY_THEN_STATUS = "apply_then_status"  # apply the request, then answer `status` (a 503 after the fact)
    REJECT_ORDER = "reject_order"  # refuse the next order with `reason`, in the venue's own error shape


class StreamAction(enum.Enum):
    DROP = "drop"
    DELAY = "delay"
    DUPLICATE = "duplicate"
    REORDER = "reorder"  # hold this message and send it after the next one on the same connection
    HOLD = "hold"  # hold this message (and the connection's later ones) until released, at most `delay` seconds
    CLOSE = "close"  # close the socket instead of sending


@dataclass
class RestFault:
    action: RestAction
    path: str = "*"  # glob over the request path, e.g. "/api/v1/order*"
    method: str = "*"
    count: int | None = 1
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.0
    reason: str = ""

    def __post_init__(self) -> None:
        if self.count is not None and self.count < 1:
            raise ValueError(f"fault count must be at least 1 (or None for always), got {self.count}")
        if self.action in (RestAction.STATUS, RestAction.APPLY_THEN_STATUS) and not 400 <= self.status <= 599:
            raise ValueError(f"a status fault needs a 4xx/5xx status, got {self.status}")
        if self.delay < 0:
            raise ValueError(f"fault delay must be non-negative, got {self.delay}")
        if self.action is RestAction.HOLD and not self.delay > 0:
            raise ValueError(f"a hold fault needs a delay > 0 (the longest it holds), got {self.delay}")

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method.upper() == method.upper()) and fnmatch.fnmatchcase(path, self.path)


@dataclass
class StreamFault:
    action: StreamAction
    channel: str = "*"  # glob over the front-end's channel name
    kind: str = "*"  # glob over the message kind the front-end reports (e.g. "order", "fill", "depth")
    count: int | None = 1
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.count is not None and self.count < 1:
            raise ValueError(f"fault count must be at least 1 (or None for always), got {self.count}")
        if self.delay < 0:
            raise ValueError(f"fault delay must be non-negative, got {self.delay}")
        if self.action is StreamAction.HOLD and not self.delay > 0:
            raise ValueError(f"a hold fault needs a delay > 0 (the longest it holds), got {self.delay}")

    def matches(self, channel: str, kind: str) -> bool:
        return fnmatch.fnmatchcase(channel, self.channel) and fnmatch.fnmatchcase(kind, self.kind)


@dataclass(frozen=True)
class Delivery:
    """What to send for one stream message: after `wait` (a hold: until released or its limit),
    each (delay, message) in order, then maybe close."""

    sends: tuple[tuple[float, Any], ...]
    close: bool = False
    wait: Callable[[], Awaitable[bool]] | None = None


@dataclass
class FaultPlan:
    rest: list[RestFault] = field(default_factory=list)
    stream: list[StreamFault] = field(default_factory=list)
    applied: deque[str] = field(default_factory=lambda: deque(maxlen=1000))  # newest faults fired
    _held: dict[str, list[Any]] = field(default_factory=dict)  # reordered messages per connection
    _release: asyncio.Event | None = field(default=None, repr=False)  # set to let held requests go

    def add(self, *faults: RestFault | StreamFault) -> None:
        for fault in faults:
            (self.rest if isinstance(fault, RestFault) else self.stream).append(fault)

    def clear(self) -> None:
        self.rest.clear()
        self.stream.clear()
        self._held.clear()
        self.release()  # a cleared plan holds nothing back

    async def hold(self, limit: float) -> bool:
        """Hold a request (a HOLD fault) until `release()`: True, or until `limit` seconds: False."""
        return await self._wait_for(self._release_event(), limit)

    def _release_event(self) -> asyncio.Event:
        """The event the next `release()` sets: taken when a hold starts, so a release that comes
        before the holder awaits still lets it go."""
        if self._release is None:
            self._release = asyncio.Event()
        return self._release

    @staticmethod
    async def _wait_for(released: asyncio.Event, limit: float) -> bool:
        try:
            async with asyncio.timeout(limit):
                await released.wait()
        except TimeoutError:
            return False
        return True

    def release(self) -> None:
        """Let every held request go on now."""
        if self._release is not None:
            self._release.set()
            self._release = None

    def take_rest(self, method: str, path: str) -> RestFault | None:
        """The first transport fault (status, delay, hold, drop) matching this request, consuming one
        of its count. A front-end takes one for every request before its handler runs."""
        return self._take_rest(method, path, order=False)

    def take_order_rejection(self, method: str, path: str) -> RestFault | None:
        """The first REJECT_ORDER fault matching this order request, consuming one of its count.
        A front-end takes it only once an order request has authenticated, so a read or a refused
        login never spends the rejection meant for the next order."""
        return self._take_rest(method, path, order=True)

    def _take_rest(self, method: str, path: str, *, order: bool) -> RestFault | None:
        reject = RestAction.REJECT_ORDER
        fault = _take(self.rest, lambda f: (f.action is reject) is order and f.matches(method, path))
        if fault is not None:
            self.applied.append(f"rest {fault.action.value} {method} {path}")
        return fault

    def deliver(self, connection: str, channel: str, kind: str, message: Any) -> Delivery:
        """Decide how one outgoing stream message is sent on `connection`."""
        held = self._held.pop(connection, [])
        fault = _take(self.stream, lambda f: f.matches(channel, kind))
        if fault is None:
            return Delivery(tuple((0.0, m) for m in [message, *held]))
        self.applied.append(f"stream {fault.action.value} {channel} {kind}")
        if fault.action is StreamAction.DROP:
            return Delivery(tuple((0.0, m) for m in held))
        if fault.action is StreamAction.DELAY:
            return Delivery(((fault.delay, message), *((0.0, m) for m in held)))
        if fault.action is StreamAction.DUPLICATE:
            return Delivery(tuple((0.0, m) for m in [message, message, *held]))
        if fault.action is StreamAction.REORDER:
            self._held[connection] = [*held, message]
            return Delivery(())
        if fault.action is StreamAction.HOLD:
            released, limit = self._release_event(), fault.delay
            return Delivery(tuple((0.0, m) for m in [message, *held]), wait=lambda: self._wait_for(released, limit))
        return Delivery(tuple((0.0, m) for m in held), close=True)

    def release_held(self, connection: str) -> Iterable[Any]:
        """Messages still held for a connection (e.g. when it closes): the front-end decides."""
        return self._held.pop(connection, [])


def _take(faults: list[Any], predicate: Any) -> Any:
    for index, fault in enumerate(faults):
        if predicate(fault):
            if fault.count is not None:
                fault.count -= 1
                if fault.count == 0:
                    del faults[index]
            return fault
    return None
