"""What a venue front-end remembers of each engine order that the engine has no field for, and which
orders each account placed, so every venue keeps it the same way.

A venue order carries details the engine does not model (Aster's position side, Backpack's quote
quantity, Lighter's order index and expiry): the venue's meta type `M`. A handler that submits an
order first sets `pending` to the request with its meta; the engine's OrderAccepted for that order
(same account, market and client id) then claims it. Orders placed straight on the engine (the
synthetic market, a test) claim nothing and the venue shows defaults. Both maps are bounded, so a
long-running local testnet does not grow without end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from xtb.sim.bounded import BoundedMap
from xtb.sim.engine_types import AccountId, ClientId, OrderView

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class PendingOrder(Generic[M]):
    """The order a handler is submitting right now: its OrderAccepted takes this meta."""

    account: AccountId
    market: str
    client_id: ClientId | None
    meta: M


class OrderLedger(Generic[M]):
    """Meta per engine order id and each account's orders, oldest first (the newest
    `history_limit` per account). A venue's state builds on it with its own meta type."""

    def __init__(self, *, history_limit: int, meta_limit: int = 200_000) -> None:
        self.history_limit = history_limit
        self.meta_limit = meta_limit
        self.pending: PendingOrder[M] | None = None
        self.clear_orders()

    def clear_orders(self) -> None:
        """Forget every order (an engine reset). A request being submitted stays pending: its
        OrderAccepted may be the first event after the reset."""
        self.meta: BoundedMap[int, M] = BoundedMap(self.meta_limit)
        self._logs: dict[AccountId, deque[int]] = {}

    def accepted(self, view: OrderView, *, logged: bool) -> M | None:
        """An OrderAccepted: the pending request's meta when this is its order (kept for the order
        and no longer pending), else None; `logged` adds the order to its account's history."""
        pending = self.pending
        meta = None
        if (
            pending is not None
            and pending.account == view.account_id
            and pending.market == view.market
            and pending.client_id == view.client_id
        ):
            meta = self.meta[view.order_id] = pending.meta
            self.pending = None
        if logged:
            log = self._logs.get(view.account_id)
            if log is None:
                log = self._logs[view.account_id] = deque(maxlen=self.history_limit)
            log.append(view.order_id)
        return meta

    def logged_orders(self, account: AccountId, *, newest_first: bool = False) -> Iterator[int]:
        """The engine ids of the account's logged orders."""
        log = self._logs.get(account, ())
        return reversed(log) if newest_first else iter(log)
