"""The public REST routes of spec §4.1-§4.2 drawn live from the engine: system status, markets,
depth, tickers, recent trades, mark prices and the reference data (`reference`). Market history
(klines, trade history, open interest, funding) is `market_data`'s."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.sim.backpack import margin, reference
from xtb.sim.backpack import payloads as pl
from xtb.sim.backpack.errors import ApiError, json_response, text_response
from xtb.sim.backpack.params import MARKET_TYPES, query_enum, query_uint
from xtb.sim.backpack.parts import VenueParts

DEPTH_LIMITS = ("5", "10", "20", "50", "100", "500", "1000")


class PublicDesk:
    def __init__(self, parts: VenueParts) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.figures = parts.figures

    async def status(self, request: web.Request) -> web.StreamResponse:
        return json_response({"message": None, "status": "Ok"})

    async def ping(self, request: web.Request) -> web.StreamResponse:
        return text_response("pong")

    async def time(self, request: web.Request) -> web.StreamResponse:
        return text_response(str(self.figures.now_ms()))

    async def markets(self, request: web.Request) -> web.StreamResponse:
        kind = query_enum(request.query, "marketType", "MarketType", MARKET_TYPES)
        rows = [self._market_json(m.symbol) for m in self.parts.markets.values() if kind in (None, "PERP")]
        return json_response(rows, headers={"Cache-Control": "public, max-age=0, s-maxage=300"})

    async def market(self, request: web.Request) -> web.StreamResponse:
        return json_response(self._market_json(self.parts.market(request.query).symbol))

    def _market_json(self, symbol: str) -> dict[str, Any]:
        return pl.market_json(self.parts.markets[symbol], self.engine.market(symbol).maintenance_margin_fraction)

    async def depth(self, request: web.Request) -> web.StreamResponse:
        market = self.parts.market(request.query)
        limit = query_enum(request.query, "limit", "DepthLimit", DEPTH_LIMITS)
        depth = int(limit) if limit is not None else self.parts.settings.depth_limit
        book = self.engine.book(market.symbol, depth)  # no await between the book and its update id
        update_id = self.parts.state.update_ids[market.symbol]
        return json_response(pl.depth_json(book, update_id, self.engine.clock.time()))

    async def assets(self, request: web.Request) -> web.StreamResponse:
        return json_response(reference.assets_json(self.parts.markets.values()))

    async def collateral(self, request: web.Request) -> web.StreamResponse:
        markets = self.parts.markets
        imf = margin.default_fraction(self.engine, markets)
        return json_response(reference.collateral_json(imf, margin.maintenance_fraction(self.engine, markets)))

    async def empty_list(self, request: web.Request) -> web.StreamResponse:
        return json_response([])

    async def ticker(self, request: web.Request) -> web.StreamResponse:
        market = self.parts.market(request.query)
        return json_response(self._ticker_row(market.symbol, _interval(request)))

    async def tickers(self, request: web.Request) -> web.StreamResponse:
        interval = _interval(request)
        return json_response([self._ticker_row(symbol, interval) for symbol in self.parts.markets])

    def _ticker_row(self, symbol: str, seconds: int) -> dict[str, Any]:
        trades = self.figures.recent_trades(symbol, seconds)
        return pl.ticker_json(symbol, trades, self.figures.mark_price(symbol) or Decimal(0))

    async def trades(self, request: web.Request) -> web.StreamResponse:
        market = self.parts.market(request.query)
        limit = min(query_uint(request.query, "limit", 100) or 100, 1000)
        tape = list(self.parts.state.tapes[market.symbol])[-limit:]
        return json_response([pl.tape_trade_json(t) for t in tape])

    async def mark_prices(self, request: web.Request) -> web.StreamResponse:
        symbol = request.query.get("symbol")
        if symbol is not None and symbol not in self.parts.markets:
            raise ApiError(400, "INVALID_CLIENT_REQUEST", "Symbol not found")
        rows = []
        for market in self.parts.markets.values():
            mark = self.figures.mark_price(market.symbol)
            if (symbol is None or symbol == market.symbol) and mark is not None:
                rows.append(
                    {
                        "symbol": market.symbol,
                        "markPrice": pl.plain(mark),
                        "indexPrice": pl.plain(mark),
                        "fundingRate": "0",
                        "nextFundingTimestamp": self.figures.next_funding_ms(market),
                    }
                )
        return json_response(rows)


def _interval(request: web.Request) -> int:
    interval = query_enum(request.query, "interval", "TickerInterval", ("1d", "1w"))
    return 7 * 86_400 if interval == "1w" else 86_400
