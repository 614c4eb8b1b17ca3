"""BackpackConnector: the Backpack venue for BaseConnector (signing, mapping, parsing only).

Two supervised sockets to the one WS URL: `market` (depth diffs per symbol into a local book, synced
against the REST snapshot by update id) and `account` (signed order and position updates). Backpack
never acknowledges a subscription, so a socket counts as live once a protocol ping sent after the
SUBSCRIBE frame has come back: the server has read the subscription by then.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import aiohttp

from xtb.connectors.backpack import limits, mapping
from xtb.connectors.backpack.auth import DEFAULT_WINDOW_MS, BackpackSigner
from xtb.connectors.backpack.rest import BackpackRest
from xtb.connectors.base import BaseConnector, StreamReady
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.orderbook import BookGap, LocalBook
from xtb.connectors.pacing import RateCard
from xtb.errors import AuthError, ConnectionLost, ConnectorError, OrderNotFound, VenueProtocolError
from xtb.model import (
    Balance,
    Fill,
    MarketInfo,
    OrderRequest,
    OrderSnapshot,
    OrderType,
    Position,
    TimeInForce,
    TopOfBook,
)
from xtb.orders.tracker import OrderTracker

log = logging.getLogger(__name__)

PROD_REST = "https://api.backpack.exchange"
PROD_WS = "wss://ws.backpack.exchange"
HISTORY_PAGE = 1000
FILL_PAGES = 5
"""Pages of fill history read for one order, at most: an order with more executions is recovered in
part (the rest on a later REST check), and a venue that silently drops the orderId filter costs a
bounded number of requests, not the account's whole history."""


def fmt(value: Decimal) -> str:
    """A decimal string without exponent or trailing zeros ("150", "0.001")."""
    return format(value.normalize(), "f")


