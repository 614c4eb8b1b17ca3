"""LighterConnector: the Lighter venue for BaseConnector, signing with the official SDK's Go signer.

Writes are L2 transactions signed by `lighter.SignerClient` with nonces kept here (`TxSender`);
reads are REST with an auth token from the same signer (endpoints.py, errors.py); the sockets are
streams.py's.

sendTx answers only a tx_hash, so a submit waits (briefly) for the venue's first view of the order
— the stream, else a REST query by client order index — before it returns.
"""

from __future__ import annotations

import logging
from typing import Any

from xtb.connectors.base import BaseConnector
from xtb.connectors.books import top_of_levels
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.lighter import auth, endpoints, limits, mapping
from xtb.connectors.lighter.errors import ERRORS
from xtb.connectors.lighter.rest import LighterRest
from xtb.connectors.lighter.settings import LighterExtra
from xtb.connectors.lighter.signer import ORDER_EXPIRY_28_DAYS, LighterSigner, chain_id_for
from xtb.connectors.lighter.streams import LighterStreams
from xtb.connectors.lighter.txs import TxSender
from xtb.connectors.pacing import RateCard
from xtb.connectors.started_only import StartedOnly
from xtb.errors import AuthError, ConnectorError, InvalidOrder, OrderNotFound, VenueProtocolError
from xtb.model import (
    Balance,
    Fill,
    MarketInfo,
    OrderRequest,
    OrderSnapshot,
    OrderState,
    OrderType,
    Position,
    Side,
    Source,
    TimeInForce,
    TopOfBook,
)
from xtb.orders.tracker import OrderTracker

log = logging.getLogger(__name__)

TYPE_LIMIT, TYPE_MARKET = 0, 1
TIF = {TimeInForce.IOC: 0, TimeInForce.GTC: 1, TimeInForce.POST_ONLY: 2}


