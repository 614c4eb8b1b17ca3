"""The Backpack Exchange simulator: REST at the root, one WebSocket URL, ED25519 auth (spec §2-§7).

Routes: public `/api/v1/{status,ping,time,markets,market,depth,ticker,tickers,trades,markPrices}`,
the reference data `/api/v1/{assets,collateral,securities,market-sessions,borrowLend/markets,vaults,
wallets}` and market history `/api/v1/{klines,trades/history,openInterest,fundingRates}`; signed
`/api/v1/{order,orders,position,capital,capital/collateral,account,account/limits/{order,borrow,
withdrawal}}` and `/wapi/v1/history/{orders,fills}`; every other signed route of §2.4 as the stub
§4.15 describes (`stubs`). Anything else is a plain-text 404 `not found` (`refusal`). The
WebSocket is served at `/` (which is also what a client sends for the empty path).
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from aiohttp import web
from nacl.signing import SigningKey

from xtb.clock import Clock
from xtb.model import OrderType, Side
from xtb.sim.backpack import payloads as pl
from xtb.sim.backpack import reference, stubs
from xtb.sim.backpack.auth import INSTRUCTIONS, Verifier, parse_json
from xtb.sim.backpack.errors import ApiError, VenueError, json_response, payload_error, text_response
from xtb.sim.backpack.limits import AccountLimits
from xtb.sim.backpack.margin import margin, max_order_quantity
from xtb.sim.backpack.market_data import MarketData
from xtb.sim.backpack.orders import UNKNOWN_ERROR, OrderDesk, VenueFaults
from xtb.sim.backpack.params import BODY, MARKET_TYPES, query_bool, query_decimal, query_enum, query_side, query_uint
from xtb.sim.backpack.settings import ACCOUNT_IMF, ACCOUNT_MMF, LEVERAGE_LIMIT, BackpackSettings, MarketDef
from xtb.sim.backpack.state import TapeTrade, VenueState
from xtb.sim.backpack.streams import BackpackStreams
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId, PositionView
from xtb.sim.frontend import ACCOUNT, AuthFailure, FrontEnd, Handler, SimMarket
from xtb.sim.refusals import Refusal

_GENERIC_MESSAGES = {
    429: ("TOO_MANY_REQUESTS", "Too many requests"),
    503: ("SERVER_ERROR", UNKNOWN_ERROR),
}
_CODES = {  # ApiErrorCode per status for generic errors (faults, crashes); anything else SERVER_ERROR
    400: "INVALID_CLIENT_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "RESOURCE_NOT_FOUND",
    409: "PRECONDITION_FAILED",
    429: "TOO_MANY_REQUESTS",
    504: "TIMEOUT",
}


def endpoint(handler: Handler) -> Handler:
    """Turn a raised VenueError into the venue's answer."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except VenueError as exc:
            return exc.response()

    return wrapped


