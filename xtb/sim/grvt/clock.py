"""The venue's wall clock, one object every desk reads: sessions, signature windows, `/time` and the
nanosecond timestamps of every payload.

Why an object with a replaceable `source` rather than a clock handed to each desk: a test swaps the
front-end's `auth_clock` to verify the spec's vectors, signed in the past, and every desk must see
the swap at once.
"""

from __future__ import annotations

from xtb.clock import Clock


class VenueClock:
    def __init__(self, source: Clock) -> None:
        self.source = source

    def now(self) -> float:
        return self.source.time()

    def now_ns(self) -> int:
        return round(self.source.time() * 1_000_000_000)

    def now_ns_str(self) -> str:
        return str(self.now_ns())
