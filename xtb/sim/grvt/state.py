"""What the GRVT front-end remembers beside the engine: each order as the venue shows it (its 128-bit
id, what was signed, its venue status), the fills and their trade ids, the public tape, and the
signed payloads already seen (replays).

Venue statuses are PENDING → OPEN → FILLED | CANCELLED, or PENDING → REJECTED / FILLED. Records are
fed from engine events in engine order, so queries agree with what the streams sent. An engine reset
(the event sequence starting over) clears everything.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xtb.model import Side
from xtb.sim.engine_types import AccountId, OrderView
from xtb.sim.grvt.eip712 import has_builder

ZERO = Decimal(0)
ACTIVE = frozenset({"PENDING", "OPEN"})
TERMINAL = frozenset({"FILLED", "REJECTED", "CANCELLED"})
TRADE_ID_BASE = 73_800_000


@dataclass
class OrderRecord:
    """One order as GRVT reports it. `signature` is the request's (v / nonce JSON ints)."""

    order_id: str
    account: AccountId
    sub_account_id: str
    instrument: str
    is_buy: bool
    size: Decimal
    limit_price: Decimal
    is_market: bool
    time_in_force: str
    post_only: bool
    reduce_only: bool
    client_order_id: str
    signature: dict[str, Any]
    create_ns: int
    builder: str = "0x00"
    builder_fee: Decimal = ZERO
    status: str = "PENDING"
    reject_reason: str = "UNSPECIFIED"
    traded: Decimal = ZERO
    avg_price: Decimal | None = None
    update_ns: int = 0
    engine_id: int | None = None
    rested: bool = False  # was OPEN on the book: it can no longer be REJECTED
    end_reason: str | None = None  # the reason the next cancel reports (signature expiry, COD, TTL)
    expiration_ns: int = 0
    fills: int = 0
    published: tuple[Any, ...] = ()  # (status, reason, traded, size) of the last stream update

    def __post_init__(self) -> None:
        self.update_ns = self.update_ns or self.create_ns

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def book_size(self) -> Decimal:
        return self.size - self.traded if self.status == "OPEN" or self.status == "PENDING" else ZERO

    @property
    def side(self) -> Side:
        return Side.BUY if self.is_buy else Side.SELL

    @property
    def has_builder(self) -> bool:
        return has_builder(self.builder)

    def follow(self, view: OrderView) -> None:
        """Take size and fills from the engine's view (size shrinks for a trimmed reduce-only)."""
        self.size = view.size if view.size else self.size
        self.traded = view.filled
        self.avg_price = view.avg_price


@dataclass
class TapeTrade:
    ts: float
    trade_id: str
    price: Decimal
    size: Decimal
    taker_buys: bool


