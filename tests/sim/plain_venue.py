"""A plain test venue on the simulator front-end base: no real protocol, just enough to exercise it.

REST (JSON): POST /order, DELETE /order, GET /order (by `order_id` or `client_id` query), GET /book.
Private routes need the header `X-Test-Key` holding the account's `key` credential; a missing or
wrong key gets 401 `{"error": ...}`. WS at /ws: `{"op": "subscribe", "channel": "book:<symbol>"}`
(public) or `"orders"` (private: the upgrade must carry `X-Test-Key`); acks are
`{"op": "subscribed", "channel": ...}`. Engine events arrive as `{"type": "order" | "fill" | "book"
| "position" | "balance", ...}`.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.model import MarketInfo, OrderType, Side, TimeInForce
from xtb.sim.engine_types import (
    AccountId,
    BalanceChanged,
    BookChanged,
    EngineEvent,
    MarketSpec,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderRejected,
    OrderResized,
    OrderStatus,
    OrderView,
    PositionChanged,
    SimError,
    Trade,
)
from xtb.sim.frontend import ACCOUNT, AuthFailure, FrontEnd, SimMarket, jsonable
from xtb.sim.market import MarketSettings
from xtb.sim.registry import Registry
from xtb.sim.stream_hub import StreamConnection

SYMBOL = "BTC-PERP"
KEY_HEADER = "X-Test-Key"
INFO = MarketInfo(SYMBOL, tick_size=Decimal("0.1"), step_size=Decimal("0.001"), min_size=Decimal("0.001"))
_ORDER_EVENTS = (OrderAccepted, OrderRejected, OrderCancelled, OrderExpired, OrderResized)


class PlainVenue(FrontEnd):
    name = "plain"

    def sim_markets(self) -> list[SimMarket]:
        return [SimMarket(MarketSpec(INFO), MarketSettings(mid=Decimal("50000"), level_size=Decimal("1")))]

    def setup(self) -> None:
        self.route("POST", "/order", self.place_order, auth=True, places_order=True)
        self.route("DELETE", "/order", self.cancel_order, auth=True)
        self.route("GET", "/order", self.get_order, auth=True)
        self.route("GET", "/book", self.get_book)
        self.websocket("/ws")

    # ---------------------------------------------------------------- auth

    def make_credentials(self, account_id: AccountId, rng: random.Random) -> dict[str, Any]:
        return {"account_id": account_id, "key": f"{rng.getrandbits(128):032x}"}

    async def authenticate(self, request: web.Request) -> AccountId:
        key = request.headers.get(KEY_HEADER)
        if not key:
            raise AuthFailure(f"missing {KEY_HEADER} header")
        account = self.account_for("key", key)
        if account is None:
            raise AuthFailure(f"unknown {KEY_HEADER}")
        return account

    async def authenticate_stream(self, request: web.Request) -> AccountId | None:
        return await self.authenticate(request) if KEY_HEADER in request.headers else None

    # ---------------------------------------------------------------- REST

    async def place_order(self, request: web.Request) -> web.StreamResponse:
        try:
            body = json.loads(await request.read())
            kwargs = {
                "price": body.get("price"),
                "order_type": OrderType(body.get("type", "limit")),
                "time_in_force": TimeInForce(body.get("tif", "gtc")),
                "reduce_only": bool(body.get("reduce_only", False)),
                "client_id": body.get("client_id"),
            }
            view = self.engine.submit(request[ACCOUNT], body["symbol"], Side(body["side"]), body["size"], **kwargs)
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, f"bad order: {exc}")
        if view.status is OrderStatus.REJECTED:
            return web.json_response({"error": view.reason.value if view.reason else "rejected"}, status=400)
        return web.json_response(order_json(view))

    async def cancel_order(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        try:
            if "order_id" in request.query:
                view = self.engine.cancel(account, int(request.query["order_id"]))
            else:
                view = self.engine.cancel_by_client_id(account, request.query["client_id"])
        except (SimError, KeyError, ValueError) as exc:
            return _error(404, f"cannot cancel: {exc}")
        return web.json_response(order_json(view))

    async def get_order(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        view: OrderView | None
        if "order_id" in request.query:
            view = self.engine.order(int(request.query["order_id"]))
            if view is not None and view.account_id != account:
                view = None
        else:
            view = self.engine.order_by_client_id(account, request.query.get("client_id", ""))
        if view is None:
            return _error(404, "order not found")
        return web.json_response(order_json(view))

    async def get_book(self, request: web.Request) -> web.StreamResponse:
        try:
            book = self.engine.book(request.query.get("symbol", SYMBOL), int(request.query.get("depth", "5")))
        except (SimError, ValueError) as exc:
            return _error(400, str(exc))
        return web.json_response(
            {
                "symbol": book.market,
                "bids": [[str(level.price), str(level.size)] for level in book.bids],
                "asks": [[str(level.price), str(level.size)] for level in book.asks],
            }
        )

    # ---------------------------------------------------------------- WS

    async def on_ws_message(self, conn: StreamConnection, data: str | bytes) -> None:
        try:
            message = json.loads(data)
            op, channel = message["op"], message["channel"]
        except (ValueError, KeyError, TypeError):
            self.send(conn, "control", "error", {"op": "error", "error": "expected {op, channel}"})
            return
        if channel == "orders":
            if conn.account is None:
                self.send(conn, "control", "error", {"op": "error", "error": "orders needs an authenticated socket"})
                return
            internal = f"orders:{conn.account}"
        elif channel.startswith("book:"):
            internal = channel
        else:
            self.send(conn, "control", "error", {"op": "error", "error": f"unknown channel {channel}"})
            return
        if op == "subscribe":
            conn.subscribe(internal)
            self.send(conn, internal, "ack", {"op": "subscribed", "channel": channel})
        elif op == "unsubscribe":
            conn.unsubscribe(internal)
            self.send(conn, "control", "ack", {"op": "unsubscribed", "channel": channel})

    def on_engine_event(self, event: EngineEvent) -> None:
        if isinstance(event, _ORDER_EVENTS):
            order = event.order  # type: ignore[attr-defined]
            self.publish(f"orders:{order.account_id}", "order", {"type": "order", "order": order_json(order)})
        elif isinstance(event, Trade):
            for fill, order in ((event.taker, event.taker_order), (event.maker, event.maker_order)):
                channel = f"orders:{fill.account_id}"
                self.publish(channel, "fill", {"type": "fill", "fill": jsonable(fill)})
                self.publish(channel, "order", {"type": "order", "order": order_json(order)})
        elif isinstance(event, PositionChanged):
            position = event.position
            self.publish(f"orders:{position.account_id}", "position", {"type": "position", **jsonable(position)})
        elif isinstance(event, BalanceChanged):
            balance = event.balance
            self.publish(f"orders:{balance.account_id}", "balance", {"type": "balance", **jsonable(balance)})
        elif isinstance(event, BookChanged):
            self.publish(
                f"book:{event.market}",
                "book",
                {"type": "book", "symbol": event.market, "bid": event.bid, "ask": event.ask, "seq": event.seq},
            )


def order_json(view: OrderView) -> dict[str, Any]:
    return {
        "order_id": view.order_id,
        "client_id": view.client_id,
        "symbol": view.market,
        "side": view.side.value,
        "price": None if view.price is None else str(view.price),
        "size": str(view.size),
        "filled": str(view.filled),
        "status": view.status.value,
        "reason": None if view.reason is None else view.reason.value,
    }


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def register(registry: Registry) -> None:
    """The `--plugin tests.sim.plain_venue:register` entry point."""
    registry.register("plain", PlainVenue)
