"""HyperliquidFrontEnd: the Hyperliquid protocol on the shared simulator framework (spec §1, §11) —
wiring only.

One port: `POST /info`, `POST /exchange`, WebSocket `/ws`. Every business answer is HTTP 200; a body
the venue's types cannot hold is 422 plain text, malformed JSON 400, a missing JSON content type 415
(§10.7), the IP limit 429 with body `null` (§8). No 4xx ever carries a JSON object: the official SDK
would crash on one (§4.1). REST faults apply to `/exchange` (orders and cancels are both posted
there); a 5xx-after-execute fault runs the action and loses its answer, as the base does it.

The simulator's test account is a funded master address plus an approved agent (`make_credentials`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from aiohttp import web
from eth_keys import keys

from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId, EngineEvent, OrderView
from xtb.sim.frontend import FrontEnd, SimMarket
from xtb.sim.hyperliquid.actions import Actions, batch_size
from xtb.sim.hyperliquid.auth import Verifier, parse_envelope
from xtb.sim.hyperliquid.canonical import DESERIALIZE_TEXT, Undeserializable
from xtb.sim.hyperliquid.errors import HyperliquidError
from xtb.sim.hyperliquid.events import EventMapper
from xtb.sim.hyperliquid.info import InfoDesk
from xtb.sim.hyperliquid.limits import AddressBudget, IpWeights, exchange_weight, info_weight
from xtb.sim.hyperliquid.nonces import NonceWindows
from xtb.sim.hyperliquid.settings import (
    HyperliquidSimSettings,
    run_settings_json,
    run_settings_schema,
    with_run_settings,
)
from xtb.sim.hyperliquid.signers import ActionExpired, Signers, does_not_exist, must_deposit
from xtb.sim.hyperliquid.state import Agent, VenueState
from xtb.sim.hyperliquid.streams import HyperliquidSimStreams
from xtb.sim.hyperliquid.venue import Outbox, Venue
from xtb.sim.hyperliquid.views import AccountViews
from xtb.sim.hyperliquid.ws_settings import HyperliquidWsSettings
from xtb.sim.periodic import Periodic
from xtb.sim.refusals import Refusal
from xtb.sim.stream_hub import StreamConnection

PARSE_TEXT = "Failed to parse the request body as JSON"
CONTENT_TYPE_TEXT = "Expected request with `Content-Type: application/json`"
AGENT_NAME = "xtb-sim"
SCHEDULE_TICK_S = 0.25
_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

Answer = tuple[int, Any]


class HyperliquidFrontEnd(FrontEnd):
    name = "hyperliquid"
    test_collateral = Decimal("1000000")

    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 0,
        settings: HyperliquidSimSettings | None = None,
        ws_settings: HyperliquidWsSettings | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(engine, seed=seed, **kwargs)
        self.settings = settings or HyperliquidSimSettings()
        s = self.settings
        self.nonces = NonceWindows(engine.clock, s.nonce_set_size, past_ms=s.nonce_past_ms, future_ms=s.nonce_future_ms)
        self.signers = Signers(self.nonces)
        self.state = VenueState(history_limit=s.history_limit, fills_limit=s.fills_limit)
        self.outbox = Outbox(lambda: self.streams)  # type: ignore[arg-type, return-value]
        self.venue = Venue(engine, lambda: self.settings, self.state, self.outbox)
        self.events = EventMapper(self.venue)
        self.verifier = Verifier(self.signers, self.nonces, lambda: self.settings)
        self.ip_weights = IpWeights(lambda: self.settings.ip_weight_per_minute, engine.clock.monotonic)
        self.budget = AddressBudget(
            lambda: self.settings.address_budget_base, lambda: self.settings.address_trickle_s, engine.clock.monotonic
        )
        self.actions = Actions(self.venue, self.signers)
        self.info_desk = InfoDesk(self.venue, self.signers, self.budget)
        views = AccountViews(self.info_desk)
        self.streams = HyperliquidSimStreams(
            self.hub,
            engine,
            settings=ws_settings if ws_settings is not None else HyperliquidWsSettings(),
            coins=self.venue.tradable,
            info=self.info_payload,
            exchange=self.exchange_payload,
            recent_fills=self.info_desk.recent_fills,
            now_ms=self.venue.now_ms,
            views=views,
        )
        self._scheduler = Periodic("hyperliquid-scheduled-cancel", SCHEDULE_TICK_S, self._fire_scheduled)

    # ------------------------------------------------------------------------------- hooks

    def sim_markets(self) -> Sequence[SimMarket]:
        s = self.settings
        return [SimMarket(s.market_spec(m), s.market_settings(m)) for m in s.listed()]

    def setup(self) -> None:
        self.route("POST", "/info", self._info_http)
        self.route("POST", "/exchange", self._exchange_http, places_order=True)
        self.websocket("/ws")

    async def start(self, host: str = "127.0.0.1", port: int | Mapping[str, int] = 0) -> dict[str, int]:
        ports = await super().start(host, port)
        self._scheduler.start()
        return ports

    async def stop(self) -> None:
        await self._scheduler.stop()
        await super().stop()

    def make_credentials(self, account_id: AccountId, rng: random.Random) -> dict[str, Any]:
        """A funded master and an approved agent (API wallet): the connector signs with the agent
        key and queries with the account address; the official SDK's own test signs as the master."""
        master_key = keys.PrivateKey(_key_bytes(rng))
        agent_key = keys.PrivateKey(_key_bytes(rng))
        master = master_key.public_key.to_checksum_address().lower()
        agent = agent_key.public_key.to_checksum_address().lower()
        self.signers.add_user(master)
        self.signers.approve_agent(master, agent, AGENT_NAME)
        self.venue.address_of[account_id] = master
        self.venue.account_of[master] = account_id
        valid_until = self.venue.now_ms() + self.settings.agent_validity_days * 86_400_000
        self.state.user(master).agents[agent] = Agent(agent, AGENT_NAME, valid_until)
        self.state.used_agents.add(agent)
        return {
            "account_address": master,
            "agent_private_key": "0x" + agent_key.to_bytes().hex(),
            "master_private_key": "0x" + master_key.to_bytes().hex(),
        }

    def order_by_client_id(self, account_id: AccountId, client_id: Any) -> OrderView | None:
        """A cloid names the newest order that carried it (case-insensitive, §10 item 14), which the
        engine may know by no client id (a cloid a live order already held)."""
        address = self.venue.address_of.get(account_id)
        book = self.state.known(address) if address is not None else None
        order = book.by_oid_or_cloid(client_id.lower()) if book is not None and isinstance(client_id, str) else None
        if order is None or order.engine_id is None:
            return super().order_by_client_id(account_id, client_id)
        return self.engine.order(order.engine_id)

    def register(self, account_id: AccountId, address: str) -> None:
        """Give an existing account a chosen master address (the spec's vector key K1), so signed
        examples from the spec act on it."""
        address = address.lower()
        self.signers.add_user(address)
        self.venue.address_of[account_id] = address
        self.venue.account_of[address] = account_id
        creds = self.credentials.get(account_id)
        if creds is not None:  # the account's agent now signs for the chosen address
            agent = keys.PrivateKey(bytes.fromhex(creds["agent_private_key"][2:])).public_key
            agent_address = agent.to_checksum_address().lower()
            self.signers.approve_agent(address, agent_address, AGENT_NAME)
            valid_until = self.venue.now_ms() + self.settings.agent_validity_days * 86_400_000
            self.state.user(address).agents[agent_address] = Agent(agent_address, AGENT_NAME, valid_until)
            creds["account_address"] = address

    def forget_credentials(self) -> None:
        super().forget_credentials()
        self.signers.clear()
        self.nonces.clear()
        self.state.clear()
        self.venue.clear()
        self.venue.address_of.clear()
        self.venue.account_of.clear()
        self.ip_weights.clear()

    def prepare_settings(self, settings: Mapping[str, Any]) -> Callable[[], None]:
        """Every scalar of `HyperliquidSimSettings` (the §10 switches) by name."""
        new = with_run_settings(self.settings, settings)
        return lambda: self._apply(new)

    def _apply(self, new: HyperliquidSimSettings) -> None:
        self.settings = new
        self.nonces.size = new.nonce_set_size
        self.nonces.past_ms = new.nonce_past_ms
        self.nonces.future_ms = new.nonce_future_ms

    def current_settings(self) -> dict[str, Any]:
        return run_settings_json(self.settings)

    def settings_schema(self) -> dict[str, dict[str, Any]]:
        return run_settings_schema()

    def on_engine_event(self, event: EngineEvent) -> None:
        self.events.apply(event)
        self.streams.on_engine_event(event)

    def render_error(self, request: web.Request, status: int, message: str) -> web.StreamResponse:
        """429: body `null` (§8); any other error plain text, never a JSON object (§4.1)."""
        if status == 429:
            return web.Response(text="null", status=429, content_type="application/json")
        return web.Response(text=message, status=status, content_type="text/plain")

    def refusal(self, request: web.BaseRequest, kind: Refusal, message: str) -> tuple[int, Any]:
        if kind is Refusal.INTERNAL:
            return 500, "internal error"
        if kind is Refusal.BAD_REQUEST:
            return 400, PARSE_TEXT
        return kind.status, message

    async def refuse_order(self, request: web.Request, reason: str) -> web.StreamResponse:
        """A REJECT_ORDER fault: each order of an `order` action gets the reason as its error;
        any other action a top-level error."""
        try:
            body = json.loads(await request.read())
            orders = body["action"]["orders"] if body["action"]["type"] == "order" else None
        except Exception:
            orders = None
        text = reason or "Order rejected."
        if isinstance(orders, list) and orders:
            statuses = [{"error": text} for _ in orders]
            answer = {"status": "ok", "response": {"type": "order", "data": {"statuses": statuses}}}
        else:
            answer = {"status": "err", "response": text}
        return _json(200, answer)

    # ------------------------------------------------------------------------------- REST

    async def _read_json(self, request: web.Request) -> tuple[Any, web.StreamResponse | None]:
        if request.content_type != "application/json":
            return None, _text(415, CONTENT_TYPE_TEXT)
        raw = await request.read()
        try:
            return json.loads(raw), None
        except (ValueError, RecursionError):
            return None, _text(400, PARSE_TEXT)

    async def _info_http(self, request: web.Request) -> web.StreamResponse:
        payload, refused = await self._read_json(request)
        if refused is not None:
            return refused
        status, body = self.info(payload, request.remote or "?")
        return _answer(status, body)

    async def _exchange_http(self, request: web.Request) -> web.StreamResponse:
        body, refused = await self._read_json(request)
        if refused is not None:
            return refused
        status, answer = self.exchange(body, request.remote or "?")
        return _answer(status, answer)

    # --------------------------------------------------------------- one request, any transport

    def info(self, payload: Any, ip: str) -> Answer:
        """One `/info` payload → (HTTP status, body), as REST and WS posts answer it."""
        try:
            kind = self.info_desk.kind(payload)
            answer = self.info_desk.answer(payload)
        except Undeserializable:
            return 422, DESERIALIZE_TEXT
        if not self.ip_weights.admit(ip, info_weight(kind, answer)):
            return 429, None
        return 200, answer

    async def info_payload(self, payload: dict[str, Any]) -> Answer:
        return self.info(payload, "ws")

    async def exchange_payload(self, body: dict[str, Any], conn: StreamConnection) -> Answer:
        return self.exchange(body, conn.request.remote or "?")

    def exchange(self, body: Any, ip: str) -> Answer:
        """One `/exchange` body → (HTTP status, body): §2.5 in order, the budget, the action."""
        self.actions.fire_scheduled()
        try:
            envelope = parse_envelope(body, self.settings)
        except Undeserializable:
            return 422, DESERIALIZE_TEXT
        except HyperliquidError as exc:
            if not self.ip_weights.admit(ip, 1):
                return 429, None
            return 200, exc.body()
        if not self.ip_weights.admit(ip, exchange_weight(batch_size(envelope.action))):
            return 429, None
        settings = self.settings
        try:
            authorised = self.verifier.verify(envelope, body["action"])
        except ActionExpired as expired:
            signer, user = expired.authorised.signer, expired.authorised.user
            if settings.expired_consumes_nonce:
                self.nonces.consume(signer, envelope.nonce)
            AddressBudget.charge(self.state.user(user), settings.expired_budget_cost)
            return 200, expired.body()
        except HyperliquidError as exc:
            return 200, exc.body()
        try:
            if self.actions.agent_expired(authorised.signer):
                raise does_not_exist(authorised.signer)
            if envelope.vault is not None and envelope.vault != authorised.user:
                raise HyperliquidError(settings.vault_text.format(vault=envelope.vault))
            account = self.venue.account_of.get(authorised.user)
            if account is None or account not in self.engine.accounts():
                raise must_deposit(authorised.user)
            book = self.state.user(authorised.user)
            cost = batch_size(envelope.action)
            self.budget.check(book, cost)
            answer = self.actions.run(authorised.user, account, envelope.action)
        except HyperliquidError as exc:
            return 200, exc.body()
        self.nonces.consume(authorised.signer, envelope.nonce)
        AddressBudget.charge(book, cost)
        return 200, answer

    async def _fire_scheduled(self, beat: int) -> None:
        self.actions.fire_scheduled()


def _json(status: int, body: Any) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


def _text(status: int, text: str) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/plain")


def _answer(status: int, body: Any) -> web.Response:
    if status == 429:
        return web.Response(text="null", status=429, content_type="application/json")
    if status != 200:
        return _text(status, str(body))
    return _json(200, body)


def _key_bytes(rng: random.Random) -> bytes:
    """32 random bytes that make a valid secp256k1 key (below the curve order, not zero)."""
    while True:
        value = rng.getrandbits(256)
        if 0 < value < _SECP256K1_ORDER:
            return value.to_bytes(32, "big")
