"""EventBus fan-out: each listener on its own queue, so slow or failing listeners only affect themselves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from xtb.events import Event, EventBus, EventKind

N = 50


def event(i: int, kind: EventKind = EventKind.ORDER) -> Event:
    return Event(kind, "test", i, float(i))


@pytest.fixture
async def bus() -> AsyncIterator[EventBus]:
    b = EventBus()
    try:
        yield b
    finally:
        await b.close()


async def test_slow_listener_does_not_delay_a_fast_one(bus: EventBus) -> None:
    release = asyncio.Event()
    slow_got: list[int] = []
    fast_got: list[int] = []
    fast_done = asyncio.Event()

    async def slow(e: Event) -> None:
        await release.wait()
        slow_got.append(e.payload)

    def fast(e: Event) -> None:
        fast_got.append(e.payload)
        if len(fast_got) == N:
            fast_done.set()

    slow_sub = bus.subscribe(slow)
    bus.subscribe(fast)
    for i in range(N):
        bus.publish(event(i))

    await asyncio.wait_for(fast_done.wait(), 1)
    assert fast_got == list(range(N))
    assert slow_got == []  # still stuck on the first event
    assert slow_sub.delivered == 0

    release.set()
    await bus.drain(1)
    assert slow_got == list(range(N))
    assert slow_sub.delivered == N


async def test_failing_listener_keeps_receiving_and_others_get_everything(
    bus: EventBus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="xtb.events")
    attempts: list[int] = []
    good: list[int] = []

    def bad(e: Event) -> None:
        attempts.append(e.payload)
        raise RuntimeError(f"listener broke on {e.payload}")

    def fine(e: Event) -> None:
        good.append(e.payload)

    bad_sub = bus.subscribe(bad, name="bad")
    good_sub = bus.subscribe(fine, name="good")
    for i in range(N):
        bus.publish(event(i))
    await bus.drain(1)

    assert attempts == list(range(N))
    assert bad_sub.failures == N
    assert bad_sub.delivered == 0
    assert bad_sub.task is not None and not bad_sub.task.done()
    assert good == list(range(N))
    assert (good_sub.delivered, good_sub.failures) == (N, 0)
    failures_logged = [r for r in caplog.records if "event listener failed" in r.getMessage()]
    assert len(failures_logged) == N
    assert "listener broke on 0" in caplog.text


async def test_sync_and_async_listeners_both_receive(bus: EventBus) -> None:
    sync_got: list[int] = []
    async_got: list[int] = []
    gate = asyncio.Event()
    gate.set()

    def sync_listener(e: Event) -> None:
        sync_got.append(e.payload)

    async def async_listener(e: Event) -> None:
        await gate.wait()
        async_got.append(e.payload)

    subs = [bus.subscribe(sync_listener), bus.subscribe(async_listener)]
    for i in range(5):
        bus.publish(event(i))
    await bus.drain(1)
    assert sync_got == [0, 1, 2, 3, 4]
    assert async_got == [0, 1, 2, 3, 4]
    assert [s.delivered for s in subs] == [5, 5]


async def test_kinds_filter(bus: EventBus) -> None:
    orders: list[Event] = []
    trades_books: list[Event] = []
    everything: list[Event] = []
    bus.subscribe(orders.append, [EventKind.ORDER])
    bus.subscribe(trades_books.append, {EventKind.TRADE, EventKind.BOOK})
    bus.subscribe(everything.append)

    published = [
        event(0, EventKind.ORDER),
        event(1, EventKind.TRADE),
        event(2, EventKind.POSITION),
        event(3, EventKind.BOOK),
        event(4, EventKind.CONNECTION),
        event(5, EventKind.ORDER),
    ]
    for e in published:
        bus.publish(e)
    await bus.drain(1)

    assert [e.payload for e in orders] == [0, 5]
    assert [e.payload for e in trades_books] == [1, 3]
    assert everything == published


async def test_full_queue_drops_and_counts_without_blocking_publish(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="xtb.events")
    bus = EventBus(queue_size=2)
    started = asyncio.Event()
    release = asyncio.Event()
    got: list[int] = []

    async def blocked(e: Event) -> None:
        started.set()
        await release.wait()
        got.append(e.payload)

    sub = bus.subscribe(blocked)
    try:
        bus.publish(event(0))
        await asyncio.wait_for(started.wait(), 1)  # the worker holds event 0; the queue is empty

        for i in range(1, 6):
            bus.publish(event(i))  # returns at once even though nobody is consuming
        assert sub.dropped == 3  # 1 and 2 fit in the queue, 3..5 do not
        assert sub.queue.qsize() == 2
        assert len([r for r in caplog.records if "event dropped" in r.getMessage()]) == 3

        release.set()
        await bus.drain(1)
        assert got == [0, 1, 2]
        assert sub.delivered == 3
    finally:
        await bus.close()


async def test_drain_waits_for_delivery(bus: EventBus) -> None:
    entered = asyncio.Event()
    gate = asyncio.Event()
    got: list[int] = []

    async def listener(e: Event) -> None:
        entered.set()
        await gate.wait()
        got.append(e.payload)

    bus.subscribe(listener)
    bus.publish(event(7))
    drain = asyncio.create_task(bus.drain(1))
    await asyncio.wait_for(entered.wait(), 1)
    assert not drain.done()
    assert got == []

    gate.set()
    await asyncio.wait_for(drain, 1)
    assert got == [7]


async def test_drain_times_out_when_a_listener_is_stuck(bus: EventBus) -> None:
    never = asyncio.Event()

    async def stuck(e: Event) -> None:
        await never.wait()

    bus.subscribe(stuck)
    bus.publish(event(1))
    with pytest.raises(TimeoutError):
        await bus.drain(0.05)


async def test_close_cancels_workers_and_refuses_new_subscribers() -> None:
    bus = EventBus()
    never = asyncio.Event()
    entered = asyncio.Event()
    got: list[int] = []

    async def stuck(e: Event) -> None:
        entered.set()
        await never.wait()

    idle = bus.subscribe(lambda e: None)
    busy = bus.subscribe(stuck)
    bus.publish(event(1))
    await asyncio.wait_for(entered.wait(), 1)

    await asyncio.wait_for(bus.close(), 1)

    assert idle.task is not None and idle.task.cancelled()
    assert busy.task is not None and busy.task.cancelled()
    assert bus.subscriptions == []
    with pytest.raises(RuntimeError, match="closed"):
        bus.subscribe(got.append)
    bus.publish(event(2))  # publishing after close neither raises nor delivers
    assert got == []


async def test_unsubscribe_stops_delivery(bus: EventBus) -> None:
    kept: list[int] = []
    removed: list[int] = []
    bus.subscribe(lambda e: kept.append(e.payload))
    sub = bus.subscribe(lambda e: removed.append(e.payload))
    bus.publish(event(1))
    await bus.drain(1)
    bus.unsubscribe(sub)
    bus.publish(event(2))
    await bus.drain(1)
    assert kept == [1, 2]
    assert removed == [1]
    assert sub not in bus.subscriptions
