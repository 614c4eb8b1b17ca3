"""What the Aster front-end remembers beside the engine: the venue's ids, the request details the
engine has no field for, the depth update ids, listen keys and per-account settings.

Order and update ids are fed from engine events in engine order. After an engine reset (seen as the
event sequence starting over) order ids move to a new range and the update ids jump, so a client
holding old ids or an old book notices.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from xtb.model import OrderType, TimeInForce
from xtb.sim.engine_types import AccountId, OrderView
from xtb.sim.order_ledger import OrderLedger

ORDER_ID_BASE = 17_300_000_000  # order ids are ~11-digit JSON integers
EPOCH_SPAN = 100_000_000
UPDATE_ID_BASE = 8_000_000_000
TRADE_ID_BASE = 600_000_000
AGG_ID_BASE = 300_000_000


@dataclass(frozen=True, slots=True)
class OrderMeta:
    """What the client asked for that the engine keeps no field for, echoed in every answer."""

    order_type: str  # LIMIT / MARKET
    time_in_force: str  # GTC / IOC / FOK / GTX / HIDDEN / RPI
    reduce_only: bool = False
    position_side: str = "BOTH"
    working_type: str = "CONTRACT_PRICE"
    price_protect: bool = False

    @staticmethod
    def of(view: OrderView) -> OrderMeta:
        """The defaults for an order placed without the REST API (the synthetic market's)."""
        tif = {TimeInForce.POST_ONLY: "GTX", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}.get(
            view.time_in_force, "GTC"
        )
        return OrderMeta("LIMIT" if view.order_type is OrderType.LIMIT else "MARKET", tif, view.reduce_only)


@dataclass(frozen=True, slots=True)
class TapeTrade:
    ts: float
    trade_id: int
    price: Decimal
    size: Decimal
    buyer_is_maker: bool


@dataclass
class ListenKey:
    key: str
    account: AccountId
    expires: float  # wall seconds


@dataclass
class AccountSettings:
    """The account's venue settings the engine has no notion of; its leverage is the engine's
    initial margin fraction (`Engine.initial_margin_fraction`)."""

    margin_type: dict[str, str] = field(default_factory=dict)  # ISOLATED / CROSSED
    dual_side: bool = False
    multi_assets: bool = False
    stp_mode: str = "EXPIRE_TAKER"

    def margin_type_of(self, symbol: str) -> str:
        return self.margin_type.get(symbol, "CROSSED")


class VenueState(OrderLedger[OrderMeta]):
    def __init__(
        self, symbols: tuple[str, ...], *, history_limit: int, tape_size: int, listen_key_grace: float = 0.0
    ) -> None:
        super().__init__(history_limit=history_limit)
        self.symbols = symbols
        self.listen_key_grace = listen_key_grace
        self.tape_size = tape_size
        self.epoch = 0
        self.last_seq = 0
        self.update_id = UPDATE_ID_BASE  # one counter for the venue: a symbol's ids jump
        self.last_update = dict.fromkeys(symbols, UPDATE_ID_BASE)
        self.listen_keys: dict[str, ListenKey] = {}
        self.accounts: dict[AccountId, AccountSettings] = {}
        self.countdowns: dict[tuple[AccountId, str], object] = {}
        self._clear()

    def _clear(self) -> None:
        self.clear_orders()
        self.tapes: dict[str, deque[TapeTrade]] = {s: deque(maxlen=self.tape_size) for s in self.symbols}
        self.realized: dict[tuple[AccountId, str], Decimal] = {}

    def observe(self, seq: int) -> None:
        """Every engine event passes here first: a sequence that starts over means an engine reset."""
        if seq <= self.last_seq:
            self.epoch += 1
            self._clear()
            self.update_id += 1_000  # a gap: books held by clients are stale
            self.last_update = dict.fromkeys(self.symbols, self.update_id)
            self.listen_keys.clear()
            self.accounts.clear()
        self.last_seq = seq

    # -------------------------------------------------------------------------------- ids

    def order_id(self, engine_id: int) -> int:
        return ORDER_ID_BASE + self.epoch * EPOCH_SPAN + engine_id

    def engine_order_id(self, order_id: int) -> int | None:
        engine_id = order_id - ORDER_ID_BASE - self.epoch * EPOCH_SPAN
        return engine_id if 0 < engine_id < EPOCH_SPAN else None

    @staticmethod
    def trade_id(engine_trade_id: int) -> int:
        return TRADE_ID_BASE + engine_trade_id

    @staticmethod
    def agg_id(engine_trade_id: int) -> int:
        return AGG_ID_BASE + engine_trade_id

    def next_update_id(self, symbol: str) -> int:
        self.update_id += 1
        self.last_update[symbol] = self.update_id
        return self.update_id

    @staticmethod
    def new_client_order_id() -> str:
        """What the venue makes up when the client sends none: 22 characters."""
        return secrets.token_urlsafe(16)[:22].replace("-", "x").replace("_", "y")

    # ---------------------------------------------------------------------------- orders

    def order_meta(self, view: OrderView) -> OrderMeta:
        meta = self.meta.get(view.order_id)
        return meta if meta is not None else OrderMeta.of(view)

    def settings_of(self, account: AccountId) -> AccountSettings:
        settings = self.accounts.get(account)
        if settings is None:
            settings = self.accounts[account] = AccountSettings()
        return settings

    # ------------------------------------------------------------------------ listen keys

    def alive(self, entry: ListenKey, now: float) -> bool:
        """A key works until its expiry plus the grace the venue allows."""
        return now <= entry.expires + self.listen_key_grace

    def listen_key_of(self, account: AccountId, now: float) -> ListenKey | None:
        for entry in self.listen_keys.values():
            if entry.account == account and self.alive(entry, now):
                return entry
        return None

    def open_listen_key(self, account: AccountId, now: float, validity: float) -> ListenKey:
        """POST: the active key, extended; or a new one."""
        entry = self.listen_key_of(account, now)
        if entry is None:
            entry = ListenKey(secrets.token_hex(32), account, now + validity)
            self.listen_keys[entry.key] = entry
        entry.expires = now + validity
        return entry

    def keys_of(self, account: AccountId) -> list[str]:
        return [k for k, entry in self.listen_keys.items() if entry.account == account]
