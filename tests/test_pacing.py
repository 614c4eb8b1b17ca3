"""The request budget (xtb/connectors/pacing.py) on a manual clock: what fits, how long a request is
held (exactly until the window frees), weights, several windows at once, queue order, sharing
between connectors, and the venue's own count winning when it is higher."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from yarl import URL

from tests.manual_time import ManualTime
from xtb.connectors.pacing import SAFETY_MARGIN, Cost, Limit, Pacer, RateCard, RequestUsage, Window

ORDER = Cost(1, (("orders", 1),))
_keys = itertools.count()


def pacer(time: ManualTime, *limits: Limit, key: str | None = None, **card: object) -> Pacer:
    """A pacer on the manual clock, using the whole limit (margin 1) so the numbers read plainly.
    Each test gets its own host key unless it asks to share one."""
    return Pacer(
        RateCard(limits, **card),  # type: ignore[arg-type]
        key=key or f"test-{next(_keys)}",
        clock=time.clock,
        sleep=time.sleep,
        margin=1.0,
    )


# ------------------------------------------------------------------------------------ limits, windows


def test_capacity_keeps_the_documented_margin_below_the_limit() -> None:
    assert SAFETY_MARGIN == 0.9
    assert Limit("weight", 2400, 60).capacity() == 2160
    assert Limit("weight", 60, 60).capacity() == 54
    assert Limit("orders", 1, 10).capacity() == 1  # never below one request


def test_a_limit_needs_a_positive_limit_and_window() -> None:
    with pytest.raises(ValueError):
        Limit("weight", 0, 60)
    with pytest.raises(ValueError):
        Limit("weight", 10, 0)


def test_a_window_admits_up_to_its_capacity_then_names_the_exact_wait() -> None:
    window = Window(60, 10)
    assert window.delay(4, now=0) == 0
    window.add(4, now=0)
    window.add(6, now=10)
    assert window.used(now=20) == 10
    assert window.delay(3, now=20) == 40  # the 4 booked at 0 leave at 60
    assert window.delay(5, now=20) == 50  # 4 are not enough: the 6 booked at 10 leave at 70
    assert window.used(now=59.5) == 10
    assert window.used(now=60) == 6  # a unit counts while now < t + seconds
    assert window.delay(3, now=60) == 0


def test_weights_count_not_requests() -> None:
    window = Window(60, 10)
    window.add(9, now=0)
    assert window.delay(1, now=1) == 0
    assert window.delay(2, now=1) == 59


def test_a_request_heavier_than_the_whole_window_waits_for_it_to_empty_then_goes_alone() -> None:
    window = Window(60, 10)
    assert window.delay(40, now=0) == 0  # nothing else in the window: it goes (the venue decides)
    window.add(1, now=0)
    window.add(1, now=30)
    assert window.delay(40, now=31) == 59


def test_the_venues_higher_count_wins_a_lower_one_is_ignored() -> None:
    window = Window(60, 100)
    window.add(10, now=0)
    assert not window.resync(8, now=1)
    assert window.used(now=1) == 10
    assert window.resync(25, now=1)
    assert window.used(now=1) == 25
    assert window.used(now=60) == 15  # our own 10 leave on time; the venue's extra 15 were booked at 1
    assert window.peak == 25


# ------------------------------------------------------------------------------------------ the pacer


async def test_a_request_is_held_exactly_until_the_window_frees() -> None:
    time = ManualTime()
    p = pacer(time, Limit("weight", 10, 60))
    assert await p.acquire(Cost(4)) == 0
    time.advance(10)
    assert await p.acquire(Cost(6)) == 0
    time.advance(10)  # t = 20: full
    held = asyncio.create_task(p.acquire(Cost(3)))
    await time.until_sleeping()
    assert time.asked == [40]  # until the 4 booked at t = 0 leave, not a guess
    assert p.waiting == 1
    time.advance(39.5)
    assert not held.done() and time.sleeping == 1  # still held: the sleep has not ended
    time.advance(0.5)
    assert await held == 40
    assert [s.used for s in p.status()] == [9]
    assert p.usage == RequestUsage(requests=3, weight=13, waits=1, waited_s=40)


async def test_every_window_must_have_room_the_longest_wait_wins() -> None:
    time = ManualTime()
    p = pacer(time, Limit("weight", 10, 60), Limit("orders", 2, 10))
    await p.acquire(ORDER)
    await p.acquire(ORDER)
    assert await p.acquire(Cost(1)) == 0  # not an order: the orders window does not hold it
    third = asyncio.create_task(p.acquire(ORDER))
    await time.until_sleeping()
    assert time.asked == [10]  # the orders window frees first
    time.advance(10)
    assert await third == 10
    await p.acquire(Cost(6))  # weight 10 of 10 now
    fourth = asyncio.create_task(p.acquire(ORDER))
    await time.until_sleeping()
    assert time.asked[-1] == 50  # the orders window has room; the weight window frees at 60
    time.advance(50)
    assert await fourth == 50


async def test_waiters_go_first_come_first_served() -> None:
    time = ManualTime()
    p = pacer(time, Limit("weight", 10, 60))
    await p.acquire(Cost(8))
    time.advance(1)
    await p.acquire(Cost(2))  # full
    order: list[str] = []

    async def send(name: str, cost: Cost) -> None:
        await p.acquire(cost)
        order.append(name)

    heavy = asyncio.create_task(send("heavy", Cost(9)))
    await time.until_sleeping()
    light = asyncio.create_task(send("light", Cost(1)))
    time.advance(59)  # the 8 leave: the light one alone would fit now, the heavy one not yet
    await time.until_sleeping()
    assert order == [] and not light.done()
    time.advance(1)  # the 2 leave too
    await asyncio.gather(heavy, light)
    assert order == ["heavy", "light"]


async def test_connectors_to_one_host_share_its_budget_others_do_not() -> None:
    time = ManualTime()
    first = pacer(time, Limit("weight", 10, 60), key="venue@host:1")
    await first.acquire(Cost(10))
    later = pacer(time, Limit("weight", 10, 60), key="venue@host:1")  # e.g. a restarted connector
    assert later.status()[0].used == 10
    elsewhere = pacer(time, Limit("weight", 10, 60), key="venue@host:2")
    assert await elsewhere.acquire(Cost(10)) == 0
    held = asyncio.create_task(later.acquire(Cost(1)))
    await time.until_sleeping()
    assert time.asked == [60]
    time.advance(60)
    assert await held == 60


async def test_per_account_limits_are_kept_per_account() -> None:
    time = ManualTime()
    limits = (Limit("weight", 100, 60, "ip"), Limit("orders", 1, 10, "account"))
    alice = pacer(time, *limits, key="venue@host")
    alice.set_account("alice")
    bob = pacer(time, *limits, key="venue@host")
    bob.set_account("bob")
    await alice.acquire(ORDER)
    assert await bob.acquire(ORDER) == 0  # bob's own orders window
    assert [s.used for s in bob.status()] == [2, 1]  # but the IP's weight is shared


async def test_the_venues_reported_count_holds_the_next_request() -> None:
    time = ManualTime()
    p = pacer(time, Limit("weight", 10, 60), usage_headers={"X-Used-1M": ("weight", 60.0)})
    await p.acquire(Cost(1))
    p.observe({"X-Used-1M": "10"})  # another client on our IP spent the rest
    held = asyncio.create_task(p.acquire(Cost(1)))
    await time.until_sleeping()
    assert time.asked == [60]
    time.advance(60)
    await held
    p.observe({"X-Used-1M": "not a number"})
    p.observe({})
    assert p.status()[0].used == 1


async def test_new_published_limits_apply_to_the_same_ledger() -> None:
    time = ManualTime()
    p = pacer(time, Limit("weight", 100, 60))
    await p.acquire(Cost(5))
    p.set_limits([Limit("weight", 5, 60)])
    assert p.status()[0].used == 5 and p.status()[0].capacity == 5
    held = asyncio.create_task(p.acquire(Cost(1)))
    await time.until_sleeping()
    time.advance(60)
    assert await held == 60


async def test_without_limits_nothing_waits_but_everything_is_counted() -> None:
    time = ManualTime()
    p = pacer(time)
    for _ in range(1000):
        assert await p.acquire(Cost(40)) == 0
    assert p.usage == RequestUsage(requests=1000, weight=40_000)
    assert time.asked == []


def test_the_card_prices_each_request() -> None:
    def cost(method: str, url: URL) -> Cost:
        return Cost(40 if "symbol" not in url.query else 1)

    p = Pacer(RateCard((Limit("weight", 10, 60),), cost), key="k", clock=ManualTime().clock)
    assert p.cost("get", URL("http://h/openOrders")).weight == 40
    assert p.cost("GET", URL("http://h/openOrders?symbol=ETHUSDT")).weight == 1


def test_the_margin_is_a_fraction() -> None:
    with pytest.raises(ValueError, match="fraction"):
        Pacer(RateCard(()), key="k", clock=ManualTime().clock, margin=1.5)


class TickingClock:
    """A clock that moves on every read, as a real one does between two reads."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 0.001
        return self.now

    def time(self) -> float:
        return self.monotonic()


async def test_a_request_that_finds_room_is_not_counted_as_a_wait() -> None:
    p = Pacer(RateCard((Limit("weight", 100, 60),)), key=f"test-{next(_keys)}", clock=TickingClock(), margin=1.0)
    for _ in range(5):
        assert await p.acquire(Cost(1)) == 0
    assert p.usage == RequestUsage(requests=5, weight=5, waits=0, waited_s=0)
