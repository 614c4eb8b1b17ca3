"""The `candle/{m}/{res}` channel (spec §5.3): `candles:[{t,o,h,l,c,v,V,i}]` and `timestamp` (ms),
on `candle:{m}:{res}`, the same candles `GET /api/v1/candles` answers (drawn from the trade tape).

The snapshot is the newest candle (none before the market's first trade). Each trade then sends
the candle it lands in as it now stands; a trade that opens a new period sends the period just
closed first, then the new one. Only watched (market, resolution) pairs are computed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from xtb.sim import candles
from xtb.sim.candles import Print
from xtb.sim.lighter.charts import CANDLE_RESOLUTIONS, candle_json, trade_print

Tape = Mapping[int, Sequence[dict[str, Any]]]


def channel_resolution(channel: str) -> str | None:
    """The resolution of a server channel `candle:{m}:{res}` (None when it names no known one)."""
    parts = channel.split(":")
    return parts[2] if len(parts) == 3 and parts[0] == "candle" and parts[2] in CANDLE_RESOLUTIONS else None


class CandleStream:
    def __init__(self, tape: Tape, now_ms: Callable[[], int]) -> None:
        self._tape = tape
        self._now_ms = now_ms
        self._watched: Counter[tuple[int, str]] = Counter()

    def watch(self, market_id: int, resolution: str) -> None:
        self._watched[(market_id, resolution)] += 1

    def unwatch(self, market_id: int, resolution: str) -> None:
        self._watched[(market_id, resolution)] -= 1
        if self._watched[(market_id, resolution)] <= 0:
            del self._watched[(market_id, resolution)]

    def snapshot(self, market_id: int, resolution: str) -> dict[str, Any]:
        tape = self._tape[market_id]
        if not tape:
            return self._frame([])
        span = CANDLE_RESOLUTIONS[resolution]
        start = tape[-1]["timestamp"] // span * span
        return self._frame(candles.build_candles(self._since(market_id, start), span))

    def on_trade(self, market_id: int) -> list[tuple[str, dict[str, Any]]]:
        """(resolution, frame payload) for each watched resolution, after the tape's newest trade."""
        tape = self._tape[market_id]
        frames = []
        for watched_market, resolution in list(self._watched):
            if watched_market != market_id or not tape:
                continue
            span = CANDLE_RESOLUTIONS[resolution]
            start = tape[-1]["timestamp"] // span * span
            built = candles.build_candles(self._since(market_id, start - span), span)
            if len(built) == 2 and built[1].trades > 1:
                built = built[1:]  # the period was already open: only its candle changed
            frames.append((resolution, self._frame(built)))
        return frames

    def _since(self, market_id: int, start_ms: int) -> list[Print]:
        """The tape's prints from `start_ms` on, oldest first (read from the newest end)."""
        prints = []
        for trade in reversed(self._tape[market_id]):
            if trade["timestamp"] < start_ms:
                break
            prints.append(trade_print(trade))
        return prints[::-1]

    def _frame(self, built: list[candles.Candle]) -> dict[str, Any]:
        return {"candles": [candle_json(c) for c in built], "timestamp": self._now_ms()}
