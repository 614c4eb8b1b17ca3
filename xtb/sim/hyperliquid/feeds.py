"""Hyperliquid's market-data feeds (spec §5.3) from engine events and the clock.

`l2Book` is a full snapshot on subscribe and after a change, at most every push interval; `bbo` goes
out when the top changes; `trades` backfill the recent tape on subscribe, then each trade live;
`allMids` is the whole map on subscribe and on a clock; `candle` is the current bucket, again after
each trade. Messages leave through the hub on channels `<feed>:<coin>` (and `allMids`) with the
feed's name as the kind, so stream faults can hit market data apart from the user feeds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xtb.model import Side
from xtb.sim.engine_types import AccountId, BookChanged, EngineEvent, Trade
from xtb.sim.hyperliquid import books
from xtb.sim.hyperliquid.books import TapeTrade
from xtb.sim.hyperliquid.subscriptions import Subscription, frame, held, hub_channel
from xtb.sim.hyperliquid.ws_settings import HyperliquidWsSettings
from xtb.sim.stream_hub import StreamConnection, StreamHub

if TYPE_CHECKING:
    from xtb.sim.engine import Engine


class MarketFeeds:
    """The public feeds of one simulator: the trade tape they need and when each last went out."""

    def __init__(
        self,
        hub: StreamHub,
        engine: Engine,
        settings: HyperliquidWsSettings,
        *,
        coins: Callable[[], Sequence[str]],
        now_ms: Callable[[], int],
        address_of: Callable[[AccountId], str],
    ) -> None:
        self.hub = hub
        self.engine = engine
        self.settings = settings
        self.coins = coins
        self.now_ms = now_ms
        self.address_of = address_of
        self.tapes: dict[str, deque[TapeTrade]] = {}
        self.last_prices: dict[str, Decimal] = {}
        self._dirty: set[str] = set()
        self._last_book_push: dict[str, float] = {}
        self._last_mids_push: float | None = None
        self._last_bbo: dict[str, Any] = {}
        self._last_seq = 0

    # ------------------------------------------------------------------------ subscribe

    def snapshot(self, conn: StreamConnection, sub: Subscription) -> None:
        """What a new subscription gets right after its ack."""
        kind, coin = sub.type, sub.coin
        if kind == "l2Book":
            self._send(conn, sub, self._book(sub))
        elif kind == "bbo" and self.settings.bbo_on_subscribe:
            assert coin is not None
            self._send(conn, sub, books.bbo(self.engine, coin, now_ms=self.now_ms()))
        elif kind == "trades":
            assert coin is not None
            recent = list(self.tapes.get(coin, ()))[-self.settings.trades_backfill :]
            if recent and self.settings.trades_backfill:
                self._send(conn, sub, [books.trade(t, self.address_of) for t in recent])
        elif kind == "allMids":
            self._send(conn, sub, {"mids": self.mids()})
        elif kind == "candle":
            assert coin is not None
            row = books.candle(coin, sub.get("interval"), self.tapes.get(coin, ()), self.now_ms())
            if row is not None:
                self._send(conn, sub, row)

    def mids(self) -> dict[str, str]:
        return books.all_mids(self.engine, self.coins(), last_prices=self.last_prices)

    # ---------------------------------------------------------------------- engine events

    def on_engine_event(self, event: EngineEvent) -> None:
        if event.seq <= self._last_seq:  # the engine was reset: its trades are gone
            self.tapes.clear()
            self.last_prices.clear()
            self._last_bbo.clear()
        self._last_seq = event.seq
        kind = type(event)
        if kind is BookChanged:
            self._book_changed(event)  # type: ignore[arg-type]
        elif kind is Trade:
            self._trade(event)  # type: ignore[arg-type]

    def _book_changed(self, event: BookChanged) -> None:
        self._dirty.add(event.market)
        if not event.top_changed:
            return
        data = books.bbo(self.engine, event.market, now_ms=books.ms(event.ts))
        if data["bbo"] == self._last_bbo.get(event.market):
            return
        self._last_bbo[event.market] = data["bbo"]
        self._fanout("bbo", event.market, lambda _sub: data)

    def _trade(self, event: Trade) -> None:
        buyer, seller = (event.taker, event.maker) if event.taker_side is Side.BUY else (event.maker, event.taker)
        record = TapeTrade(
            event.market,
            event.trade_id,
            books.ms(event.ts),
            event.price,
            event.size,
            event.taker_side,
            buyer.account_id,
            seller.account_id,
        )
        tape = self.tapes.get(event.market)
        if tape is None:
            tape = self.tapes[event.market] = deque(maxlen=self.settings.trade_tape)
        tape.append(record)
        self.last_prices[event.market] = event.price
        self._fanout("trades", event.market, lambda _sub: [books.trade(record, self.address_of)])
        self._fanout(
            "candle", event.market, lambda sub: books.candle(event.market, sub.get("interval"), tape, record.time_ms)
        )

    # ----------------------------------------------------------------------------- clock

    def beat(self, now: float) -> None:
        """Push what is due at loop time `now`: changed books past their interval, allMids."""
        for coin in sorted(self._dirty):
            last = self._last_book_push.get(coin)
            if last is not None and now - last < self.settings.l2book_interval_s:
                continue
            self._dirty.discard(coin)
            self._last_book_push[coin] = now
            rendered: dict[str, Any] = {}  # one render per distinct aggregation

            def render(sub: Subscription, rendered: dict[str, Any] = rendered) -> Any:
                if sub.key not in rendered:
                    rendered[sub.key] = self._book(sub)
                return rendered[sub.key]

            self._fanout("l2Book", coin, render)
        if self._last_mids_push is None or now - self._last_mids_push >= self.settings.all_mids_interval_s:
            self._last_mids_push = now
            if any(sub.type == "allMids" for conn in self.hub.connections for sub in held(conn).values()):
                data = {"mids": self.mids()}
                self._fanout("allMids", None, lambda _sub: data)

    # ---------------------------------------------------------------------------- sending

    def _book(self, sub: Subscription) -> dict[str, Any] | None:
        coin = sub.coin
        assert coin is not None
        levels = self.settings.l2book_fast_levels if sub.get("fast") else self.settings.l2book_levels
        return books.l2_book(
            self.engine,
            coin,
            n_sig_figs=sub.get("nSigFigs"),
            mantissa=sub.get("mantissa"),
            levels=levels,
            now_ms=self.now_ms(),
        )

    def _send(self, conn: StreamConnection, sub: Subscription, data: Any) -> None:
        if data is not None:
            self.hub.send(conn, hub_channel(sub), sub.type, frame(sub.type, data))

    def _fanout(self, kind: str, coin: str | None, render: Callable[[Subscription], Any]) -> None:
        """Send `render(sub)` to every connection holding a `kind` subscription on `coin`."""
        for conn in self.hub.connections:
            for sub in tuple(held(conn).values()):
                if sub.type == kind and sub.coin == coin:
                    self._send(conn, sub, render(sub))
