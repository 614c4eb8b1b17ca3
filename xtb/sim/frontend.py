"""The base every simulator protocol front-end stands on, so a venue module holds only its protocol.

A front-end maps one venue's wire protocol onto the engine and checks its authentication; everything
else is here, written once: serving one or more aiohttp applications on loopback ports (GRVT has
three hosts, the others one), the route table with per-route authentication, logging each request
(`xtb.sim.request_log`), accepting WebSockets into the hub (`xtb.sim.stream_hub`), pushing engine
events to subscribers, and fault injection at exactly one point per transport:

* REST: a middleware takes the next matching `RestFault` from the plan before the handler runs
  (control requests under `CONTROL_PREFIX` and WebSocket upgrades are exempt); an order route takes
  its REJECT_ORDER fault once the request has authenticated.
* Stream: every outgoing message passes the plan in `StreamHub`.

Hostile and broken requests are refused here too, once for every venue (`xtb.sim.refusals`): the
same middleware screens each request before routing (URL, header and body sizes, undecodable
header bytes, dot segments), answers unknown routes and wrong methods, turns a `Refused` or an
aiohttp HTTP error raised under a handler into the venue's answer, and, as the last resort, any
other exception into the venue's internal error (logged with its traceback). Requests aiohttp
cannot even parse get the venue's answer from `xtb.sim.transport`. The venue supplies the shape
through one hook, `refusal`.

A venue subclass sets `name` (and `site_names` when it has several hosts), registers its routes and
sockets in `setup()`, puts its stream side in `streams` (`xtb.sim.venue_streams`: sockets, engine
events and clocked work, started and stopped with the server), and overrides the hooks it needs:
`authenticate`, `authenticate_stream`, `refusal`, `render_error`, `refuse_order`,
`make_credentials`, `sim_markets` and `urls` (and `on_ws_*` / `on_engine_event` where its
`streams` are not the whole story).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import hmac
import json
import logging
import math
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

from aiohttp import WSMsgType, web

from xtb.sim import inbound
from xtb.sim.answer_mutations import AnswerMutations
from xtb.sim.engine_types import AccountId, EngineEvent, MarketSpec, OrderView
from xtb.sim.faults import FaultPlan, RestAction, RestFault
from xtb.sim.refusals import (
    CONTROL_PREFIX as CONTROL_PREFIX,  # the control API's path prefix: never faulted nor logged
)
from xtb.sim.refusals import (
    Limits,
    Refusal,
    Refused,
    answer,
    control_answer,
    is_control,
    match_refusal,
    screen,
)
from xtb.sim.request_log import RequestInFlight, RequestLog
from xtb.sim.stream_hub import StreamConnection, StreamHub
from xtb.sim.transport import VenueRunner
from xtb.sim.venue_streams import VenueStreams

if TYPE_CHECKING:
    from xtb.sim.engine import Engine
    from xtb.sim.market import MarketSettings

log = logging.getLogger(__name__)

MAIN_SITE = "main"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ACCOUNT: web.RequestKey[AccountId] = web.RequestKey("xtb_sim_account")
"""The authenticated account of a request to an `auth=True` route: `request[ACCOUNT]`."""


# ------------------------------------------------------------------------------------------ values


def jsonable(value: Any) -> Any:
    """Plain JSON data from engine values: Decimal → exact string, Enum → its value, dataclass →
    dict of its fields. Money never passes through float on the way out."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, deque)):
        return [jsonable(v) for v in value]
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


def json_dumps(value: Any) -> str:
    return json.dumps(jsonable(value), separators=(",", ":"))


@dataclass(frozen=True)
class SimMarket:
    """A market a front-end serves: the engine's rules for it and how its synthetic market moves."""

    spec: MarketSpec
    settings: MarketSettings