class LighterConnector(BaseConnector):
    client_id_policy = ClientIdPolicy.int_range(1, 2**48 - 1)
    errors = ERRORS
    extra_type = LighterExtra
    settings: LighterExtra

    rest = StartedOnly[LighterRest]()
    signer = StartedOnly[LighterSigner]()
    txs = StartedOnly[TxSender]()
    account_index = StartedOnly[int]()

    def __init__(self, config: ConnectorConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.chain_id = chain_id_for(config.rest_url, self.settings.chain_id)
        self.market_ids = mapping.MarketIds()

    def _rate_card(self) -> RateCard:
        """`extra.rate_tier` when set; else every tier's budget until `accountLimits` names the tier."""
        return limits.rate_card(self.settings.rate_tier)

    def token(self) -> str:
        """An auth token for the private reads (cached by the signer until near its deadline)."""
        return self.signer.auth_token(self.settings.auth_ttl)

    # ------------------------------------------------------------------ lifecycle hooks

    async def _on_start(self) -> None:
        creds, ids, url = self.config.credentials, self.config.identifiers, self.config.rest_url
        if "api_private_key" not in creds:
            raise AuthError("missing credential 'api_private_key'", venue=self.venue)
        account = auth.index_setting("account_index", creds, ids, self.settings.account_index)
        if account is None or account <= 0:
            raise AuthError("missing or invalid credential 'account_index'", venue=self.venue)
        self.account_index = account
        known = limits.KNOWN_TIERS.get((url, account))
        if known is not None and self.settings.rate_tier is None:
            self.pacer.use(limits.rate_card(known))  # as this process last saw it; accountLimits confirms below
        self.rest = LighterRest(self.http, url, self.token)
        status = await self.rest.get(endpoints.STATUS)
        if not isinstance(status, dict) or status.get("status") != 200:
            raise ConnectorError(f"venue status is {status!r}", venue=self.venue)
        key_index = auth.index_setting("api_key_index", creds, ids, self.settings.api_key_index)
        if key_index is None:
            key_index = await auth.find_key_index(self.rest, account, creds["api_private_key"])  # proves it too
        else:
            await auth.prove_key(self.rest, account, key_index, creds["api_private_key"])
        self.signer = LighterSigner(url, account, key_index, creds["api_private_key"], self.chain_id)
        await self.signer.open()
        self.txs = TxSender(self.rest, account, key_index, skip_nonce=self.settings.skip_nonce)
        account_limits = await self.rest.get(endpoints.ACCOUNT_LIMITS, {"account_index": account})  # the token works
        if self.settings.rate_tier is None:
            tier = limits.reported_tier(account_limits)
            log.info("pacing venue=%s by the %s tier", self.venue, tier)
            limits.KNOWN_TIERS[(url, account)] = tier
            self.pacer.use(limits.rate_card(tier))

    async def _on_stop(self) -> None:
        if type(self).signer.ready(self):
            await self.signer.close()

    def _streams(self) -> LighterStreams:
        return LighterStreams(
            sink=self.sink,
            session=self.http,
            url=self.config.ws_url,
            markets=self.market_ids,
            settings=self.settings,
            account=self.account_index,
            token=self.signer.lasting_token,
            greeting_timeout=self.config.request_timeout,
        )

    # ------------------------------------------------------------------ REST hooks

    def _market(self, symbol: str) -> MarketInfo:
        try:
            return self._markets[symbol]
        except KeyError:
            raise ConnectorError(f"unknown symbol {symbol!r}", venue=self.venue) from None

    async def _load_markets(self) -> dict[str, MarketInfo]:
        body = await self.rest.get(endpoints.MARKETS, {"filter": "perp"})
        rows = mapping.rows(mapping.field(body, "order_book_details", "orderBookDetails"), "order_book_details")
        markets = [m for m in (mapping.parse_market(row) for row in rows) if m is not None]
        self.market_ids.load(markets)
        return {m.symbol: m for m in markets}

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        params = {"market_id": self._market(symbol).venue_symbol, "limit": endpoints.DEPTH_LIMIT}
        bids, asks = mapping.touch_levels(await self.rest.get(endpoints.DEPTH, params))
        return top_of_levels(symbol, bids, asks, self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        market = self._market(request.symbol)
        if request.time_in_force is TimeInForce.FOK:
            raise InvalidOrder("Lighter offers no fill-or-kill orders", venue=self.venue)
        base_amount = mapping.size_units(request.size, market)
        if request.order_type is OrderType.MARKET:
            book = await self.top_of_book(request.symbol)
            touch = book.far_touch(request.side)
            if touch is None:
                raise InvalidOrder(
                    f"no {request.side.opposite.value} side to take on {request.symbol}", venue=self.venue
                )
            price = mapping.protection_price(touch, request.side, self.settings.market_slippage, market)
            order_type, tif, expiry = TYPE_MARKET, 0, 0
        else:
            assert request.price is not None
            price = mapping.price_units(request.price, market)
            tif = TIF[request.time_in_force]
            order_type, expiry = TYPE_LIMIT, 0 if tif == 0 else ORDER_EXPIRY_28_DAYS
        signer = self.signer

        def sign(nonce: int, skip: bool) -> Any:
            return signer.create_order(  # a coroutine: the Go library signs on its own thread
                market_index=int(market.venue_symbol),
                client_order_index=int(request.client_id),
                base_amount=base_amount,
                price=price,
                is_ask=request.side is Side.SELL,
                order_type=order_type,
                time_in_force=tif,
                reduce_only=request.reduce_only,
                order_expiry=expiry,
                nonce=nonce,
                skip_nonce=skip,
            )

        tx_hash = await self.txs.send(sign)
        log.debug("order sent venue=%s cid=%s tx=%s", self.venue, request.client_id, tx_hash)
        return await self._confirm(request)

    async def _confirm(self, request: OrderRequest) -> OrderSnapshot | None:
        """Wait for the stream to report the order; else ask REST by client order index. None when
        neither knows it yet (it stays SUBMITTING for the streams and reconciliation)."""
        tracker = self.orders.find(request.client_id)
        if tracker is not None:
            try:
                await tracker.wait_for(lambda t: t.state is not OrderState.SUBMITTING, self.settings.confirm_timeout)
                return None
            except TimeoutError:
                pass
        try:
            return await self._fetch_order(request.symbol, request.client_id, None)
        except OrderNotFound:
            log.warning("order %s not seen after its tx was accepted; re-syncing the nonce", request.client_id)
            self.txs.resync()  # a sequencer drop would leave our nonce ahead of the venue's
            return None

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        market_index = int(self._market(tracker.symbol).venue_symbol)
        index = int(tracker.venue_id) if tracker.venue_id is not None else int(tracker.client_id)
        signer = self.signer
        await self.txs.send(
            lambda nonce, skip: signer.cancel_order(
                market_index=market_index, index=index, nonce=nonce, skip_nonce=skip
            )
        )
        return None  # the stream (or a query) confirms

    async def _cancel_all(self, symbol: str) -> int:
        market_index = int(self._market(symbol).venue_symbol)
        count = len(await self._fetch_open_orders(symbol))
        signer = self.signer
        await self.txs.send(
            lambda nonce, skip: signer.cancel_all(market_index=market_index, nonce=nonce, skip_nonce=skip)
        )
        return count

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        market = self._market(symbol)
        if client_id is not None and client_id.isdigit():
            params = {"account_index": self.account_index, "client_order_indexes": client_id}
            body = await self.rest.get(endpoints.ORDERS_BY_CLIENT_ID, params)
            for order in mapping.rows(mapping.get(body, "orders", "accountOrders"), "orders"):
                if (
                    str(mapping.get(order, "market_index", "order")) == market.venue_symbol
                    and str(order.get("client_order_index")) == client_id
                ):
                    return mapping.parse_order(order, symbol, Source.REST)
        if venue_id is not None:
            for snap in await self._fetch_open_orders(symbol):
                if snap.venue_id == venue_id:
                    return snap
            params = {
                "account_index": self.account_index,
                "market_id": market.venue_symbol,
                "limit": endpoints.INACTIVE_PAGE,
            }
            body = await self.rest.get(endpoints.INACTIVE_ORDERS, params)
            for order in mapping.rows(mapping.get(body, "orders", "accountInactiveOrders"), "orders"):
                if str(mapping.get(order, "order_index", "order")) == venue_id:
                    return mapping.parse_order(order, symbol, Source.REST)
        raise OrderNotFound(f"order {venue_id or client_id} is unknown to {symbol}", venue=self.venue)

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        symbols = [symbol] if symbol is not None else list(self._markets)
        snaps = []
        for sym in symbols:
            params = {"account_index": self.account_index, "market_id": self._market(sym).venue_symbol}
            body = await self.rest.get(endpoints.ACTIVE_ORDERS, params)
            orders = mapping.rows(mapping.get(body, "orders", "accountActiveOrders"), "orders")
            snaps += [mapping.parse_order(o, sym, Source.REST) for o in orders]
        return snaps

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        """The order's executions from the account's trade history, parsed as `account_all_trades`
        parses them (same trade id, ids, fee and liquidity), so the tracker counts each once.

        One request (weight 600 on the weighted tiers, one of the standard tier's 60 a minute):
        filtered to the order by `order_index` when its venue id is known; the answer is filtered
        again here, so a venue that ignored the filter would still give only this order's fills."""
        if venue_id is None and client_id is None:
            raise ValueError("_fetch_fills needs a client id or a venue id")
        market = self._market(symbol)
        params = {
            "account_index": self.account_index,
            "market_id": market.venue_symbol,
            "order_index": venue_id,
            "sort_by": "timestamp",
            "sort_dir": "desc",
            "limit": endpoints.TRADES_PAGE,
        }
        body = await self.rest.get(endpoints.TRADES, params)
        fills = []
        for trade in mapping.rows(mapping.field(body, "trades", "trades answer"), "trades"):
            if str(mapping.field(trade, "market_id", "trade")) != market.venue_symbol:
                continue
            fills += mapping.parse_fills(trade, self.account_index, symbol, Source.REST)
        if venue_id is not None:
            return [f for f in fills if f.venue_id == venue_id]
        return [f for f in fills if f.client_id == client_id]

    async def _account(self) -> dict[str, Any]:
        body = await self.rest.get(endpoints.ACCOUNT, {"by": "index", "value": self.account_index})
        accounts = mapping.rows(mapping.field(body, "accounts", "account answer"), "accounts")
        if not accounts:
            raise VenueProtocolError(f"account {self.account_index} not listed", venue=self.venue)
        return dict(mapping.obj(accounts[0], "account"))

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        rows = mapping.rows((await self._account()).get("positions"), "positions")
        positions = [mapping.parse_position(p, Source.REST) for p in rows]
        return [p for p in positions if symbol is None or p.symbol == symbol]

    async def _fetch_balances(self) -> list[Balance]:
        return [mapping.parse_balance(await self._account())]
