"""Candles and funding (spec §4): `GET /api/v1/candles`, `/api/v1/fundings`, `/api/v1/funding-rates`.

Candles bucket the market's trade tape (the trades `recentTrades` serves), so they move with the
market and never contradict it; the tape holds the newest `tape_size` trades, so older buckets
fall away with them. Funding has no engine state: each market publishes its settings'
`funding_rate` (percent per interval, positive = longs pay) on the venue's hourly boundaries, and
a past funding's `value` (USDC per unit of base) is that rate of the last trade price at the
boundary, so only boundaries the tape has a price for appear.

Wire facts (from the venue's documented examples): candles `{"code":200,"r":"1m","c":[{t,o,h,l,c,
v,V,i}]}` with `t` the bucket start in ms, prices and volumes JSON numbers (`v` base, `V` quote),
`i` the bucket's last trade id, oldest first; fundings `{"code":200,"resolution":"1h","fundings":
[{"timestamp":1778702400,"value":"0.02707872","rate":"0.0012","direction":"long"}]}` with the
timestamp in seconds, `rate` the size of the rate and `direction` who pays; funding-rates
`{"code":200,"funding_rates":[{market_id,exchange,symbol,rate}]}` (`rate` a number). Requests take
`start_timestamp` / `end_timestamp` in ms and `count_back`; the spec names no code for a bad one,
so it is the simulator's 20001 `invalid param`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.sim import candles
from xtb.sim.candles import Candle, Print
from xtb.sim.lighter import params
from xtb.sim.lighter.errors import json_response
from xtb.sim.lighter.params import Handler
from xtb.sim.lighter.parts import VenueParts
from xtb.sim.lighter.settings import MarketDef

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
CANDLE_RESOLUTIONS = {
    "1m": MINUTE_MS, "5m": 5 * MINUTE_MS, "15m": 15 * MINUTE_MS, "30m": 30 * MINUTE_MS, "1h": HOUR_MS,
    "4h": 4 * HOUR_MS, "12h": 12 * HOUR_MS, "1d": DAY_MS, "1w": 7 * DAY_MS,
}  # fmt: skip
FUNDING_RESOLUTIONS = {"1h": HOUR_MS, "1d": DAY_MS}
MAX_TIMESTAMP_MS = 5_000_000_000_000
BOOLEANS = ("true", "false")
HUNDRED = Decimal(100)


def candle_json(candle: Candle) -> dict[str, Any]:
    return {
        "t": candle.start,
        "o": float(candle.open),
        "h": float(candle.high),
        "l": float(candle.low),
        "c": float(candle.close),
        "v": float(candle.volume),
        "V": float(candle.quote_volume),
        "i": candle.last_trade_id,
    }


def trade_print(trade: dict[str, Any]) -> Print:
    """A Trade of the tape as a candle sees it (ms; `is_maker_ask` means the taker bought)."""
    return Print(
        trade["timestamp"], Decimal(trade["price"]), Decimal(trade["size"]), trade["trade_id"],
        taker_buys=trade["is_maker_ask"],
    )  # fmt: skip


class ChartApi:
    def __init__(self, venue: VenueParts) -> None:
        self.venue = venue

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", path, params.endpoint(handler))
            for path, handler in (
                ("/api/v1/candles", self._candles),
                ("/api/v1/fundings", self._fundings),
                ("/api/v1/funding-rates", self._funding_rates),
            )
        ]

    def _window(self, request: web.Request) -> tuple[int, int, int]:
        """(start ms, end ms, count) of a ranged read; `count_back` above the cap is clamped."""
        start = params.integer(request, "start_timestamp", high=MAX_TIMESTAMP_MS)
        end = params.integer(request, "end_timestamp", high=MAX_TIMESTAMP_MS)
        if end < start:
            raise params.invalid("end_timestamp", "is before start_timestamp")
        count = params.integer(request, "count_back", low=1)
        return start, end, min(count, self.venue.settings.candles_max_count)

    def _prints(self, market: MarketDef) -> Iterator[Print]:
        return map(trade_print, self.venue.state.tape[market.market_id])

    async def _candles(self, request: web.Request) -> web.StreamResponse:
        market = params.market(request, self.venue.markets_by_id)
        assert market is not None
        resolution = params.choice(request, "resolution", CANDLE_RESOLUTIONS)
        start, end, count = self._window(request)
        params.choice(request, "set_timestamp_to_end", BOOLEANS, default="false")
        built = candles.build_candles(self._prints(market), CANDLE_RESOLUTIONS[resolution])
        rows = [candle_json(c) for c in candles.window(built, start, end, count)]
        return json_response({"code": 200, "r": resolution, "c": rows})

    async def _fundings(self, request: web.Request) -> web.StreamResponse:
        """One row per funding boundary in the window up to now, newest `count_back`, oldest first;
        a day's row carries the day's 24 hourly fundings at the market's rate."""
        market = params.market(request, self.venue.markets_by_id)
        assert market is not None
        resolution = params.choice(request, "resolution", FUNDING_RESOLUTIONS)
        start, end, count = self._window(request)
        span = FUNDING_RESOLUTIONS[resolution]
        rate = market.funding_rate * span / self.venue.settings.funding_interval_ms
        prints = list(self._prints(market))
        times = [p.time for p in prints]
        rows = []
        boundary = min(end, self.venue.now_ms()) // span * span
        first = max(start, times[0]) if times else boundary + 1  # no boundary before the first trade has a price
        while boundary >= first and len(rows) < count:
            rows.append(_funding_json(boundary, prints[bisect_right(times, boundary) - 1].price, rate))
            boundary -= span
        return json_response({"code": 200, "resolution": resolution, "fundings": rows[::-1]})

    async def _funding_rates(self, request: web.Request) -> web.StreamResponse:
        rows = [
            {"market_id": m.market_id, "exchange": "lighter", "symbol": m.symbol, "rate": float(m.funding_rate)}
            for m in self.venue.markets_by_id.values()
        ]
        return json_response({"code": 200, "funding_rates": rows})


def _funding_json(boundary_ms: int, price: Decimal, rate: Decimal) -> dict[str, Any]:
    return {
        "timestamp": boundary_ms // 1000,
        "value": format((price * abs(rate) / HUNDRED).quantize(Decimal("1E-8")), "f"),
        "rate": format(abs(rate).quantize(Decimal("1E-4")), "f"),
        "direction": "long" if rate >= 0 else "short",
    }