class BackpackFrontEnd(FrontEnd):
    """`clock` is the venue's wall clock for `/api/v1/time` and the signature window (default: the
    engine's); replace `auth_clock` to verify requests signed in the past (the spec's vectors)."""

    name = "backpack"

    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 0,
        settings: BackpackSettings | None = None,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> None:
        self.settings = settings or BackpackSettings()
        kwargs.setdefault("heartbeat", self.settings.ping_interval)
        super().__init__(engine, seed=seed, **kwargs)
        self.auth_clock: Clock = clock or engine.clock
        self.market_defs: dict[str, MarketDef] = {m.symbol: m for m in self.settings.markets}
        self.state = VenueState(
            tuple(self.market_defs), history_limit=self.settings.history_limit, tape_size=self.settings.tape_size
        )
        self.verifier = Verifier(
            lambda key: self.account_for("api_key", key),
            self.now_ms,
            error_status=self.settings.auth_error_status,
            max_window_ms=self.settings.max_window_ms,
            future_tolerance_ms=self.settings.future_tolerance_ms,
        )
        self.streams = BackpackStreams(self)
        self.venue_faults = VenueFaults()
        self.desk = OrderDesk(self, random.Random(seed))
        self.market_data = MarketData(self)
        self.limits = AccountLimits(tuple(reference.asset_decimals(self.settings.markets)), lambda a: margin(self, a))

    def now_ms(self) -> int:
        return round(self.auth_clock.time() * 1000)

    # ------------------------------------------------------------------------------- hooks

    def sim_markets(self) -> list[SimMarket]:
        return [
            SimMarket(self.settings.market_spec(m), self.settings.market_settings(m)) for m in self.settings.markets
        ]

    def make_credentials(self, account_id: AccountId, rng: random.Random) -> dict[str, Any]:
        seed = bytes(rng.getrandbits(8) for _ in range(32))
        return _credentials(seed)

    def register_api_secret(self, account_id: AccountId, api_secret: str) -> dict[str, Any]:
        """Give an existing account a known key pair (e.g. the spec's test vectors' seed)."""
        creds = _credentials(base64.b64decode(api_secret, validate=True))
        self.credentials[account_id] = creds
        return creds

    def urls(self) -> dict[str, Any]:
        return {"rest": self.base_url(), "ws": self.base_url(scheme="ws")}

    async def authenticate(self, request: web.Request) -> AccountId:
        path = request.path
        try:
            signed = self.verifier.read_headers(request.headers, optional_auth=path.startswith("/wapi/"))
            raw = await request.read()
            body = None
            if raw.strip():
                try:
                    body = parse_json(raw)
                except ValueError as exc:
                    raise payload_error(f"invalid JSON: {exc}") from None
            request[BODY] = body
            instruction = INSTRUCTIONS[(request.method, path)]
            return self.verifier.verify(signed, instruction, list(request.query.items()), body)
        except VenueError as exc:
            raise AuthFailure(str(exc), status=exc.status, response=exc.response()) from None

    def render_error(self, request: web.Request, status: int, message: str) -> web.StreamResponse:
        code = _CODES.get(status, "SERVER_ERROR")
        if status in _GENERIC_MESSAGES and message.endswith("(simulated fault)"):
            code, message = _GENERIC_MESSAGES[status]
        return json_response({"code": code, "message": message}, status=status)

    def refusal(self, request: web.BaseRequest, kind: Refusal, message: str) -> tuple[int, Any]:
        """§7.2: an unknown path is a plain-text 404 `not found`. The spec says nothing of wrong
        methods (answered as the unknown path), nor of oversized or undecodable requests: those get
        the generic JSON `INVALID_CLIENT_REQUEST` with 400 (413 is not among the statuses §7.2 lists)."""
        if kind in (Refusal.NOT_FOUND, Refusal.METHOD_NOT_ALLOWED):
            return 404, "not found"
        if kind is Refusal.INTERNAL:
            return 500, {"code": "SERVER_ERROR", "message": UNKNOWN_ERROR}
        return 400, {"code": "INVALID_CLIENT_REQUEST", "message": message}

    async def refuse_order(self, request: web.Request, reason: str) -> web.StreamResponse:
        return ApiError(400, "INVALID_ORDER", reason).response()

    # ------------------------------------------------------------------------------- routes

    def setup(self) -> None:
        self.websocket("/")
        public = {
            "/api/v1/status": self._status,
            "/api/v1/ping": self._ping,
            "/api/v1/time": self._time,
            "/api/v1/markets": self._markets,
            "/api/v1/market": self._market,
            "/api/v1/depth": self._depth,
            "/api/v1/ticker": self._ticker,
            "/api/v1/tickers": self._tickers,
            "/api/v1/trades": self._trades,
            "/api/v1/markPrices": self._mark_prices,
            "/api/v1/assets": self._assets,
            "/api/v1/collateral": self._public_collateral,
            "/api/v1/klines": self.market_data.klines,
            "/api/v1/trades/history": self.market_data.trade_history,
            "/api/v1/openInterest": self.market_data.open_interest,
            "/api/v1/fundingRates": self.market_data.funding_rates,
        }
        public.update(dict.fromkeys(reference.EMPTY_LIST_ROUTES, self._empty_list))
        for path, handler in public.items():
            self.route("GET", path, endpoint(handler))
        desk = self.desk
        signed: list[tuple[str, str, Handler]] = [
            ("POST", "/api/v1/order", desk.place),
            ("DELETE", "/api/v1/order", desk.cancel),
            ("GET", "/api/v1/order", desk.query),
            ("POST", "/api/v1/orders", desk.place_batch),
            ("GET", "/api/v1/orders", desk.open_orders),
            ("DELETE", "/api/v1/orders", desk.cancel_all),
            ("GET", "/api/v1/position", self._positions),
            ("GET", "/api/v1/capital", self._capital),
            ("GET", "/api/v1/capital/collateral", self._collateral),
            ("GET", "/api/v1/account", self._account),
            ("PATCH", "/api/v1/account", self._update_account),
            ("GET", "/api/v1/account/limits/order", self._order_limit),
            ("GET", "/wapi/v1/history/orders", desk.order_history),
            ("GET", "/wapi/v1/history/fills", desk.fill_history),
            ("GET", "/api/v1/account/limits/borrow", self.limits.borrow),
            ("GET", "/api/v1/account/limits/withdrawal", self.limits.withdrawal),
            *stubs.routes(),
        ]
        for method, path, handler in signed:
            places = method == "POST" and path.startswith("/api/v1/order")
            self.route(method, path, endpoint(handler), auth=True, places_order=places)

    # ------------------------------------------------------------------------- public REST

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return json_response({"message": None, "status": "Ok"})

    async def _ping(self, request: web.Request) -> web.StreamResponse:
        return text_response("pong")

    async def _time(self, request: web.Request) -> web.StreamResponse:
        return text_response(str(self.now_ms()))

    async def _markets(self, request: web.Request) -> web.StreamResponse:
        kind = query_enum(request.query, "marketType", "MarketType", MARKET_TYPES)
        rows = [pl.market_json(m) for m in self.market_defs.values() if kind in (None, "PERP")]
        return json_response(rows, headers={"Cache-Control": "public, max-age=0, s-maxage=300"})

    async def _market(self, request: web.Request) -> web.StreamResponse:
        market = self.desk.symbol(request.query)
        return json_response(pl.market_json(market))

    async def _depth(self, request: web.Request) -> web.StreamResponse:
        market = self.desk.symbol(request.query)
        limit = query_enum(request.query, "limit", "DepthLimit", ("5", "10", "20", "50", "100", "500", "1000"))
        depth = int(limit) if limit is not None else self.settings.depth_limit
        book = self.engine.book(market.symbol, depth)  # no await between the book and its update id
        return json_response(pl.depth_json(book, self.state.update_ids[market.symbol], self.engine.clock.time()))

    async def _assets(self, request: web.Request) -> web.StreamResponse:
        return json_response(reference.assets_json(self.market_defs.values()))

    async def _public_collateral(self, request: web.Request) -> web.StreamResponse:
        return json_response(reference.collateral_json())

    async def _empty_list(self, request: web.Request) -> web.StreamResponse:
        return json_response([])

    async def _ticker(self, request: web.Request) -> web.StreamResponse:
        market = self.desk.symbol(request.query)
        return json_response(self._ticker_row(market.symbol, self._interval(request)))

    async def _tickers(self, request: web.Request) -> web.StreamResponse:
        interval = self._interval(request)
        return json_response([self._ticker_row(symbol, interval) for symbol in self.market_defs])

    def _interval(self, request: web.Request) -> int:
        interval = query_enum(request.query, "interval", "TickerInterval", ("1d", "1w"))
        return 7 * 86_400 if interval == "1w" else 86_400

    def _ticker_row(self, symbol: str, seconds: int) -> dict[str, Any]:
        return pl.ticker_json(symbol, self.recent_trades(symbol, seconds), self.mark_price(symbol) or Decimal(0))

    async def _trades(self, request: web.Request) -> web.StreamResponse:
        market = self.desk.symbol(request.query)
        limit = min(query_uint(request.query, "limit", 100) or 100, 1000)
        tape = list(self.state.tapes[market.symbol])[-limit:]
        return json_response([pl.tape_trade_json(t) for t in tape])

    async def _mark_prices(self, request: web.Request) -> web.StreamResponse:
        symbol = request.query.get("symbol")
        if symbol is not None and symbol not in self.market_defs:
            raise ApiError(400, "INVALID_CLIENT_REQUEST", "Symbol not found")
        rows = []
        for market in self.market_defs.values():
            mark = self.mark_price(market.symbol)
            if (symbol is None or symbol == market.symbol) and mark is not None:
                rows.append(
                    {
                        "symbol": market.symbol,
                        "markPrice": pl.plain(mark),
                        "indexPrice": pl.plain(mark),
                        "fundingRate": "0",
                        "nextFundingTimestamp": self.next_funding_ms(market),
                    }
                )
        return json_response(rows)

    # ------------------------------------------------------------------------- account REST

    async def _positions(self, request: web.Request) -> web.StreamResponse:
        market = self.desk.symbol(request.query, required=False)
        kind = query_enum(request.query, "marketType", "MarketType", MARKET_TYPES)
        account = request[ACCOUNT]
        rows = []
        if kind in (None, "PERP"):
            for figures in self.open_positions(account, None if market is None else market.symbol):
                symbol = figures.market.symbol
                pid = self.state.position_id(account, symbol)
                rows.append(pl.position_json(figures, pid, self.state.user_id(account)))
        return json_response(rows)

    async def _capital(self, request: web.Request) -> web.StreamResponse:
        cash = self.engine.balance(request[ACCOUNT]).cash
        if not cash:
            return json_response({})
        return json_response({pl.QUOTE_ASSET: {"available": pl.plain(cash), "locked": "0", "staked": "0"}})

    async def _collateral(self, request: web.Request) -> web.StreamResponse:
        figures = margin(self, request[ACCOUNT])
        cash = figures.cash
        row = {
            "assetMarkPrice": "1",
            "availableQuantity": pl.plain(cash),
            "balanceNotional": pl.plain(cash),
            "collateralValue": pl.plain(cash),
            "collateralWeight": "1",
            "lendQuantity": "0",
            "openOrderQuantity": "0",
            "symbol": pl.QUOTE_ASSET,
            "totalQuantity": pl.plain(cash),
        }
        return json_response(
            {
                "assetsValue": pl.plain(cash),
                "borrowLiability": "0",
                "collateral": [row] if cash else [],
                "imf": ACCOUNT_IMF,
                "liabilitiesValue": "0",
                "marginFraction": pl.plain(pl.rounded(figures.equity / figures.exposure)) if figures.exposure else None,
                "mmf": ACCOUNT_MMF,
                "netEquity": pl.plain(figures.equity),
                "netEquityAvailable": pl.plain(figures.available),
                "netEquityLocked": pl.plain(figures.locked),
                "netExposureFutures": pl.plain(figures.exposure),
                "pnlUnrealized": pl.plain(figures.unrealized),
                "unsettledEquity": "0",
            }
        )

    async def _account(self, request: web.Request) -> web.StreamResponse:
        orders = self.engine.open_orders(request[ACCOUNT])
        bps = Decimal(10_000)
        policy = self.settings.policy()
        return json_response(
            {
                "autoBorrowSettlements": True,
                "autoLend": False,
                "autoRealizePnl": True,
                "autoRepayBorrows": True,
                "borrowLimit": "0",
                "futuresMakerFee": pl.plain(policy.maker_fee_rate * bps),
                "futuresTakerFee": pl.plain(policy.taker_fee_rate * bps),
                "leverageLimit": pl.plain(LEVERAGE_LIMIT),
                "limitOrders": sum(1 for o in orders if o.order_type is OrderType.LIMIT),
                "liquidating": False,
                "positionLimit": "1000000",
                "spotMakerFee": "8",
                "spotTakerFee": "10",
                "triggerOrders": 0,
            }
        )

    async def _update_account(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=200)

    async def _order_limit(self, request: web.Request) -> web.StreamResponse:
        """§4.14 `maxOrderQuantity` at `price` (default: the mark); the spot margin flags are echoed."""
        query = request.query
        market = self.desk.symbol(query)
        side = query_side(query)
        price = query_decimal(query, "price")
        reduce_only = query_bool(query, "reduceOnly")
        flags = {key: query_bool(query, key) for key in ("autoBorrow", "autoBorrowRepay", "autoLendRedeem")}
        reference_price = price if price is not None else self.mark_price(market.symbol)
        if reference_price is not None and reference_price <= 0:
            raise ApiError(400, "INVALID_PRICE", "Invalid price")
        quantity = (
            Decimal(0)
            if reference_price is None
            else max_order_quantity(self, request[ACCOUNT], market, side, reference_price, bool(reduce_only))
        )
        return json_response(
            {
                "maxOrderQuantity": pl.plain(quantity),
                "symbol": market.symbol,
                "side": pl.SIDE_NAMES[side],
                "price": None if price is None else pl.plain(price),
                "reduceOnly": reduce_only,
                **flags,
            }
        )

    # ------------------------------------------------------------------------------ figures

    def mark_price(self, symbol: str) -> Decimal | None:
        """The mid of the book (one side when the other is empty, else the last trade)."""
        top = self.engine.top_of_book(symbol)
        if top.bid is not None and top.ask is not None:
            return (top.bid + top.ask) / 2
        side = top.bid if top.bid is not None else top.ask
        if side is not None:
            return side
        tape = self.state.tapes.get(symbol)
        return tape[-1].price if tape else None

    def next_funding_ms(self, market: MarketDef) -> int:
        now = self.now_ms()
        return (now // market.funding_interval_ms + 1) * market.funding_interval_ms

    def recent_trades(self, symbol: str, seconds: int) -> Iterator[TapeTrade]:
        since = self.engine.clock.time() - seconds
        return (t for t in self.state.tapes[symbol] if t.ts >= since)

    def position_figures(self, position: PositionView) -> pl.PositionFigures | None:
        market = self.market_defs.get(position.market)
        mark = self.mark_price(position.market)
        if market is None or mark is None:
            return None
        bids = asks = Decimal(0)
        for order in self.engine.open_orders(position.account_id, position.market):
            if order.side is Side.BUY:
                bids += order.remaining
            else:
                asks += order.remaining
        return pl.PositionFigures(market, position, mark, pl.exposure(position.size, bids, asks))

    def open_positions(self, account: AccountId, symbol: str | None) -> Iterator[pl.PositionFigures]:
        """The account's non-zero positions (flat ones are not listed), priced at the mark."""
        for position in self.engine.positions(account):
            if position.size and (symbol is None or position.market == symbol):
                figures = self.position_figures(position)
                if figures is not None:
                    yield figures


def _credentials(seed: bytes) -> dict[str, Any]:
    key = SigningKey(seed)
    return {
        "api_key": base64.b64encode(bytes(key.verify_key)).decode(),
        "api_secret": base64.b64encode(seed).decode(),
    }
