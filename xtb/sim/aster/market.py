"""Public market-data routes (spec §4.2) and the spot endpoints a futures client may touch (§4.7).

Prices come from the engine's book (the mark is its mid), trades from the tape the stream mapper
keeps. The simulator has no funding, index or liquidations: funding history is empty, the index
is the mark, and the funding rate is zero.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.sim.aster import params as prm
from xtb.sim.aster import payloads as pl
from xtb.sim.aster.errors import AsterError, json_response, mandatory
from xtb.sim.aster.params import PARAMS
from xtb.sim.aster.parts import VenueParts
from xtb.sim.aster.settings import MarketDef
from xtb.sim.aster.state import TapeTrade
from xtb.sim.candles import Print, build_candles

DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
INTERVALS_MS = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
    "1M": 2_592_000_000,
}
FUNDING_INTERVAL_MS = 8 * 3_600_000
SPOT_RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
]


def depth_weight(limit: int) -> int:
    return 2 if limit <= 50 else 5 if limit == 100 else 10 if limit == 500 else 20


class MarketDesk:
    def __init__(self, parts: VenueParts) -> None:
        self.parts = parts

    def _symbol(self, request: web.Request, *, required: bool = True) -> MarketDef | None:
        return prm.symbol(request[PARAMS], self.parts.market_defs, required=required)

    def _tape(self, symbol: str) -> list[TapeTrade]:
        return list(self.parts.state.tapes[symbol])

    async def ping(self, request: web.Request) -> web.StreamResponse:
        return json_response({})

    async def time(self, request: web.Request) -> web.StreamResponse:
        return json_response({"serverTime": self.parts.now_ms()})

    async def exchange_info(self, request: web.Request) -> web.StreamResponse:
        engine = self.parts.engine
        markets = [(m, engine.market(m.symbol)) for m in self.parts.market_defs.values()]
        return json_response(pl.exchange_info_json(markets, self.parts.now_ms(), self.parts.settings.rate_limits))

    async def depth(self, request: web.Request) -> web.StreamResponse:
        market = self._symbol(request)
        assert market is not None
        limit = prm.integer(request[PARAMS], "limit")
        limit = self.parts.settings.depth_default_limit if limit is None else limit
        if limit not in DEPTH_LIMITS:
            raise AsterError(-4021)
        book = self.parts.engine.book(market.symbol, limit)  # no await between the book and its update id
        last = self.parts.state.last_update[market.symbol]
        return json_response(pl.depth_json(book, market, last, self.parts.now_ms()))

    async def book_ticker(self, request: web.Request) -> web.StreamResponse:
        market = self._symbol(request, required=False)
        rows = [self._book_ticker(m) for m in self.parts.market_defs.values() if market is None or m is market]
        return json_response(rows[0] if market is not None else rows)

    def _book_ticker(self, market: MarketDef) -> dict[str, Any]:
        top = self.parts.engine.top_of_book(market.symbol)
        return {
            "symbol": market.symbol,
            "bidPrice": pl.price(market, top.bid),
            "bidQty": pl.qty(market, top.bid_size),
            "askPrice": pl.price(market, top.ask),
            "askQty": pl.qty(market, top.ask_size),
            "time": self.parts.now_ms(),
            "lastUpdateId": self.parts.state.last_update[market.symbol],
        }

    async def price(self, request: web.Request) -> web.StreamResponse:
        market = self._symbol(request, required=False)
        rows = [
            {"symbol": m.symbol, "price": pl.price(m, self._last_price(m)), "time": self.parts.now_ms()}
            for m in self.parts.market_defs.values()
            if market is None or m is market
        ]
        return json_response(rows[0] if market is not None else rows)

    def _last_price(self, market: MarketDef) -> Decimal:
        tape = self.parts.state.tapes[market.symbol]
        return tape[-1].price if tape else self.parts.mark_price(market.symbol)

    async def ticker_24hr(self, request: web.Request) -> web.StreamResponse:
        market = self._symbol(request, required=False)
        rows = [self.ticker_row(m) for m in self.parts.market_defs.values() if market is None or m is market]
        return json_response(rows[0] if market is not None else rows)

    def ticker_row(self, market: MarketDef) -> dict[str, Any]:
        """24 h statistics from the tape (the futures ticker has no `baseAsset`)."""
        now = self.parts.now_ms()
        trades = [t for t in self._tape(market.symbol) if pl.ms(t.ts) >= now - 86_400_000]
        last = self._last_price(market)
        first = trades[0].price if trades else last
        volume = sum((t.size for t in trades), Decimal(0))
        quote = sum((t.size * t.price for t in trades), Decimal(0))
        return {
            "symbol": market.symbol,
            "priceChange": pl.price(market, last - first),
            "priceChangePercent": pl.fixed((last - first) / first * 100 if first else Decimal(0), 3),
            "weightedAvgPrice": pl.price(market, quote / volume if volume else last),
            "lastPrice": pl.price(market, last),
            "lastQty": pl.qty(market, trades[-1].size if trades else None),
            "openPrice": pl.price(market, first),
            "highPrice": pl.price(market, max((t.price for t in trades), default=last)),
            "lowPrice": pl.price(market, min((t.price for t in trades), default=last)),
            "volume": pl.qty(market, volume),
            "quoteVolume": pl.fixed(quote, 2),
            "openTime": now - 86_400_000,
            "closeTime": now,
            "firstId": self.parts.state.trade_id(trades[0].trade_id) if trades else 0,
            "lastId": self.parts.state.trade_id(trades[-1].trade_id) if trades else 0,
            "count": len(trades),
        }

    # ------------------------------------------------------------------------------- trades

    async def trades(self, request: web.Request) -> web.StreamResponse:
        market = self._symbol(request)
        assert market is not None
        params = request[PARAMS]
        limit = min(prm.integer(params, "limit") or 500, 1000)
        from_id = prm.integer(params, "fromId")
        rows = [self._trade_row(market, t) for t in self._tape(market.symbol)]
        if from_id is not None:
            rows = [r for r in rows if r["id"] >= from_id][:limit]
        return json_response(rows[-limit:] if from_id is None else rows)

    def _trade_row(self, market: MarketDef, t: TapeTrade) -> dict[str, Any]:
        return {
            "id": self.parts.state.trade_id(t.trade_id),
            "price": pl.price(market, t.price),
            "qty": pl.qty(market, t.size),
            "quoteQty": pl.quote(market, t.price * t.size),
            "time": pl.ms(t.ts),
            "isBuyerMaker": t.buyer_is_maker,
        }

    async def agg_trades(self, request: web.Request) -> web.StreamResponse:
        market = self._symbol(request)
        assert market is not None
        params = request[PARAMS]
        limit = min(prm.integer(params, "limit") or 500, 1000)
        from_id = prm.integer(params, "fromId")
        start, end = prm.integer(params, "startTime"), prm.integer(params, "endTime")
        rows = []
        for t in self._tape(market.symbol):
            agg = self.parts.state.agg_id(t.trade_id)
            at = pl.ms(t.ts)
            if (from_id is not None and agg < from_id) or (start is not None and at < start):
                continue
            if end is not None and at > end:
                continue
            tid = self.parts.state.trade_id(t.trade_id)
            rows.append(
                {
                    "a": agg,
                    "p": pl.price(market, t.price),
                    "q": pl.qty(market, t.size),
                    "f": tid,
                    "l": tid,
                    "T": at,
                    "m": t.buyer_is_maker,
                }
            )
        return json_response(rows[:limit] if from_id is not None else rows[-limit:])

    async def klines(self, request: web.Request) -> web.StreamResponse:
        """Candles from the tape; `markPriceKlines` / `indexPriceKlines` carry prices only."""
        params = request[PARAMS]
        if request.path.endswith("indexPriceKlines"):
            pair = params.require("pair")
            market = self.parts.market_defs.get(pair)
            if market is None:
                raise AsterError(-1121)
        else:
            market = self._symbol(request)
            assert market is not None
        interval = params.get("interval")
        if interval is None:
            raise mandatory("interval")
        if interval not in INTERVALS_MS:
            raise AsterError(-1120, "Invalid interval.")
        limit = min(prm.integer(params, "limit") or 500, 1500)
        prices_only = not request.path.endswith("/klines")
        return json_response(self.candles(market, INTERVALS_MS[interval], prices_only)[-limit:])

    def candles(self, market: MarketDef, span: int, prices_only: bool) -> list[list[Any]]:
        """Klines of the trade tape at `span` ms, oldest first (the shared builder, candles.py)."""
        prints = (
            Print(pl.ms(t.ts), t.price, t.size, taker_buys=not t.buyer_is_maker) for t in self._tape(market.symbol)
        )
        rows = []
        for c in build_candles(prints, span):
            row: list[Any] = [
                c.start,
                pl.price(market, c.open),
                pl.price(market, c.high),
                pl.price(market, c.low),
                pl.price(market, c.close),
            ]
            if prices_only:
                row += ["0", c.end - 1, "0", c.trades, "0", "0", "0"]
            else:
                row += [
                    pl.qty(market, c.volume),
                    c.end - 1,
                    pl.fixed(c.quote_volume, 8),
                    c.trades,
                    pl.qty(market, c.taker_buy_volume),
                    pl.fixed(c.taker_buy_quote_volume, 8),
                    "0",
                ]
            rows.append(row)
        return rows

    # ------------------------------------------------------------------------------ funding

    def next_funding_ms(self) -> int:
        now = self.parts.now_ms()
        return (now // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS

    def premium_row(self, market: MarketDef) -> dict[str, Any]:
        mark = pl.rounded(self.parts.mark_price(market.symbol))
        return {
            "symbol": market.symbol,
            "markPrice": mark,
            "indexPrice": mark,
            "estimatedSettlePrice": mark,
            "lastFundingRate": "0.00000000",
            "nextFundingTime": self.next_funding_ms(),
            "interestRate": "0.00010000",
            "time": self.parts.now_ms(),
        }

    async def premium_index(self, request: web.Request) -> web.StreamResponse:
        market = self._symbol(request, required=False)
        if market is not None:
            return json_response(self.premium_row(market))
        return json_response([self.premium_row(m) for m in self.parts.market_defs.values()])

    async def funding_rate(self, request: web.Request) -> web.StreamResponse:
        self._symbol(request, required=False)
        return json_response([])  # the simulator charges no funding

    async def funding_info(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            [
                {
                    "symbol": m.symbol,
                    "interestRate": "0.00010000",
                    "time": self.parts.now_ms(),
                    "fundingIntervalHours": 8,
                    "fundingFeeCap": "0.02000000",
                    "fundingFeeFloor": "-0.02000000",
                }
                for m in self.parts.market_defs.values()
            ]
        )

    async def index_references(self, request: web.Request) -> web.StreamResponse:
        symbol = request[PARAMS].get("symbol")
        market = self.parts.market_defs.get(symbol or "")
        if market is None:
            raise AsterError(-1000, "Invalid symbol.")  # sic (§4.2)
        return json_response(
            {"symbol": market.symbol, "references": [{"exchange": "simulator", "symbol": market.symbol, "weight": "1"}]}
        )

    # --------------------------------------------------------------------------------- spot

    async def spot_exchange_info(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            {
                "timezone": "UTC",
                "serverTime": self.parts.now_ms(),
                "rateLimits": SPOT_RATE_LIMITS,
                "exchangeFilters": [],
                "assets": [],
                "symbols": [],
            }
        )

    async def spot_account(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            {
                "feeTier": 0,
                "canTrade": True,
                "canDeposit": True,
                "canWithdraw": True,
                "canBurnAsset": True,
                "updateTime": 0,
                "balances": [],
            }
        )
