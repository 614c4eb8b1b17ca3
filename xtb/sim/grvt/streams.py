"""GRVT's WebSocket protocols (spec §5), what clients ask: JSON-RPC 2.0 on `/ws/full` and `/ws/lite`,
the legacy frame format on `/ws`, on both the market-data and the trades host. What goes out on a
subscription is `xtb.sim.grvt.fanout`'s.

Selectors are echoed verbatim; every (connection, stream, selector) numbers its frames: snapshots
"0", deltas 1, 2, ... with `prev_sequence_number`. Subscribing again to a primary selector replaces
its secondary part. `v1.book.d` sends the whole book, then the changed levels (absolute sizes, "0"
removes) every `rate` ms; `.s` streams send full frames at their rate. Any REST route can be called
as `v1/<route>` (private ones on a socket opened with a session).

Channels (what stream faults match) are `<stream>:<selector>`; the fault kind is the stream without
its version (`book.d`, `order`, `fill`, ...); replies and errors go out as channel `rpc`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from xtb.sim import inbound
from xtb.sim.grvt import query
from xtb.sim.grvt.auth import Accounts, Ctx
from xtb.sim.grvt.errors import GrvtError
from xtb.sim.grvt.fanout import Fanout, Sub, subs_of
from xtb.sim.grvt.lite import ROUTES, to_full, to_lite
from xtb.sim.grvt.public import CANDLE_TYPES, INTERVALS
from xtb.sim.grvt.settings import GrvtSettings, MarketDef
from xtb.sim.periodic import Periodic
from xtb.sim.stream_hub import StreamConnection, StreamHub
from xtb.sim.venue_streams import VenueStreams

log = logging.getLogger(__name__)

MD, TD = "market_data", "main"
PUBLIC = {"v1.mini.s", "v1.mini.d", "v1.ticker.s", "v1.ticker.d", "v1.book.s", "v1.book.d", "v1.trade", "v1.candle"}
PRIVATE = {"v1.order", "v1.state", "v1.fill", "v1.position", "v1.cancel"}
ACCOUNT_FEEDS = {"v1.transfer", "v1.deposit", "v1.withdrawal"}  # fed by the ledger (transfers: never)
RATES = {
    "v1.mini.s": {200, 500, 1000, 5000},
    "v1.mini.d": {0, 50, 100, 200, 500, 1000, 5000},
    "v1.ticker.s": {500, 1000, 5000},
    "v1.ticker.d": {100, 200, 500, 1000, 5000},
    "v1.book.s": {500, 1000},
    "v1.book.d": {50, 100, 500, 1000},
}
DEPTHS = {10, 50, 100, 500}
TRADE_LIMITS = {50, 200, 500, 1000}
TICK_S = 0.05
RouteHandler = Callable[[Ctx, Mapping[str, Any]], Awaitable[Any]]


class GrvtStreams(VenueStreams):
    """`routes`: what `v1/<route>` calls on a socket reach (name → (handler, private)); `housekeeping`
    runs with every clocked beat (the desk's signature expiry)."""

    def __init__(
        self,
        hub: StreamHub,
        fanout: Fanout,
        accounts: Accounts,
        markets: Mapping[str, MarketDef],
        settings: GrvtSettings,
        routes: Mapping[str, tuple[RouteHandler, bool]],
        housekeeping: Callable[[], None],
    ) -> None:
        self.hub = hub
        self.fanout = fanout
        self.accounts = accounts
        self.markets = markets
        self.settings = settings
        self.routes = routes
        self.housekeeping = housekeeping
        self.periodic = Periodic("grvt-sim-streams", TICK_S, self._beat)

    # -------------------------------------------------------------------------- sockets

    def on_open(self, conn: StreamConnection) -> None:
        path = conn.path.rstrip("/")
        conn.state["proto"] = "legacy" if path == "/ws" else "lite" if path.endswith("/lite") else "full"
        conn.state["site"] = conn.site
        conn.state["main"] = conn.account

    def _reply(self, conn: StreamConnection, message: Mapping[str, Any]) -> None:
        self.hub.send(conn, "rpc", "reply", dict(message))

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        text = data if isinstance(data, str) else data.decode("utf-8", "replace")
        if text.strip().strip('"') == "ping":  # GRVT's web client keep-alive: tolerated, unanswered
            return
        try:
            frame = inbound.loads(data, parse_float=Decimal)  # too deep, too big, not UTF-8: 1003
        except ValueError:
            frame = None
        proto = conn.state.get("proto", "full")
        if not isinstance(frame, dict):
            self._error(conn, proto, GrvtError(1003), None, None)
            return
        if proto == "legacy" and "jsonrpc" not in frame:
            self._legacy(conn, frame)
            return
        lite = proto == "lite"
        if lite:
            frame = to_full(frame, "JSONRPCRequest")
        method, rid, params = frame.get("method"), frame.get("id"), frame.get("params") or {}
        try:
            if not isinstance(params, dict):
                raise GrvtError(1003)
            if method in ("subscribe", "unsubscribe"):
                params = to_full(params, "WSSubscribeParams") if lite else params
                result, snapshots = self._change(conn, method, params.get("stream"), params.get("selectors"), lite)
                subscribing = method == "subscribe"
                reply_method = method if subscribing else self.settings.unsubscribe_reply_method
                struct = "WSSubscribeResult" if subscribing else "WSUnsubscribeResult"
                self._reply(conn, self._rpc_reply(result, rid, reply_method, lite, struct))
                self._send_all(conn, snapshots)
            elif isinstance(method, str) and method.startswith("v1/"):
                await self._rpc(conn, method, params, rid, lite)
            else:
                raise GrvtError(1003, "Request could not be processed due to malformed syntax: method")
        except GrvtError as exc:
            self._error(conn, proto, exc, rid, method)

    def _legacy(self, conn: StreamConnection, frame: Mapping[str, Any]) -> None:
        rid, method = frame.get("request_id"), frame.get("method", "subscribe")
        lite = frame.get("is_full", True) is False
        try:
            if method not in ("subscribe", "unsubscribe"):
                raise GrvtError(1003)
            result, snapshots = self._change(conn, method, frame.get("stream"), frame.get("feed"), lite)
        except GrvtError as exc:
            self._error(conn, "legacy", exc, rid, method)
            return
        reply = {"request_id": rid, "subs": [], "unsubs": [], "num_snapshots": [], "first_sequence_number": [],
                 "latest_sequence_number": [], **result}  # fmt: skip
        self._reply(conn, to_lite(reply, "WSSubscribeResponseV1Legacy") if lite else reply)  # never a `feed` key
        self._send_all(conn, snapshots)

    def _rpc_reply(self, result: Any, rid: Any, method: Any, lite: bool, struct: str | None) -> dict[str, Any]:
        if lite:
            return {"j": "2.0", "r": to_lite(result, struct), "i": rid, "m": method}
        return {"jsonrpc": "2.0", "result": result, "id": rid, "method": method}

    def _error(self, conn: StreamConnection, proto: str, exc: GrvtError, rid: Any, method: Any) -> None:
        if proto == "legacy":
            self._reply(conn, exc.body())
        elif proto == "lite":
            self._reply(conn, {"j": "2.0", "e": {"c": exc.code, "m": exc.message}, "i": rid, "m": method})
        else:
            self._reply(conn, {"jsonrpc": "2.0", "error": {"code": exc.code, "message": exc.message}, "id": rid,
                               "method": method})  # fmt: skip

    async def _rpc(self, conn: StreamConnection, method: str, params: dict[str, Any], rid: Any, lite: bool) -> None:
        route = method.removeprefix("v1/")
        entry = self.routes.get(route)
        if entry is None:
            raise GrvtError(1003, "Request could not be processed due to malformed syntax: method")
        handler, private = entry
        main = conn.state.get("main")
        if private and main is None:
            raise GrvtError(1000)
        structs = ROUTES.get(route, (None, None))
        body = to_full(params, structs[0]) if lite else params
        result = await handler(Ctx(main, lite), body)
        self._reply(conn, self._rpc_reply(result, rid, method, lite, structs[1]))

    def _send_all(self, conn: StreamConnection, frames: list[tuple[Sub, dict[str, Any]]]) -> None:
        for sub, frame in frames:
            self.hub.send(conn, sub.channel, sub.kind, frame)

    # ---------------------------------------------------------------------- subscriptions

    def _change(
        self, conn: StreamConnection, method: str, stream: Any, selectors: Any, lite: bool
    ) -> tuple[dict[str, Any], list[tuple[Sub, dict[str, Any]]]]:
        if not isinstance(stream, str) or stream not in PUBLIC | PRIVATE | ACCOUNT_FEEDS:
            raise GrvtError(1003, "Request could not be processed due to malformed syntax: stream")
        if (stream in PUBLIC) != (conn.state.get("site") == MD):
            raise GrvtError(1003, f"Request could not be processed due to malformed syntax: {stream} not on this host")
        if not isinstance(selectors, list) or not all(isinstance(s, str) for s in selectors):
            raise GrvtError(1101)
        subs = subs_of(conn)
        if method == "unsubscribe":
            gone = [s for s in selectors if f"{stream}:{s}" in subs]
            for selector in gone:
                conn.unsubscribe(subs.pop(f"{stream}:{selector}").channel)
            return {"stream": stream, "unsubs": gone}, []
        fresh = [self._parse(conn, stream, selector, lite) for selector in selectors]  # all or nothing
        unsubs: list[str] = []
        frames: list[tuple[Sub, dict[str, Any]]] = []
        result: dict[str, Any] = {"stream": stream, "subs": [], "unsubs": unsubs, "num_snapshots": [],
                                  "first_sequence_number": [], "latest_sequence_number": []}  # fmt: skip
        for sub in fresh:
            for old in [o for o in subs.values() if o.stream == stream and o.primary == sub.primary]:
                conn.unsubscribe(old.channel)
                del subs[old.channel]
                if old.selector != sub.selector:
                    unsubs.append(old.selector)
            conn.subscribe(sub.channel)
            subs[sub.channel] = sub
            snapshots = [(sub, sub.frame(feed, snapshot=True)) for feed in self.fanout.snapshot(sub)]
            frames.extend(snapshots)
            sub.due = asyncio.get_running_loop().time() + (sub.rate or 0) / 1000
            result["subs"].append(sub.selector)
            result["num_snapshots"].append(len(snapshots))
            result["first_sequence_number"].append(str(sub.seq + 1))
            result["latest_sequence_number"].append(str(sub.seq))
        return result, frames

    def _parse(self, conn: StreamConnection, stream: str, selector: str, lite: bool) -> Sub:
        if stream in PUBLIC:
            return self._parse_public(stream, selector, lite)
        parts = selector.split("-") if selector else []
        if not parts or not parts[0]:
            raise GrvtError(1101)
        sub = Sub(stream, selector, parts[0], lite)
        if stream in ACCOUNT_FEEDS:
            return self._parse_account_feed(conn, sub, parts)
        if len(parts) not in ((1,) if stream == "v1.cancel" else (1, 2, 4)):
            raise GrvtError(1102)
        number = inbound.integer(parts[0])
        if number is None or number >= 2**64:
            raise GrvtError(3020)
        main = conn.state.get("main")
        if main is None:
            raise GrvtError(1000)
        sub.sub_account = str(number)
        account = self.accounts.by_sub_account(sub.sub_account)
        if account is None or self.accounts.main_of(account) != main:
            raise GrvtError(1001)
        if len(parts) == 2:
            if parts[1] not in self.markets:
                raise GrvtError(3000)
            sub.instruments = frozenset({parts[1]})
        elif len(parts) == 4:
            body = {k: [v] for k, v in zip(("kind", "base", "quote"), parts[1:], strict=True) if v}
            sub.instruments = frozenset(query.instruments(self.markets, body))
        return sub

    def _parse_account_feed(self, conn: StreamConnection, sub: Sub, parts: list[str]) -> Sub:
        """`MAIN[-SUBACC]`: the session's own main account, and one of its sub-accounts if named."""
        if len(parts) > 2:
            raise GrvtError(1102)
        main = conn.state.get("main")
        if main is None:
            raise GrvtError(1000)
        if parts[0].lower() != main:
            raise GrvtError(1001)
        if len(parts) == 2:
            if inbound.integer(parts[1]) is None:
                raise GrvtError(3020)
            if parts[1] not in self.accounts.subs_of(main):
                raise GrvtError(1001)
            sub.sub_account = parts[1]
        return sub

    def _parse_public(self, stream: str, selector: str, lite: bool) -> Sub:
        primary, sep, secondary = selector.partition("@")
        if not sep or not primary or not secondary:
            raise GrvtError(1101)
        if primary not in self.markets:
            raise GrvtError(3000)
        parts = secondary.split("-")
        sub = Sub(stream, selector, primary, lite, instrument=primary)
        if stream == "v1.candle":
            if len(parts) != 2:
                raise GrvtError(1103)
            if parts[0] not in INTERVALS:
                raise GrvtError(3040)
            if parts[1] not in CANDLE_TYPES:
                raise GrvtError(3041)
            sub.interval = INTERVALS[parts[0]]
            return sub
        if len(parts) != (2 if stream == "v1.book.s" else 1):
            raise GrvtError(1103)
        value = inbound.integer(parts[0])
        if value is None:
            raise GrvtError(3011 if stream == "v1.trade" else 3030)
        if stream == "v1.trade":
            if value not in TRADE_LIMITS:
                raise GrvtError(3011)
            sub.limit = value
            return sub
        if value not in RATES[stream]:
            raise GrvtError(3030)
        sub.rate = value
        if stream == "v1.book.s":
            depth = inbound.integer(parts[1])
            if depth not in DEPTHS:
                raise GrvtError(3031)
            sub.depth = depth
        return sub

    # ---------------------------------------------------------------------- clocked streams

    async def _beat(self, beat: int) -> None:
        self.fanout.tick(asyncio.get_running_loop().time())
        self.housekeeping()
