"""Candles drawn from a market's trade tape, one builder for every simulator front-end.

The simulators keep no separate candle store: a venue's candle endpoint buckets the recent trades
it already keeps, so a candle can never contradict the trades a client reads. Each front-end maps
its own tape to `Print`s (in its own integer time unit) and shapes `Candle`s into its wire format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Print:
    """One trade as a candle sees it; `time` in the caller's unit (ms, ns...), `trade_id` the
    venue's id (the last one of a bucket is what some venues report)."""

    time: int
    price: Decimal
    size: Decimal
    trade_id: int = 0
    taker_buys: bool = False


@dataclass(frozen=True)
class Candle:
    """One bucket `[start, start + span)` of prints, in the prints' time unit."""

    start: int
    span: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal  # base
    quote_volume: Decimal  # Σ price·size
    taker_buy_volume: Decimal
    taker_buy_quote_volume: Decimal
    trades: int
    last_trade_id: int

    @property
    def end(self) -> int:
        return self.start + self.span


def build_candles(prints: Iterable[Print], span: int) -> list[Candle]:
    """The candles of `prints` (in time order) at width `span`, oldest first; buckets without a
    trade are absent (a venue that fills gaps does so itself)."""
    if span <= 0:
        raise ValueError(f"candle span must be positive, got {span}")
    buckets: dict[int, list[Print]] = {}
    for p in prints:
        buckets.setdefault(p.time // span * span, []).append(p)
    return [_candle(start, span, buckets[start]) for start in sorted(buckets)]


def _candle(start: int, span: int, prints: list[Print]) -> Candle:
    prices = [p.price for p in prints]
    taker_buys = [p for p in prints if p.taker_buys]
    return Candle(
        start=start,
        span=span,
        open=prices[0],
        high=max(prices),
        low=min(prices),
        close=prices[-1],
        volume=sum((p.size for p in prints), ZERO),
        quote_volume=sum((p.size * p.price for p in prints), ZERO),
        taker_buy_volume=sum((p.size for p in taker_buys), ZERO),
        taker_buy_quote_volume=sum((p.size * p.price for p in taker_buys), ZERO),
        trades=len(prints),
        last_trade_id=prints[-1].trade_id,
    )


def window(candles: list[Candle], start: int, end: int, count: int) -> list[Candle]:
    """The newest `count` candles that overlap `[start, end]`, oldest first (the way venues answer
    a `from / to / count back` query)."""
    inside = [c for c in candles if c.end > start and c.start <= end]
    return inside[-count:] if count > 0 else []