class AuthFailure(Exception):
    """Raised by an authentication hook. The client gets `response` when the venue has a special
    shape for it, else `render_error(status, reason)`; the request log records the reason."""

    def __init__(self, reason: str, *, status: int = 401, response: web.StreamResponse | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.response = response


_IN_FLIGHT: web.RequestKey[RequestInFlight] = web.RequestKey("xtb_sim_request")


@dataclass(frozen=True)
class Route:
    site: str
    method: str
    path: str
    handler: Handler
    auth: bool = False
    places_order: bool = False
    websocket: bool = False


# ---------------------------------------------------------------------------------------- the base


class FrontEnd:
    """Serves one venue's protocol over the shared engine: subclass it and fill in the protocol.

    `seed` fixes the credentials `issue_credentials` makes; `heartbeat` is the WebSocket
    protocol-level ping interval (None: no pings); queues, logs, connections and subscriptions are
    all bounded, and so is every request (`request_limits`).
    """

    name: ClassVar[str] = "frontend"
    site_names: ClassVar[tuple[str, ...]] = (MAIN_SITE,)
    test_account: ClassVar[AccountId] = "test-account"
    test_collateral: ClassVar[Decimal] = Decimal("1000000")
    stream_fault_close_code: ClassVar[int] = 1011

    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 0,
        faults: FaultPlan | None = None,
        heartbeat: float | None = 20.0,
        log_size: int = 1000,
        queue_size: int = 1000,
        max_connections: int = 256,
        max_channels: int = 1024,
        ws_close_timeout: float = 1.0,
        request_limits: Limits | None = None,
    ) -> None:
        for what, value in (("queue_size", queue_size), ("max_connections", max_connections),
                            ("max_channels", max_channels)):  # fmt: skip
            if type(value) is not int or value < 1:
                raise ValueError(f"{what} must be a positive int, got {value!r}")
        if heartbeat is not None and heartbeat <= 0:
            raise ValueError(f"heartbeat must be positive or None, got {heartbeat!r}")
        if not self.site_names or MAIN_SITE not in self.site_names:
            raise ValueError(f"{type(self).__name__}.site_names must include {MAIN_SITE!r}")
        self.engine = engine
        self.seed = seed
        self.faults = faults if faults is not None else FaultPlan()
        self.heartbeat = heartbeat
        self.queue_size = queue_size
        self.max_channels = max_channels
        self.ws_close_timeout = ws_close_timeout
        self.request_limits = request_limits if request_limits is not None else Limits()
        self.request_log = RequestLog(log_size)
        self.hub = StreamHub(self.faults, max_connections=max_connections)
        self.mutations = AnswerMutations()  # the `mutations` run setting: applied to every answer and frame
        self.streams = VenueStreams()  # a venue with streams puts its own here
        self.credentials: dict[AccountId, dict[str, Any]] = {}
        self.host = "127.0.0.1"
        self._apps: dict[str, web.Application] | None = None
        self._routes: dict[Handler, Route] = {}
        self._ws_routes: list[Route] = []
        self._runners: dict[str, web.AppRunner] = {}
        self._ports: dict[str, int] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._conn_counter = 0

    # ---------------------------------------------------------------------------- hooks

    def setup(self) -> None:
        """Register routes (`route`) and sockets (`websocket`). Called once, when the apps are built."""

    def sim_markets(self) -> Sequence[SimMarket]:
        """The markets this venue lists, with how their synthetic markets behave."""
        return ()

    def prepare_settings(self, settings: Mapping[str, Any]) -> Callable[[], None]:
        """Check the venue's own run settings (name → JSON value, from `PUT /_sim/settings`) and
        return what applies them; ValueError names one it refuses. A venue with none knows none."""
        if settings:
            raise ValueError(f"unknown setting(s) {sorted(settings)}; the {self.name} simulator has none")
        return lambda: None

    def current_settings(self) -> dict[str, Any]:
        """The venue's own run settings as `prepare_settings` takes them."""
        return {}

    def settings_schema(self) -> dict[str, dict[str, Any]]:
        """The JSON schema of each of the venue's own run settings (the keys `current_settings`
        answers), for the control API's OpenAPI document."""
        return {}

    def make_credentials(self, account_id: AccountId, rng: random.Random) -> dict[str, Any]:
        """The venue's credentials for an account (keys, tokens), drawn from `rng` only, so a seed
        always gives the same ones. Whatever a client needs to sign in goes in the dict."""
        return {"account_id": account_id, "api_key": f"{rng.getrandbits(128):032x}"}

    async def authenticate(self, request: web.Request) -> AccountId:
        """Verify a request to an `auth=True` route the venue's way; raise AuthFailure to refuse."""
        raise AuthFailure("authentication is not implemented by this front-end", status=401)

    async def authenticate_stream(self, request: web.Request) -> AccountId | None:
        """Check a WebSocket upgrade: the account it authenticates as, None for an anonymous
        socket, or AuthFailure to refuse the upgrade (the client gets an HTTP error)."""
        return None

    def render_error(self, request: web.Request, status: int, message: str) -> web.StreamResponse:
        """An error in the venue's own body shape (used for faults and auth failures)."""
        return web.json_response({"error": message}, status=status)

    def refusal(self, request: web.BaseRequest, kind: Refusal, message: str) -> tuple[int, Any]:
        """The venue's answer to a refused request: (status, body). The body is JSON data, or a str
        for a venue whose documented answer is a plain-text page. `request` may be one that did not
        parse (its path is then "/"). Venues override this with their documented shapes."""
        return kind.status, {"error": message}

    async def refuse_order(self, request: web.Request, reason: str) -> web.StreamResponse:
        """Refuse this order request the way the venue refuses orders (a REJECT_ORDER fault)."""
        return self.render_error(request, 400, reason)

    async def on_ws_open(self, conn: StreamConnection) -> None:
        """A socket was accepted: the venue's `streams` greet it."""
        self.streams.on_open(conn)

    async def on_ws_message(self, conn: StreamConnection, data: str | bytes) -> None:
        """One client frame, for the venue's `streams`."""
        await self.streams.on_message(conn, data)

    async def on_ws_close(self, conn: StreamConnection) -> None:
        """A socket is gone: the venue's `streams` forget it."""
        self.streams.on_close(conn)

    def on_engine_event(self, event: EngineEvent) -> None:
        """An engine event, for the venue's `streams` to publish."""
        self.streams.on_engine_event(event)

    def encode(self, message: Any) -> str | bytes:
        """Wire form of a stream message; JSON with Decimal as exact strings by default."""
        return message if isinstance(message, (str, bytes)) else json_dumps(message)

    def _encode_mutated(self, message: Any) -> str | bytes:
        return self.mutations.text(self.encode(message))

    def urls(self) -> dict[str, Any]:
        """URLs as the venue's clients need them (override for several hosts): the main site's
        base URL for REST and the first registered socket for WS."""
        ws = self._ws_routes[0] if self._ws_routes else None
        return {
            "rest": self.base_url(MAIN_SITE),
            "ws": None if ws is None else self.base_url(ws.site, "ws") + ws.path,
        }

    # -------------------------------------------------------------------------- set-up

    def route(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        site: str = MAIN_SITE,
        auth: bool = False,
        places_order: bool = False,
    ) -> None:
        """Serve `method path` on `site`. `auth` runs `authenticate` first (the handler finds the
        account in `request[ACCOUNT]`); `places_order` marks where REJECT_ORDER faults apply."""
        route = Route(site, method.upper(), path, handler, auth, places_order)
        wrapped = self._wrap(route)
        self._routes[wrapped] = route
        self._app(site).router.add_route(route.method, path, wrapped)

    def websocket(self, path: str, *, site: str = MAIN_SITE) -> None:
        """Accept WebSocket upgrades at `path` on `site` and run the `on_ws_*` hooks for them."""

        async def handler(request: web.Request) -> web.StreamResponse:
            return await self._ws_handler(request, site)

        route = Route(site, "GET", path, handler, websocket=True)
        self._routes[handler] = route
        self._ws_routes.append(route)
        self._app(site).router.add_get(path, handler)

    def mount(self, prefix: str, app: web.Application, *, site: str = MAIN_SITE) -> None:
        """Add a sub-application (the control API) before `start`."""
        self._app(site).add_subapp(prefix, app)

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every route and socket registered, in registration order (what a client may call)."""
        self.sites()
        return tuple(self._routes.values())

    def sites(self) -> dict[str, web.Application]:
        """The applications, one per host the venue has, built on first use."""
        if self._apps is None:
            self._apps = {name: self._new_app(name) for name in self.site_names}
            self.setup()
        return self._apps

    def _app(self, site: str) -> web.Application:
        apps = self.sites()
        if site not in apps:
            raise ValueError(f"{self.name}: unknown site {site!r}; sites are {list(apps)}")
        return apps[site]

    def _new_app(self, site: str) -> web.Application:
        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self._middleware(site, request, handler)

        return web.Application(middlewares=[middleware], client_max_size=self.request_limits.body)

    # ------------------------------------------------------------------------- running

    @property
    def ports(self) -> dict[str, int]:
        return dict(self._ports)

    @property
    def running(self) -> bool:
        return bool(self._runners)

    def base_url(self, site: str = MAIN_SITE, scheme: str = "http") -> str:
        if site not in self._ports:
            raise RuntimeError(f"{self.name}: site {site!r} is not serving")
        host = self.host
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{self._ports[site]}"

    async def start(self, host: str = "127.0.0.1", port: int | Mapping[str, int] = 0) -> dict[str, int]:
        """Serve every site; returns site → bound port. `port` 0 picks free ports; a number P gives
        the sites P, P+1, ... in `site_names` order; a mapping names a port per site (missing: 0)."""
        if self._runners:
            raise RuntimeError(f"{self.name} front-end is already running")
        self.host = host
        apps = self.sites()
        try:
            for index, (site, app) in enumerate(apps.items()):
                if isinstance(port, Mapping):
                    wanted = port.get(site, 0)
                else:
                    wanted = port + index if port else 0
                runner = VenueRunner(app, self._refuse, self.request_limits, handle_signals=False, shutdown_timeout=1.0)
                await runner.setup()
                self._runners[site] = runner
                await web.TCPSite(runner, host, wanted).start()
                self._ports[site] = runner.addresses[0][1]
        except BaseException:
            await self.stop()
            raise
        self._unsubscribe = self.engine.subscribe(self._on_engine)
        self.streams.start()
        log.info("sim front-end started venue=%s ports=%s", self.name, self._ports)
        return dict(self._ports)

    async def stop(self) -> None:
        """Stop the clocked work, close every socket, stop serving, detach from the engine. Safe to
        call twice."""
        await self.streams.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.hub.close_all()
        runners = list(self._runners.values())
        self._runners.clear()
        self._ports.clear()
        for runner in runners:
            await runner.cleanup()
        if runners:
            log.info("sim front-end stopped venue=%s", self.name)

    # ---------------------------------------------------------------------- accounts

    def issue_credentials(self, account_id: AccountId) -> dict[str, Any]:
        """Make (or re-make: the same seed gives the same ones) and keep an account's credentials."""
        rng = random.Random(f"{self.name}:{self.seed}:{type(account_id).__name__}:{account_id}")
        creds = self.make_credentials(account_id, rng)
        self.credentials[account_id] = creds
        return creds

    def forget_credentials(self) -> None:
        self.credentials.clear()

    def order_by_client_id(self, account_id: AccountId, client_id: Any) -> OrderView | None:
        """The account's latest order under the client id a client sent (the control API's lookup).
        The engine holds what the venue passed it: the client id as sent, or its integer reading.
        A venue that gives the engine an id of its own instead (Hyperliquid: its oid, since one
        cloid may name several orders) translates here."""
        candidates: list[Any] = [client_id]
        number = inbound.integer(client_id) if isinstance(client_id, str) else None
        if number is not None:
            candidates.append(number)
        for candidate in candidates:
            view = self.engine.order_by_client_id(account_id, candidate)
            if view is not None:
                return view
        return None

    def account_for(self, key: str, value: Any) -> AccountId | None:
        """The account whose credential `key` equals `value` (constant-time compare of strings)."""
        for account_id, creds in self.credentials.items():
            held = creds.get(key)
            if isinstance(held, str) and isinstance(value, str):
                if hmac.compare_digest(held.encode(), value.encode()):
                    return account_id
            elif held is not None and held == value:
                return account_id
        return None

    # ---------------------------------------------------------------------- streams

    def publish(self, channel: str, kind: str, message: Any) -> int:
        """Fan `message` out to every socket subscribed to `channel`, through the stream faults."""
        return self.hub.publish(channel, kind, message)

    def send(self, conn: StreamConnection, channel: str, kind: str, message: Any) -> None:
        """Send a direct reply (ack, snapshot, pong) to one socket, through the stream faults."""
        self.hub.send(conn, channel, kind, message)

    def _on_engine(self, event: EngineEvent) -> None:
        try:
            self.on_engine_event(event)
        except Exception:  # a mapping bug must not stop the engine's delivery to other listeners
            log.exception("front-end %s failed to map engine event %r", self.name, event)

    async def _ws_handler(self, request: web.Request, site: str) -> web.StreamResponse:
        started = asyncio.get_running_loop().time()
        exchange = RequestInFlight(site, request.method, request.path, started)
        try:
            account = await self.authenticate_stream(request)
        except AuthFailure as failure:
            exchange.auth, exchange.detail = "denied", failure.reason
            response = failure.response or self.render_error(request, failure.status, failure.reason)
            self._record(exchange, response.status)
            return response
        if account is not None:
            exchange.auth, exchange.account = "ok", account
        if self.hub.full:
            exchange.detail = "too many connections"
            response = self.render_error(request, 503, "too many connections")
            self._record(exchange, response.status)
            return response
        ws = web.WebSocketResponse(
            heartbeat=self.heartbeat, timeout=self.ws_close_timeout, max_msg_size=self.request_limits.ws_message
        )  # a larger frame closes the socket with 1009 "message too big"
        try:
            await ws.prepare(request)
        except web.HTTPException as exc:  # not an upgrade request
            exchange.detail = exc.text or exc.reason
            response = self._refuse(request, Refusal.for_status(exc.status), f"not a WebSocket upgrade: {exc.reason}")
            self._record(exchange, response.status)
            return response
        self._record(exchange, 101)
        self._conn_counter += 1
        conn = StreamConnection(
            f"{self.name}-{site}-{self._conn_counter}", site, request, ws,
            queue_size=self.queue_size, max_channels=self.max_channels, close_code=self.stream_fault_close_code,
            encode=self._encode_mutated,
        )  # fmt: skip
        conn.account = account
        self.hub.add(conn)
        conn.start()
        log.debug("ws open conn=%s path=%s account=%s", conn.id, request.path, account)
        try:
            try:
                await self.on_ws_open(conn)
            except Exception:
                log.exception("front-end %s failed on ws open conn=%s", self.name, conn.id)
                return ws
            async for msg in ws:
                if msg.type is WSMsgType.TEXT or msg.type is WSMsgType.BINARY:
                    try:
                        await self.on_ws_message(conn, msg.data)
                    except Exception:  # a bug: this socket closes with 1011 (the WS 500), the others go on
                        log.exception("front-end %s failed on a ws message conn=%s", self.name, conn.id)
                        await conn.close(1011, b"internal error")
                        break
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            self.hub.remove(conn)
            await conn.close()
            try:
                await self.on_ws_close(conn)
            except Exception:
                log.exception("front-end %s failed on ws close conn=%s", self.name, conn.id)
            log.debug("ws closed conn=%s", conn.id)
        return ws

    # ------------------------------------------------------------------------- REST

    def _wrap(self, route: Route) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            exchange = request.get(_IN_FLIGHT)
            if route.auth:
                try:
                    account = await self.authenticate(request)
                except AuthFailure as failure:
                    if exchange is not None:
                        exchange.auth, exchange.detail = "denied", failure.reason
                    return failure.response or self.render_error(request, failure.status, failure.reason)
                request[ACCOUNT] = account
                if exchange is not None:
                    exchange.auth, exchange.account = "ok", account
            if route.places_order and exchange is not None and exchange.fault is None:
                fault = self.faults.take_order_rejection(request.method, request.path)
                if fault is not None:
                    exchange.fault = fault
                    exchange.detail = fault.reason or "order rejected (simulated fault)"
                    return await self.refuse_order(request, exchange.detail)
            return await route.handler(request)

        return handler

    async def _middleware(self, site: str, request: web.Request, handler: Handler) -> web.StreamResponse:
        refused = screen(request, self.request_limits)
        if site == MAIN_SITE and is_control(request):
            return await _control(request, handler, refused)
        path = request.path
        route = self._routes.get(request.match_info.handler)  # type: ignore[arg-type]
        if refused is None and route is not None and route.websocket:
            return await handler(request)  # upgrades log themselves and take no REST faults
        loop = asyncio.get_running_loop()
        exchange = RequestInFlight(site, request.method, path, loop.time())
        request[_IN_FLIGHT] = exchange
        refused = refused or match_refusal(request)
        if refused is not None:  # never routed: no fault is spent on it
            exchange.detail = refused.message
            response = self._refuse(request, refused.kind, refused.message)
            if refused.kind is Refusal.TOO_LARGE:
                response.force_close()  # the body is not read: the connection cannot be reused
            self._record(exchange, response.status)
            return response
        fault = self.faults.take_rest(request.method, path)
        exchange.fault = fault
        try:
            if fault is not None and fault.action is RestAction.STATUS:
                response = self._fault_status(request, fault)
            else:
                if fault is not None and fault.action is RestAction.DELAY:
                    await asyncio.sleep(fault.delay)
                elif fault is not None and fault.action is RestAction.HOLD:
                    await self.faults.hold(fault.delay)  # until released through the control API
                response = self.mutations.response(await self._handle(request, handler))
                if fault is not None and fault.action is RestAction.DROP_RESPONSE:
                    self._record(exchange, response.status, dropped=True)
                    _drop_connection(request)
                    log.info("sim dropped a response venue=%s %s %s", self.name, request.method, path)
                    return response  # aiohttp finds the transport closed and writes nothing
                if fault is not None and fault.action is RestAction.APPLY_THEN_STATUS:
                    response = self._fault_status(request, fault)  # applied, but the client hears an error
        except web.HTTPException as exc:  # a handler's deliberate non-error answer (a redirect)
            self._record(exchange, exc.status)
            if fault is not None and fault.action is RestAction.DROP_RESPONSE:
                _drop_connection(request)
            raise
        except asyncio.CancelledError:
            self._record(exchange, None)
            raise
        self._record(exchange, response.status)
        return response

    async def _handle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The handler's answer. A `Refused` or an aiohttp HTTP error raised under it (a body
        beyond the limit, a malformed form) becomes the venue's answer; any other exception is a
        bug: logged with its traceback, answered with the venue's internal error."""
        try:
            return await handler(request)
        except Refused as exc:
            return self._refuse(request, exc.kind, exc.message)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return self._refuse(request, Refusal.for_status(exc.status), exc.text or exc.reason)
        except Exception:
            log.exception("front-end %s failed on %s %s", self.name, request.method, request.path)
            return self._refuse(request, Refusal.INTERNAL, "internal error")

    def _refuse(self, request: web.BaseRequest, kind: Refusal, message: str) -> web.Response:
        """The venue's answer to a refusal (`refusal` hook); the default shape should the hook fail."""
        try:
            status, body = self.refusal(request, kind, message)
            return answer(status, body)
        except Exception:
            log.exception("front-end %s failed to shape a %s refusal", self.name, kind.value)
            return answer(kind.status, {"error": message})

    def _fault_status(self, request: web.Request, fault: RestFault) -> web.StreamResponse:
        try:
            phrase = HTTPStatus(fault.status).phrase
        except ValueError:
            phrase = "error"
        response = self.render_error(request, fault.status, fault.reason or f"{phrase} (simulated fault)")
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(max(0, math.ceil(fault.retry_after)))
        return response

    def _record(self, exchange: RequestInFlight, status: int | None, *, dropped: bool = False) -> None:
        now = asyncio.get_running_loop().time()
        record = exchange.finish(status, ts=self.engine.clock.time(), now=now, dropped=dropped)
        if record is not None:
            self.request_log.append(record)


async def _control(request: web.Request, handler: Handler, refused: Refused | None) -> web.StreamResponse:
    """A request under the control prefix: the control API answers it (its own middleware shapes
    its errors), except one screened out or one no control route matches (`/_sim%2Fx`)."""
    if refused is None:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            refused = Refused(Refusal.for_status(exc.status), f"{exc.reason}: {request.method} {request.path}")
        except Exception:
            log.exception("control request failed %s %s", request.method, request.path)
            refused = Refused(Refusal.INTERNAL, "internal error")
    response = control_answer(refused.kind.status, refused.message)
    if refused.kind is Refusal.TOO_LARGE:
        response.force_close()
    return response


def _drop_connection(request: web.Request) -> None:
    """Close the socket under a request: the client sees a disconnect, never a response."""
    transport = request.transport
    if transport is not None:
        transport.close()
