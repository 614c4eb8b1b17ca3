"""Hyperliquid nonces (spec §2.5 steps 2 and 5, §2.6): a time window, then a per-signer set.

The venue keeps the 100 highest nonces of each signer (the agent when an agent signs, the user when
the user does). A new nonce must lie within (now − 2 days, now + 1 day), never have been used, and,
once the set is full, exceed its smallest member. The time window is checked before the signature is
read, the set after the signer is known, so the two checks are separate calls.

Only actions the venue executes consume a nonce (refused ones do not), so `consume` is the caller's
step after acceptance, never part of a check.
"""

from __future__ import annotations

import heapq

from xtb.clock import Clock
from xtb.sim.hyperliquid.errors import HyperliquidError

WINDOW_SIZE = 100
PAST_MS = 2 * 24 * 60 * 60 * 1000
FUTURE_MS = 1 * 24 * 60 * 60 * 1000


class NonceWindows:
    """The venue's nonce book: one window of the highest nonces per signer, lower-cased address keys."""

    def __init__(
        self, clock: Clock, size: int = WINDOW_SIZE, *, past_ms: int = PAST_MS, future_ms: int = FUTURE_MS
    ) -> None:
        self._clock = clock
        self.size = size
        self.past_ms = past_ms
        self.future_ms = future_ms
        self._heaps: dict[str, list[int]] = {}
        self._used: dict[str, set[int]] = {}

    def now_ms(self) -> int:
        return int(self._clock.time() * 1000)

    def check_time(self, nonce: int) -> None:
        """Step 2: a nonce far from now is refused before anyone looks at the signature."""
        now = self.now_ms()
        low, high = now - self.past_ms, now + self.future_ms
        if nonce < low:
            raise HyperliquidError(f"Invalid nonce: nonce too low {nonce} < {low}")
        if nonce > high:
            raise HyperliquidError(f"Invalid nonce: nonce too high {nonce} > {high}")

    def check_signer(self, signer: str, nonce: int) -> None:
        """Step 5: unused by this signer and, when the window is full, above its smallest nonce."""
        key = signer.lower()
        if nonce in self._used.get(key, ()):
            raise HyperliquidError(f"Invalid nonce: duplicate nonce {nonce}")
        heap = self._heaps.get(key, [])
        if len(heap) >= self.size and nonce < heap[0]:
            raise HyperliquidError(f"Invalid nonce: nonce too low {nonce} < {heap[0]}")

    def consume(self, signer: str, nonce: int) -> None:
        """Record an executed action's nonce; the window keeps only the highest `size`."""
        key = signer.lower()
        heap = self._heaps.setdefault(key, [])
        used = self._used.setdefault(key, set())
        heapq.heappush(heap, nonce)
        used.add(nonce)
        if len(heap) > self.size:
            used.discard(heapq.heappop(heap))

    def clear(self) -> None:
        """Forget every signer's window (the control API's reset)."""
        self._heaps.clear()
        self._used.clear()

    def kept(self, signer: str) -> list[int]:
        """The signer's window, lowest first: what the venue still remembers."""
        return sorted(self._heaps.get(signer.lower(), []))
