"""Market-data routes (spec §4.1-§4.5): server time, instruments, currencies, depth, tickers, public
trades, candles and funding. Public calls ignore a session if one is sent, and stray keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.sim import inbound
from xtb.sim.candles import Candle, Print, build_candles
from xtb.sim.grvt import checks, query
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.auth import Ctx
from xtb.sim.grvt.errors import GrvtError, json_response
from xtb.sim.grvt.parts import Parts
from xtb.sim.grvt.query import page
from xtb.sim.grvt.settings import MarketDef
from xtb.sim.grvt.state import TapeTrade

DEPTHS = frozenset({10, 50, 100, 500})
TRADE_LIMIT_MAX = 1000
INTERVALS = {
    "CI_1_M": 60, "CI_3_M": 180, "CI_5_M": 300, "CI_15_M": 900, "CI_30_M": 1800, "CI_1_H": 3600,
    "CI_2_H": 7200, "CI_4_H": 14_400, "CI_6_H": 21_600, "CI_8_H": 28_800, "CI_12_H": 43_200, "CI_1_D": 86_400,
    "CI_3_D": 259_200, "CI_5_D": 432_000, "CI_1_W": 604_800, "CI_2_W": 1_209_600, "CI_3_W": 1_814_400,
    "CI_4_W": 2_419_200,
}  # fmt: skip
CANDLE_TYPES = frozenset({"TRADE", "MARK", "INDEX", "MID"})


def candles(tape: Iterable[TapeTrade], instrument: str, seconds: int) -> list[dict[str, Any]]:
    """Candlesticks of the tape, newest first (every type is drawn from trades in the simulator;
    the shared builder, candles.py, buckets them in whole milliseconds)."""
    prints = (Print(int(t.ts * 1000), t.price, t.size) for t in tape)
    return [_candle_row(c, instrument) for c in reversed(build_candles(prints, seconds * 1000))]


def _candle_row(c: Candle, instrument: str) -> dict[str, Any]:
    return {
        "open_time": str(c.start * 1_000_000), "close_time": str(c.end * 1_000_000),
        "open": pl.num(c.open), "close": pl.num(c.close), "high": pl.num(c.high), "low": pl.num(c.low),
        "volume_b": pl.num(c.volume), "volume_q": pl.num(c.quote_volume),
        "trades": c.trades, "instrument": instrument,
    }  # fmt: skip


class MarketData:
    def __init__(self, parts: Parts) -> None:
        self.engine = parts.engine
        self.markets = parts.markets
        self.state = parts.state
        self.clock = parts.clock
        self.figures = parts.figures

    def market(self, body: Mapping[str, Any], code: int = 3000) -> MarketDef:
        name = body.get("instrument")
        market = self.markets.get(name) if isinstance(name, str) else None  # a list is no instrument either
        if market is None:
            raise GrvtError(code)
        return market

    async def time(self, request: web.Request) -> web.StreamResponse:
        return json_response({"server_time": round(self.clock.now() * 1000)})

    async def all_instruments(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        active = body.get("is_active")
        rows = [pl.instrument_json(m) for m in self.markets.values() if active in (None, m.active)]
        return {"result": rows}

    async def instruments(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        wanted = set(query.instruments(self.markets, body))
        active = body.get("is_active")
        limit = body.get("limit") if isinstance(body.get("limit"), int) else None
        rows = [
            pl.instrument_json(m)
            for m in self.markets.values()
            if m.instrument in wanted and active in (None, m.active)
        ]
        return {"result": rows[:limit] if limit else rows}

    async def instrument(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        return {"result": pl.instrument_json(self.market(body))}

    async def currency(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        return {"result": pl.currencies_json()}

    async def book(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        market = self.market(body)
        depth = body.get("depth", 10)
        if isinstance(depth, str):
            depth = inbound.integer(depth)
        if not isinstance(depth, int) or isinstance(depth, bool) or depth not in DEPTHS:
            raise GrvtError(3031)
        book = self.engine.book(market.instrument, depth)
        return {"result": pl.book_json(market.instrument, book.bids, book.asks, self.clock.now_ns_str())}

    async def mini(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        return {"result": pl.mini_json(self.figures.top(self.market(body).instrument))}

    async def ticker(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        return {"result": self.figures.ticker(self.market(body))}

    async def trade(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        market = self.market(body)
        limit = checks.uint(body.get("limit", 50), "limit", 2**31)
        if not 1 <= limit <= TRADE_LIMIT_MAX:
            raise GrvtError(3011)
        tape = list(self.state.tapes[market.instrument])[-limit:]
        mark = self.figures.mark_price(market.instrument)
        return {"result": [pl.trade_json(t, market.instrument, mark) for t in reversed(tape)]}

    async def trade_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        market = self.market(body)
        mark = self.figures.mark_price(market.instrument)
        rows = [
            (round(t.ts * 1e9), pl.trade_json(t, market.instrument, mark)) for t in self.state.tapes[market.instrument]
        ]
        return page(rows, body)

    async def kline(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        market = self.market(body)
        interval, kind = body.get("interval"), body.get("type", "TRADE")
        seconds = INTERVALS.get(interval) if isinstance(interval, str) else None
        if seconds is None:
            raise GrvtError(3040)
        if not isinstance(kind, str) or kind not in CANDLE_TYPES:
            raise GrvtError(3041)
        rows = candles(self.state.tapes[market.instrument], market.instrument, seconds)
        return page([(int(row["open_time"]), row) for row in rows], body)

    async def funding(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        market = self.market(body)
        interval_ns = market.funding_interval_hours * 3600 * 1_000_000_000
        last = self.clock.now_ns() // interval_ns * interval_ns
        mark = self.figures.mark_price(market.instrument) or Decimal(0)
        row = {
            "instrument": market.instrument, "funding_rate": "0.0", "funding_time": str(last),
            "mark_price": pl.num(mark), "funding_rate_8_h_avg": "0.0",
            "funding_interval_hours": market.funding_interval_hours,
        }  # fmt: skip
        return page([(last, row)], body)
