"""The public streams of spec §5.3 that summarise the market rather than report one engine event:
`kline.<interval>.<symbol>` (each candle that took a trade since the last beat, at most one frame
per candle a second, then once more with `X: true` when its interval has ended) and
`openInterest.<symbol>` (every 60 s).

Both are drawn from what the REST answers use: candles from the market's trade prints, open
interest from every account's positions. Sim: the 60 s open-interest cadence starts when a symbol's
stream first has a subscriber (its first message comes at the next second's beat), so a client
does not wait up to a minute for its first value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from xtb.sim.backpack import klines
from xtb.sim.backpack.open_interest import open_interest
from xtb.sim.backpack.payloads import padded, us
from xtb.sim.backpack.settings import MarketDef
from xtb.sim.backpack.state import VenueState
from xtb.sim.engine import Engine

OPEN_INTEREST_EVERY = 60.0  # seconds
Publish = Callable[[str, str, Any], int]


@dataclass
class _Watch:
    """One kline stream: the beat it last looked at the tape, and the interval start of the candle
    it sent open (None: nothing open), which gets its final frame once the interval has ended."""

    last_beat: float
    open_start: int | None = None


def _iso(seconds: int) -> str:
    """Naive UTC ISO, as WS kline `t` / `T` write it ("2024-09-11T12:00:00")."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


class MarketStreams:
    def __init__(self, engine: Engine, state: VenueState, markets: Mapping[str, MarketDef], publish: Publish) -> None:
        self.engine = engine
        self.state = state
        self.markets = markets
        self.publish = publish
        self._klines: dict[str, _Watch] = {}
        self._interest_at: dict[str, float] = {}
        self._previous_beat = engine.clock.time()

    def every_second(self, channels: Collection[str], now: float) -> None:
        """One beat: `channels` are the stream names some socket is subscribed to."""
        since, self._previous_beat = self._previous_beat, now
        for name in [c for c in self._klines if c not in channels]:
            del self._klines[name]  # nobody listens: a new subscriber starts afresh
        for name in [c for c in self._interest_at if c not in channels]:
            del self._interest_at[name]
        for name in channels:
            head, _, rest = name.partition(".")
            if head == "kline":
                interval, _, symbol = rest.partition(".")
                if interval in klines.INTERVAL_SECONDS and symbol in self.markets:
                    self._kline(name, interval, self.markets[symbol], since, now)
            elif head == "openInterest" and rest in self.markets:
                self._open_interest(name, self.markets[rest], now)

    def _kline(self, name: str, interval: str, market: MarketDef, since: float, now: float) -> None:
        """Every candle that took a trade since the last beat, and the open one whose interval
        ended, oldest first; a candle whose interval has ended goes out final (`X: true`)."""
        watch = self._klines.get(name)
        if watch is None:  # subscribed since the previous beat: the trades since then count
            watch = self._klines[name] = _Watch(since)
        tape = self.state.tapes[market.symbol]
        starts = set()
        for trade in reversed(tape):
            if trade.ts <= watch.last_beat:
                break
            starts.add(klines.bucket(trade.ts, interval)[0])
        if watch.open_start is not None and klines.bucket(watch.open_start, interval)[1] <= now:
            starts.add(watch.open_start)
        watch.last_beat = now
        for start in sorted(starts):
            candle = next(c for c in klines.candles(tape, interval, start, None) if c.start == start)
            closed = candle.end <= now
            watch.open_start = None if closed else start
            self._send(name, market, candle, now, closed=closed)

    def _send(self, name: str, market: MarketDef, candle: klines.Candle, now: float, *, closed: bool) -> None:
        pdec, sdec = market.price_decimals, market.size_decimals
        data = {
            "e": "kline",
            "E": us(now),
            "s": market.symbol,
            "t": _iso(candle.start),
            "T": _iso(candle.end),
            "o": padded(candle.open, pdec),
            "c": padded(candle.close, pdec),
            "h": padded(candle.high, pdec),
            "l": padded(candle.low, pdec),
            "v": padded(candle.volume, sdec),
            "n": candle.trades,
            "X": closed,
        }
        self.publish(name, "kline", {"stream": name, "data": data})

    def _open_interest(self, name: str, market: MarketDef, now: float) -> None:
        last = self._interest_at.get(name)
        if last is not None and now - last < OPEN_INTEREST_EVERY:
            return
        self._interest_at[name] = now
        data = {
            "e": "openInterest",
            "E": us(now),
            "s": market.symbol,
            "o": padded(open_interest(self.engine, market.symbol), market.size_decimals),
        }
        self.publish(name, "openInterest", {"stream": name, "data": data})
