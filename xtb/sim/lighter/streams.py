"""Lighter's WebSocket `/stream` (spec §5): the `connected` greeting, subscribe `name/id` answered
on `name:id` with a `subscribed/<name>` snapshot then `update/<name>` frames, application pings both
ways, idle close, error frames that keep the socket open, and `jsonapi/sendtx(batch)`.

Engine events become frames in engine order: `order_book` updates carry only the changed levels with
`begin_nonce` equal to the previous update's `nonce`; account channels carry full Order objects and
Trades (a fill's trade frame goes out before the order's new state). The fault "kind" of a frame
is its `type` (`update/order_book`, `subscribed/account_all_orders`, `ping`, ...).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

from xtb.sim import inbound
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
    Trade,
)
from xtb.sim.lighter import payloads as pl
from xtb.sim.lighter.candle_stream import CandleStream, channel_resolution
from xtb.sim.lighter.errors import LighterError
from xtb.sim.lighter.snapshots import PRIVATE, TOKEN_OPTIONAL, Snapshots
from xtb.sim.lighter.state import TxRecord
from xtb.sim.lighter.txs import parse_tx
from xtb.sim.periodic import Periodic
from xtb.sim.stream_hub import StreamConnection
from xtb.sim.venue_streams import VenueStreams

if TYPE_CHECKING:
    from xtb.sim.lighter.frontend import LighterFrontEnd

log = logging.getLogger(__name__)

TICK_S = 1.0


def _error(code: int, message: str, request_id: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"error": {"code": code, "message": message}}
    if request_id is not None:
        frame["id"] = request_id
    return frame


class LighterStreams(VenueStreams):
    def __init__(self, frontend: LighterFrontEnd) -> None:
        self.fe = frontend
        self.snapshots = Snapshots(frontend)
        self.candles = CandleStream(frontend.state.tape, frontend.now_ms)
        self._private: Counter[int] = Counter()  # account channels subscribed, per account index
        self.periodic = Periodic("lighter-sim-periodic", TICK_S, self._beat)
        self._last_ping = 0.0

    # ------------------------------------------------------------------------ client frames

    def on_open(self, conn: StreamConnection) -> None:
        conn.state["seen"] = asyncio.get_running_loop().time()
        self.fe.send(conn, "connected", "connected", {"session_id": uuid.uuid4().hex[:16], "type": "connected"})

    def on_close(self, conn: StreamConnection) -> None:
        for channel in conn.channels:
            account = conn.state.get(channel)
            if isinstance(account, int):
                self._release(account)
            self._unwatch_candles(channel)

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        conn.state["seen"] = asyncio.get_running_loop().time()
        try:
            frame = inbound.loads(data)  # too deep, too big or not UTF-8 too: 30000
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            self._reply_error(conn, 30000, "Invalid JSON")
            return
        kind = frame.get("type")
        if kind == "ping":
            self.fe.send(conn, "pong", "pong", {"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            await self._subscribe(conn, frame)
        elif kind == "unsubscribe":
            self._unsubscribe(conn, frame)
        elif kind in ("jsonapi/sendtx", "jsonapi/sendtxbatch"):
            await self._send_tx(conn, kind, frame.get("data"))
        else:
            self._reply_error(conn, 30001, f"Invalid Type: {kind}")

    def _reply_error(self, conn: StreamConnection, code: int, message: str, request_id: Any = None) -> None:
        self.fe.send(conn, "error", "error", _error(code, message, request_id))

    async def _subscribe(self, conn: StreamConnection, frame: dict[str, Any]) -> None:
        request = frame.get("channel")
        parsed = self.snapshots.parse_channel(request) if isinstance(request, str) else None
        if parsed is None:
            self._reply_error(conn, 30005, f"Invalid Channel:  ({request})")
            return
        name, channel, market, account = parsed
        if channel in conn.channels:
            self._reply_error(conn, 30003, f"Already Subscribed to : {channel}")
            return
        token = frame.get("auth")
        if name in PRIVATE or (name in TOKEN_OPTIONAL and token):
            try:
                await self.fe.tokens.check(token if isinstance(token, str) else None, account)
            except LighterError as exc:
                log.info("ws subscribe refused conn=%s channel=%s reason=%s", conn.id, channel, exc.message)
                self._reply_error(conn, 30012, f"Failed to subscribe: {channel}: {exc.message}")
                return
        try:
            conn.subscribe(channel)
        except ValueError:
            self._reply_error(conn, 23001, "Too Many Subscriptions")
            return
        if account is not None:
            conn.state[channel] = account
            self._private[account] += 1
        resolution = channel_resolution(channel)
        if resolution is not None and market is not None:
            self.candles.watch(market, resolution)
            snapshot = self.candles.snapshot(market, resolution)
        else:
            snapshot = self.snapshots.build(name, market, account)
        label = channel
        if name == "account_orders" and not self.fe.settings.account_orders_with_account:
            label = f"account_orders:{market}"  # what the docs show; observed payloads add the account
        frame = {**snapshot, "channel": label, "type": f"subscribed/{name}"}
        self.fe.send(conn, channel, f"subscribed/{name}", frame)

    def _unsubscribe(self, conn: StreamConnection, frame: dict[str, Any]) -> None:
        request = frame.get("channel")
        parsed = self.snapshots.parse_channel(request) if isinstance(request, str) else None
        channel = parsed[1] if parsed is not None else str(request)
        if parsed is None or channel not in conn.channels:
            self._reply_error(conn, 30002, f"Not Subscribed to : {channel}")
            return
        conn.unsubscribe(channel)
        account = conn.state.pop(channel, None)
        if isinstance(account, int):
            self._release(account)
        self._unwatch_candles(channel)
        self.fe.send(conn, channel, "unsubscribed", {"type": "unsubscribed", "channel": channel})

    def _unwatch_candles(self, channel: str) -> None:
        resolution = channel_resolution(channel)
        if resolution is not None:
            self.candles.unwatch(int(channel.split(":")[1]), resolution)

    def _release(self, account: int) -> None:
        self._private[account] -= 1
        if self._private[account] <= 0:
            del self._private[account]

    async def _send_tx(self, conn: StreamConnection, kind: str, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        request_id = data.get("id")
        try:
            if kind == "jsonapi/sendtx":
                hashes: Any = await self.fe.pipeline.submit(parse_tx(data.get("tx_type"), data.get("tx_info")))
            else:
                hashes = await self.fe.accept_batch(data.get("tx_types"), data.get("tx_infos"))
        except LighterError as exc:
            self._reply_error(conn, exc.code, exc.message, request_id)
            return
        reply: dict[str, Any] = {"code": 200, "predicted_execution_time_ms": self.fe.now_ms() + 50, "type": kind}
        reply["tx_hash"] = hashes
        if request_id is not None:
            reply["id"] = request_id
        self.fe.send(conn, "jsonapi", kind, reply)

    # ------------------------------------------------------------------------ engine events

    def on_engine_event(self, event: EngineEvent) -> None:
        state = self.fe.state
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
        fe = self.fe
        market = fe.markets.get(view.market)
        if market is None:
            return
        tx_order = fe.state.pending is not None
        fe.state.attach(view, market.market_id)
        if tx_order:
            fe.state.deferred = view.order_id
            if fe.settings.emit_in_progress:
                self.publish_order(view, status="in-progress")
        else:
            self.publish_order(view)

    def publish_order(self, view: OrderView, *, status: str | None = None) -> None:
        """Push an order's current state on `account_all_orders` and `account_orders`."""
        fe = self.fe
        account = fe.state.account_index(view.account_id)
        market = fe.markets.get(view.market)
        if market is None or not self._private.get(account):
            return
        meta = fe.state.order_meta(view.order_id, market.market_id)
        order = pl.order_json(view, meta, market, account, fe.settings, status=status)
        m = str(market.market_id)
        self._publish(f"account_all_orders:{account}", "account_all_orders", {"orders": {m: [order]}})
        channel = f"account_orders:{m}:{account}" if fe.settings.account_orders_with_account else f"account_orders:{m}"
        frame = {"account": account, "nonce": meta.nonce, "orders": {m: [order]}}
        self._publish(channel, "account_orders", frame, f"account_orders:{m}:{account}")

    def _publish(self, channel: str, name: str, payload: dict[str, Any], key: str | None = None) -> None:
        """Send an update to the subscribers of `key` (the subscription name), labelled `channel`."""
        kind = f"update/{name}"
        self.fe.publish(key or channel, kind, {**payload, "channel": channel, "type": kind})

    def _book(self, event: BookChanged) -> None:
        market = self.fe.markets.get(event.market)
        if market is None:
            return
        offset, begin, nonce = self.fe.state.next_book_nonce(market.market_id, len(event.levels))
        now_us = pl.us(self.fe.clock.time())
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
        fe = self.fe
        market = fe.markets.get(event.market)
        if market is None:
            return
        state = fe.state
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
            if self._private.get(account):
                self._publish(f"account_all_trades:{account}", "account_all_trades", {"trades": {m: [trade]}})
                self._publish(f"account_all:{account}", "account_all", {"account": account, "trades": {m: [trade]}})
        for order in (event.maker_order, event.taker_order):
            if order.order_id != state.deferred:
                self.publish_order(order)

    def _position(self, event: PositionChanged) -> None:
        position = event.position
        account = self.fe.state.account_index(position.account_id)
        market = self.fe.markets.get(position.market)
        if market is None or not self._private.get(account):
            return
        row = self.snapshots.position(position, market)
        m = str(market.market_id)
        self._publish(f"account_all_positions:{account}", "account_all_positions", {"positions": {m: row}})
        self._publish(f"account_all:{account}", "account_all", {"account": account, "positions": {m: row}})

    def _balance(self, event: BalanceChanged) -> None:
        account = self.fe.state.account_index(event.balance.account_id)
        if not self._private.get(account):
            return
        self._publish(f"account_all_assets:{account}", "account_all_assets", self.snapshots.assets(account))
        self._publish(f"user_stats:{account}", "user_stats", self.snapshots.user_stats(account))

    def publish_tx(self, record: TxRecord) -> None:
        if self._private.get(record.account):
            self._publish(f"account_tx:{record.account}", "account_tx", {"txs": [self.snapshots.tx(record)]})

    # ------------------------------------------------------------------------ periodic work

    def start(self) -> None:
        self._last_ping = asyncio.get_running_loop().time()
        super().start()

    async def _beat(self, beat: int) -> None:
        """Every second: expire orders past OrderExpiry, ping quiet sockets, close idle ones."""
        settings = self.fe.settings
        self.fe.desk.expire_orders(self.fe.now_ms())
        now = asyncio.get_running_loop().time()
        ping = settings.ws_ping_interval is not None and now - self._last_ping >= settings.ws_ping_interval
        if ping:
            self._last_ping = now
        for conn in self.fe.hub.connections:
            if now - conn.state.get("seen", now) > settings.ws_idle_timeout:
                log.info("closing idle ws conn=%s", conn.id)
                await conn.close(code=1000, message=b"idle")
            elif ping:
                self.fe.send(conn, "ping", "ping", {"type": "ping"})

    def shutdown_notice(self, close_in_ms: int) -> None:
        """The venue's pre-deploy warning, to every socket."""
        for conn in self.fe.hub.connections:
            self.fe.send(conn, "shutdown", "shutdown", {"type": "shutdown", "close_in_ms": close_in_ms})


def _coi(view: OrderView) -> int:
    return view.client_id if isinstance(view.client_id, int) else 0
