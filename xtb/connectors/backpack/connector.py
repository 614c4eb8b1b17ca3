"""BackpackConnector: the Backpack venue's REST hooks for BaseConnector, and the wiring of its parts
(signing in auth.py, routes in endpoints.py, errors in error_codes.py, payloads in mapping.py, the
two sockets in streams.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from xtb.connectors.backpack import endpoints, limits, mapping
from xtb.connectors.backpack.auth import BackpackSigner
from xtb.connectors.backpack.error_codes import ERRORS
from xtb.connectors.backpack.rest import BackpackRest
from xtb.connectors.backpack.settings import BackpackExtra
from xtb.connectors.backpack.streams import BackpackStreams
from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.pacing import RateCard
from xtb.connectors.started_only import StartedOnly
from xtb.errors import AuthError, ConnectorError, OrderNotFound, VenueProtocolError
from xtb.model import Balance, Fill, MarketInfo, OrderRequest, OrderSnapshot, Position, TopOfBook
from xtb.orders.tracker import OrderTracker

log = logging.getLogger(__name__)

HISTORY_PAGE = 1000
FILL_PAGES = 5
"""Pages of fill history read for one order, at most: an order with more executions is recovered in
part (the rest on a later REST check), and a venue that silently drops the orderId filter costs a
bounded number of requests, not the account's whole history."""


class BackpackConnector(BaseConnector):
    client_id_policy = ClientIdPolicy.int_range(0, 2**32 - 1)
    errors = ERRORS
    extra_type = BackpackExtra
    settings: BackpackExtra
    rest = StartedOnly[BackpackRest]()

    def __init__(self, config: ConnectorConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        secret = config.credentials.get("api_secret")
        self._signer = BackpackSigner(secret) if secret is not None else None

    def _rate_card(self) -> RateCard:
        return limits.RATE_CARD

    async def _on_start(self) -> None:
        if self._signer is None:
            raise AuthError("missing credential 'api_secret'", venue=self.venue)
        self.rest = BackpackRest(self.http, self.config.rest_url, self._signer, self.settings.window_ms)
        await self.rest.sync_clock()
        status = await self.rest.request(endpoints.STATUS)
        if not isinstance(status, dict) or status.get("status") != "Ok":
            raise ConnectorError(f"venue status is {status!r}", venue=self.venue)
        await self.rest.request(endpoints.ACCOUNT)  # proves the keys before any order

    def _streams(self) -> BackpackStreams:
        return BackpackStreams(self.sink, self.http, self.config.ws_url, self.rest, self.rest.subscribe_signature)

    # ------------------------------------------------------------------ REST hooks

    async def _load_markets(self) -> dict[str, MarketInfo]:
        markets = await self.rest.request(endpoints.MARKETS)
        if not isinstance(markets, list):
            raise VenueProtocolError(f"/api/v1/markets answered {type(markets).__name__}", venue=self.venue)
        return {m.symbol: m for m in (mapping.parse_market(obj) for obj in markets)}

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        depth = await self.rest.request(endpoints.DEPTH, params={"symbol": symbol, "limit": "5"})
        return mapping.top_of_depth(symbol, depth, self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        order = await self.rest.request(endpoints.PLACE_ORDER, body=mapping.order_body(request))
        if isinstance(order, dict) and order.get("status") == "Expired" and order.get("expiryReason") is None:
            order = await self._with_expiry_reason(order)
        return mapping.parse_order(order)

    async def _with_expiry_reason(self, order: Mapping[str, Any]) -> Mapping[str, Any]:
        """The live order object has no `expiryReason`, yet it decides FAILED (a refusal such as
        ReduceOnlyNotReduced) against CANCELLED (an IOC / FOK / market order ending by its own terms):
        read it from the order's history row."""
        params = {"symbol": order.get("symbol"), "orderId": str(order.get("id")), "limit": "1"}
        try:
            rows = await self.rest.request(endpoints.ORDER_HISTORY, params=params)
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
        order = await self.rest.request(endpoints.CANCEL_ORDER, body=body)
        return None if order is None else mapping.parse_order(order)  # 202: pending, confirm later

    async def _cancel_all(self, symbol: str) -> int:
        orders = await self.rest.request(endpoints.CANCEL_ALL, body={"symbol": symbol})
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
            return mapping.parse_order(await self.rest.request(endpoints.ORDER, params=params))
        except OrderNotFound:
            pass
        history_params: dict[str, Any] = {"symbol": symbol, "limit": str(HISTORY_PAGE)}
        if venue_id is not None:
            history_params["orderId"] = venue_id
        rows = await self.rest.request(endpoints.ORDER_HISTORY, params=history_params)
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
            rows = mapping.rows(await self.rest.request(endpoints.FILL_HISTORY, params=params), "fill history")
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
        orders = await self.rest.request(endpoints.OPEN_ORDERS, params=params)
        return [mapping.parse_order(o) for o in mapping.rows(orders, "open orders")]

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        params = {"symbol": symbol} if symbol else None
        rows = await self.rest.request(endpoints.POSITIONS, params=params)
        return [mapping.parse_position(r) for r in mapping.rows(rows, "positions")]

    async def _fetch_balances(self) -> list[Balance]:
        return mapping.parse_balances(await self.rest.request(endpoints.BALANCES) or {})
