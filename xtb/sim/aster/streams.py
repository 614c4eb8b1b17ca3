"""Aster's WebSocket (spec §5): `/ws`, `/ws/<name>`, `/stream?streams=` and the same under `/fstream`;
SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY with error frames 0-3;
the user-data stream by listen key (the market streams are `feeds.py`). Fault channels are the
stream names for market data and `user:<account>` for user data; the fault kind is the event type.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

from xtb.sim import inbound
from xtb.sim.aster import payloads as pl
from xtb.sim.aster.feeds import MarketFeeds, StreamSpec, parse_stream
from xtb.sim.aster.market import MarketDesk
from xtb.sim.aster.parts import VenueParts
from xtb.sim.engine_types import (
    AccountId,
    BalanceChanged,
    BookChanged,
    EngineEvent,
    FillView,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderRejected,
    OrderResized,
    OrderView,
    PositionChanged,
    Trade,
)
from xtb.sim.stream_hub import StreamConnection, StreamHub
from xtb.sim.venue_streams import VenueStreams

log = logging.getLogger(__name__)

_ORDER_EXECUTIONS = {
    OrderAccepted: "NEW",
    OrderCancelled: "CANCELED",
    OrderExpired: "EXPIRED",
    OrderResized: "AMENDMENT",
}


class AsterStreams(VenueStreams):
    """`hub` holds the venue's sockets (sending through the stream faults); `market_desk` gives the
    market streams what REST gives (candles, tickers)."""

    def __init__(self, parts: VenueParts, hub: StreamHub, market_desk: MarketDesk) -> None:
        self.parts = parts
        self.hub = hub
        self._last_position_seq: dict[AccountId, int] = {}
        self._last_event_ms = 0
        self.feeds = MarketFeeds(parts, self, market_desk)
        self.periodic = self.feeds.periodic

    # ------------------------------------------------------------------------- connections

    def on_open(self, conn: StreamConnection) -> None:
        path = conn.path.removeprefix("/fstream")
        conn.state["combined"] = path.startswith("/stream")
        conn.state["specs"] = {}
        conn.state["received"] = []
        loop = asyncio.get_running_loop()
        conn.state["timers"] = [loop.call_later(self.parts.settings.max_connection_age_s, self._close, conn, 1000)]
        names: list[str] = []
        if path.startswith("/ws/"):
            names = [n for n in path[len("/ws/") :].split("/") if n]
        elif conn.state["combined"]:
            names = [n for n in conn.request.query.get("streams", "").split("/") if n]
        for name in names:
            if not self._subscribe(conn, name) and path.startswith("/ws/"):
                # a listen key the venue does not know: the upgrade stands, nothing comes, then a close
                conn.state["timers"].append(
                    loop.call_later(self.parts.settings.invalid_listen_key_close_s, self._close, conn, 1008)
                )

    def on_close(self, conn: StreamConnection) -> None:
        for timer in conn.state.get("timers", ()):
            timer.cancel()

    def _close(self, conn: StreamConnection, code: int) -> None:
        if not conn.closed:
            asyncio.get_running_loop().create_task(conn.close(code, b"closed by the venue"))

    def _subscribe(self, conn: StreamConnection, name: str) -> bool:
        """True when `name` is a market stream or an active listen key (both subscribed)."""
        spec = parse_stream(name)
        entry = self.parts.state.listen_keys.get(name)
        if spec is None and (entry is None or not self.parts.state.alive(entry, self.parts.engine.clock.time())):
            return False
        conn.subscribe(name)
        if spec is not None:
            conn.state["specs"][name] = spec
        else:
            assert entry is not None
            conn.account = entry.account
        return True

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        now = asyncio.get_running_loop().time()
        received = [t for t in conn.state["received"] if now - t < 1.0] + [now]
        conn.state["received"] = received
        if len(received) > self.parts.settings.max_incoming_per_s:
            log.info("ws client over the message rate conn=%s: closing", conn.id)
            self._close(conn, 1008)
            return
        try:
            frame = inbound.loads(data)  # too deep, too big, not UTF-8: "Invalid JSON" too
        except ValueError as exc:
            self._reply(conn, {"code": 3, "msg": f"Invalid JSON: {exc}"})
            return
        if not isinstance(frame, dict) or "method" not in frame:
            self._reply(conn, {"code": 2, "msg": "Invalid request: missing field `method`"})
            return
        request_id = frame.get("id")
        if request_id is not None and (
            isinstance(request_id, bool) or not isinstance(request_id, int) or request_id < 0
        ):
            self._reply(conn, {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"})
            return
        method, params = frame.get("method"), frame.get("params", [])
        if not isinstance(params, list):
            self._reply(conn, {"code": 2, "msg": "Invalid request: invalid type: params", "id": request_id})
            return
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not all(isinstance(p, str) for p in params):
                self._reply(conn, {"code": 2, "msg": "Invalid request: invalid type: stream name", "id": request_id})
                return
            if method == "SUBSCRIBE":
                if len(conn.channels | set(params)) > self.parts.settings.max_streams:
                    self._reply(conn, {"code": 2, "msg": "Invalid request: too many streams", "id": request_id})
                    return
                for name in params:
                    self._subscribe(conn, name)  # unknown names are accepted and stay silent
            else:
                for name in params:
                    conn.unsubscribe(name)
                    conn.state["specs"].pop(name, None)
            self._reply(conn, {"result": None, "id": request_id})
        elif method == "LIST_SUBSCRIPTIONS":
            self._reply(conn, {"result": sorted(conn.channels), "id": request_id})
        elif method in ("SET_PROPERTY", "GET_PROPERTY"):
            self._property(conn, method, params, request_id)
        else:
            self._reply(conn, {"code": 2, "msg": f"Invalid request: unknown variant `{method}`", "id": request_id})

    def _property(self, conn: StreamConnection, method: str, params: list[Any], request_id: int | None) -> None:
        if not params or params[0] != "combined":
            self._reply(conn, {"code": 0, "msg": "Unknown property", "id": request_id})
        elif method == "GET_PROPERTY":
            self._reply(conn, {"result": conn.state["combined"], "id": request_id})
        elif len(params) != 2 or not isinstance(params[1], bool):
            self._reply(conn, {"code": 1, "msg": "Invalid value type: expected Boolean", "id": request_id})
        else:
            conn.state["combined"] = params[1]
            self._reply(conn, {"result": None, "id": request_id})

    def _reply(self, conn: StreamConnection, message: dict[str, Any]) -> None:
        self.hub.send(conn, "control", "control", message)

    def fanout(self, name: str, kind: str, payload: Any, channel: str | None = None) -> None:
        """Send `payload` on stream `name` to every subscriber, wrapped on combined connections."""
        for conn in self.hub.connections:
            if name in conn.channels:
                message = {"stream": name, "data": payload} if conn.state.get("combined") else payload
                self.hub.send(conn, channel or name, kind, message)

    def subscribed(self, kind: str) -> list[tuple[str, StreamSpec]]:
        out = []
        for conn in self.hub.connections:
            for name, spec in conn.state.get("specs", {}).items():
                if spec.kind == kind:
                    out.append((name, spec))
        return list(dict.fromkeys(out))

    def event_ms(self) -> int:
        """`E`: the venue clock in ms, never going back."""
        self._last_event_ms = max(self._last_event_ms, pl.ms(self.parts.engine.clock.time()))
        return self._last_event_ms

    # -------------------------------------------------------------------------- user data

    def close_listen_key(self, key: str) -> None:
        self.parts.state.listen_keys.pop(key, None)
        for conn in self.hub.connections:
            conn.unsubscribe(key)

    def _user(self, account: AccountId, kind: str, payload: dict[str, Any]) -> None:
        for key in self.parts.state.keys_of(account):
            self.fanout(key, kind, payload, f"user:{account}")

    def account_config(self, account: AccountId, change: dict[str, Any]) -> None:
        """ACCOUNT_CONFIG_UPDATE: `ac{s, l}` after a leverage change, `ai{j, d}` after a mode change."""
        now = self.event_ms()
        self._user(account, "ACCOUNT_CONFIG_UPDATE", {"e": "ACCOUNT_CONFIG_UPDATE", "E": now, "T": now, **change})

    def expire_listen_keys(self) -> None:
        now = self.parts.engine.clock.time()
        for entry in list(self.parts.state.listen_keys.values()):
            if self.parts.state.alive(entry, now):
                continue
            self.fanout(
                entry.key, "listenKeyExpired", {"e": "listenKeyExpired", "E": self.event_ms()}, f"user:{entry.account}"
            )
            self.close_listen_key(entry.key)

    # ------------------------------------------------------------------------ engine events

    def on_engine_event(self, event: EngineEvent) -> None:
        state = self.parts.state
        state.observe(event.seq)
        kind = type(event)
        if kind is BookChanged:
            self.feeds.book(event)  # type: ignore[arg-type]
        elif kind is Trade:
            self.feeds.trade(event)  # type: ignore[arg-type]
        elif kind in _ORDER_EXECUTIONS:
            order: OrderView = event.order  # type: ignore[attr-defined]
            if kind is OrderAccepted:
                state.accepted(order, logged=order.account_id in self.parts.credentials)
            if kind is OrderResized and not self.parts.settings.amendment_events:
                return
            self.order(order, _ORDER_EXECUTIONS[kind])
        elif kind is PositionChanged:
            self._position(event)  # type: ignore[arg-type]
        elif kind is BalanceChanged:
            self._balance(event)  # type: ignore[arg-type]
        elif kind is not OrderRejected:
            raise TypeError(f"no Aster stream for engine event {kind.__name__}")

    def order(self, order: OrderView, execution: str, fill: FillView | None = None, trade_id: int = 0) -> None:
        if order.account_id not in self.parts.credentials or not self.parts.state.keys_of(order.account_id):
            return
        market = self.parts.market_defs.get(order.market)
        if market is None:
            return
        state = self.parts.state
        payload = pl.ws_order(
            order,
            state.order_meta(order),
            state.order_id(order.order_id),
            market,
            execution,
            self.event_ms(),
            fill,
            trade_id,
        )
        self._user(order.account_id, "ORDER_TRADE_UPDATE", payload)

    def _position(self, event: PositionChanged) -> None:
        position = event.position
        account = position.account_id
        self._last_position_seq[account] = event.seq
        market = self.parts.market_defs.get(position.market)
        if account not in self.parts.credentials or market is None or not self.parts.state.keys_of(account):
            return
        mark = self.parts.mark_price(position.market)
        update = pl.position_update(position, market, mark, position.realized_pnl)
        self._account_update(account, "ORDER", [update], Decimal(0))

    def _balance(self, event: BalanceChanged) -> None:
        balance = event.balance
        account = balance.account_id
        if self._last_position_seq.get(account) == event.seq - 1:
            return  # already carried by the position's ACCOUNT_UPDATE of the same operation
        if account not in self.parts.credentials or not self.parts.state.keys_of(account):
            return
        if event.ts == self.feeds.last_trade_ts:
            reason, change = "ORDER", Decimal(0)
        else:
            reason, change = ("DEPOSIT" if event.delta > 0 else "WITHDRAW"), event.delta
        self._account_update(account, reason, [], change)

    def _account_update(
        self, account: AccountId, reason: str, positions: list[dict[str, Any]], change: Decimal
    ) -> None:
        """ACCOUNT_UPDATE: only on balance or position changes; no available-balance field."""
        cash = self.parts.engine.balance(account).cash
        now = self.event_ms()
        payload = {
            "e": "ACCOUNT_UPDATE",
            "E": now,
            "T": now,
            "a": {
                "m": reason,
                "B": [{"a": "USDT", "wb": pl.plain(cash), "cw": pl.plain(cash), "bc": pl.plain(change)}],
                "P": positions,
            },
        }
        self._user(account, "ACCOUNT_UPDATE", payload)