@dataclass
class VenueState:
    instruments: tuple[str, ...]
    history_limit: int
    tape_size: int
    seed: int = 0
    records: dict[str, OrderRecord] = field(default_factory=dict)
    by_engine: dict[int, str] = field(default_factory=dict)
    by_client_id: dict[tuple[AccountId, str], str] = field(default_factory=dict)  # the latest order per cid
    logs: dict[AccountId, deque[str]] = field(default_factory=dict)
    fills: dict[AccountId, deque[dict[str, Any]]] = field(default_factory=dict)
    fees: dict[tuple[AccountId, str], Decimal] = field(default_factory=dict)
    trade_ids: dict[int, str] = field(default_factory=dict)
    foreign_fills: dict[int, int] = field(default_factory=dict)  # fills so far of takers without a record
    tapes: dict[str, deque[TapeTrade]] = field(default_factory=dict)
    seen_payloads: dict[bytes, int] = field(default_factory=dict)  # digest → signature expiration (ns)
    holding: OrderRecord | None = None  # the order the desk is submitting: its events wait for the result
    last_seq: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(f"grvt-order-ids:{self.seed}")
        self.clear()

    def clear(self) -> None:
        self.records.clear()
        self.by_engine.clear()
        self.by_client_id.clear()
        self.logs.clear()
        self.fills.clear()
        self.fees.clear()
        self.trade_ids.clear()
        self.foreign_fills.clear()
        self.seen_payloads.clear()
        self.tapes = {i: deque(maxlen=self.tape_size) for i in self.instruments}
        self.holding = None

    def observe(self, seq: int) -> None:
        """Every engine event passes here first: a sequence that starts over means the engine was reset."""
        if seq <= self.last_seq:
            self.clear()
        self.last_seq = seq

    # ---------------------------------------------------------------------------- orders

    def new_order_id(self) -> str:
        return f"0x{self._rng.getrandbits(128):032x}"

    def add(self, rec: OrderRecord) -> None:
        self.records[rec.order_id] = rec
        self.by_client_id[(rec.account, rec.client_order_id)] = rec.order_id
        log = self.logs.setdefault(rec.account, deque())
        log.append(rec.order_id)
        self._forget_old(log)

    def _forget_old(self, log: deque[str]) -> None:
        while len(log) > self.history_limit:
            rec = self.records.get(log[0])
            if rec is not None and rec.active:
                break  # live orders are never forgotten
            log.popleft()
            if rec is not None:
                self.records.pop(rec.order_id, None)
                if rec.engine_id is not None:
                    self.by_engine.pop(rec.engine_id, None)
                if self.by_client_id.get((rec.account, rec.client_order_id)) == rec.order_id:
                    del self.by_client_id[(rec.account, rec.client_order_id)]

    def link(self, rec: OrderRecord, engine_id: int) -> None:
        rec.engine_id = engine_id
        self.by_engine[engine_id] = rec.order_id

    def by_engine_id(self, engine_id: int) -> OrderRecord | None:
        order_id = self.by_engine.get(engine_id)
        return None if order_id is None else self.records.get(order_id)

    def by_cid(self, account: AccountId, client_order_id: str) -> OrderRecord | None:
        order_id = self.by_client_id.get((account, client_order_id))
        return None if order_id is None else self.records.get(order_id)

    def orders(self, account: AccountId, *, newest_first: bool = True) -> Iterator[OrderRecord]:
        log = self.logs.get(account, deque())
        for order_id in reversed(log) if newest_first else iter(log):
            rec = self.records.get(order_id)
            if rec is not None:
                yield rec

    # ----------------------------------------------------------------------------- fills

    def trade_id(self, engine_trade_id: int, taker: OrderRecord | None, taker_engine_id: int) -> str:
        """All fills of one taker execution share a prefix: "<execution>-<n>" (spec §4.5)."""
        tid = self.trade_ids.get(engine_trade_id)
        if tid is None:
            if taker is not None:
                taker.fills += 1
                n = taker.fills
            else:  # a taker of no GRVT account (a test's or the market's): its fills still count up
                n = self.foreign_fills[taker_engine_id] = self.foreign_fills.get(taker_engine_id, 0) + 1
            tid = self.trade_ids[engine_trade_id] = f"{TRADE_ID_BASE + taker_engine_id}-{n}"
            while len(self.trade_ids) > 10 * self.history_limit:
                del self.trade_ids[next(iter(self.trade_ids))]
            while len(self.foreign_fills) > 10 * self.history_limit:
                del self.foreign_fills[next(iter(self.foreign_fills))]
        return tid

    def add_fill(self, account: AccountId, fill: dict[str, Any], fee: Decimal) -> None:
        fills = self.fills.setdefault(account, deque(maxlen=self.history_limit))
        fills.append(fill)
        key = (account, fill["instrument"])
        self.fees[key] = self.fees.get(key, ZERO) + fee

    # ---------------------------------------------------------------------------- replays

    def seen(self, digest: bytes, now_ns: int) -> bool:
        """Was this exact signed payload accepted before (and has it not yet expired)?"""
        expiry = self.seen_payloads.get(digest)
        return expiry is not None and expiry > now_ns

    def remember(self, digest: bytes, expiration_ns: int, now_ns: int) -> None:
        if len(self.seen_payloads) > 4 * self.history_limit:
            for key, expiry in list(self.seen_payloads.items()):
                if expiry <= now_ns:
                    del self.seen_payloads[key]
        self.seen_payloads[digest] = expiration_ns
