"""What the GRVT simulator sends on its sockets (spec §5.4): each subscription's numbered frames,
snapshots on subscribing, engine changes as they happen (`v1.book.d` levels, trades, candles, private
feeds) and the frames sent on a clock (`.s` streams, `.d` deltas, book deltas every `rate` ms).

Apart from the protocol (`xtb.sim.grvt.streams`, what clients ask) because the desks publish here
while the protocol answers requests that reach the desks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xtb.model import Side
from xtb.sim.engine_types import BookChanged
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.lite import FEEDS, to_lite
from xtb.sim.grvt.parts import Parts
from xtb.sim.grvt.public import candles
from xtb.sim.grvt.state import TapeTrade
from xtb.sim.stream_hub import StreamConnection, StreamHub

CANDLE_SNAPSHOT = 5
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


class Fanout:
    """Frames to the subscribers of each stream, through the hub (where stream faults apply)."""

    def __init__(self, hub: StreamHub, parts: Parts) -> None:
        self.hub = hub
        self.engine = parts.engine
        self.markets = parts.markets
        self.state = parts.state
        self.accounts = parts.accounts
        self.settings = parts.settings
        self.clock = parts.clock
        self.figures = parts.figures

    def snapshot(self, sub: Sub) -> list[Any]:
        """The snapshot frames' feeds a fresh subscription starts with (§5.4)."""
        stream, instrument = sub.stream, sub.instrument
        if instrument is not None:
            if stream == "v1.book.d":
                return [self._book(instrument, FULL_BOOK)]
            if stream == "v1.book.s":
                return [self._book(instrument, sub.depth)]
            if stream in ("v1.mini.s", "v1.mini.d", "v1.ticker.s", "v1.ticker.d"):
                feed = self._ticker(stream, instrument)
                sub.last = dict(feed)
                return [feed]
            tape = self.state.tapes[instrument]
            if stream == "v1.trade":
                mark = self.figures.mark_price(instrument)
                return [pl.trade_json(t, instrument, mark) for t in list(tape)[-sub.limit :]]
            return list(reversed(candles(tape, instrument, sub.interval)[:CANDLE_SNAPSHOT]))
        account = None if sub.sub_account is None else self.accounts.by_sub_account(sub.sub_account)
        if account is None:
            return []
        if stream == "v1.position":
            at = self.clock.now_ns_str()
            positions = self.figures.open_positions(account, None)
            return [pl.position_json(f, at) for f in positions if _wanted(sub, f.view.market)]
        if stream == "v1.order" and self.settings.order_snapshot_on_subscribe:
            return [pl.order_json(r) for r in self.state.orders(account, newest_first=False)
                    if r.active and _wanted(sub, r.instrument)]  # fmt: skip
        return []

    def _book(self, instrument: str, depth: int) -> dict[str, Any]:
        book = self.engine.book(instrument, depth)
        return pl.book_json(instrument, book.bids, book.asks, self.clock.now_ns_str())

    def _ticker(self, stream: str, instrument: str) -> dict[str, Any]:
        if stream.startswith("v1.mini"):
            return pl.mini_json(self.figures.top(instrument))
        return self.figures.ticker(self.markets[instrument])

    # ------------------------------------------------------------------------- publishing

    def _subs(self, stream: str) -> Iterator[tuple[StreamConnection, Sub]]:
        for conn in self.hub.connections:
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
                self.hub.send(conn, sub.channel, sub.kind, sub.frame(pl.trade_json(tape, instrument, mark)))
        for conn, sub in self._subs("v1.candle"):
            if sub.instrument == instrument:
                latest = candles(self.state.tapes[instrument], instrument, sub.interval)[:1]
                if latest:
                    self.hub.send(conn, sub.channel, sub.kind, sub.frame(latest[0]))

    def publish_private(self, stream: str, sub_account: str, instrument: str | None, feed: Any) -> None:
        for conn, sub in self._subs(stream):
            if sub.sub_account == sub_account and (instrument is None or _wanted(sub, instrument)):
                self.hub.send(conn, sub.channel, sub.kind, sub.frame(feed))

    def publish_account(self, stream: str, main: str, sub_account: str, feed: Any) -> None:
        """A `v1.deposit` / `v1.withdrawal` / `v1.transfer` record to its main account's subscribers."""
        for conn, sub in self._subs(stream):
            if sub.primary.lower() == main and sub.sub_account in (None, sub_account):
                self.hub.send(conn, sub.channel, sub.kind, sub.frame(feed))

    # ---------------------------------------------------------------------- clocked streams

    def tick(self, now: float) -> None:
        """Send every clocked frame that is due."""
        for conn in self.hub.connections:
            for sub in list(subs_of(conn).values()):
                if sub.rate is None or now < sub.due:
                    continue
                sub.due = now + sub.rate / 1000
                frame = self._clocked(sub)
                if frame is not None:
                    self.hub.send(conn, sub.channel, sub.kind, frame)

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
            return sub.frame(pl.book_json(sub.instrument, bids, asks, self.clock.now_ns_str()))
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
