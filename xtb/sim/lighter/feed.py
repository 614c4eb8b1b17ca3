"""Engine events as Lighter stream frames (spec §5.3), in engine order: `order_book` updates carry
only the changed levels with `begin_nonce` equal to the previous update's `nonce`; account channels
carry full Order objects and Trades (a fill's trade frame goes out before the order's new state).

Why apart from the socket side (`streams`): the transaction desk and pipeline publish here too (an
order's final state once its transaction is done, a leverage change, each accepted transaction),
and they must not
depend on the code that accepts transactions from sockets. Account frames are built only for
accounts some socket watches.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from xtb.sim.engine_types import (
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
    PositionView,
    Trade,
)
from xtb.sim.lighter import payloads as pl
from xtb.sim.lighter.candle_stream import CandleStream
from xtb.sim.lighter.parts import VenueParts
from xtb.sim.lighter.settings import MarketDef
from xtb.sim.lighter.snapshots import Snapshots
from xtb.sim.lighter.state import TxRecord
from xtb.sim.stream_hub import StreamHub


class EngineFeed:
    def __init__(self, venue: VenueParts, hub: StreamHub, snapshots: Snapshots, candles: CandleStream) -> None:
        self.venue = venue
        self.hub = hub
        self.snapshots = snapshots
        self.candles = candles
        self._watched: Counter[int] = Counter()  # account channels subscribed, per account index

    def watch(self, account: int) -> None:
        """A socket subscribed to one of the account's channels."""
        self._watched[account] += 1

    def release(self, account: int) -> None:
        self._watched[account] -= 1
        if self._watched[account] <= 0:
            del self._watched[account]

    def watching(self, account: int) -> bool:
        return bool(self._watched.get(account))

    def on_engine_event(self, event: EngineEvent) -> None:
        state = self.venue.state
        state.observe(event.seq)
        kind = type(event)
        if kind is BookChanged:
            self._book(event)  # type: ignore[arg-type]
        elif kind is Trade:
            self._trade(event)  # type: ignore[arg-type]
        elif kind is OrderAccepted:
            self._accepted(event.order)  # type: ignore[attr-defined]
        elif kind in (OrderCancelled, OrderExpired, OrderResized):
            order: OrderView = event.order  # type: ignore[attr-defined]
            if order.order_id != state.deferred:
                self.publish_order(order)
        elif kind is PositionChanged:
            self._position(event)  # type: ignore[arg-type]
        elif kind is BalanceChanged:
            self._balance(event)  # type: ignore[arg-type]
        elif kind is not OrderRejected:
            raise TypeError(f"no Lighter stream for engine event {kind.__name__}")

    def _accepted(self, view: OrderView) -> None:
        venue = self.venue
        market = venue.markets.get(view.market)
        if market is None:
            return
        tx_order = venue.state.pending is not None
        venue.state.attach(view, market.market_id)
        if tx_order:
            venue.state.deferred = view.order_id
            if venue.settings.emit_in_progress:
                self.publish_order(view, status="in-progress")
        else:
            self.publish_order(view)

    def publish_order(self, view: OrderView, *, status: str | None = None) -> None:
        """Push an order's current state on `account_all_orders` and `account_orders`."""
        venue = self.venue
        account = venue.state.account_index(view.account_id)
        market = venue.markets.get(view.market)
        if market is None or not self.watching(account):
            return
        meta = venue.state.order_meta(view.order_id, market.market_id)
        order = pl.order_json(view, meta, market, account, venue.settings, status=status)
        m = str(market.market_id)
        self._publish(f"account_all_orders:{account}", "account_all_orders", {"orders": {m: [order]}})
        key = f"account_orders:{m}:{account}"
        channel = key if venue.settings.account_orders_with_account else f"account_orders:{m}"
        frame = {"account": account, "nonce": meta.nonce, "orders": {m: [order]}}
        self._publish(channel, "account_orders", frame, key)

    def _publish(self, channel: str, name: str, payload: dict[str, Any], key: str | None = None) -> None:
        """Send an update to the subscribers of `key` (the subscription name), labelled `channel`."""
        kind = f"update/{name}"
        self.hub.publish(key or channel, kind, {**payload, "channel": channel, "type": kind})

    def _book(self, event: BookChanged) -> None:
        market = self.venue.markets.get(event.market)
        if market is None:
            return
        offset, begin, nonce = self.venue.state.next_book_nonce(market.market_id, len(event.levels))
        now_us = pl.us(self.venue.clock.time())
        sides: dict[str, list[dict[str, str]]] = {"asks": [], "bids": []}
        for level in event.levels:
            key = "bids" if level.side.value == "buy" else "asks"
            sides[key].append(
                {
                    "price": pl.padded(level.price, market.price_decimals),
                    "size": pl.padded(level.size, market.size_decimals),
                }
            )
        book = {"code": 0, **sides, "offset": offset, "nonce": nonce, "begin_nonce": begin, "last_updated_at": now_us}
        frame = {"offset": offset, "order_book": book, "timestamp": now_us // 1000, "last_updated_at": now_us}
        self._publish(f"order_book:{market.market_id}", "order_book", frame)
        if event.top_changed:
            self._publish(f"ticker:{market.market_id}", "ticker", self.snapshots.ticker(market, nonce))

    def _trade(self, event: Trade) -> None:
        venue = self.venue
        market = venue.markets.get(event.market)
        if market is None:
            return
        state = venue.state
        taker_meta = state.order_meta(event.taker_order.order_id, market.market_id)
        maker_meta = state.order_meta(event.maker_order.order_id, market.market_id)
        taker_ask = event.taker_side.value == "sell"
        ask, bid = (event.taker_order, event.maker_order) if taker_ask else (event.maker_order, event.taker_order)
        ask_meta, bid_meta = (taker_meta, maker_meta) if taker_ask else (maker_meta, taker_meta)
        trade_id = state.trade_id(event.trade_id)
        trade = pl.trade_json(
            trade_id=trade_id,
            tx_hash=taker_meta.tx_hash or f"{trade_id:080x}",
            market=market,
            price=event.price,
            size=event.size,
            ask=(ask_meta.order_index, state.account_index(ask.account_id), _coi(ask)),
            bid=(bid_meta.order_index, state.account_index(bid.account_id), _coi(bid)),
            is_maker_ask=not taker_ask,
            ts=event.ts,
            block_height=taker_meta.block_height or state.height,
        )
        state.record_trade(market.market_id, trade, (ask.account_id, bid.account_id))
        m = str(market.market_id)
        self._publish(f"trade:{m}", "trade", {"nonce": state.book_nonce[market.market_id], "trades": [trade],
                                              "liquidation_trades": []})  # fmt: skip
        for resolution, candles in self.candles.on_trade(market.market_id):
            self._publish(f"candle:{m}:{resolution}", "candle", candles)
        for owner in dict.fromkeys((ask.account_id, bid.account_id)):
            account = state.account_index(owner)
            if self.watching(account):
                self._publish(f"account_all_trades:{account}", "account_all_trades", {"trades": {m: [trade]}})
                self._publish(f"account_all:{account}", "account_all", {"account": account, "trades": {m: [trade]}})
        for order in (event.maker_order, event.taker_order):
            if order.order_id != state.deferred:
                self.publish_order(order)

    def _position(self, event: PositionChanged) -> None:
        position = event.position
        account = self.venue.state.account_index(position.account_id)
        market = self.venue.markets.get(position.market)
        if market is not None and self.watching(account):
            self._publish_position(account, position, market)

    def _publish_position(self, account: int, position: PositionView, market: MarketDef) -> None:
        row = self.snapshots.position(position, market)
        m = str(market.market_id)
        self._publish(f"account_all_positions:{account}", "account_all_positions", {"positions": {m: row}})
        self._publish(f"account_all:{account}", "account_all", {"account": account, "positions": {m: row}})

    def publish_margin(self, account: int, market: MarketDef) -> None:
        """A leverage change, which no engine event announces: the account's position in `market`
        (its `initial_margin_fraction`) and its `user_stats` (what margin is left)."""
        if not self.watching(account):
            return
        position = self.venue.engine.position(account, market.symbol)
        if position.size:
            self._publish_position(account, position, market)
        self._publish(f"user_stats:{account}", "user_stats", self.snapshots.user_stats(account))

    def _balance(self, event: BalanceChanged) -> None:
        account = self.venue.state.account_index(event.balance.account_id)
        if not self.watching(account):
            return
        self._publish(f"account_all_assets:{account}", "account_all_assets", self.snapshots.assets(account))
        self._publish(f"user_stats:{account}", "user_stats", self.snapshots.user_stats(account))

    def publish_tx(self, record: TxRecord) -> None:
        if self.watching(record.account):
            self._publish(f"account_tx:{record.account}", "account_tx", {"txs": [self.snapshots.tx(record)]})


def _coi(view: OrderView) -> int:
    return view.client_id if isinstance(view.client_id, int) else 0
