"""Client-side pacing: a connector never sends a request that its venue's published limits would refuse.

Venues limit REST traffic in sliding windows ("2400 weight per minute per IP", "300 orders per 10
seconds per account"). Each venue package declares its limits and what each request costs as data,
a `RateCard`; the connector's `Pacer` holds every request until it fits every window, using at most
`SAFETY_MARGIN` of each published limit.

The ledgers (what was sent when) are process-wide, keyed by the venue's host (and the account, for
per-account limits): a venue counts per IP or per account, not per connector object, so a connector
started after another one stopped (the conformance suite starts one per scenario) inherits what the
earlier one spent in the window.
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from yarl import URL

from xtb.clock import Clock

log = logging.getLogger(__name__)

#: The share of a published limit the connector lets itself use. The rest absorbs what the client
#: cannot see exactly: the venue stamps a request when it arrives (later than we do, so its window
#: lets go of it later), requests still in flight when the venue reports its count, and other
#: clients behind the same IP.
SAFETY_MARGIN = 0.9

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Limit:
    """At most `limit` units of `meter` in any `seconds`-long window.

    `meter` is what the venue counts: "weight" (each request's weight; 1 on a venue that counts
    requests unweighted), "requests" (1 per request whatever its weight), or a named bucket a
    request may count against ("orders", "tx"). `scope` says whose budget it is: the IP's (all
    accounts of this process share it) or one account's."""

    meter: str
    limit: int
    seconds: float
    scope: Literal["ip", "account"] = "ip"

    def __post_init__(self) -> None:
        if self.limit < 1 or not self.seconds > 0:
            raise ValueError(f"a rate limit needs a positive limit and window, got {self}")

    def capacity(self, margin: float = SAFETY_MARGIN) -> int:
        """The units the connector allows itself in one window."""
        return max(1, math.floor(self.limit * margin))


@dataclass(frozen=True)
class Cost:
    """What one request counts against the limits: its weight, and 1 or more units of any named
    bucket it also counts against (`Cost(1, (("orders", 1),))` for a new order on Aster)."""

    weight: int = 1
    counts: tuple[tuple[str, int], ...] = ()

    def units(self, meter: str) -> int:
        if meter == "weight":
            return self.weight
        if meter == "requests":
            return 1
        return sum(n for name, n in self.counts if name == meter)


Costing = Callable[[str, URL], Cost]


def _unit_cost(method: str, url: URL) -> Cost:
    return Cost()


@dataclass(frozen=True)
class RateCard:
    """A venue's published request limits and the cost of each request it accepts.

    `usage_headers` names response headers in which the venue reports its own count for one window
    (Aster's `X-MBX-USED-WEIGHT-1M` → ("weight", 60)): when the venue counts more than we do, its
    count wins."""

    limits: tuple[Limit, ...]
    cost: Costing = _unit_cost
    usage_headers: Mapping[str, tuple[str, float]] = field(default_factory=dict)


UNLIMITED = RateCard(())  # a venue that publishes no limits (the test fakes)


class Window:
    """One sliding window's ledger: how many units were sent at which instant in the last `seconds`.
    A unit sent at `t` counts while `now < t + seconds` (the venue forgets it at `t + seconds`)."""

    def __init__(self, seconds: float, capacity: int) -> None:
        self.seconds = seconds
        self.capacity = capacity
        self.peak = 0  # the most units ever in the window at once
        self._entries: deque[tuple[float, int]] = deque()
        self._used = 0

    def __repr__(self) -> str:
        return f"Window({self.seconds}s, used={self._used}/{self.capacity}, peak={self.peak})"

    def used(self, now: float) -> int:
        horizon = now - self.seconds
        entries = self._entries
        while entries and entries[0][0] <= horizon:
            self._used -= entries.popleft()[1]
        return self._used

    def delay(self, units: int, now: float) -> float:
        """Seconds from `now` until `units` more fit; 0 when they fit now. A request heavier than the
        whole capacity waits for an empty window (then goes alone)."""
        used = self.used(now)
        must_leave = min(used, used + units - self.capacity)
        if must_leave <= 0:
            return 0.0
        left = 0
        for at, n in self._entries:
            left += n
            if left >= must_leave:
                return at + self.seconds - now
        raise AssertionError("unreachable: the entries add up to `used`")

    def add(self, units: int, now: float) -> None:
        if units <= 0:
            return
        self._entries.append((now, units))
        self._used += units
        self.peak = max(self.peak, self.used(now))

    def resync(self, reported: int, now: float) -> bool:
        """The venue says it counts `reported` units in this window: if that is more than we count
        (another client on our IP, a weight we under-estimate), book the difference now. True when
        our count moved."""
        missing = reported - self.used(now)
        if missing > 0:
            self.add(missing, now)
            return True
        return False


# Process-wide ledgers: per clock (a test's manual clock keeps its own), per (host key, scope, meter, window).
_LEDGERS: weakref.WeakKeyDictionary[Clock, dict[tuple[str, str, str, float], Window]] = weakref.WeakKeyDictionary()


def ledger(clock: Clock, key: str, account: str, limit: Limit, margin: float = SAFETY_MARGIN) -> Window:
    """The shared window for `limit` at `key` (the venue and host), and `account` when the limit is
    per account. Its capacity follows the latest limit published for it."""
    windows = _LEDGERS.setdefault(clock, {})
    scope = account if limit.scope == "account" else ""
    slot = (key, scope, limit.meter, float(limit.seconds))
    window = windows.get(slot)
    if window is None:
        window = windows[slot] = Window(float(limit.seconds), limit.capacity(margin))
    window.capacity = limit.capacity(margin)
    return window


