"""Backpack's WebSocket (spec §5): SUBSCRIBE / UNSUBSCRIBE frames without acks, error frames that
keep the socket open, silence for unknown symbols, and engine events turned into `depth`,
`bookTicker`, `trade` and the signed `account.*` streams, in engine order; `markPrice`, `ticker` and
the aggregated depth on a periodic beat, `kline` and `openInterest` from it (`market_streams`).

Channels are the stream names for public streams and `<stream>#<account>` for private ones, so
a stream fault can target e.g. `depth.SOL_USDC_PERP` or `account.orderUpdate*`. The fault "kind" of
a message is its event type (`depth`, `orderFill`, `positionAdjusted`...).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from xtb.model import Side
from xtb.sim import inbound
from xtb.sim.backpack import payloads as pl
from xtb.sim.backpack.auth import StreamAuthError, Verifier
from xtb.sim.backpack.market_streams import MarketStreams
from xtb.sim.backpack.parts import VenueParts
from xtb.sim.backpack.state import TapeTrade
from xtb.sim.engine_types import (
    AccountId,
    BalanceChanged,
    BookChanged,
    EngineEvent,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderRejected,
    OrderResized,
    OrderView,
    PositionChanged,
    Trade,
)
from xtb.sim.periodic import Periodic
from xtb.sim.stream_hub import StreamConnection, StreamHub
from xtb.sim.venue_streams import VenueStreams

log = logging.getLogger(__name__)

PUBLIC_STREAMS = frozenset(
    {"depth", "bookTicker", "trade", "ticker", "markPrice", "kline", "openInterest", "externalTicker", "stockPrice"}
)
PRIVATE_STREAMS = frozenset({"orderUpdate", "positionUpdate", "balanceUpdate", "rfqUpdate"})
DEPTH_WINDOWS = (200, 600, 1000)  # aggregated depth streams, ms
TICK_MS = 200  # the periodic loop's beat: depth windows, then markPrice / ticker every 1 s
_DEPTH_WINDOW = re.compile(r"^(\d+)ms\.(.+)$")

ERRORS = {4002: "Parse error", 4003: "Invalid signature", 4006: "Invalid stream", 4008: "Invalid depth window"}
_ORDER_EVENTS = {
    OrderAccepted: "orderAccepted",
    OrderCancelled: "orderCancelled",
    OrderExpired: "orderExpired",
    OrderResized: "orderModified",
}


class InvalidStream(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(ERRORS[code])
        self.code = code


def classify(name: str) -> tuple[bool, str]:
    """(private?, channel base) for a stream name; InvalidStream(4006 / 4008) when refused."""
    head, _, rest = name.partition(".")
    if head == "account":
        kind, _, _symbol = rest.partition(".")
        if kind not in PRIVATE_STREAMS:
            raise InvalidStream(4006)
        return True, name
    if head == "liquidation":  # also per symbol (current docs): accepted, never sent
        return False, name
    if head not in PUBLIC_STREAMS or not rest:
        raise InvalidStream(4006)
    if head == "depth":
        window = _DEPTH_WINDOW.match(rest)
        if window is not None and inbound.integer(window.group(1)) not in DEPTH_WINDOWS:
            raise InvalidStream(4008)
    return False, name


def _private_base(channel: str) -> str | None:
    base, sep, _ = channel.partition("#")
    return base if sep else None


class BackpackStreams(VenueStreams):
    """`hub` carries the messages (through the stream faults); `verifier` checks a private
    subscription's signature; `clients` are the accounts with API keys, the only ones whose
    positions get venue ids."""

    def __init__(self, parts: VenueParts, hub: StreamHub, verifier: Verifier, clients: Collection[AccountId]) -> None:
        self.engine = parts.engine
        self.state = parts.state
        self.markets = parts.markets
        self.figures = parts.figures
        self.hub = hub
        self.verifier = verifier
        self.clients = clients
        self._private: Counter[AccountId] = Counter()  # private subscriptions per account
        self._pending_depth: dict[tuple[int, str], dict[str, Any]] = {}
        self.periodic = Periodic("backpack-sim-periodic", TICK_MS / 1000, self._beat)
        self.market_streams = MarketStreams(parts.engine, parts.state, parts.markets, hub.publish)

    # ------------------------------------------------------------------------ client frames

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        try:
            frame = inbound.loads(data)  # too deep, too big, not UTF-8: 4002 too
        except ValueError:
            frame = None
        method = frame.get("method") if isinstance(frame, dict) else None
        params = frame.get("params") if isinstance(frame, dict) else None
        if method not in ("SUBSCRIBE", "UNSUBSCRIBE") or not isinstance(params, list):
            self._error(conn, 4002)
            return
        if not all(isinstance(p, str) for p in params):
            self._error(conn, 4002)
            return
        accepted: list[tuple[bool, str]] = []
        for name in params:
            try:
                accepted.append(classify(name))
            except InvalidStream as exc:
                self._error(conn, exc.code)
        assert isinstance(frame, dict)
        if method == "UNSUBSCRIBE":
            for private, name in accepted:
                self._unsubscribe(conn, name, private)
            return
        account: AccountId | None = None
        if any(private for private, _ in accepted):
            try:
                account = self.verifier.verify_subscribe(frame.get("signature"))
            except StreamAuthError as exc:
                log.info("ws private subscribe refused conn=%s reason=%s", conn.id, exc)
                self._error(conn, 4003)
                return
            conn.account = account
        for private, name in accepted:
            self._subscribe(conn, name, account if private else None)

    def on_close(self, conn: StreamConnection) -> None:
        for channel in conn.channels:
            if _private_base(channel) is not None:
                self._release(conn.state.get(channel))

    def _error(self, conn: StreamConnection, code: int) -> None:
        self.hub.send(conn, "error", "error", {"id": None, "error": {"code": code, "message": ERRORS[code]}})

    def _subscribe(self, conn: StreamConnection, name: str, account: AccountId | None) -> None:
        channel = name if account is None else f"{name}#{account}"
        if channel in conn.channels:
            return  # idempotent: no second snapshot, no duplicate frames
        conn.subscribe(channel)
        if account is None:
            return
        conn.state[channel] = account
        self._private[account] += 1
        if name.startswith("account.positionUpdate"):
            symbol = name.partition(".")[2].partition(".")[2] or None
            now = pl.us(self.engine.clock.time())
            for figures in self.figures.open_positions(account, symbol):
                pid = self.state.position_id(account, figures.market.symbol)
                data = pl.ws_position(figures, pid, None, now, now)
                self.hub.send(conn, channel, "positionSnapshot", {"stream": name, "data": data})

    def _unsubscribe(self, conn: StreamConnection, name: str, private: bool) -> None:
        channels = [c for c in conn.channels if (_private_base(c) if private else c) == name]
        for channel in channels:
            conn.unsubscribe(channel)
            if private:
                self._release(conn.state.pop(channel, None))

    def _release(self, account: AccountId | None) -> None:
        if account is not None:
            self._private[account] -= 1
            if self._private[account] <= 0:
                del self._private[account]

    # ------------------------------------------------------------------------ engine events

    def on_engine_event(self, event: EngineEvent) -> None:
        state = self.state
        state.observe(event.seq)
        kind = type(event)
        if kind is BookChanged:
            self._book(event)  # type: ignore[arg-type]
        elif kind is Trade:
            self._trade(event)  # type: ignore[arg-type]
        elif kind in _ORDER_EVENTS:
            order: OrderView = event.order  # type: ignore[attr-defined]
            if kind is OrderAccepted:
                state.accepted(order, logged=order.account_id in self.clients)
            self._order(_ORDER_EVENTS[kind], event, order)
        elif kind is PositionChanged:
            self._position(event)  # type: ignore[arg-type]
        elif kind is BalanceChanged:
            self._balance(event)  # type: ignore[arg-type]
        elif kind is not OrderRejected:
            raise TypeError(f"no Backpack stream for engine event {kind.__name__}")

    def _times(self, event: EngineEvent) -> tuple[int, int]:
        engine_us = pl.us(event.ts)
        return max(engine_us, pl.us(self.engine.clock.time())), engine_us

    def _book(self, event: BookChanged) -> None:
        market = self.markets.get(event.market)
        if market is None:
            return
        update_id = self.state.next_update_id(event.market)
        event_us, engine_us = self._times(event)
        bids = [lv for lv in event.levels if lv.side is Side.BUY]
        asks = [lv for lv in event.levels if lv.side is Side.SELL]
        depth = {
            "e": "depth",
            "E": event_us,
            "T": engine_us,
            "s": event.market,
            "U": update_id,
            "u": update_id,
            "a": pl.level_pairs(asks, market),
            "b": pl.level_pairs(bids, market),
        }
        name = f"depth.{event.market}"
        self.hub.publish(name, "depth", {"stream": name, "data": depth})
        for window in DEPTH_WINDOWS:
            self._aggregate(window, event.market, update_id, bids + asks)
        if event.top_changed:
            pdec, sdec = market.price_decimals, market.size_decimals
            ticker = {
                "e": "bookTicker",
                "E": event_us,
                "T": engine_us,
                "s": event.market,
                "u": update_id,
                "a": None if event.ask is None else pl.padded(event.ask, pdec),
                "A": None if event.ask_size is None else pl.padded(event.ask_size, sdec),
                "b": None if event.bid is None else pl.padded(event.bid, pdec),
                "B": None if event.bid_size is None else pl.padded(event.bid_size, sdec),
            }
            name = f"bookTicker.{event.market}"
            self.hub.publish(name, "bookTicker", {"stream": name, "data": ticker})

    def _aggregate(self, window: int, symbol: str, update_id: int, levels: list[Any]) -> None:
        if not self._has_subscribers(f"depth.{window}ms.{symbol}"):
            return
        pending = self._pending_depth.setdefault((window, symbol), {"U": update_id, "levels": {}})
        pending["u"] = update_id
        for level in levels:
            pending["levels"][(level.side, level.price)] = level

    def _trade(self, event: Trade) -> None:
        state = self.state
        market = self.markets.get(event.market)
        if market is None:
            return
        tid = state.trade_id(event.market, event.trade_id)
        buyer_is_maker = event.taker_side is Side.SELL
        state.tapes[event.market].append(TapeTrade(event.ts, tid, event.price, event.size, buyer_is_maker))
        event_us, engine_us = self._times(event)
        taker_id = state.order_id(event.taker_order.order_id)
        maker_id = state.order_id(event.maker_order.order_id)
        buyer, seller = (maker_id, taker_id) if buyer_is_maker else (taker_id, maker_id)
        data = {
            "e": "trade",
            "E": event_us,
            "T": engine_us,
            "s": event.market,
            "p": pl.padded(event.price, market.price_decimals),
            "q": pl.padded(event.size, market.size_decimals),
            "b": buyer,
            "a": seller,
            "t": tid,
            "m": buyer_is_maker,
        }
        name = f"trade.{event.market}"
        self.hub.publish(name, "trade", {"stream": name, "data": data})
        for fill, order in ((event.taker, event.taker_order), (event.maker, event.maker_order)):
            if self._private.get(order.account_id):
                update = pl.ws_order(
                    "orderFill",
                    order,
                    state.order_meta(order),
                    state.order_id(order.order_id),
                    market,
                    event_us,
                    engine_us,
                    fill,
                    tid,
                )
                self._publish_private(order.account_id, "account.orderUpdate", order.market, "orderFill", update)

    def _order(self, name: str, event: EngineEvent, order: OrderView) -> None:
        if not self._private.get(order.account_id):
            return
        market = self.markets.get(order.market)
        if market is None:
            return
        state = self.state
        event_us, engine_us = self._times(event)
        update = pl.ws_order(
            name, order, state.order_meta(order), state.order_id(order.order_id), market, event_us, engine_us
        )
        self._publish_private(order.account_id, "account.orderUpdate", order.market, name, update)

    def _position(self, event: PositionChanged) -> None:
        position = event.position
        if position.account_id not in self.clients:
            return
        state = self.state
        kind = state.position_moved(position.account_id, position.market, position.size)
        pid = state.position_id(position.account_id, position.market)
        if self._private.get(position.account_id):
            figures = self.figures.position_figures(position)
            if figures is not None:
                event_us, engine_us = self._times(event)
                data = pl.ws_position(figures, pid, kind, event_us, engine_us)
                self._publish_private(position.account_id, "account.positionUpdate", position.market, kind, data)
        if kind == "positionClosed":
            state.position_closed(position.account_id, position.market)

    def _balance(self, event: BalanceChanged) -> None:
        balance = event.balance
        if not self._private.get(balance.account_id):
            return
        event_us, engine_us = self._times(event)
        data = {
            "e": "balanceUpdate",
            "E": event_us,
            "T": engine_us,
            "a": pl.QUOTE_ASSET,
            "A": pl.plain(max(balance.cash, Decimal(0))),
            "L": "0",
            "S": "0",
        }
        self._publish_private(balance.account_id, "account.balanceUpdate", None, "balanceUpdate", data)

    def _publish_private(self, account: AccountId, stream: str, symbol: str | None, kind: str, data: Any) -> None:
        names = (stream,) if symbol is None else (stream, f"{stream}.{symbol}")
        for name in names:
            self.hub.publish(f"{name}#{account}", kind, {"stream": name, "data": data})

    def _has_subscribers(self, channel: str) -> bool:
        return any(channel in conn.channels for conn in self.hub.connections)

    # ------------------------------------------------------------------------ periodic streams

    async def _beat(self, beat: int) -> None:
        """Aggregated depth every 200 / 600 / 1000 ms; markPrice and ticker every second."""
        for window in DEPTH_WINDOWS:
            if (beat * TICK_MS) % window == 0:
                self._flush_depth(window)
        if (beat * TICK_MS) % 1000 == 0:
            self._every_second()

    def _flush_depth(self, window: int) -> None:
        now = pl.us(self.engine.clock.time())
        for (w, symbol), pending in list(self._pending_depth.items()):
            if w != window:
                continue
            del self._pending_depth[(w, symbol)]
            market = self.markets[symbol]
            levels = pending["levels"].values()
            data = {
                "e": "depth",
                "E": now,
                "T": now,
                "s": symbol,
                "U": pending["U"],
                "u": pending["u"],
                "a": pl.level_pairs([lv for lv in levels if lv.side is Side.SELL], market),
                "b": pl.level_pairs([lv for lv in levels if lv.side is Side.BUY], market),
            }
            name = f"depth.{window}ms.{symbol}"
            self.hub.publish(name, "depth", {"stream": name, "data": data})

    def _every_second(self) -> None:
        now_s = self.engine.clock.time()
        now = pl.us(now_s)
        self.market_streams.every_second({c for conn in self.hub.connections for c in conn.channels}, now_s)
        for symbol, market in self.markets.items():
            mark = self.figures.mark_price(symbol)
            name = f"markPrice.{symbol}"
            if mark is not None and self._has_subscribers(name):
                data = {
                    "e": "markPrice",
                    "E": now,
                    "T": now,
                    "s": symbol,
                    "p": pl.padded(mark, market.price_decimals),  # WS decimals padded to the tick (§3.3)
                    "f": "0",
                    "i": pl.plain(mark),
                    "n": self.figures.next_funding_ms(market),
                }
                self.hub.publish(name, "markPrice", {"stream": name, "data": data})
            name = f"ticker.{symbol}"
            if self._has_subscribers(name):
                stats = pl.ticker_json(symbol, self.figures.recent_trades(symbol, 86_400), mark or Decimal(0))
                data = {
                    "e": "ticker",
                    "E": now,
                    "s": symbol,
                    # the REST ticker's figures, padded as every WS decimal is (§3.3, §5.3): prices to the
                    # tick, the base volume to the step, the quote volume to the tick
                    "o": pl.padded(Decimal(stats["firstPrice"]), market.price_decimals),
                    "c": pl.padded(Decimal(stats["lastPrice"]), market.price_decimals),
                    "h": pl.padded(Decimal(stats["high"]), market.price_decimals),
                    "l": pl.padded(Decimal(stats["low"]), market.price_decimals),
                    "v": pl.padded(Decimal(stats["volume"]), market.size_decimals),
                    "V": pl.padded(Decimal(stats["quoteVolume"]), market.price_decimals),
                    "n": int(stats["trades"]),
                }
                self.hub.publish(name, "ticker", {"stream": name, "data": data})
