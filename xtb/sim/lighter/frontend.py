"""The Lighter simulator: REST under `/api/v1/` plus `GET /` and `GET /info`, and the WebSocket at
`/stream`, all on one host with no path prefix (the SDK's Go library resolves paths against the
host). Writes are signed L2 transactions (`sendTx`, `sendTxBatch`, WS `jsonapi/sendtx`) verified
with Schnorr over ECgFp5; private reads take an auth token (spec §2-§9).

Accounts are integer account indexes; each gets one API key (index 4) and an L1 address, from the
seed. `register_api_key` adds a known key (e.g. the spec's worked vectors' key).

The front-end only assembles: it builds the parts every desk shares (`parts.VenueParts`) and hands
each desk those parts and the other desks it calls; no desk holds the front-end.
"""

from __future__ import annotations

import random
from typing import Any

from aiohttp import web
from eth_account import Account

from xtb.clock import Clock
from xtb.crypto import schnorr
from xtb.sim import inbound
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId
from xtb.sim.frontend import AuthFailure, FrontEnd, SimMarket
from xtb.sim.lighter import errors as E
from xtb.sim.lighter.candle_stream import CandleStream
from xtb.sim.lighter.charts import ChartApi
from xtb.sim.lighter.desk import TxDesk
from xtb.sim.lighter.errors import LighterError, json_response
from xtb.sim.lighter.feed import EngineFeed
from xtb.sim.lighter.keys import KeyBook, TokenChecker, Verifier
from xtb.sim.lighter.maker_only import MakerOnlyKeys
from xtb.sim.lighter.params import endpoint
from xtb.sim.lighter.parts import VenueClock, VenueParts
from xtb.sim.lighter.pipeline import TxPipeline
from xtb.sim.lighter.read_tokens import ReadTokens, TokenApi
from xtb.sim.lighter.rest import ReadApi
from xtb.sim.lighter.settings import DEFAULT_KEY_INDEX, TEST_ACCOUNT, LighterSettings, MarketDef
from xtb.sim.lighter.snapshots import Snapshots
from xtb.sim.lighter.state import VenueState
from xtb.sim.lighter.streams import LighterStreams
from xtb.sim.lighter.txs import parse_tx
from xtb.sim.refusals import Refusal

_GENERIC = {
    404: (E.NOT_FOUND, "not found"),
    429: (E.TOO_MANY_REQUESTS, "Too Many Requests!"),
    504: (29501, "timeout"),
}
OK_MESSAGE = '{"ratelimit": "didn\'t use volume quota"}'


