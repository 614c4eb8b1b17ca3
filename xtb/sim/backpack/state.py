"""What the Backpack front-end remembers beside the engine: the venue's ids and counters, the
request details the engine does not keep, and bounded per-account order logs.

All of it is fed from engine events in engine order, so it agrees with what the streams sent.
After an engine reset (seen as the event sequence starting over) the ids move to a new range and the
depth update ids skip one, so a client holding old ids or an old book notices.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from xtb.model import OrderType, TimeInForce
from xtb.sim import inbound
from xtb.sim.bounded import BoundedMap
from xtb.sim.engine_types import AccountId, OrderView
from xtb.sim.order_ledger import OrderLedger

ORDER_ID_BASE = 50_000_000_000  # order ids are ~11-digit numeric strings
EPOCH_SPAN = 1_000_000_000
UPDATE_ID_BASE = 4_330_000_000
POSITION_ID_BASE = 4_238_000_000
USER_ID_BASE = 1_813_000


@dataclass(frozen=True, slots=True)
class OrderMeta:
    """What the client asked for that the engine has no field for, echoed in every answer."""

    order_type: str  # "Limit" / "Market"
    time_in_force: str  # GTC / IOC / FOK
    post_only: bool
    reduce_only: bool | None  # None: not sent (REST echoes null)
    self_trade_prevention: str = "RejectTaker"
    quote_quantity: Decimal | None = None

    @staticmethod
    def of(view: OrderView) -> OrderMeta:
        """The defaults for an order placed without the REST API (the synthetic market's)."""
        tif = view.time_in_force
        return OrderMeta(
            "Limit" if view.order_type is OrderType.LIMIT else "Market",
            "GTC" if tif in (TimeInForce.GTC, TimeInForce.POST_ONLY) else tif.name,
            tif is TimeInForce.POST_ONLY,
            True if view.reduce_only else None,
        )


@dataclass(frozen=True, slots=True)
class TapeTrade:
    ts: float
    trade_id: int
    price: Decimal
    size: Decimal
    buyer_is_maker: bool


class VenueState(OrderLedger[OrderMeta]):
    def __init__(
        self, symbols: tuple[str, ...], *, history_limit: int, tape_size: int, id_limit: int = 200_000
    ) -> None:
        super().__init__(history_limit=history_limit, meta_limit=id_limit)
        self.symbols = symbols
        self.tape_size = tape_size
        self.id_limit = id_limit
        self.epoch = 0
        self.last_seq = 0
        self.update_ids = {s: UPDATE_ID_BASE for s in symbols}
        self.next_trade_id = dict.fromkeys(symbols, 0)
        self.next_position_id = POSITION_ID_BASE
        self._clear()

    def _clear(self) -> None:
        self.clear_orders()
        self.trade_ids: BoundedMap[int, int] = BoundedMap(self.id_limit)
        self.position_ids: dict[tuple[AccountId, str], int] = {}
        self.position_sizes: dict[tuple[AccountId, str], Decimal] = {}
        self.user_ids: dict[AccountId, int] = {}
        self.tapes: dict[str, deque[TapeTrade]] = {s: deque(maxlen=self.tape_size) for s in self.symbols}

    def observe(self, seq: int) -> None:
        """Every engine event passes here first: a sequence that starts over means the engine was reset."""
        if seq <= self.last_seq:
            self.epoch += 1
            self._clear()
            for symbol in self.update_ids:
                self.update_ids[symbol] += 1  # a gap: books held by clients are stale
        self.last_seq = seq

    # -------------------------------------------------------------------------------- ids

    def order_id(self, engine_id: int) -> str:
        return str(ORDER_ID_BASE + self.epoch * EPOCH_SPAN + engine_id)

    def engine_order_id(self, order_id: str) -> int | None:
        """The engine id behind a venue order id of this epoch (None: not one of ours)."""
        number = inbound.integer(order_id)  # a 5,000-digit id is simply not one of ours
        if number is None:
            return None
        engine_id = number - ORDER_ID_BASE - self.epoch * EPOCH_SPAN
        return engine_id if 0 < engine_id < EPOCH_SPAN else None

    def trade_id(self, symbol: str, engine_trade_id: int) -> int:
        """The per-symbol sequential trade id of an engine trade (assigned on first sight)."""
        tid = self.trade_ids.get(engine_trade_id)
        if tid is None:
            tid = self.next_trade_id[symbol] = self.next_trade_id[symbol] + 1
            self.trade_ids[engine_trade_id] = tid
        return tid

    def next_update_id(self, symbol: str) -> int:
        self.update_ids[symbol] += 1
        return self.update_ids[symbol]

    def user_id(self, account: AccountId) -> int:
        uid = self.user_ids.get(account)
        if uid is None:
            uid = self.user_ids[account] = USER_ID_BASE + len(self.user_ids) + 1
        return uid

    def position_id(self, account: AccountId, symbol: str) -> int:
        key = (account, symbol)
        pid = self.position_ids.get(key)
        if pid is None:
            self.next_position_id += 1
            pid = self.position_ids[key] = self.next_position_id
        return pid

    def position_moved(self, account: AccountId, symbol: str, size: Decimal) -> str:
        """positionOpened / positionAdjusted / positionClosed for a new size; a closed position's
        id is retired, so the next one gets a new id."""
        key = (account, symbol)
        before = self.position_sizes.get(key, Decimal(0))
        self.position_sizes[key] = size
        if not size:
            return "positionClosed"
        if not before or (before > 0) != (size > 0):
            if before:
                self.position_ids.pop(key, None)  # flipped through zero: a new position
            return "positionOpened"
        return "positionAdjusted"

    def position_closed(self, account: AccountId, symbol: str) -> None:
        self.position_ids.pop((account, symbol), None)

    # ---------------------------------------------------------------------------- orders

    def order_meta(self, view: OrderView) -> OrderMeta:
        meta = self.meta.get(view.order_id)
        return meta if meta is not None else OrderMeta.of(view)
