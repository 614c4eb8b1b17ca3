"""Candles from the market's trade prints (spec §4.2 `GET /api/v1/klines`): each print falls in the
interval that holds it; an interval without prints has no candle (it has no open price).

Times are UTC. Fixed intervals are aligned to the epoch, weeks start on Monday and `1month` is the
calendar month. Sim: `priceType=Mark|Index` answer the same candles as `Last`, since the simulator's
mark and index are the book it trades on and it keeps no separate history of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from xtb.sim.backpack.payloads import plain
from xtb.sim.backpack.state import TapeTrade

INTERVAL_SECONDS: dict[str, int | None] = {
    "1s": 1,
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14_400,
    "6h": 21_600,
    "8h": 28_800,
    "12h": 43_200,
    "1d": 86_400,
    "3d": 259_200,
    "1w": 604_800,
    "1month": None,  # calendar months
}
PRICE_TYPES = ("Last", "Index", "Mark")
_WEEK_OFFSET = 4 * 86_400  # 1970-01-01 was a Thursday: Mondays fall 4 days later


def bucket(ts: float, interval: str) -> tuple[int, int]:
    """The [start, end) seconds of the `interval` candle that holds `ts`."""
    seconds = INTERVAL_SECONDS[interval]
    if seconds is None:
        moment = datetime.fromtimestamp(ts, UTC)
        start = datetime(moment.year, moment.month, 1, tzinfo=UTC)
        year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
        return int(start.timestamp()), int(datetime(year, month, 1, tzinfo=UTC).timestamp())
    offset = _WEEK_OFFSET if interval == "1w" else 0
    start = (int(ts) - offset) // seconds * seconds + offset
    return start, start + seconds


def stamp(seconds: int) -> str:
    """Naive UTC with a space separator, as the REST candles write it ("2026-09-01 17:23:00")."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Candle:
    start: int
    end: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = Decimal(0)
    quote_volume: Decimal = Decimal(0)
    trades: int = 0

    def add(self, trade: TapeTrade) -> None:
        self.high = max(self.high, trade.price)
        self.low = min(self.low, trade.price)
        self.close = trade.price
        self.volume += trade.size
        self.quote_volume += trade.price * trade.size
        self.trades += 1

    def json(self) -> dict[str, str]:
        return {
            "start": stamp(self.start),
            "end": stamp(self.end),
            "open": plain(self.open),
            "high": plain(self.high),
            "low": plain(self.low),
            "close": plain(self.close),
            "volume": plain(self.volume),
            "quoteVolume": plain(self.quote_volume),
            "trades": str(self.trades),
        }


def candles(trades: Iterable[TapeTrade], interval: str, start: int, end: int | None) -> list[Candle]:
    """The candles of the prints from the candle holding `start` up to `end` (seconds, exclusive),
    oldest first; `trades` come in time order."""
    first, _ = bucket(start, interval)
    rows: list[Candle] = []
    for trade in trades:
        if trade.ts < first or (end is not None and trade.ts >= end):
            continue
        if rows and trade.ts < rows[-1].end:
            rows[-1].add(trade)
            continue
        lo, hi = bucket(trade.ts, interval)
        candle = Candle(lo, hi, trade.price, trade.price, trade.price, trade.price)
        candle.add(trade)
        rows.append(candle)
    return rows
