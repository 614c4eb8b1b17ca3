"""GRVT's WebSocket protocols (spec §5): JSON-RPC 2.0 on `/ws/full` and `/ws/lite`, the legacy frame
format on `/ws`, on both the market-data and the trades host.

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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xtb.model import Side
from xtb.sim import inbound
from xtb.sim.engine_types import BookChanged
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.auth import Ctx
from xtb.sim.grvt.errors import GrvtError
from xtb.sim.grvt.lite import FEEDS, ROUTES, to_full, to_lite
from xtb.sim.grvt.public import CANDLE_TYPES, INTERVALS, candles
from xtb.sim.grvt.state import TapeTrade
from xtb.sim.periodic import Periodic
from xtb.sim.stream_hub import StreamConnection
from xtb.sim.venue_streams import VenueStreams

if TYPE_CHECKING:
    from xtb.sim.grvt.frontend import GrvtFrontEnd

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
CANDLE_SNAPSHOT = 5
TICK_S = 0.05
FULL_BOOK = 1_000_000


@dataclass
class Sub:
    stream: str
    selector: str
    primary: str
    lite: bool
    instrument: str | None = None
    sub_account: str | None = None
    instruments: frozenset[str] | None = None  # a private selector's filter (None: all)
    rate: int | None = None  # ms, for streams sent on a clock
    depth: int = 10
    limit: int = 50
    interval: int = 60
    seq: int = 0
    due: float = 0.0
    pending: dict[tuple[Side, Decimal], Any] = field(default_factory=dict)  # book.d levels changed since the last frame
    last: dict[str, Any] = field(default_factory=dict)  # mini.d / ticker.d fields last sent

    @property
    def channel(self) -> str:
        return f"{self.stream}:{self.selector}"

    @property
    def kind(self) -> str:
        return self.stream.removeprefix("v1.")

    def frame(self, feed: Any, *, snapshot: bool = False) -> dict[str, Any]:
        if snapshot:
            seq = prev = "0"
        else:
            self.seq += 1
            seq, prev = str(self.seq), str(self.seq - 1)
        frame = {"stream": self.stream, "selector": self.selector, "sequence_number": seq, "feed": feed,
                 "prev_sequence_number": prev}  # fmt: skip
        return to_lite(frame, FEEDS[self.stream]) if self.lite else frame


def subs_of(conn: StreamConnection) -> dict[str, Sub]:
    return conn.state.setdefault("subs", {})


class GrvtStreams(VenueStreams):
    def __init__(self, fe: GrvtFrontEnd) -> None:
        self.fe = fe
        self.periodic = Periodic("grvt-sim-streams", TICK_S, self._beat)

    # -------------------------------------------------------------------------- sockets

    def on_open(self, conn: StreamConnection) -> None:
        path = conn.path.rstrip("/")
        conn.state["proto"] = "legacy" if path == "/ws" else "lite" if path.endswith("/lite") else "full"
        conn.state["site"] = conn.site
        conn.state["main"] = conn.account

    def _reply(self, conn: StreamConnection, message: Mapping[str, Any]) -> None:
        self.fe.send(conn, "rpc", "reply", dict(message))

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
                reply_method = method if subscribing else self.fe.settings.unsubscribe_reply_method
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
        entry = self.fe.rpc_routes.get(route)
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
            self.fe.send(conn, sub.channel, sub.kind, frame)

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
            snapshots = [(sub, sub.frame(feed, snapshot=True)) for feed in self._snapshot(sub)]
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
        account = self.fe.accounts.by_sub_account(sub.sub_account)
        if account is None or self.fe.accounts.main_of(account) != main:
            raise GrvtError(1001)
        if len(parts) == 2:
            if parts[1] not in self.fe.market_defs:
                raise GrvtError(3000)
            sub.instruments = frozenset({parts[1]})
        elif len(parts) == 4:
            body = {k: [v] for k, v in zip(("kind", "base", "quote"), parts[1:], strict=True) if v}
            sub.instruments = frozenset(self.fe.desk.instruments(body))
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
            if parts[1] not in self.fe.accounts.subs_of(main):
                raise GrvtError(1001)
            sub.sub_account = parts[1]
        return sub

    def _parse_public(self, stream: str, selector: str, lite: bool) -> Sub:
        primary, sep, secondary = selector.partition("@")
        if not sep or not primary or not secondary:
            raise GrvtError(1101)
        if primary not in self.fe.market_defs:
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

    def _snapshot(self, sub: Sub) -> list[Any]:
        """The snapshot frames' feeds a fresh subscription starts with (§5.4)."""
        fe, stream, instrument = self.fe, sub.stream, sub.instrument
        if instrument is not None:
            if stream == "v1.book.d":
                return [self._book(instrument, FULL_BOOK)]
            if stream == "v1.book.s":
                return [self._book(instrument, sub.depth)]
            if stream in ("v1.mini.s", "v1.mini.d", "v1.ticker.s", "v1.ticker.d"):
                feed = self._ticker(stream, instrument)
                sub.last = dict(feed)
                return [feed]
            tape = fe.state.tapes[instrument]
            if stream == "v1.trade":
                mark = fe.mark_price(instrument)
                return [pl.trade_json(t, instrument, mark) for t in list(tape)[-sub.limit :]]
            return list(reversed(candles(tape, instrument, sub.interval)[:CANDLE_SNAPSHOT]))
        account = None if sub.sub_account is None else fe.accounts.by_sub_account(sub.sub_account)
        if account is None:
            return []
        if stream == "v1.position":
            at = fe.now_ns_str()
            return [pl.position_json(f, at) for f in fe.open_positions(account, None) if _wanted(sub, f.view.market)]
        if stream == "v1.order" and fe.settings.order_snapshot_on_subscribe:
            return [pl.order_json(r) for r in fe.state.orders(account, newest_first=False)
                    if r.active and _wanted(sub, r.instrument)]  # fmt: skip
        return []

    def _book(self, instrument: str, depth: int) -> dict[str, Any]:
        book = self.fe.engine.book(instrument, depth)
        return pl.book_json(instrument, book.bids, book.asks, self.fe.now_ns_str())

    def _ticker(self, stream: str, instrument: str) -> dict[str, Any]:
        if stream.startswith("v1.mini"):
            return pl.mini_json(self.fe.top(instrument))
        return self.fe.ticker(self.fe.market_defs[instrument])

    # ------------------------------------------------------------------------- publishing

    def _subs(self, stream: str) -> Iterator[tuple[StreamConnection, Sub]]:
        for conn in self.fe.hub.connections:
            for sub in list(subs_of(conn).values()):
                if sub.stream == stream:
                    yield conn, sub

    def book_changed(self, event: BookChanged) -> None:
        for _, sub in self._subs("v1.book.d"):
            if sub.instrument == event.market:
                for level in event.levels:
                    sub.pending[(level.side, level.price)] = level

    def trade(self, instrument: str, tape: TapeTrade, mark: Decimal | None) -> None:
        for conn, sub in self._subs("v1.trade"):
            if sub.instrument == instrument:
                self.fe.send(conn, sub.channel, sub.kind, sub.frame(pl.trade_json(tape, instrument, mark)))
        for conn, sub in self._subs("v1.candle"):
            if sub.instrument == instrument:
                latest = candles(self.fe.state.tapes[instrument], instrument, sub.interval)[:1]
                if latest:
                    self.fe.send(conn, sub.channel, sub.kind, sub.frame(latest[0]))

    def publish_private(self, stream: str, sub_account: str, instrument: str | None, feed: Any) -> None:
        for conn, sub in self._subs(stream):
            if sub.sub_account == sub_account and (instrument is None or _wanted(sub, instrument)):
                self.fe.send(conn, sub.channel, sub.kind, sub.frame(feed))

    def publish_account(self, stream: str, main: str, sub_account: str, feed: Any) -> None:
        """A `v1.deposit` / `v1.withdrawal` / `v1.transfer` record to its main account's subscribers."""
        for conn, sub in self._subs(stream):
            if sub.primary.lower() == main and sub.sub_account in (None, sub_account):
                self.fe.send(conn, sub.channel, sub.kind, sub.frame(feed))

    # ---------------------------------------------------------------------- clocked streams

    async def _beat(self, beat: int) -> None:
        self.tick(asyncio.get_running_loop().time())
        self.fe.housekeeping()

    def tick(self, now: float) -> None:
        """Send every clocked frame that is due."""
        for conn in self.fe.hub.connections:
            for sub in list(subs_of(conn).values()):
                if sub.rate is None or now < sub.due:
                    continue
                sub.due = now + sub.rate / 1000
                frame = self._clocked(sub)
                if frame is not None:
                    self.fe.send(conn, sub.channel, sub.kind, frame)

    def _clocked(self, sub: Sub) -> dict[str, Any] | None:
        assert sub.instrument is not None
        stream = sub.stream
        if stream == "v1.book.s":
            return sub.frame(self._book(sub.instrument, sub.depth), snapshot=True)
        if stream == "v1.book.d":
            if not sub.pending:
                return None
            levels = list(sub.pending.values())
            sub.pending = {}
            bids = sorted((lv for lv in levels if lv.side is Side.BUY), key=lambda lv: lv.price, reverse=True)
            asks = sorted((lv for lv in levels if lv.side is Side.SELL), key=lambda lv: lv.price)
            return sub.frame(pl.book_json(sub.instrument, bids, asks, self.fe.now_ns_str()))
        feed = self._ticker(stream, sub.instrument)
        if stream.endswith(".s"):
            return sub.frame(feed, snapshot=True)
        changed = {k: v for k, v in feed.items() if k not in ("event_time", "instrument") and sub.last.get(k) != v}
        sub.last = feed
        if not changed:
            return None
        return sub.frame({"event_time": feed["event_time"], "instrument": sub.instrument, **changed})


def _wanted(sub: Sub, instrument: str) -> bool:
    return sub.instruments is None or instrument in sub.instruments