class BackpackConnector(BaseConnector):
    client_id_policy = ClientIdPolicy.int_range(0, 2**32 - 1)

    def __init__(self, config: ConnectorConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        secret = config.credentials.get("api_secret")
        self._signer = BackpackSigner(secret) if secret is not None else None
        self._window = int(config.extra.get("window_ms", DEFAULT_WINDOW_MS))
        self._rest: BackpackRest | None = None
        self.books: dict[str, LocalBook] = {s: LocalBook(s) for s in config.symbols}

    def _rate_card(self) -> RateCard:
        return limits.RATE_CARD

    @property
    def rest(self) -> BackpackRest:
        if self._rest is None:
            raise ConnectionLost("connector is not started", venue=self.venue)
        return self._rest

    # ------------------------------------------------------------------ lifecycle hooks

    async def _on_start(self) -> None:
        if self._signer is None:
            raise AuthError("missing credential 'api_secret'", venue=self.venue)
        self._rest = BackpackRest(self.http, self.config.rest_url, self._signer, self._window)
        await self.rest.sync_clock()
        status = await self.rest.request("GET", "/api/v1/status")
        if not isinstance(status, dict) or status.get("status") != "Ok":
            raise ConnectorError(f"venue status is {status!r}", venue=self.venue)
        await self.rest.request("GET", "/api/v1/account", signed=True)  # proves the keys before any order

    def stream_names(self) -> list[str]:
        return ["market", "account"] if self.config.symbols else ["account"]

    async def _run_stream(self, name: str, ready: StreamReady) -> None:
        # autoping off: our own ping's PONG is the signal that the subscription was read.
        async with self.http.ws_connect(self.config.ws_url, autoping=False, heartbeat=None) as ws:
            if name == "account":
                await self._subscribe_account(ws)

                async def live() -> None:
                    ready()

                await self._read(ws, self._handle_account, live)
            else:
                await self._run_market(ws, ready)

    # ------------------------------------------------------------------ REST hooks

    async def _load_markets(self) -> dict[str, MarketInfo]:
        markets = await self.rest.request("GET", "/api/v1/markets")
        if not isinstance(markets, list):
            raise VenueProtocolError(f"/api/v1/markets answered {type(markets).__name__}", venue=self.venue)
        return {m.symbol: m for m in (mapping.parse_market(obj) for obj in markets)}

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        depth = await self.rest.request("GET", "/api/v1/depth", params={"symbol": symbol, "limit": "5"})
        return mapping.top_from_depth(symbol, depth, self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        body: dict[str, Any] = {
            "symbol": request.symbol,
            "side": mapping.SIDE_NAMES[request.side],
            "orderType": "Limit" if request.order_type is OrderType.LIMIT else "Market",
            "quantity": fmt(request.size),
            "clientId": int(request.client_id),
        }
        if request.order_type is OrderType.LIMIT:
            assert request.price is not None
            body["price"] = fmt(request.price)
            if request.post_only:
                body["postOnly"] = True
            else:
                body["timeInForce"] = request.time_in_force.name
        elif request.time_in_force is TimeInForce.FOK:
            body["timeInForce"] = "FOK"
        if request.reduce_only:
            body["reduceOnly"] = True
        order = await self.rest.request("POST", "/api/v1/order", body=body, signed=True)
        if isinstance(order, dict) and order.get("status") == "Expired" and order.get("expiryReason") is None:
            order = await self._with_expiry_reason(order)
        return mapping.parse_order(order)

    async def _with_expiry_reason(self, order: Mapping[str, Any]) -> Mapping[str, Any]:
        """The live order object has no `expiryReason`, yet it decides FAILED (a refusal such as
        ReduceOnlyNotReduced) against CANCELLED (an IOC / FOK / market order ending by its own terms):
        read it from the order's history row."""
        params = {"symbol": order.get("symbol"), "orderId": str(order.get("id")), "limit": "1"}
        try:
            rows = await self.rest.request("GET", "/wapi/v1/history/orders", params=params, signed=True)
        except ConnectorError as exc:
            log.warning("no expiry reason for order venue=%s id=%s error=%s", self.venue, order.get("id"), exc)
            return order
        for row in mapping.rows(rows, "order history"):
            if (
                str(mapping.get(row, "id", "history order")) == str(order.get("id"))
                and row.get("expiryReason") is not None
            ):
                return {**order, "expiryReason": row["expiryReason"]}
        return order

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        body: dict[str, Any] = {"symbol": tracker.symbol}
        if tracker.venue_id is not None:
            body["orderId"] = tracker.venue_id
        else:
            body["clientId"] = int(tracker.client_id)
        order = await self.rest.request("DELETE", "/api/v1/order", body=body, signed=True)
        return None if order is None else mapping.parse_order(order)  # 202: pending, confirm later

    async def _cancel_all(self, symbol: str) -> int:
        orders = await self.rest.request("DELETE", "/api/v1/orders", body={"symbol": symbol}, signed=True)
        snaps = [mapping.parse_order(o) for o in mapping.rows(orders, "cancelled orders")]
        for snap in snaps:
            self._on_order_update(snap)
        return len(snaps)

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        """Open orders answer on /api/v1/order; closed ones only in history (which has no
        clientId filter, so it is matched here)."""
        params: dict[str, Any] = {"symbol": symbol}
        if venue_id is not None:
            params["orderId"] = venue_id
        else:
            params["clientId"] = client_id
        try:
            return mapping.parse_order(await self.rest.request("GET", "/api/v1/order", params=params, signed=True))
        except OrderNotFound:
            pass
        history_params: dict[str, Any] = {"symbol": symbol, "limit": str(HISTORY_PAGE)}
        if venue_id is not None:
            history_params["orderId"] = venue_id
        rows = await self.rest.request("GET", "/wapi/v1/history/orders", params=history_params, signed=True)
        for row in mapping.rows(rows, "order history"):
            if (venue_id is not None and str(mapping.get(row, "id", "history order")) == venue_id) or (
                venue_id is None and mapping.client_id(row.get("clientId")) == client_id
            ):
                return mapping.parse_order(row)
        raise OrderNotFound(f"order {venue_id or client_id} not open and not in history", venue=self.venue)

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        """One order's executions from `/wapi/v1/history/fills`, each with the trade id its orderFill
        carries. `fillType=User`: by default the venue lists liquidation, ADL and conversion fills too.
        Filtered by orderId on the venue when the order's id is known, and matched here as well (a
        filter the venue drops must not hand us other orders' fills); by client id otherwise, here,
        over the symbol's newest fills (the endpoint has no clientId filter)."""
        if client_id is None and venue_id is None:
            raise ValueError("_fetch_fills needs a client id or a venue id")
        params: dict[str, Any] = {"symbol": symbol, "fillType": "User", "limit": str(HISTORY_PAGE)}
        if venue_id is not None:
            params.update(orderId=venue_id, sortDirection="Asc")
        else:
            params["sortDirection"] = "Desc"
        found: dict[str, Fill] = {}  # by trade id: a page boundary shifted by a new fill repeats a row
        for page in range(FILL_PAGES):
            params["offset"] = str(page * HISTORY_PAGE)
            rows = mapping.rows(
                await self.rest.request("GET", "/wapi/v1/history/fills", params=params, signed=True), "fill history"
            )
            for row in rows:
                fill = mapping.parse_history_fill(row)
                ours = fill.venue_id == venue_id if venue_id is not None else fill.client_id == client_id
                if ours:
                    found.setdefault(fill.trade_id, fill)
            if len(rows) < HISTORY_PAGE:
                return list(found.values())
        log.warning("fill history cut venue=%s cid=%s id=%s pages=%s", self.venue, client_id, venue_id, FILL_PAGES)
        return list(found.values())

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        params = {"symbol": symbol} if symbol else {"marketType": "PERP"}
        orders = await self.rest.request("GET", "/api/v1/orders", params=params, signed=True)
        return [mapping.parse_order(o) for o in mapping.rows(orders, "open orders")]

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        params = {"symbol": symbol} if symbol else None
        rows = await self.rest.request("GET", "/api/v1/position", params=params, signed=True)
        return [mapping.parse_position(r) for r in mapping.rows(rows, "positions")]

    async def _fetch_balances(self) -> list[Balance]:
        return mapping.parse_balances(await self.rest.request("GET", "/api/v1/capital", signed=True) or {})

    # ------------------------------------------------------------------ streams

    async def _subscribe_account(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        assert self._signer is not None
        frame = {
            "method": "SUBSCRIBE",
            "params": ["account.orderUpdate", "account.positionUpdate"],
            "signature": self._signer.subscribe_signature(self.rest.now_ms(), self._window),
        }
        await ws.send_str(json.dumps(frame))

    async def _run_market(self, ws: aiohttp.ClientWebSocketResponse, ready: StreamReady) -> None:
        symbols = list(self.config.symbols)
        for book in self.books.values():
            book.reset()  # deltas are buffered until the snapshot arrives
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": [f"depth.{s}" for s in symbols]}))

        async def live() -> None:
            await asyncio.gather(*(self._seed(s) for s in symbols))
            ready()

        await self._read(ws, self._handle_market, live)

    async def _seed(self, symbol: str) -> None:
        """Snapshot from REST (deep) and replay the buffered deltas; retried on a gap."""
        for _ in range(5):
            depth = await self.rest.request("GET", "/api/v1/depth", params={"symbol": symbol, "limit": "1000"})
            bids, asks, last_id = mapping.parse_depth(depth)
            try:
                self.books[symbol].on_snapshot(bids, asks, last_id)
            except BookGap as gap:
                log.warning("book resync venue=%s symbol=%s reason=%s", self.venue, symbol, gap)
                continue
            self._publish_book(symbol)
            return
        raise BookGap(f"{symbol}: could not sync the book after 5 snapshots", venue=self.venue)

    async def _read(
        self, ws: aiohttp.ClientWebSocketResponse, handle: Any, on_live: Callable[[], Awaitable[None]]
    ) -> None:
        """Read frames until the socket ends. Answers server pings; the pong to our own ping (sent
        after the SUBSCRIBE frame) runs `on_live` once."""
        await ws.ping(b"xtb-live")
        pending_live: Callable[[], Awaitable[None]] | None = on_live
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.PING:
                await ws.pong(msg.data)
            elif msg.type is aiohttp.WSMsgType.PONG:
                if pending_live is not None:
                    live, pending_live = pending_live, None
                    await live()
            elif msg.type is aiohttp.WSMsgType.TEXT:
                frame = mapping.frame(msg.data)
                if "error" in frame:
                    error = frame["error"]
                    if isinstance(error, dict) and error.get("code") == 4003:
                        raise AuthError(f"stream subscription refused: {error.get('message')}", venue=self.venue)
                    raise VenueProtocolError(f"stream error frame {mapping.clip(frame, 300)}", venue=self.venue)
                await handle(frame)
            elif msg.type is aiohttp.WSMsgType.ERROR:
                raise ConnectionLost(f"stream error: {ws.exception()!r}", venue=self.venue)
        raise ConnectionLost(f"stream closed (code {ws.close_code})", venue=self.venue)

    async def _handle_account(self, frame: Mapping[str, Any]) -> None:
        stream = mapping.stream_name(frame)
        data = mapping.field(frame, "data", "stream frame")
        if stream.startswith("account.orderUpdate"):
            snapshot, fill = mapping.parse_order_update(data)
            if fill is not None:
                self._on_fill(fill)  # before the order update: the tracker sees the fill, then the state
            self._on_order_update(snapshot)
        elif stream.startswith("account.positionUpdate"):
            self._on_position(mapping.parse_position_update(data))
        else:
            raise VenueProtocolError(
                f"unexpected stream {mapping.clip(stream)} on the account socket", venue=self.venue
            )

    async def _handle_market(self, frame: Mapping[str, Any]) -> None:
        stream = mapping.stream_name(frame)
        data = mapping.field(frame, "data", "stream frame")
        if not stream.startswith("depth."):
            raise VenueProtocolError(f"unexpected stream {mapping.clip(stream)} on the market socket", venue=self.venue)
        symbol = mapping.field(data, "s", "depth event")
        book = self.books.get(symbol) if isinstance(symbol, str) else None
        if book is None:
            return
        delta = mapping.parse_depth_delta(data)  # read whole before the book is touched
        try:
            changed = book.on_delta(delta)
        except BookGap as gap:
            log.warning("book gap venue=%s symbol=%s %s; re-seeding", self.venue, symbol, gap)
            await self._seed(symbol)
            return
        if changed:
            self._publish_book(symbol)

    def _publish_book(self, symbol: str) -> None:
        self._publish_local_book(self.books[symbol])
