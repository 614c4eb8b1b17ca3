"""What the Lighter front-end remembers beside the engine: venue ids (order_index in [2^48, 2^60),
trade ids, account indexes for engine accounts that are not Lighter accounts), what each order was
signed with, closed orders and fills per account, order book nonces, accepted transactions, and
per-account settings (margin mode, scheduled cancel-all, integrator approvals); the leverage an
account chose lives in the engine, which margins orders by it.

Order metadata is attached on the engine's OrderAccepted through `pending`, the request being
submitted at that moment. After an engine reset (the event sequence starting over) ids move to a
new range, so clients holding old ids notice.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, TypeVar

from xtb.sim.bounded import BoundedMap
from xtb.sim.engine_types import AccountId, OrderView
from xtb.sim.order_ledger import OrderLedger

K = TypeVar("K")
V = TypeVar("V")

ORDER_INDEX_BASE = 2**48
EPOCH_SPAN = 2**40
SYNTHETIC_ACCOUNT_BASE = 1000  # engine accounts with string ids (the synthetic market) show as 1001, ...
BOOK_NONCE_BASE = 9_182_389_998
TRADE_ID_BASE = 1_000_000_000


@dataclass
class OrderMeta:
    """What the order was signed with that the engine has no field for."""

    order_index: int
    market_id: int
    type_name: str = "limit"  # limit / market
    tif_name: str = "good-till-time"  # good-till-time / immediate-or-cancel / post-only
    order_expiry: int = 0  # ms
    nonce: int = 0
    tx_hash: str = ""
    block_height: int = 0
    status_override: str | None = None  # e.g. canceled-expired; in-progress before the engine has it
    reduce_only_all: bool = False  # BaseAmount 0 reduce-only: close the whole position


@dataclass
class TxRecord:
    """An accepted transaction, for GET /api/v1/tx and account_tx."""

    tx_hash: str
    tx_type: int
    info: str
    account: int
    key_index: int
    nonce: int
    expired_at: int
    block_height: int
    queued_ms: int
    event_info: dict[str, Any] = field(default_factory=dict)
    status: int = 2  # 2 executed


class VenueState(OrderLedger[OrderMeta]):
    def __init__(self, market_ids: tuple[int, ...], *, history_limit: int, tape_size: int, tx_log_size: int) -> None:
        super().__init__(history_limit=history_limit)
        self.market_ids = market_ids
        self.tape_size = tape_size
        self.tx_log_size = tx_log_size
        self.epoch = 0
        self.last_seq = 0
        self.height = 1_000_000
        self.book_nonce = dict.fromkeys(market_ids, BOOK_NONCE_BASE)
        self.book_offset = dict.fromkeys(market_ids, 1_558_300)
        self._clear()

    def _clear(self) -> None:
        self.clear_orders()
        self.next_order_index = 0
        self.by_order_index: BoundedMap[int, int] = BoundedMap(200_000)  # order_index → engine id
        self.trade_ids: BoundedMap[int, int] = BoundedMap(200_000)
        self.next_trade_id = TRADE_ID_BASE
        self.deferred: int | None = None  # the engine id whose frames wait until its transaction ends
        self.trades: dict[AccountId, deque[dict[str, Any]]] = {}
        self.tape: dict[int, deque[dict[str, Any]]] = {m: deque(maxlen=self.tape_size) for m in self.market_ids}
        self.txs: BoundedMap[str, TxRecord] = BoundedMap(self.tx_log_size)
        self.account_txs: dict[int, deque[str]] = {}
        self.account_indexes: dict[AccountId, int] = {}
        self.margin_modes: dict[tuple[int, int], int] = {}  # (account, market) → 0 cross / 1 isolated
        self.integrators: dict[int, dict[int, dict[str, int]]] = {}  # account → integrator → limits
        self.cancel_all_at: dict[int, int] = {}  # account → scheduled ms

    def observe(self, seq: int) -> None:
        """Every engine event passes here first: a sequence that starts over means a reset."""
        if seq <= self.last_seq:
            self.epoch += 1
            self._clear()
            for market in self.book_nonce:
                self.book_nonce[market] += 1000  # a gap: books held by clients are stale
        self.last_seq = seq

    # ----------------------------------------------------------------------------------- ids

    def account_index(self, account: AccountId) -> int:
        """The Lighter account index of an engine account (ints are their own index)."""
        if isinstance(account, int):
            return account
        index = self.account_indexes.get(account)
        if index is None:
            index = self.account_indexes[account] = SYNTHETIC_ACCOUNT_BASE + len(self.account_indexes) + 1
        return index

    def allocate_order_index(self) -> int:
        self.next_order_index += 1
        return ORDER_INDEX_BASE + self.epoch * EPOCH_SPAN + self.next_order_index

    def engine_id(self, order_index: int) -> int | None:
        return self.by_order_index.get(order_index)

    def trade_id(self, engine_trade_id: int) -> int:
        tid = self.trade_ids.get(engine_trade_id)
        if tid is None:
            self.next_trade_id += 1
            tid = self.trade_ids[engine_trade_id] = self.next_trade_id
        return tid

    def next_height(self) -> int:
        self.height += 1
        return self.height

    # -------------------------------------------------------------------------------- orders

    def attach(self, view: OrderView, market_id: int) -> OrderMeta:
        """An OrderAccepted: take the pending request's metadata (or make defaults for orders that
        did not come through a transaction, like the synthetic market's) and log the order."""
        meta = self.accepted(view, logged=True)
        if meta is None:
            meta = self.meta[view.order_id] = OrderMeta(self.allocate_order_index(), market_id)
        self.by_order_index[meta.order_index] = view.order_id
        return meta

    def order_meta(self, engine_id: int, market_id: int) -> OrderMeta:
        meta = self.meta.get(engine_id)
        if meta is None:  # forgotten (bounded); give it a stable id anyway
            meta = self.meta[engine_id] = OrderMeta(self.allocate_order_index(), market_id)
            self.by_order_index[meta.order_index] = engine_id
        return meta

    # -------------------------------------------------------------------------------- trades

    def record_trade(self, market_id: int, trade: dict[str, Any], accounts: tuple[AccountId, ...]) -> None:
        self.tape[market_id].append(trade)
        for account in dict.fromkeys(accounts):
            log = self.trades.get(account)
            if log is None:
                log = self.trades[account] = deque(maxlen=self.history_limit)
            log.append(trade)

    # ------------------------------------------------------------------------------------ txs

    def record_tx(self, record: TxRecord) -> None:
        self.txs[record.tx_hash] = record
        log = self.account_txs.get(record.account)
        if log is None:
            log = self.account_txs[record.account] = deque(maxlen=self.history_limit)
        log.append(record.tx_hash)

    def next_book_nonce(self, market_id: int, levels: int) -> tuple[int, int, int]:
        """(offset, begin_nonce, nonce) of the next book update: begin_nonce is the previous nonce."""
        begin = self.book_nonce[market_id]
        self.book_nonce[market_id] = begin + max(1, levels)
        self.book_offset[market_id] += 1
        return self.book_offset[market_id], begin, self.book_nonce[market_id]
