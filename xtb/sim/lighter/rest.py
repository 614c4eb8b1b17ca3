"""The Lighter simulator's read endpoints (spec §4): public market data and accounts, API keys and
nonces, transaction lookup, and the token-guarded order and trade lists. Anything documented but
without simulator meaning (transfer history, pnl, liquidations...) answers an empty list in the
venue's shape. Candles and funding are in `charts`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from xtb.sim import inbound
from xtb.sim.engine_types import OrderView
from xtb.sim.frontend import ACCOUNT
from xtb.sim.lighter import errors as E
from xtb.sim.lighter import payloads as pl
from xtb.sim.lighter.errors import LighterError, json_response
from xtb.sim.lighter.params import Handler, endpoint, integer, market
from xtb.sim.lighter.parts import VenueParts
from xtb.sim.lighter.settings import QUOTE_ASSET, QUOTE_DECIMALS, USDC_ASSET_ID, MarketDef
from xtb.sim.lighter.snapshots import Snapshots

INVALID_PARAM = E.INVALID_PARAM
STUBS: dict[str, dict[str, Any]] = {
    "/api/v1/deposit/history": {"deposits": [], "cursor": ""},
    "/api/v1/withdraw/history": {"withdraws": [], "cursor": ""},
    "/api/v1/transfer/history": {"transfers": [], "cursor": ""},
    "/api/v1/positionFunding": {"position_fundings": [], "next_cursor": ""},
    "/api/v1/pnl": {"resolution": "1h", "pnl": []},
    "/api/v1/liquidations": {"liquidations": [], "next_cursor": ""},
    "/api/v1/blocks": {"total": 0, "blocks": []},
    "/api/v1/feeTiers": {"fee_tiers": []},
    "/api/v1/transferFeeInfo": {"transfer_fee_usdc": 0},
    "/api/v1/withdrawalDelay": {"seconds": 0},
    "/api/v1/systemConfig": {},
}


class ReadApi:
    def __init__(self, venue: VenueParts, snapshots: Snapshots) -> None:
        self.venue = venue
        self.snapshots = snapshots

    def routes(self) -> list[tuple[str, str, Handler, bool]]:
        """(method, path, handler, needs an auth token) of every read this API serves."""
        public: dict[str, Handler] = {
            "/": self._status,
            "/info": self._info,
            "/api/v1/orderBookDetails": self._order_book_details,
            "/api/v1/orderBooks": self._order_books,
            "/api/v1/orderBookOrders": self._order_book_orders,
            "/api/v1/recentTrades": self._recent_trades,
            "/api/v1/assetDetails": self._asset_details,
            "/api/v1/exchangeStats": self._exchange_stats,
            "/api/v1/account": self._account,
            "/api/v1/accountsByL1Address": self._accounts_by_l1,
            "/api/v1/apikeys": self._api_keys,
            "/api/v1/nextNonce": self._next_nonce,
            "/api/v1/tx": self._tx,
            "/api/v1/currentHeight": self._height,
        }
        stubs = {path: self._stub(body) for path, body in STUBS.items()}
        private: dict[str, Handler] = {
            "/api/v1/accountLimits": self._account_limits,
            "/api/v1/accountActiveOrders": self._active_orders,
            "/api/v1/accountInactiveOrders": self._inactive_orders,
            "/api/v1/accountOrders": self._orders_by_client_id,
            "/api/v1/trades": self._trades,
            "/api/v1/accountTxs": self._account_txs,
        }
        return [
            *(("GET", path, endpoint(handler), False) for path, handler in (public | stubs).items()),
            *(("GET", path, endpoint(handler), True) for path, handler in private.items()),
        ]

    def _stub(self, body: dict[str, Any]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            return json_response({"code": 200, **body})

        return handler

    def _market(self, request: web.Request, *, required: bool = True) -> MarketDef | None:
        return market(request, self.venue.markets_by_id, required=required)

    def _account_index(self, request: web.Request) -> int:
        account = integer(request, "account_index")
        if account not in self.venue.accounts():
            raise LighterError(E.ACCOUNT_NOT_FOUND)
        return account

    # ------------------------------------------------------------------------------- public

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return json_response({"status": 200, "network_id": 1, "timestamp": int(self.venue.clock.time())})

    async def _info(self, request: web.Request) -> web.StreamResponse:
        return json_response({"contract_address": "0x3b4d794a66304f130a4db8f2551b0070dfcf5ca7"})

    def _markets(self, request: web.Request) -> list[MarketDef]:
        market = self._market(request, required=False)
        kind = request.query.get("filter", "all")
        if kind not in ("all", "perp", "spot"):
            raise LighterError(INVALID_PARAM, message="invalid param: filter")
        if kind == "spot":
            return []
        return [market] if market is not None else list(self.venue.markets.values())

    async def _order_book_details(self, request: web.Request) -> web.StreamResponse:
        rows = [self.snapshots.market_detail(m) for m in self._markets(request)]
        return json_response({"code": 200, "order_book_details": rows, "spot_order_book_details": []})

    async def _order_books(self, request: web.Request) -> web.StreamResponse:
        return json_response({"code": 200, "order_books": [pl.order_book_json(m) for m in self._markets(request)]})

    async def _order_book_orders(self, request: web.Request) -> web.StreamResponse:
        """Individual resting orders, best first, at most `limit` per side."""
        market = self._market(request)
        assert market is not None
        limit = integer(request, "limit", low=1, high=250)
        resting = self.venue.engine.resting_orders(market.symbol)
        bids = [o for o in resting if o.side.value == "buy"]
        asks = [o for o in resting if o.side.value == "sell"]
        return json_response(
            {
                "code": 200,
                "total_asks": len(asks),
                "asks": [self._simple(o, market) for o in asks[:limit]],
                "total_bids": len(bids),
                "bids": [self._simple(o, market) for o in bids[:limit]],
            }
        )

    def _simple(self, view: OrderView, market: MarketDef) -> dict[str, Any]:
        meta = self.venue.state.order_meta(view.order_id, market.market_id)
        return pl.simple_order_json(view, meta, market, self.venue.state.account_index(view.account_id))

    async def _recent_trades(self, request: web.Request) -> web.StreamResponse:
        market = self._market(request)
        assert market is not None
        limit = integer(request, "limit", low=1, high=100)
        trades = list(self.venue.state.tape[market.market_id])[-limit:]
        return json_response({"code": 200, "trades": trades[::-1]})

    async def _asset_details(self, request: web.Request) -> web.StreamResponse:
        usdc = {
            "asset_id": USDC_ASSET_ID, "symbol": QUOTE_ASSET, "l1_decimals": 6, "decimals": QUOTE_DECIMALS,
            "min_transfer_amount": "1.000000", "min_withdrawal_amount": "1.000000", "margin_mode": "enabled",
            "index_price": "1.000000", "l1_address": "0xaf88d065e77c8cc2239327c5edb3a432268e5831",
            "global_supply_cap": "0", "liquidation_fee": "0", "liquidation_threshold": "0", "loan_to_value": "0",
            "price_decimals": 6, "total_supplied": "0", "user_supply_cap": "0", "liquidation_factor": "0",
            "multiplier": "1",
        }  # fmt: skip
        wanted = request.query.get("asset_id")
        rows = [usdc] if wanted in (None, str(USDC_ASSET_ID)) else []
        return json_response({"code": 200, "asset_details": rows})

    async def _exchange_stats(self, request: web.Request) -> web.StreamResponse:
        snaps = self.snapshots
        stats = [{"symbol": m.symbol, **snaps.daily_stats(m)} for m in self.venue.markets.values()]
        volume = sum(s["daily_quote_token_volume"] for s in stats)
        count = sum(s["daily_trades_count"] for s in stats)
        return json_response({"code": 200, "total": len(stats), "order_book_stats": stats,
                              "daily_usd_volume": volume, "daily_trades_count": count})  # fmt: skip

    async def _account(self, request: web.Request) -> web.StreamResponse:
        by = request.query.get("by")
        value = request.query.get("value", "")
        if by == "index":
            account = inbound.integer(value)
        elif by == "l1_address":
            account = next((a for a, addr in self.venue.l1_addresses.items() if addr.lower() == value.lower()), None)
        else:
            raise LighterError(INVALID_PARAM, message="invalid param: by")
        if account is None or account not in self.venue.accounts():
            raise LighterError(E.ACCOUNT_NOT_FOUND)
        return json_response({"code": 200, "total": 1, "accounts": [self.snapshots.account(account)],
                              "next_cursor": ""})  # fmt: skip

    async def _accounts_by_l1(self, request: web.Request) -> web.StreamResponse:
        address = request.query.get("l1_address", "")
        accounts = [a for a, addr in self.venue.l1_addresses.items() if addr.lower() == address.lower()]
        if not accounts:
            raise LighterError(E.ACCOUNT_NOT_FOUND)
        snaps = self.snapshots
        return json_response({"code": 200, "l1_address": address, "sub_accounts": [snaps.account(a) for a in accounts]})

    async def _api_keys(self, request: web.Request) -> web.StreamResponse:
        """All keys of the account (no `api_key_index`, or 255), or one; public keys as 80 lowercase
        hex characters without 0x."""
        account = self._account_index(request)
        index = integer(request, "api_key_index", 255, high=255)
        keys = [k for k in self.venue.keys.of_account(account) if index == 255 or k.index == index]
        if index != 255 and not keys:
            raise LighterError(E.API_KEY_NOT_FOUND)
        rows = [
            {"account_index": k.account, "api_key_index": k.index, "nonce": k.next_nonce,
             "public_key": k.public_key.hex(), "transaction_time": k.transaction_time}
            for k in keys
        ]  # fmt: skip
        return json_response({"code": 200, "api_keys": rows})

    async def _next_nonce(self, request: web.Request) -> web.StreamResponse:
        account = integer(request, "account_index")
        index = integer(request, "api_key_index", high=255)
        return json_response({"code": 200, "nonce": self.venue.keys.next_nonce(account, index)})

    async def _tx(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("by") not in ("hash", "l1_tx_hash"):
            raise LighterError(INVALID_PARAM, message="invalid param: by")
        record = self.venue.state.txs.get(request.query.get("value", "").lower().removeprefix("0x"))
        if record is None:
            raise LighterError(E.NOT_FOUND, status=404)
        return json_response(self.snapshots.tx(record))

    async def _height(self, request: web.Request) -> web.StreamResponse:
        return json_response({"code": 200, "height": self.venue.state.height})

    # ------------------------------------------------------------------------------ private

    async def _account_limits(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            {
                "code": 200, "max_llp_percentage": 25, "user_tier": self.venue.settings.account_tier,
                "can_create_public_pool": True, "max_llp_amount": "0", "current_maker_fee_tick": pl.MAKER_FEE_PPM,
                "current_taker_fee_tick": pl.TAKER_FEE_PPM, "effective_lit_stakes": "0", "leased_lit": "0",
                "user_tier_name": self.venue.settings.account_tier, "bo_user_tier_name": "", "bo_fee_rate": 0,
            }
        )  # fmt: skip

    def _orders(self, views: Iterable[OrderView]) -> list[dict[str, Any]]:
        return [self.snapshots.order(v) for v in views]

    async def _active_orders(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        market = self._market(request, required=False)
        views = self.venue.engine.open_orders(account, None if market is None else market.symbol)
        return json_response({"code": 200, "orders": self._orders(views)})

    def _history(self, account: int) -> Iterable[OrderView]:
        """The account's closed orders, newest first (replaced orders of a modify left out)."""
        state, engine = self.venue.state, self.venue.engine
        for engine_id in state.logged_orders(account, newest_first=True):
            view = engine.order(engine_id)
            meta = state.meta.get(engine_id)
            if view is None or view.is_open or (meta is not None and state.engine_id(meta.order_index) != engine_id):
                continue
            yield view

    async def _inactive_orders(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        limit = integer(request, "limit", low=1, high=100)
        market = self._market(request, required=False)
        ask = request.query.get("ask_filter")
        rows = []
        for view in self._history(account):
            if market is not None and view.market != market.symbol:
                continue
            if ask in ("0", "1") and (view.side.value == "sell") != (ask == "1"):
                continue
            rows.append(view)
            if len(rows) >= limit:
                break
        return json_response({"code": 200, "orders": self._orders(rows), "next_cursor": ""})

    async def _orders_by_client_id(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        texts = [t for t in request.query.get("client_order_indexes", "").split(",") if t]
        indexes = [inbound.integer(t) for t in texts]
        if not texts or len(texts) > 20 or None in indexes:
            raise LighterError(INVALID_PARAM, message="invalid param: client_order_indexes")
        views = []
        for index in indexes:
            view = self.venue.engine.order_by_client_id(account, index)
            if view is not None:
                views.append(view)
        return json_response({"code": 200, "orders": self._orders(views)})

    async def _trades(self, request: web.Request) -> web.StreamResponse:
        """The account's fills, newest first unless `sort_dir=asc`; `market_id` and `order_index`
        (either side of the trade) narrow the list."""
        account = request[ACCOUNT]
        if request.query.get("sort_by") not in ("timestamp", "trade_id", "block_height"):
            raise LighterError(INVALID_PARAM, message="invalid param: sort_by")
        direction = request.query.get("sort_dir", "desc")
        if direction not in ("asc", "desc"):
            raise LighterError(INVALID_PARAM, message="invalid param: sort_dir")
        limit = integer(request, "limit", low=1, high=100)
        market = self._market(request, required=False)
        order = integer(request, "order_index", high=2**60 - 1) if "order_index" in request.query else None
        trades = [
            t
            for t in self.venue.state.trades.get(account, ())
            if (market is None or t["market_id"] == market.market_id) and order in (None, t["ask_id"], t["bid_id"])
        ]
        if direction == "desc":
            trades.reverse()
        return json_response({"code": 200, "trades": trades[:limit], "next_cursor": ""})

    async def _account_txs(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        limit = integer(request, "limit", 100, low=1, high=100)
        hashes = list(self.venue.state.account_txs.get(account, ()))[-limit:][::-1]
        txs = [self.snapshots.tx(self.venue.state.txs[h]) for h in hashes if h in self.venue.state.txs]
        return json_response({"code": 200, "txs": txs})
