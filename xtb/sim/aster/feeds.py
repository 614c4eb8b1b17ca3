"""Aster market streams (spec §5.2) from engine events: diff depth (`U` / `u` / `pu`) and partial
depth at 100 / 250 / 500 ms, bookTicker in real time, aggTrade / tradepro / kline per trade,
markPrice every 3 s (or 1 s), tickers every second.

Depth update ids come from one venue-wide counter, so a symbol's ids jump (as live): a diff message
carries `U` (first id), `u` (last id) and `pu` (the previous message's `u` on that stream), and REST
`lastUpdateId` is the symbol's latest id.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from xtb.model import Side
from xtb.sim.aster import payloads as pl
from xtb.sim.aster.market import INTERVALS_MS, MarketDesk
from xtb.sim.aster.parts import VenueParts
from xtb.sim.aster.state import TapeTrade
from xtb.sim.engine_types import BookChanged, FillView, LevelView, OrderView, Trade
from xtb.sim.periodic import Periodic

log = logging.getLogger(__name__)

BEAT_MS = 50
SPEEDS = (100, 250, 500)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("partial", re.compile(r"^([a-z0-9]+)@depth(5|10|20)(?:@(100|250|500)ms)?$")),
    ("diff", re.compile(r"^([a-z0-9]+)@depth(?:@(100|250|500)ms)?$")),
    ("bookTicker", re.compile(r"^([a-z0-9]+)@bookTicker$")),
    ("allBookTicker", re.compile(r"^!bookTicker$")),
    ("aggTrade", re.compile(r"^([a-z0-9]+)@aggTrade$")),
    ("tradepro", re.compile(r"^([a-z0-9]+)@tradepro$")),
    ("markPrice", re.compile(r"^([a-z0-9]+)@markPrice(@1s)?$")),
    ("allMarkPrice", re.compile(r"^!markPrice@arr(@1s)?$")),
    ("kline", re.compile(r"^([a-z0-9]+)@kline_(\w+)$")),
    ("miniTicker", re.compile(r"^([a-z0-9]+)@miniTicker$")),
    ("allMiniTicker", re.compile(r"^!miniTicker@arr$")),
    ("ticker", re.compile(r"^([a-z0-9]+)@ticker$")),
    ("allTicker", re.compile(r"^!ticker@arr$")),
    ("forceOrder", re.compile(r"^([a-z0-9]+)@forceOrder$|^!forceOrder@arr$")),
]


@dataclass(frozen=True)
class StreamSpec:
    kind: str
    symbol: str = ""  # upper case, as the venue's symbols
    levels: int = 0
    speed: int = 250
    interval: str = ""
    fast: bool = False  # markPrice@1s


def parse_stream(name: str) -> StreamSpec | None:
    for kind, pattern in _PATTERNS:
        match = pattern.match(name)
        if match is None:
            continue
        groups = match.groups()
        symbol = (groups[0] or "").upper() if groups and not name.startswith("!") else ""
        if kind == "partial":
            return StreamSpec(kind, symbol, int(groups[1]), int(groups[2] or 250))
        if kind == "diff":
            return StreamSpec(kind, symbol, speed=int(groups[1] or 250))
        if kind == "kline":
            return StreamSpec(kind, symbol, interval=groups[1]) if groups[1] in INTERVALS_MS else None
        if kind in ("markPrice", "allMarkPrice"):
            return StreamSpec(kind, symbol, fast=bool(groups[-1]))
        return StreamSpec(kind, symbol)
    return None


class StreamOut(Protocol):
    """What the market feeds publish through: the venue's streams (`AsterStreams`)."""

    def fanout(self, name: str, kind: str, payload: Any, channel: str | None = None) -> None: ...

    def subscribed(self, kind: str) -> list[tuple[str, StreamSpec]]: ...

    def event_ms(self) -> int: ...

    def order(self, order: OrderView, execution: str, fill: FillView | None = None, trade_id: int = 0) -> None: ...

    def expire_listen_keys(self) -> None: ...


