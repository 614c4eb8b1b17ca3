"""Public market history of spec §4.2 drawn from the engine: candles and trade history from the
market's trade prints, open interest from every account's positions, funding rates per funding
interval. Historical market data (klines, trade history) is capped at 30 requests a minute per
client (§7.1), answered 429 `TOO_MANY_REQUESTS` with no `Retry-After`."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from aiohttp import web

from xtb.sim.backpack import klines
from xtb.sim.backpack import payloads as pl
from xtb.sim.backpack.errors import ApiError, invalid_request, json_response, param_error
from xtb.sim.backpack.open_interest import open_interest
from xtb.sim.backpack.params import query_enum, query_uint
from xtb.sim.backpack.parts import VenueParts
from xtb.sim.bounded import BoundedMap

TRADES_MAX = 1000
FUNDING_MAX = 10_000
FUNDING_RATE = Decimal(0)  # Sim: no funding is charged, as markPrice `f` says
RATE_WINDOW = 60.0
_CLIENTS_KEPT = 1024


class MarketData:
    def __init__(self, parts: VenueParts) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.started_at = parts.engine.clock.time()
        self._history_calls: BoundedMap[str, deque[float]] = BoundedMap(_CLIENTS_KEPT)

    def _throttle(self, request: web.Request) -> None:
        """§7.1: at most `history_rate_limit` calls in any minute per client address."""
        cap = self.parts.settings.history_rate_limit
        if cap is None:
            return
        now = self.engine.clock.monotonic()
        key = request.remote or ""
        calls = self._history_calls.get(key)
        if calls is None:
            calls = self._history_calls[key] = deque()
        while calls and calls[0] <= now - RATE_WINDOW:
            calls.popleft()
        if len(calls) >= cap:
            raise ApiError(429, "TOO_MANY_REQUESTS", "Too many requests")
        calls.append(now)

    async def klines(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        market = self.parts.market(query)
        interval = query_enum(query, "interval", "KlineInterval", klines.INTERVAL_SECONDS)
        if interval is None:
            raise param_error("interval", "KlineInterval")
        query_enum(query, "priceType", "KlinePriceType", klines.PRICE_TYPES)
        start = query_uint(query, "startTime")
        if start is None:
            raise param_error("startTime", "integer(uint64)")
        end = query_uint(query, "endTime")
        if end is not None and end < start:
            raise invalid_request("startTime must be before endTime")
        self._throttle(request)
        rows = klines.candles(self.parts.state.tapes[market.symbol], interval, start, end)
        return json_response([candle.json() for candle in rows])

    async def trade_history(self, request: web.Request) -> web.StreamResponse:
        """The `offset` newest prints skipped, then `limit` older ones, oldest first like `/trades`."""
        query = request.query
        market = self.parts.market(query)
        limit = min(query_uint(query, "limit", 100) or 100, TRADES_MAX)
        offset = query_uint(query, "offset", 0) or 0
        self._throttle(request)
        tape = list(self.parts.state.tapes[market.symbol])
        end = max(0, len(tape) - offset)
        return json_response([pl.tape_trade_json(t) for t in tape[max(0, end - limit) : end]])

    async def open_interest(self, request: web.Request) -> web.StreamResponse:
        market = self.parts.maybe_market(request.query)
        now = self.parts.figures.now_ms()
        symbols = self.parts.markets if market is None else (market.symbol,)
        rows = [
            {"symbol": symbol, "openInterest": pl.plain(open_interest(self.engine, symbol)), "timestamp": now}
            for symbol in symbols
        ]
        return json_response(rows)

    async def funding_rates(self, request: web.Request) -> web.StreamResponse:
        """One row per funding interval since the simulator started, newest (in progress) first."""
        query = request.query
        market = self.parts.market(query)
        limit = min(query_uint(query, "limit", 100) or 100, FUNDING_MAX)
        offset = query_uint(query, "offset", 0) or 0
        step = market.funding_interval_ms
        newest = self.parts.figures.next_funding_ms(market)
        oldest = (pl.ms(self.started_at) // step + 1) * step
        count = max(0, (newest - oldest) // step + 1)
        rows = [
            {
                "symbol": market.symbol,
                "intervalEndTimestamp": pl.iso_seconds((newest - i * step) / 1000),
                "fundingRate": pl.plain(pl.rounded(FUNDING_RATE, 9)),
            }
            for i in range(offset, min(count, offset + limit))
        ]
        return json_response(rows)