class LighterFrontEnd(FrontEnd):
    """`clock` is the venue's wall clock for ExpiredAt, OrderExpiry and token deadlines (default:
    the engine's); replace `clock` to replay transactions signed in the past (the spec's vectors)."""

    name = "lighter"
    test_account = TEST_ACCOUNT

    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 0,
        settings: LighterSettings | None = None,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(engine, seed=seed, **kwargs)
        self.settings = s = settings or LighterSettings()
        self.markets: dict[str, MarketDef] = {m.symbol: m for m in s.markets}
        self.markets_by_id: dict[int, MarketDef] = {m.market_id: m for m in s.markets}
        self.state = VenueState(tuple(self.markets_by_id), history_limit=s.history_limit, tape_size=s.tape_size,
                                tx_log_size=s.tx_log_size)  # fmt: skip
        self.keys = KeyBook()
        self.l1_addresses: dict[int, str] = {}
        self.venue = venue = VenueParts(
            engine=engine, settings=s, state=self.state, clock=VenueClock(clock or engine.clock), keys=self.keys,
            l1_addresses=self.l1_addresses, markets=self.markets, markets_by_id=self.markets_by_id,
        )  # fmt: skip
        self.verifier = Verifier(
            enabled=s.verify_signatures, in_thread=s.verify_in_thread, accept_noncanonical=s.accept_noncanonical_sig
        )
        self.read_tokens = ReadTokens(venue.clock.time)
        self.tokens = TokenChecker(
            self.keys, self.verifier, venue.clock.time, max_lifetime_s=s.token_max_lifetime_s,
            skew_s=s.token_skew_s, status=s.auth_error_status, code=s.auth_error_code,
            read_only=self.read_tokens.claims,
        )  # fmt: skip
        self.maker_only = MakerOnlyKeys(self.tokens)
        snapshots = Snapshots(venue)
        feed = EngineFeed(venue, self.hub, snapshots, CandleStream(self.state.tape, venue.now_ms))
        self.desk = TxDesk(venue, feed)
        self.pipeline = TxPipeline(venue, self.verifier, self.desk, feed.publish_tx)
        self.streams = LighterStreams(venue, self.hub, feed=feed, pipeline=self.pipeline, tokens=self.tokens,
                                      expire_orders=self.desk.expire_orders)  # fmt: skip
        self.reads = ReadApi(venue, snapshots)
        self.charts = ChartApi(venue)

    @property
    def clock(self) -> Clock:
        """The venue's wall clock; assign another to replay transactions signed in the past."""
        return self.venue.clock.source

    @clock.setter
    def clock(self, source: Clock) -> None:
        self.venue.clock.source = source

    def now_ms(self) -> int:
        return self.venue.now_ms()

    # ------------------------------------------------------------------------------- hooks

    def sim_markets(self) -> list[SimMarket]:
        s = self.settings
        return [SimMarket(s.market_spec(m), s.market_settings(m)) for m in s.markets]

    def make_credentials(self, account_id: AccountId, rng: random.Random) -> dict[str, Any]:
        index = self.state.account_index(account_id)
        sk = rng.getrandbits(320) % schnorr.N or 1
        l1 = Account.from_key(bytes(rng.getrandbits(8) for _ in range(32)))
        creds = self.register_api_key(index, DEFAULT_KEY_INDEX, sk)
        self.l1_addresses[index] = l1.address
        return {**creds, "l1_address": l1.address, "eth_private_key": "0x" + bytes(l1.key).hex()}

    def register_api_key(self, account: int, key_index: int, private_key: int | str) -> dict[str, Any]:
        """Give an account's key slot a known key pair; returns the credentials a client needs."""
        if isinstance(private_key, str):
            private_key = int.from_bytes(bytes.fromhex(private_key.removeprefix("0x")), "little")
        public = schnorr.public_key(private_key)
        self.keys.register(account, key_index, public)
        return {
            "account_index": account,
            "api_key_index": key_index,
            "api_private_key": "0x" + (private_key % schnorr.N).to_bytes(40, "little").hex(),
            "public_key": public.hex(),
        }

    def forget_credentials(self) -> None:
        super().forget_credentials()
        self.keys.clear()
        self.read_tokens.clear()
        self.maker_only.clear()
        self.l1_addresses.clear()
        self.desk.stop()

    def urls(self) -> dict[str, Any]:
        return {"rest": self.base_url(), "ws": self.base_url(scheme="ws") + "/stream"}

    async def stop(self) -> None:
        self.desk.stop()
        await super().stop()
        self.verifier.close()

    async def authenticate(self, request: web.Request) -> AccountId:
        """A private read: the auth token (header, or the legacy `auth` parameter) must be valid and
        belong to the account the request names (or, without one, it names the account)."""
        token = request.headers.get("Authorization") or request.query.get("auth")
        wanted = request.query.get("account_index")
        try:
            account = inbound.integer(wanted) if wanted is not None else None
            if wanted is not None and account is None:
                raise LighterError(20001, message="invalid param: account_index")
            claims = await self.tokens.check(token, account)
        except LighterError as exc:
            raise AuthFailure(exc.message, status=exc.status, response=exc.response()) from None
        return claims.account

    def render_error(self, request: web.Request, status: int, message: str) -> web.StreamResponse:
        code, text = _GENERIC.get(status, (E.INTERNAL if status >= 500 else status, message))
        if not message.endswith("(simulated fault)") and status not in _GENERIC:
            text = message
        return json_response({"code": code, "message": text}, status=status)

    def refusal(self, request: web.BaseRequest, kind: Refusal, message: str) -> tuple[int, Any]:
        """§4: an unknown path is 404 `{"code":29404,"message":"not found"}` (a wrong method too: the
        spec says nothing of it). §7 lists no code for a malformed or oversized request: they get
        the 400 `invalid param` (20001) the simulator's parameter checks answer; a bug is 29500."""
        if kind in (Refusal.NOT_FOUND, Refusal.METHOD_NOT_ALLOWED):
            return 404, LighterError(E.NOT_FOUND).body()
        if kind is Refusal.INTERNAL:
            return 500, LighterError(E.INTERNAL).body()
        return 400, LighterError(E.INVALID_PARAM, message=f"invalid param: {message}").body()

    async def refuse_order(self, request: web.Request, reason: str) -> web.StreamResponse:
        return LighterError(E.INVALID_TX_INFO, message=reason).response()

    # ------------------------------------------------------------------------------ routes

    def setup(self) -> None:
        self.websocket("/stream")
        for method, path, handler, auth in self.reads.routes():
            self.route(method, path, handler, auth=auth)
        for method, path, handler in self.charts.routes():
            self.route(method, path, handler)
        for method, path, handler in TokenApi(self.read_tokens, self.tokens).routes() + self.maker_only.routes():
            self.route(method, path, endpoint(handler), auth=True)
        self.route("POST", "/api/v1/sendTx", self._send_tx, places_order=True)
        self.route("POST", "/api/v1/sendTxBatch", self._send_tx_batch, places_order=True)

    def _accepted(self, tx_hash: Any) -> web.StreamResponse:
        return json_response(
            {
                "code": 200,
                "message": OK_MESSAGE,
                "tx_hash": tx_hash,
                "predicted_execution_time_ms": self.now_ms() + 50,
                "volume_quota_remaining": 1000,
            }
        )

    async def _send_tx(self, request: web.Request) -> web.StreamResponse:
        """Form-urlencoded or multipart `tx_type` + `tx_info` (JSON text); `price_protection` ignored.
        A body that is not the form its content type says is the framework's 400 (`read_form`)."""
        try:
            form = await inbound.read_form(request)
            tx = parse_tx(form.get("tx_type"), form.get("tx_info"))
            return self._accepted(await self.pipeline.submit(tx))
        except LighterError as exc:
            return exc.response()

    async def _send_tx_batch(self, request: web.Request) -> web.StreamResponse:
        try:
            form = await inbound.read_form(request)
            return self._accepted(await self.pipeline.submit_lists(form.get("tx_types"), form.get("tx_infos")))
        except LighterError as exc:
            return exc.response()
