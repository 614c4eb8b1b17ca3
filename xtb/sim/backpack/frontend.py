"""The Backpack Exchange simulator: REST at the root, one WebSocket URL, ED25519 auth (spec §2-§7).

Routes: public `/api/v1/{status,ping,time,markets,market,depth,ticker,tickers,trades,markPrices}`,
the reference data `/api/v1/{assets,collateral,securities,market-sessions,borrowLend/markets,vaults,
wallets}` and market history `/api/v1/{klines,trades/history,openInterest,fundingRates}`; signed
`/api/v1/{order,orders,position,capital,capital/collateral,account,account/limits/{order,borrow,
withdrawal}}` and `/wapi/v1/history/{orders,fills}`; every other signed route of §2.4 as the stub
§4.15 describes (`stubs`). Anything else is a plain-text 404 `not found` (`refusal`). The
WebSocket is served at `/` (which is also what a client sends for the empty path).

The front-end holds the protocol hooks (auth, errors, credentials) and the route table; the routes
live in desks (`public`, `market_data`, `orders`, `account`, `limits`, `streams`) built from the
`VenueParts` they use, so no desk knows the front-end.
"""

from __future__ import annotations

import base64
import random
from typing import Any

from aiohttp import web
from nacl.signing import SigningKey

from xtb.clock import Clock
from xtb.sim.backpack import reference, stubs
from xtb.sim.backpack.account import AccountDesk
from xtb.sim.backpack.auth import INSTRUCTIONS, Verifier, parse_json
from xtb.sim.backpack.errors import ApiError, VenueError, json_response, payload_error
from xtb.sim.backpack.figures import VenueFigures
from xtb.sim.backpack.limits import AccountLimits
from xtb.sim.backpack.margin import collateral
from xtb.sim.backpack.market_data import MarketData
from xtb.sim.backpack.orders import UNKNOWN_ERROR, OrderDesk, VenueFaults
from xtb.sim.backpack.params import BODY
from xtb.sim.backpack.parts import VenueParts
from xtb.sim.backpack.public import PublicDesk
from xtb.sim.backpack.settings import BackpackSettings, MarketDef
from xtb.sim.backpack.state import VenueState
from xtb.sim.backpack.streams import BackpackStreams
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId
from xtb.sim.frontend import AuthFailure, FrontEnd, Handler, SimMarket
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
        self.figures = VenueFigures(engine, self.state, self.market_defs, self.now_ms)
        parts = VenueParts(engine, self.settings, self.state, self.market_defs, self.figures)
        self.streams = BackpackStreams(parts, self.hub, self.verifier, self.credentials.keys())
        self.venue_faults = VenueFaults()
        self.desk = OrderDesk(parts, self.venue_faults, random.Random(seed))
        self.public = PublicDesk(parts)
        self.market_data = MarketData(parts)
        self.account_desk = AccountDesk(parts)
        self.limits = AccountLimits(
            tuple(reference.asset_decimals(self.settings.markets)),
            lambda account: collateral(engine, self.figures, account),
        )

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
        pub, history = self.public, self.market_data
        public = {
            "/api/v1/status": pub.status,
            "/api/v1/ping": pub.ping,
            "/api/v1/time": pub.time,
            "/api/v1/markets": pub.markets,
            "/api/v1/market": pub.market,
            "/api/v1/depth": pub.depth,
            "/api/v1/ticker": pub.ticker,
            "/api/v1/tickers": pub.tickers,
            "/api/v1/trades": pub.trades,
            "/api/v1/markPrices": pub.mark_prices,
            "/api/v1/assets": pub.assets,
            "/api/v1/collateral": pub.collateral,
            "/api/v1/klines": history.klines,
            "/api/v1/trades/history": history.trade_history,
            "/api/v1/openInterest": history.open_interest,
            "/api/v1/fundingRates": history.funding_rates,
        }
        public.update(dict.fromkeys(reference.EMPTY_LIST_ROUTES, pub.empty_list))
        for path, handler in public.items():
            self.route("GET", path, endpoint(handler))
        desk, account = self.desk, self.account_desk
        signed: list[tuple[str, str, Handler]] = [
            ("POST", "/api/v1/order", desk.place),
            ("DELETE", "/api/v1/order", desk.cancel),
            ("GET", "/api/v1/order", desk.query),
            ("POST", "/api/v1/orders", desk.place_batch),
            ("GET", "/api/v1/orders", desk.open_orders),
            ("DELETE", "/api/v1/orders", desk.cancel_all),
            ("GET", "/api/v1/position", account.positions),
            ("GET", "/api/v1/capital", account.capital),
            ("GET", "/api/v1/capital/collateral", account.collateral),
            ("GET", "/api/v1/account", account.account),
            ("PATCH", "/api/v1/account", account.update),
            ("GET", "/api/v1/account/limits/order", account.order_limit),
            ("GET", "/wapi/v1/history/orders", desk.order_history),
            ("GET", "/wapi/v1/history/fills", desk.fill_history),
            ("GET", "/api/v1/account/limits/borrow", self.limits.borrow),
            ("GET", "/api/v1/account/limits/withdrawal", self.limits.withdrawal),
            *stubs.routes(),
        ]
        for method, path, handler in signed:
            places = method == "POST" and path.startswith("/api/v1/order")
            self.route(method, path, endpoint(handler), auth=True, places_order=places)


def _credentials(seed: bytes) -> dict[str, Any]:
    key = SigningKey(seed)
    return {
        "api_key": base64.b64encode(bytes(key.verify_key)).decode(),
        "api_secret": base64.b64encode(seed).decode(),
    }
