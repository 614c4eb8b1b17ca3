"""What the Hyperliquid front-end remembers beside the engine (spec §4.2.3, §6, §10.11, §10.14).

The venue's order ids (`oid`, large JSON integers) are the simulator's own, allocated before the
engine sees the order and handed to it as the engine's client id, so an engine reset (which starts
its ids over) never reuses one. Rejected orders get an oid too and stay queryable. `cloid` lookups
are case-insensitive and the newest order wins (duplicates are accepted). Each user keeps its
orders with their status history, its fills (newest last), its leverage per coin, the margin it
moved into isolated positions, the builder fees it approved, its address budget and its scheduled
cancel; agents' expiry is kept here for `extraAgents`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from xtb.model import ZERO
from xtb.sim.bounded import BoundedMap
from xtb.sim.engine_types import AccountId

OID_BASE = 62_100_000_001  # the spec's examples: ids are ~11-digit JSON integers
TID_BASE = 118_906_512_037_719


@dataclass(frozen=True)
class Trigger:
    """A trigger order's condition (§6.1): `tpsl` "tp" / "sl", `is_market` whether it becomes a
    market order when triggered."""

    is_market: bool
    trigger_px: Decimal
    tpsl: str

    @property
    def order_type(self) -> str:
        kind = "Take Profit" if self.tpsl == "tp" else "Stop"
        return f"{kind} {'Market' if self.is_market else 'Limit'}"


@dataclass
class VenueOrder:
    """One order as the venue reports it. `sz` is what remains (for a reduce-only order larger
    than the position, the position-capped size), `orig_sz` what was asked."""

    oid: int
    user: str
    coin: str
    asset: int
    is_buy: bool
    limit_px: Decimal
    orig_sz: Decimal
    sz: Decimal
    timestamp: int
    tif: str | None
    reduce_only: bool
    cloid: str | None
    trigger: Trigger | None = None
    status: str = "open"
    status_ts: int = 0
    history: list[tuple[str, int]] = field(default_factory=list)
    engine_id: int | None = None
    filled: Decimal = ZERO
    end_status: str | None = None  # the status a cancel in progress ends it with (scheduledCancel)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def order_type(self) -> str:
        return "Limit" if self.trigger is None else self.trigger.order_type

    def set_status(self, status: str, ts: int) -> None:
        self.status, self.status_ts = status, ts
        self.history.append((status, ts))


@dataclass(frozen=True)
class Leverage:
    is_cross: bool
    value: int


@dataclass
class Agent:
    address: str
    name: str
    valid_until: int


@dataclass
class UserBook:
    """One address's venue records."""

    address: str
    history_limit: int
    fills_limit: int
    orders: BoundedMap[int, VenueOrder] = field(init=False)
    by_cloid: dict[str, int] = field(default_factory=dict)
    fills: deque[dict[str, object]] = field(init=False)
    leverage: dict[str, Leverage] = field(default_factory=dict)
    positions: dict[str, Decimal] = field(default_factory=dict)  # szi per coin, from the fills
    cum_volume: Decimal = ZERO
    requests_used: int = 0
    last_trickle: float | None = None
    scheduled_cancel: int | None = None
    schedule_day: int = -1
    schedule_count: int = 0
    agents: dict[str, Agent] = field(default_factory=dict)  # by agent address
    # USDC moved into an isolated position after entry, per coin (gone when the position closes)
    isolated_extra: dict[str, Decimal] = field(default_factory=dict)
    builder_fees: dict[str, int] = field(default_factory=dict)  # builder → approved fee, tenths of a bp

    def __post_init__(self) -> None:
        self.orders = BoundedMap(self.history_limit)
        self.fills = deque(maxlen=self.fills_limit)

    def add(self, order: VenueOrder) -> None:
        self.orders[order.oid] = order
        if order.cloid is not None:
            self.by_cloid[order.cloid] = order.oid

    def by_oid_or_cloid(self, ref: int | str) -> VenueOrder | None:
        if isinstance(ref, str):
            oid = self.by_cloid.get(ref.lower())
            return None if oid is None else self.orders.get(oid)
        return self.orders.get(ref)

    def open_orders(self) -> list[VenueOrder]:
        return [o for o in self.orders.values() if o.is_open]

    def position(self, coin: str) -> Decimal:
        return self.positions.get(coin, ZERO)


class VenueState:
    """Ids, users and the engine-order → venue-order map. `observe` notices an engine reset."""

    def __init__(self, *, history_limit: int, fills_limit: int) -> None:
        self.history_limit = history_limit
        self.fills_limit = fills_limit
        self.next_oid = OID_BASE
        self.next_tid = TID_BASE
        self.last_seq = 0
        self.users: dict[str, UserBook] = {}
        self.by_engine: BoundedMap[int, VenueOrder] = BoundedMap(200_000)
        # account → the order handed to the engine right now (its acceptance names no oid: the
        # engine knows the order by the cloid, or by nothing)
        self.submitting: dict[AccountId, VenueOrder] = {}
        self.used_agents: set[str] = set()

    def observe(self, seq: int) -> bool:
        """Every engine event passes here; True when the sequence started over (an engine reset),
        after which every venue record is forgotten but the id counters run on."""
        reset = seq <= self.last_seq
        if reset:
            self.clear()
        self.last_seq = seq
        return reset

    def clear(self) -> None:
        self.users.clear()
        self.by_engine.clear()
        self.submitting.clear()
        self.used_agents.clear()
        self.last_seq = 0

    def new_oid(self) -> int:
        oid = self.next_oid
        self.next_oid += 1
        return oid

    def new_tid(self) -> int:
        tid = self.next_tid
        self.next_tid += 1
        return tid

    def user(self, address: str) -> UserBook:
        book = self.users.get(address)
        if book is None:
            book = self.users[address] = UserBook(address, self.history_limit, self.fills_limit)
        return book

    def known(self, address: str) -> UserBook | None:
        return self.users.get(address)
