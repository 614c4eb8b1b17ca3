"""The venue's clock, as far from ours as one request can tell.

Signed requests carry timestamps or nonces judged against venue time, so each venue measures the
offset at start: room under the rate limits is made first (a paced wait inside the measurement
would skew it), then the midpoint of the request is taken as the moment the venue read its clock.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

C = TypeVar("C")


async def offset_ms(pace: Callable[[], Awaitable[C]], ask: Callable[[C], Awaitable[int]]) -> int:
    """Venue time minus local time, in milliseconds. `pace()` makes room and returns the request's
    prepaid cost; `ask(cost)` sends it and returns the venue's time in epoch milliseconds."""
    cost = await pace()
    before = time.time()
    venue_ms = await ask(cost)
    after = time.time()
    return venue_ms - int((before + after) / 2 * 1000)