@dataclass(frozen=True)
class RequestUsage:
    """What a connector has sent so far: requests, their total weight, and the time spent waiting
    for room in a window (`waits` requests had to wait)."""

    requests: int = 0
    weight: int = 0
    waits: int = 0
    waited_s: float = 0.0


@dataclass(frozen=True)
class WindowStatus:
    meter: str
    seconds: float
    limit: int  # as published
    capacity: int  # what the connector allows itself
    used: int
    peak: int


class Pacer:
    """Holds each request until it fits every window of the connector's rate card, then books it.

    Waiters queue first come, first served (a heavy request is never starved by light ones), and
    each wait lasts exactly until the oldest entries that must make room leave their window.
    `sleep` is how the pacer waits on `clock`: real sleeps for the system clock; a test on a manual
    clock passes one that returns when the clock has moved."""

    def __init__(
        self,
        card: RateCard,
        *,
        key: str,
        clock: Clock,
        account: str = "",
        sleep: Sleep = asyncio.sleep,
        margin: float = SAFETY_MARGIN,
    ) -> None:
        if not 0 < margin <= 1:
            raise ValueError(f"the safety margin is a fraction of the limit in (0, 1], got {margin}")
        self.key = key
        self.clock = clock
        self.sleep = sleep
        self.margin = margin
        self.waiting = 0  # requests waiting for room right now
        self._account = account
        self._card = card
        self._windows: list[tuple[Limit, Window]] = []
        self._lock = asyncio.Lock()
        self._requests = self._weight = self._waits = 0
        self._waited = 0.0
        self._build()

    def __repr__(self) -> str:
        return f"Pacer({self.key!r}, {self._windows!r})"

    @property
    def card(self) -> RateCard:
        return self._card

    @property
    def limits(self) -> tuple[Limit, ...]:
        return self._card.limits

    def use(self, card: RateCard) -> None:
        """Pace by another card from now on (the venue published other limits, another tier)."""
        self._card = card
        self._build()

    def set_limits(self, limits: Sequence[Limit]) -> None:
        """Keep the card's costs, pace by the limits the venue published."""
        self.use(RateCard(tuple(limits), self._card.cost, self._card.usage_headers))

    def set_account(self, account: str) -> None:
        """Per-account limits count against this account's ledger from now on."""
        self._account = account
        self._build()

    def _build(self) -> None:
        self._windows = [(lim, ledger(self.clock, self.key, self._account, lim, self.margin)) for lim in self.limits]
        # per usage header the venue may send: the windows its count is for
        self._reported = [
            (name, [w for lim, w in self._windows if lim.meter == meter and lim.seconds == seconds])
            for name, (meter, seconds) in self._card.usage_headers.items()
        ]

    def cost(self, method: str, url: URL) -> Cost:
        return self._card.cost(method.upper(), url)

    @property
    def usage(self) -> RequestUsage:
        return RequestUsage(self._requests, self._weight, self._waits, self._waited)

    def status(self) -> list[WindowStatus]:
        now = self.clock.monotonic()
        return [
            WindowStatus(lim.meter, lim.seconds, lim.limit, w.capacity, w.used(now), w.peak) for lim, w in self._windows
        ]

    async def acquire(self, cost: Cost) -> float:
        """Wait until `cost` fits every window, then book it there. Returns the seconds waited."""
        started = self.clock.monotonic()
        if not self._windows:
            self._count(cost, 0.0)
            return 0.0
        if self.waiting == 0 and self._delay(cost, started) <= 0:
            self._book(cost, started)  # nobody queued and room now: no lock to take, no wait
            self._count(cost, 0.0)
            return 0.0
        self.waiting += 1
        try:
            async with self._lock:  # first come, first served
                while True:
                    now = self.clock.monotonic()
                    delay = self._delay(cost, now)
                    if delay <= 0:
                        break
                    log.debug("pacing key=%s wait=%.3fs cost=%s windows=%s", self.key, delay, cost, self._windows)
                    # The one wait of the pacer: exactly until the entries that must make room leave
                    # their window (checked again after it: another connector may have booked meanwhile).
                    await self.sleep(delay)
                self._book(cost, now)
        finally:
            self.waiting -= 1
        waited = now - started
        if waited > 1.0:
            log.info("pacing key=%s waited %.2fs for room under %s", self.key, waited, self.status())
        self._count(cost, waited)
        return waited

    def _book(self, cost: Cost, now: float) -> None:
        for lim, window in self._windows:
            window.add(cost.units(lim.meter), now)

    def _delay(self, cost: Cost, now: float) -> float:
        delays = (w.delay(units, now) for lim, w in self._windows if (units := cost.units(lim.meter)) > 0)
        return max(delays, default=0.0)

    def _count(self, cost: Cost, waited: float) -> None:
        self._requests += 1
        self._weight += cost.weight
        if waited > 0:
            self._waits += 1
            self._waited += waited

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take the venue's own counts from an answer's headers (the card's `usage_headers`)."""
        now = None
        for name, windows in self._reported:
            value = headers.get(name)
            if value is None or not windows or not value.strip().isdigit():
                continue
            now = self.clock.monotonic() if now is None else now
            for window in windows:
                if window.resync(int(value), now):
                    log.debug("pacing key=%s: the venue counts %s in %s's window; ours raised", self.key, value, name)
