"""The Aster futures simulator (spec §1-§9): `/fapi/v3/*` with EIP-712 `Message` signatures and
`/fapi/v1|v2|v4/*` with API key + HMAC, the same payloads on both; spot `/api/v1|v3` basics; the
WebSocket at `/ws`, `/ws/<name>`, `/stream` and the same under `/fstream/`.

`urls()` gives the WS base as `ws://host:port/fstream` (clients append `/ws/...` or `/stream`), so
a client that infers the market family from the WS URL sees `fstream` in it, as on the venue.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web
from eth_keys import keys

from xtb.clock import Clock
from xtb.sim import inbound
from xtb.sim.aster.account import AccountDesk
from xtb.sim.aster.agents import Agent, AgentDesk, Registry
from xtb.sim.aster.auth import IDENTITY, NonceBook, Security, V1Verifier, V3Verifier
from xtb.sim.aster.errors import AsterError, unsupported
from xtb.sim.aster.figures import Figures
from xtb.sim.aster.limits import RateLimiter
from xtb.sim.aster.market import MarketDesk, depth_weight
from xtb.sim.aster.orders import OrderDesk
from xtb.sim.aster.params import read_params
from xtb.sim.aster.parts import VenueFaults, VenueParts
from xtb.sim.aster.settings import AsterSettings, MarketDef
from xtb.sim.aster.state import VenueState
from xtb.sim.aster.streams import AsterStreams
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId
from xtb.sim.frontend import ACCOUNT, CONTROL_PREFIX, AuthFailure, FrontEnd, Handler, SimMarket
from xtb.sim.refusals import Refusal

ORDER_COUNTS: web.RequestKey[tuple[int, int]] = web.RequestKey("xtb_aster_order_counts")
HTML_500 = "<html><body><h1>We're sorry, but something went wrong.</h1></body></html>"
_GENERIC = {
    401: -2015,
    403: -1000,
    404: -1000,
    418: -1003,
    429: -1003,
    500: -1000,
    502: -1006,
    503: -1007,
    504: -1007,
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    name: str  # the path after /fapi/vN/
    handler: Handler
    security: Security
    weight: int = 1
    v1: tuple[str, ...] = ("v1",)  # V1-family versions serving it ("" = not on V1)
    v3: bool = True
    order: bool = False  # a new order: ORDERS limit, REJECT_ORDER faults


class AsterFrontEnd(FrontEnd):
    """`clock` is the venue's wall clock for `time`, nonces and timestamps (default: the engine's);
    replace `auth_clock` to verify requests signed in the past (the spec's vectors)."""

    name = "aster"
    test_collateral = Decimal("1000000")

    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 0,
        settings: AsterSettings | None = None,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> None:
        self.settings = settings or AsterSettings()
        kwargs.setdefault("heartbeat", self.settings.ping_interval)
        kwargs.setdefault("max_channels", self.settings.max_streams)
        super().__init__(engine, seed=seed, **kwargs)
        self.auth_clock: Clock = clock or engine.clock
        self.market_defs: dict[str, MarketDef] = {m.symbol: m for m in self.settings.markets}
        self.state = VenueState(
            tuple(self.market_defs),
            history_limit=self.settings.history_limit,
            tape_size=self.settings.tape_size,
            listen_key_grace=self.settings.listen_key_grace_s,
        )
        self.registry = Registry()
        self.nonces = NonceBook(self.settings.nonce_memory)
        self.v3 = V3Verifier(
            chain_id=self.settings.chain_id,
            now_us=self.now_us,
            window_s=self.settings.nonce_window_s,
            nonces=self.nonces,
            nonce_scope=self.settings.nonce_scope,
            resolve_user=self.registry.resolve_user,
            signature_error=self.settings.signature_error,
        )
        self.v1 = V1Verifier(now_ms=self.now_ms, key_error_status=self.settings.key_error_status)
        self.limits = RateLimiter(self.settings.rate_limits)
        self.venue_faults = VenueFaults()
        self.parts = parts = VenueParts(
            engine, self.settings, self.state, self.market_defs, self.credentials, now_ms=self.now_ms
        )
        self.figures = Figures(parts)
        self.market_desk = MarketDesk(parts)
        self.streams = AsterStreams(parts, self.hub, self.market_desk)
        self.desk = OrderDesk(parts, self.registry, self.venue_faults)
        self.account_desk = AccountDesk(parts, self.figures, self.streams)
        self.agents = AgentDesk(parts, self.registry, self.nonces, now_us=self.now_us)
        self._security: dict[tuple[str, str], Security] = {}

    def now_ms(self) -> int:
        return round(self.auth_clock.time() * 1000)

    def now_us(self) -> int:
        return round(self.auth_clock.time() * 1_000_000)

    # ------------------------------------------------------------------------------- hooks

    def sim_markets(self) -> list[SimMarket]:
        return [
            SimMarket(self.settings.market_spec(m), self.settings.market_settings(m)) for m in self.settings.markets
        ]

    def make_credentials(self, account_id: AccountId, rng: random.Random) -> dict[str, Any]:
        """A main wallet, an approved agent (API wallet) that may trade perps, and a V1 key pair;
        the names are those `venues/aster.yaml` lists under `credentials:`."""
        user_key = keys.PrivateKey(_key_bytes(rng))
        signer_key = keys.PrivateKey(_key_bytes(rng))
        user = user_key.public_key.to_checksum_address()
        signer = signer_key.public_key.to_checksum_address()
        self.registry.approve(user, Agent(signer, name="xtb-sim", can_spot=True, can_perp=True))
        return {
            "user": user,
            "signer": signer,
            "signer_private_key": "0x" + signer_key.to_bytes().hex(),
            "user_private_key": "0x" + user_key.to_bytes().hex(),
            "api_key": f"{rng.getrandbits(256):064x}",
            "api_secret": f"{rng.getrandbits(256):064x}",
        }

    def urls(self) -> dict[str, Any]:
        return {"rest": self.base_url(), "ws": self.base_url(scheme="ws") + "/fstream"}

    def forget_credentials(self) -> None:
        super().forget_credentials()
        self.registry.agents.clear()
        self.registry.builders.clear()
        self.nonces.clear()
        self.limits.clear()

    # ----------------------------------------------------------------------------- accounts

    def account_of_user(self, user: str) -> AccountId | None:
        user = user.lower()
        for account_id, creds in self.credentials.items():
            if str(creds.get("user", "")).lower() == user:
                return account_id
        return None

    # ------------------------------------------------------------------------ authentication

    async def authenticate(self, request: web.Request) -> AccountId:
        path = request.match_info.route.resource.canonical if request.match_info.route.resource else request.path
        security = self._security.get((request.method, path), "USER_DATA")
        try:
            params = await read_params(request)
            if "/v3/" in path:
                identity = self.v3.verify(params)
                account = self.account_of_user(identity.user)
                if account is None:
                    raise AsterError(-5050) if self.settings.require_deposit else self.v3.bad_signature()
                trade = security == "TRADE"
                if not self.registry.authorized(
                    identity.user, identity.signer, self.now_ms(), trade=trade, spot=path.startswith("/api/")
                ):
                    raise self.v3.bad_signature()
                self.v3.spend_nonce(identity)
                if self.settings.v3_check_timestamp and params.values.get("timestamp"):
                    self.v1.verify_timing(params)
                request[IDENTITY] = identity
                return account
            key = self.v1.check_key(
                request.headers.get("X-MBX-APIKEY"), lambda k: self.account_for("api_key", k) is not None
            )
            account = self.account_for("api_key", key)
            assert account is not None
            if security in ("TRADE", "USER_DATA"):
                self.v1.verify(params, str(self.credentials[account]["api_secret"]))
            return account
        except AsterError as exc:
            raise AuthFailure(exc.msg, status=exc.status, response=exc.response()) from None

    def render_error(self, request: web.Request, status: int, message: str) -> web.StreamResponse:
        code = _GENERIC.get(status, -1000 if status >= 500 else -1130)
        if status == 429 and message.endswith("(simulated fault)"):
            limit = self.settings.rate_limits.weight_per_minute
            message = f"Too many requests; current limit is {limit} requests per minute."
        if status == 503 and message.endswith("(simulated fault)"):
            message = "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
        return AsterError(code, message, status=status).response()

    def refusal(self, request: web.BaseRequest, kind: Refusal, message: str) -> tuple[int, Any]:
        """§7: `{"code": -NNNN, "msg": ...}`, client errors 4xx (default 400), 5xx internal. The spec
        says nothing of unknown routes or wrong methods (404 with the generic -1000 here) nor of
        oversized or malformed requests (400, -1000)."""
        if kind in (Refusal.NOT_FOUND, Refusal.METHOD_NOT_ALLOWED):
            return 404, AsterError(-1000, message).body()
        if kind is Refusal.INTERNAL:
            return 500, AsterError(-1000).body()
        return 400, AsterError(-1000, message).body()

    async def refuse_order(self, request: web.Request, reason: str) -> web.StreamResponse:
        return AsterError(-2010, reason or "New order rejected.").response()

    # ------------------------------------------------------------------------------- routes

    def endpoints(self) -> list[Endpoint]:
        d, a, m, g = self.desk, self.account_desk, self.market_desk, self.agents
        return [
            Endpoint("GET", "ping", m.ping, "NONE"),
            Endpoint("GET", "time", m.time, "NONE"),
            Endpoint("GET", "exchangeInfo", m.exchange_info, "NONE"),
            Endpoint("GET", "depth", m.depth, "NONE"),
            Endpoint("GET", "trades", m.trades, "NONE"),
            Endpoint("GET", "historicalTrades", m.trades, "MARKET_DATA", weight=20),
            Endpoint("GET", "aggTrades", m.agg_trades, "NONE", weight=20),
            Endpoint("GET", "klines", m.klines, "NONE", weight=5),
            Endpoint("GET", "markPriceKlines", m.klines, "NONE", weight=5),
            Endpoint("GET", "indexPriceKlines", m.klines, "NONE", weight=5),
            Endpoint("GET", "premiumIndex", m.premium_index, "NONE"),
            Endpoint("GET", "fundingRate", m.funding_rate, "NONE"),
            Endpoint("GET", "fundingInfo", m.funding_info, "NONE"),
            Endpoint("GET", "ticker/24hr", m.ticker_24hr, "NONE"),
            Endpoint("GET", "ticker/bookTicker", m.book_ticker, "NONE"),
            Endpoint("GET", "ticker/price", m.price, "NONE"),
            Endpoint("GET", "indexreferences", m.index_references, "NONE"),
            Endpoint("POST", "order", d.place, "TRADE", order=True),
            Endpoint("PUT", "order", d.modify, "TRADE"),
            Endpoint("DELETE", "order", d.cancel, "TRADE"),
            Endpoint("GET", "order", d.query, "USER_DATA"),
            Endpoint("POST", "batchOrders", d.place_batch, "TRADE", weight=5, order=True),
            Endpoint("DELETE", "batchOrders", d.cancel_batch, "TRADE"),
            Endpoint("DELETE", "allOpenOrders", d.cancel_all, "TRADE"),
            Endpoint("POST", "countdownCancelAll", d.countdown, "TRADE", weight=10),
            Endpoint("GET", "openOrder", d.open_order, "USER_DATA"),
            Endpoint("GET", "openOrders", d.open_orders, "USER_DATA"),
            Endpoint("GET", "allOrders", d.all_orders, "USER_DATA", weight=5),
            Endpoint("GET", "userTrades", d.user_trades, "USER_DATA", weight=5),
            Endpoint("GET", "balance", a.balance, "USER_DATA", weight=5, v1=("v2",)),
            Endpoint("GET", "accountWithJoinMargin", a.account, "USER_DATA", weight=5, v1=()),
            Endpoint("GET", "account", a.account, "USER_DATA", weight=5, v1=("v4", "v2"), v3=False),
            Endpoint("GET", "positionRisk", a.position_risk, "USER_DATA", weight=5, v1=("v2",)),
            Endpoint("POST", "leverage", a.leverage, "TRADE"),
            Endpoint("POST", "marginType", a.margin_type, "TRADE"),
            Endpoint("POST", "positionSide/dual", a.dual_side, "TRADE"),
            Endpoint("GET", "positionSide/dual", a.dual_side, "USER_DATA", weight=30),
            Endpoint("POST", "multiAssetsMargin", a.multi_assets, "TRADE"),
            Endpoint("GET", "multiAssetsMargin", a.multi_assets, "USER_DATA", weight=30),
            Endpoint("POST", "stpMode", a.stp_mode, "TRADE"),
            Endpoint("GET", "stpMode", a.stp_mode, "USER_DATA"),
            Endpoint("POST", "positionMargin", a.position_margin, "TRADE"),
            Endpoint("GET", "leverageBracket", a.leverage_bracket, "USER_DATA"),
            Endpoint("GET", "commissionRate", a.commission_rate, "USER_DATA", weight=20),
            Endpoint("GET", "income", a.income, "USER_DATA", weight=30),
            Endpoint("GET", "adlQuantile", self._unsupported, "USER_DATA", weight=5),
            Endpoint("GET", "forceOrders", self._unsupported, "USER_DATA", weight=20),
            Endpoint("GET", "positionMargin/history", self._unsupported, "USER_DATA"),
            Endpoint("POST", "listenKey", a.listen_key, "USER_STREAM"),
            Endpoint("PUT", "listenKey", a.listen_key, "USER_STREAM"),
            Endpoint("DELETE", "listenKey", a.listen_key, "USER_STREAM"),
            Endpoint("POST", "noop", a.noop, "TRADE", v1=()),
            Endpoint("GET", "agent", g.list_agents, "USER_DATA", v1=()),
            Endpoint("GET", "builder", g.list_builders, "USER_DATA", v1=()),
        ]

    def setup(self) -> None:
        for prefix in ("", "/fstream"):
            self.websocket(f"{prefix}/ws")
            self.websocket(f"{prefix}/ws/{{name:.+}}")
            self.websocket(f"{prefix}/stream")
        for ep in self.endpoints():
            paths = [f"/fapi/v3/{ep.name}"] if ep.v3 else []
            paths += [f"/fapi/{version}/{ep.name}" for version in ep.v1]
            for path in paths:
                self._serve(ep.method, path, ep.handler, ep.security, ep.weight, ep.order)
        management = [
            ("POST", "approveAgent", self.agents.approve_agent),
            ("POST", "updateAgent", self.agents.update_agent),
            ("DELETE", "agent", self.agents.delete_agent),
            ("POST", "approveBuilder", self.agents.approve_builder),
            ("POST", "updateBuilder", self.agents.update_builder),
            ("DELETE", "builder", self.agents.delete_builder),
        ]
        for method, name, handler in management:
            self._serve(method, f"/fapi/v3/{name}", handler, "NONE", 1, False)  # signed by the main wallet
        m = self.market_desk
        for version in ("v1", "v3"):
            self._serve("GET", f"/api/{version}/ping", m.ping, "NONE", 1, False)
            self._serve("GET", f"/api/{version}/time", m.time, "NONE", 1, False)
            self._serve("GET", f"/api/{version}/exchangeInfo", m.spot_exchange_info, "NONE", 1, False)
            self._serve("GET", f"/api/{version}/account", m.spot_account, "USER_DATA", 5, False)
        self._serve("GET", "/api/v3/builder", self.agents.list_builders, "USER_DATA", 1, False)
        for app in self.sites().values():
            app.on_response_prepare.append(self._headers)

    def _serve(self, method: str, path: str, handler: Handler, security: Security, weight: int, order: bool) -> None:
        self._security[(method, path)] = security
        needs_auth = security in ("TRADE", "USER_DATA", "USER_STREAM") or (
            security == "MARKET_DATA" and "/v3/" not in path
        )
        self.route(method, path, self._endpoint(handler, weight, order), auth=needs_auth, places_order=order)

    def _endpoint(self, handler: Handler, weight: int, order: bool) -> Handler:
        """Parameters, weight and order limits, venue faults, then the handler; an AsterError becomes
        the venue's answer."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            faults = self.venue_faults
            try:
                params = await read_params(request)
                now = self.engine.clock.monotonic()
                self.limits.charge(request.remote or "?", request_weight(request.path, params.values, weight), now)
                if order:
                    request[ORDER_COUNTS] = self.limits.count_order(request[ACCOUNT], now)
                if faults.html_500 > 0:
                    faults.html_500 -= 1
                    return web.Response(text=HTML_500, status=500, content_type="text/html")
                response = await handler(request)
                if self.settings.strict_params and params.unread():
                    raise AsterError(-1104)
                return response
            except AsterError as exc:
                status = None
                if faults.error_with_200 > 0:
                    faults.error_with_200 -= 1
                    status = 200
                return exc.response(status=status)

        return wrapped

    async def _headers(self, request: web.Request, response: web.StreamResponse) -> None:
        """X-MBX-USED-WEIGHT-1M on every answer; the order counts on order answers."""
        if request.path.startswith(CONTROL_PREFIX) or response.status == 101:
            return
        used = self.limits.used_weight(request.remote or "?", self.engine.clock.monotonic())
        response.headers["X-MBX-USED-WEIGHT-1M"] = str(used)
        counts = request.get(ORDER_COUNTS)
        if counts is not None:
            response.headers["X-MBX-ORDER-COUNT-10S"] = str(counts[0])
            response.headers["X-MBX-ORDER-COUNT-1M"] = str(counts[1])

    async def _unsupported(self, request: web.Request) -> web.StreamResponse:
        raise unsupported()


def request_weight(path: str, values: Mapping[str, str], weight: int) -> int:
    """§4.2 / §4.3: depth by limit; the all-symbol forms of openOrders, tickers and prices cost more."""
    if path.endswith("/depth"):
        limit = values.get("limit", "")
        number = inbound.integer(limit)
        return depth_weight(number) if number is not None else 10
    if "symbol" not in values:
        name = path.rsplit("/fapi/", 1)[-1].split("/", 1)[-1]
        return {"openOrders": 40, "ticker/24hr": 40, "ticker/bookTicker": 2, "ticker/price": 2}.get(name, weight)
    return weight


def _key_bytes(rng: random.Random) -> bytes:
    """32 random bytes that make a valid secp256k1 key (below the curve order, not zero)."""
    order = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    while True:
        value = rng.getrandbits(256)
        if 0 < value < order:
            return value.to_bytes(32, "big")