class MarketFeeds:
    """`streams` publishes; `market_desk` answers what REST answers too (candles, tickers, funding)."""

    def __init__(self, parts: VenueParts, streams: StreamOut, market_desk: MarketDesk) -> None:
        self.parts = parts
        self.streams = streams
        self.market_desk = market_desk
        self._pending: dict[tuple[str, int], dict[str, Any]] = {}  # (symbol, speed) → U, u, levels
        self._last_u: dict[tuple[str, int], int] = {}  # the u of the last message per stream speed
        self._epoch = 0
        self.last_trade_ts = -1.0
        self.periodic = Periodic("aster-sim-periodic", BEAT_MS / 1000, self._beat)

    def _check_epoch(self) -> None:
        """After an engine reset the next message's `pu` is the jumped id: clients see a gap."""
        if self._epoch != self.parts.state.epoch:
            self._epoch = self.parts.state.epoch
            self._pending.clear()
            self._last_u.clear()

    def book(self, event: BookChanged) -> None:
        self._check_epoch()
        market = self.parts.market_defs.get(event.market)
        if market is None:
            return
        before = self.parts.state.last_update[event.market]
        update_id = self.parts.state.next_update_id(event.market)
        for speed in SPEEDS:
            self._last_u.setdefault((event.market, speed), before)  # the first message's pu
            pending = self._pending.setdefault((event.market, speed), {"U": update_id, "levels": {}})
            pending["u"] = update_id
            for level in event.levels:
                pending["levels"][(level.side, level.price)] = level
        if event.top_changed:
            now = self.streams.event_ms()
            ticker = {
                "e": "bookTicker",
                "u": update_id,
                "E": now,
                "T": pl.ms(event.ts),
                "s": event.market,
                "b": pl.price(market, event.bid),
                "B": pl.qty(market, event.bid_size),
                "a": pl.price(market, event.ask),
                "A": pl.qty(market, event.ask_size),
            }
            self.streams.fanout(f"{event.market.lower()}@bookTicker", "bookTicker", ticker)
            self.streams.fanout("!bookTicker", "bookTicker", ticker)

    def trade(self, event: Trade) -> None:
        state = self.parts.state
        market = self.parts.market_defs.get(event.market)
        if market is None:
            return
        self.last_trade_ts = event.ts
        buyer_is_maker = event.taker_side is Side.SELL
        state.tapes[event.market].append(TapeTrade(event.ts, event.trade_id, event.price, event.size, buyer_is_maker))
        now = self.streams.event_ms()
        tid = state.trade_id(event.trade_id)
        symbol = event.market.lower()
        self.streams.fanout(
            f"{symbol}@aggTrade",
            "aggTrade",
            {
                "e": "aggTrade",
                "E": now,
                "s": event.market,
                "a": state.agg_id(event.trade_id),
                "p": pl.price(market, event.price),
                "q": pl.qty(market, event.size),
                "f": tid,
                "l": tid,
                "T": pl.ms(event.ts),
                "m": buyer_is_maker,
            },
        )
        self.streams.fanout(
            f"{symbol}@tradepro",
            "tradepro",
            {
                "e": "tradepro",
                "E": now,
                "T": pl.ms(event.ts),
                "s": event.market,
                "t": tid,
                "p": pl.price(market, event.price),
                "q": pl.qty(market, event.size),
                "h": "0x" + secrets.token_hex(32),
                "m": ["hidden", "hidden"],
            },
        )
        for name, spec in self.streams.subscribed("kline"):
            if spec.symbol == event.market:
                self._kline(name, spec, market, now)
        for fill, order in ((event.taker, event.taker_order), (event.maker, event.maker_order)):
            self.streams.order(order, "TRADE", fill, tid)

    def _kline(self, name: str, spec: StreamSpec, market: Any, now: int) -> None:
        span = INTERVALS_MS[spec.interval]
        rows = self.market_desk.candles(market, span, prices_only=False)
        if not rows:
            return
        r = rows[-1]
        self.streams.fanout(
            name,
            "kline",
            {
                "e": "kline",
                "E": now,
                "s": market.symbol,
                "k": {
                    "t": r[0],
                    "T": r[6],
                    "s": market.symbol,
                    "i": spec.interval,
                    "f": 0,
                    "L": 0,
                    "o": r[1],
                    "c": r[4],
                    "h": r[2],
                    "l": r[3],
                    "v": r[5],
                    "n": r[8],
                    "x": False,
                    "q": r[7],
                    "V": r[9],
                    "Q": r[10],
                    "B": "0",
                },
            },
        )

    # ------------------------------------------------------------------------ periodic streams

    async def _beat(self, beat: int) -> None:
        elapsed = beat * BEAT_MS
        for speed in SPEEDS:
            if elapsed % speed == 0:
                self._flush_depth(speed)
        if elapsed % 1000 == 0:
            self.streams.expire_listen_keys()
            self._mark_prices(fast=True)
            self._tickers()
        if elapsed % 3000 == 0:
            self._mark_prices(fast=False)

    def _flush_depth(self, speed: int) -> None:
        self._check_epoch()
        now = self.streams.event_ms()
        for symbol, market in self.parts.market_defs.items():
            pending = self._pending.pop((symbol, speed), None)
            key = (symbol, speed)
            previous = self._last_u.get(key, self.parts.state.last_update[symbol])
            if pending is not None:
                self._last_u[key] = pending["u"]
                levels: list[LevelView] = list(pending["levels"].values())
                diff = {
                    "e": "depthUpdate",
                    "E": now,
                    "T": now,
                    "s": symbol,
                    "U": pending["U"],
                    "u": pending["u"],
                    "pu": previous,
                    "b": pl.level_pairs([lv for lv in levels if lv.side is Side.BUY], market),
                    "a": pl.level_pairs([lv for lv in levels if lv.side is Side.SELL], market),
                }
                lower = symbol.lower()
                self.streams.fanout(f"{lower}@depth@{speed}ms", "depthUpdate", diff)
                if speed == 250:
                    self.streams.fanout(f"{lower}@depth", "depthUpdate", diff)
            for name, spec in self.streams.subscribed("partial"):
                if spec.symbol == symbol and spec.speed == speed:
                    book = self.parts.engine.book(symbol, spec.levels)
                    last = self.parts.state.last_update[symbol]
                    self.streams.fanout(
                        name,
                        "depthUpdate",
                        {
                            "e": "depthUpdate",
                            "E": now,
                            "T": now,
                            "s": symbol,
                            "U": last,
                            "u": last,
                            "pu": previous,
                            "b": pl.level_pairs(book.bids, market),
                            "a": pl.level_pairs(book.asks, market),
                        },
                    )

    def _mark_row(self, symbol: str, now: int) -> dict[str, Any]:
        mark = pl.rounded(self.parts.mark_price(symbol))
        return {
            "e": "markPriceUpdate",
            "E": now,
            "s": symbol,
            "p": mark,
            "i": mark,
            "P": mark,
            "r": "0.00000000",
            "T": self.market_desk.next_funding_ms(),
        }

    def _mark_prices(self, *, fast: bool) -> None:
        now = self.streams.event_ms()
        for name, spec in self.streams.subscribed("markPrice"):
            if spec.fast == fast and spec.symbol in self.parts.market_defs:
                self.streams.fanout(name, "markPriceUpdate", self._mark_row(spec.symbol, now))
        for name, spec in self.streams.subscribed("allMarkPrice"):
            if spec.fast == fast:
                self.streams.fanout(name, "markPriceUpdate", [self._mark_row(s, now) for s in self.parts.market_defs])

    def _tickers(self) -> None:
        now = self.streams.event_ms()
        rows = {}
        for kind in ("miniTicker", "ticker", "allMiniTicker", "allTicker"):
            for name, spec in self.streams.subscribed(kind):
                symbols = [spec.symbol] if spec.symbol else list(self.parts.market_defs)
                payload = []
                for symbol in symbols:
                    if symbol not in self.parts.market_defs:
                        continue
                    row = rows.get(symbol) or rows.setdefault(
                        symbol, self.market_desk.ticker_row(self.parts.market_defs[symbol])
                    )
                    payload.append(_ticker_event(row, now, mini=kind in ("miniTicker", "allMiniTicker")))
                if payload:
                    self.streams.fanout(name, payload[0]["e"], payload if spec.symbol == "" else payload[0])


def _ticker_event(row: dict[str, Any], now: int, *, mini: bool) -> dict[str, Any]:
    event = {"e": "24hrMiniTicker" if mini else "24hrTicker", "E": now, "s": row["symbol"]}
    if not mini:
        event.update({"p": row["priceChange"], "P": row["priceChangePercent"], "w": row["weightedAvgPrice"]})
    event.update(
        {
            "c": row["lastPrice"],
            "o": row["openPrice"],
            "h": row["highPrice"],
            "l": row["lowPrice"],
            "v": row["volume"],
            "q": row["quoteVolume"],
        }
    )
    if not mini:
        event.update(
            {
                "Q": row["lastQty"],
                "O": row["openTime"],
                "C": row["closeTime"],
                "F": row["firstId"],
                "L": row["lastId"],
                "n": row["count"],
            }
        )
    return event
