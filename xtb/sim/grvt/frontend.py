"""The GRVT simulator: three hosts on loopback (spec §1, §9.1), both REST dialects, both WebSocket
protocols, session auth, EIP-712 order verification, and the venue's error shapes.

* edge: `POST /auth/api_key/login`, `/auth/wallet/login`, `/auth/builder/authorize`;
* market data (`market_data`): `GET /time`, public `POST /{full,lite}/v1/<route>`, WS `/ws`, `/ws/full`, `/ws/lite`;
* trades (the main site; the control API lives here under `/_sim`): private `POST /{full,lite}/v1/<route>`
  and the same three WS paths.

Every success body is JSON served as `application/json`; errors are `{code, message, status}` (`{c, m,
s}` on lite routes), `{status, message}` on the edge's logins.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.clock import Clock
from xtb.sim import inbound
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId, EngineEvent
from xtb.sim.frontend import ACCOUNT, MAIN_SITE, AuthFailure, FrontEnd, SimMarket
from xtb.sim.grvt.account import AccountDesk
from xtb.sim.grvt.auth import Accounts, Ctx, make_identity
from xtb.sim.grvt.builders import Builders
from xtb.sim.grvt.bulk import BulkOrders
from xtb.sim.grvt.clock import VenueClock
from xtb.sim.grvt.errors import EdgeError, GrvtError, json_response
from xtb.sim.grvt.fanout import Fanout
from xtb.sim.grvt.feeds import Feeds
from xtb.sim.grvt.figures import Figures
from xtb.sim.grvt.ledger import Ledger
from xtb.sim.grvt.limits import RateLimit, TokenBuckets, route_class
from xtb.sim.grvt.lite import ROUTES, to_full, to_lite
from xtb.sim.grvt.orders import OrderDesk
from xtb.sim.grvt.parts import Parts
from xtb.sim.grvt.public import MarketData
from xtb.sim.grvt.reference import ReferenceData
from xtb.sim.grvt.settings import GrvtSettings, MarketDef
from xtb.sim.grvt.state import VenueState
from xtb.sim.grvt.streams import GrvtStreams
from xtb.sim.grvt.unmodelled import EDGE_ROUTES, PRIVATE_ROUTES, switched_off, switched_off_edge
from xtb.sim.refusals import Refusal

EDGE = "edge"
MARKET_DATA = "market_data"
WS_PATHS = ("/ws", "/ws/full", "/ws/lite")
RouteHandler = Callable[[Ctx, Mapping[str, Any]], Awaitable[Any]]
DAY_S = 86_400
# §7's generic codes for what the framework refuses; the spec says nothing of wrong methods (answered
# as the unknown route, 1004) nor of oversized requests (malformed, 1003).
_REFUSAL_CODES = {
    Refusal.NOT_FOUND: 1004,
    Refusal.METHOD_NOT_ALLOWED: 1004,
    Refusal.BAD_REQUEST: 1003,
    Refusal.TOO_LARGE: 1003,
    Refusal.INTERNAL: 1002,
}


class GrvtFrontEnd(FrontEnd):
    """`clock` is the venue's wall clock for sessions, signature windows and `/time` (default: the
    engine's); replace `auth_clock` to accept the spec's vectors signed in the past."""

    name = "grvt"
    site_names = (MAIN_SITE, EDGE, MARKET_DATA)

    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 0,
        settings: GrvtSettings | None = None,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> None:
        self.settings = settings or GrvtSettings()
        kwargs.setdefault("heartbeat", self.settings.ping_interval)
        super().__init__(engine, seed=seed, **kwargs)
        self.clock = VenueClock(clock or engine.clock)
        self.market_defs: dict[str, MarketDef] = {m.instrument: m for m in self.settings.markets}
        self.state = VenueState(
            tuple(self.market_defs), self.settings.history_limit, self.settings.tape_size, seed=seed
        )
        self.accounts = Accounts(self.credentials, self.account_for, self.clock, self.settings)
        figures = Figures(engine, self.market_defs, self.state, self.accounts, self.clock)
        parts = Parts(engine, self.settings, self.market_defs, self.state, self.accounts, self.clock, figures)
        fanout = Fanout(self.hub, parts)
        self.ledger = Ledger(self.accounts, fanout.publish_account, self.clock.now_ns)
        self.feeds = Feeds(parts, fanout, self.ledger)
        self.builders = Builders(parts, seed=seed)
        self.desk = OrderDesk(parts, self.feeds, self.builders)
        self.account_desk = AccountDesk(parts, self.desk)
        self.market_data = MarketData(parts)
        reference = ReferenceData(self.market_defs, engine, figures)
        self.bulk = BulkOrders(self.accounts, self.desk.create_order, self.desk.cancel_order)
        self.limits = TokenBuckets(self.settings.rate_limit)
        md, desk, acc, bld = self.market_data, self.desk, self.account_desk, self.builders
        self.public_routes: dict[str, RouteHandler] = {
            "all_instruments": md.all_instruments, "instruments": md.instruments, "instrument": md.instrument,
            "currency": md.currency, "book": md.book, "mini": md.mini, "ticker": md.ticker, "trade": md.trade,
            "trade_history": md.trade_history, "kline": md.kline, "funding": md.funding,
            "margin_rules": reference.margin_rules, "supported_assets": reference.supported_assets,
            "get_all_collateral_asset_info": reference.collateral_assets,
        }  # fmt: skip
        self.private_routes: dict[str, RouteHandler] = {
            "create_order": desk.create_order, "cancel_order": desk.cancel_order,
            "cancel_all_orders": desk.cancel_all_orders, "order": desk.order, "open_orders": desk.open_orders,
            "order_history": desk.order_history, "fill_history": desk.fill_history, "positions": acc.positions,
            "account_summary": acc.account_summary, "account_history": acc.account_history,
            "aggregated_account_summary": acc.aggregated_account_summary,
            "funding_account_summary": acc.funding_account_summary, "get_sub_accounts": acc.get_sub_accounts,
            "get_all_initial_leverage": acc.get_all_initial_leverage,
            "set_initial_leverage": acc.set_initial_leverage,
            "funding_payment_history": acc.funding_payment_history,
            "cancel_on_disconnect": acc.cancel_on_disconnect,
            "get_authorized_builders": bld.get_authorized_builders, "authorize_builder": bld.authorize_builder,
            "builder_fill_history": bld.builder_fill_history,
            "deposit_history": self.ledger.deposit_history, "withdrawal_history": self.ledger.withdrawal_history,
            "transfer_history": self.ledger.transfer_history,
            "interest_payment_history": self.ledger.interest_payment_history,
            **dict.fromkeys(PRIVATE_ROUTES, switched_off),
        }  # fmt: skip
        self.rpc_routes: dict[str, tuple[RouteHandler, bool]] = {
            **{name: (h, False) for name, h in self.public_routes.items()},
            **{name: (h, True) for name, h in self.private_routes.items()},
        }
        self.streams = GrvtStreams(
            self.hub, fanout, self.accounts, self.market_defs, self.settings, self.rpc_routes, self.desk.housekeeping
        )

    # ------------------------------------------------------------------------------- clock

    @property
    def auth_clock(self) -> Clock:
        return self.clock.source

    @auth_clock.setter
    def auth_clock(self, clock: Clock) -> None:
        self.clock.source = clock

    def now(self) -> float:
        return self.clock.now()

    def now_ns(self) -> int:
        return self.clock.now_ns()

    # ------------------------------------------------------------------------------- hooks

    def sim_markets(self) -> list[SimMarket]:
        s = self.settings
        return [SimMarket(s.market_spec(m), s.market_settings(m)) for m in s.markets]

    def prepare_settings(self, settings: Mapping[str, Any]) -> Callable[[], None]:
        """`rate_limit`: the §7 token bucket per (account, route class), `{"per_second", "burst"}`,
        or null for none (the default)."""
        unknown = sorted(set(settings) - {"rate_limit"})
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; the grvt simulator has rate_limit")
        if "rate_limit" not in settings:
            return lambda: None
        limit = RateLimit.parse(settings["rate_limit"])
        return lambda: self.limits.set_limit(limit)

    def current_settings(self) -> dict[str, Any]:
        limit = self.limits.limit
        return {"rate_limit": None if limit is None else limit.as_json()}

    def settings_schema(self) -> dict[str, dict[str, Any]]:
        return {
            "rate_limit": {
                "type": ["object", "null"],
                "description": "the §7 token bucket per (account, route class); null: no limit",
                "additionalProperties": False,
                "required": ["per_second", "burst"],
                "properties": {
                    "per_second": {"type": "number", "exclusiveMinimum": 0, "description": "sustained requests/s"},
                    "burst": {"type": "integer", "minimum": 1, "description": "requests at once"},
                },
            }
        }

    def make_credentials(self, account_id: AccountId, rng: random.Random) -> dict[str, Any]:
        return make_identity(rng)

    def register(self, account: AccountId, credentials: Mapping[str, str]) -> dict[str, Any]:
        """Give an existing account chosen credentials (e.g. the spec's vector key as its wallet)."""
        creds = {**self.credentials.get(account, {}), **credentials}
        self.credentials[account] = creds
        return creds

    def urls(self) -> dict[str, Any]:
        def ws(site: str) -> str:
            return self.base_url(site, "ws") + "/ws/full"

        return {
            "rest": self.base_url(MAIN_SITE),
            "ws": ws(MAIN_SITE),
            "edge": self.base_url(EDGE),
            "trades": self.base_url(MAIN_SITE),
            "market_data": self.base_url(MARKET_DATA),
            "ws_trades": ws(MAIN_SITE),
            "ws_market_data": ws(MARKET_DATA),
        }

    async def start(self, host: str = "127.0.0.1", port: int | Mapping[str, int] = 0) -> dict[str, int]:
        """The ledger reads deposits off engine events; accounts funded before the front-end
        listened are seeded from their balances."""
        ports = await super().start(host, port)
        self.ledger.seed(self.engine.balance(account) for account in self.engine.accounts())
        return ports

    async def stop(self) -> None:
        self.desk.stop()
        self.account_desk.stop()
        await super().stop()

    async def authenticate(self, request: web.Request) -> AccountId:
        try:
            return self.accounts.session(request.cookies, request.headers)
        except GrvtError as exc:
            lite = request.path.startswith("/lite/")
            raise AuthFailure(exc.message, status=exc.status, response=exc.response(lite)) from None

    async def authenticate_stream(self, request: web.Request) -> AccountId | None:
        """Trades sockets: no cookie is an anonymous socket; a bad or expired one a 401 upgrade."""
        if request.app is not self.sites()[MAIN_SITE] or "gravity" not in request.cookies:
            return None
        try:
            return self.accounts.session(request.cookies, request.headers)
        except GrvtError as exc:
            raise AuthFailure(exc.message, status=401, response=GrvtError(1000).response()) from None

    def render_error(self, request: web.Request, status: int, message: str) -> web.StreamResponse:
        if request.path.startswith("/auth/"):
            return EdgeError(status, message).response()
        return GrvtError.for_status(status, message).response(request.path.startswith("/lite/"))

    def refusal(self, request: web.BaseRequest, kind: Refusal, message: str) -> tuple[int, Any]:
        """§7: `{code, message, status}` with a generic code, `{c, m, s}` on lite routes and
        `{status, message}` on the edge's `/auth/` routes but the builder authorisation (not a
        login: it answers in the REST shape)."""
        error = GrvtError(_REFUSAL_CODES[kind])
        if request.path.startswith("/auth/") and request.path != "/auth/builder/authorize":
            return error.status, {"status": error.status, "message": error.message}
        return error.status, error.body(request.path.startswith("/lite/"))

    async def refuse_order(self, request: web.Request, reason: str) -> web.StreamResponse:
        return GrvtError(2082, reason or None).response(request.path.startswith("/lite/"))

    def on_engine_event(self, event: EngineEvent) -> None:
        self.feeds.on_engine_event(event)

    # ------------------------------------------------------------------------------ routes

    def setup(self) -> None:
        accounts = self.accounts
        self.route("POST", "/auth/api_key/login", accounts.api_key_login, site=EDGE)
        self.route("POST", "/auth/wallet/login", accounts.wallet_login, site=EDGE)
        self.route("POST", "/auth/builder/authorize", self.builders.edge_authorize, site=EDGE)
        for method, path in EDGE_ROUTES:
            self.route(method, path, switched_off_edge, site=EDGE)
        self.route("GET", "/time", self.market_data.time, site=MARKET_DATA)
        for dialect in ("full", "lite"):
            for name, handler in self.public_routes.items():
                self.route("POST", f"/{dialect}/v1/{name}", self._endpoint(name, handler, dialect), site=MARKET_DATA)
            for name, handler in self.private_routes.items():
                self.route(
                    "POST", f"/{dialect}/v1/{name}", self._endpoint(name, handler, dialect),
                    auth=True, places_order=name == "create_order",
                )  # fmt: skip
            bulk = self._endpoint("bulk_orders", self.bulk.bulk_orders, dialect)
            self.route("POST", f"/{dialect}/v2/bulk_orders", bulk, auth=True, places_order=True)
        for site in (MARKET_DATA, MAIN_SITE):
            for path in WS_PATHS:
                self.websocket(path, site=site)

    def _endpoint(self, name: str, handler: RouteHandler, dialect: str) -> Callable[..., Awaitable[web.StreamResponse]]:
        lite = dialect == "lite"
        request_struct, response_struct = ROUTES.get(name, (None, None))
        limited_as = route_class(name, private=name not in self.public_routes)

        async def serve(request: web.Request) -> web.StreamResponse:
            main = request.get(ACCOUNT)
            who = str(main) if main is not None else f"ip:{request.remote}"
            if not self.limits.take(who, limited_as, self.engine.clock.monotonic()):
                return GrvtError(1006).response(lite)
            try:
                try:
                    body = await inbound.read_json(request, empty={}, parse_float=Decimal)
                except ValueError:  # not JSON, too deep, too big, not UTF-8
                    raise GrvtError(1003) from None
                if not isinstance(body, dict):
                    raise GrvtError(1003)
                result = await handler(Ctx(None if main is None else str(main), lite), to_full(body, request_struct)
                                       if lite else body)  # fmt: skip
            except GrvtError as exc:
                return exc.response(lite)
            return json_response(to_lite(result, response_struct) if lite else result)

        return serve
