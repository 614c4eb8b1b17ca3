"""The order bookkeeping every venue front-end builds on: a submitted request's meta reaches its
order through OrderAccepted, orders placed straight on the engine get none, histories are bounded."""

from __future__ import annotations

from decimal import Decimal as D

from xtb.clock import ManualClock
from xtb.model import MarketInfo, Side
from xtb.sim.engine import Engine, MarketSpec, OrderAccepted, VenuePolicy
from xtb.sim.engine_types import EngineEvent, OrderView
from xtb.sim.order_ledger import OrderLedger, PendingOrder

SYMBOL = "ETH"


def engine_and_ledger(history_limit: int = 10) -> tuple[Engine, OrderLedger[str], list[str | None]]:
    """An engine whose OrderAccepted events feed a ledger of str metas, as a venue's streams do;
    the third value lists what each acceptance claimed."""
    engine = Engine(ManualClock())
    engine.add_market(MarketSpec(MarketInfo(SYMBOL, D("0.01"), D("0.1"), D("0.1"), D("0")), VenuePolicy()))
    for account in ("alice", "bob"):
        engine.create_account(account, D("10000"))
    ledger: OrderLedger[str] = OrderLedger(history_limit=history_limit)
    claimed: list[str | None] = []

    def listener(event: EngineEvent) -> None:
        if isinstance(event, OrderAccepted):
            claimed.append(ledger.accepted(event.order, logged=event.order.account_id == "alice"))

    engine.subscribe(listener)
    return engine, ledger, claimed


def bid(engine: Engine, account: str, price: str, client_id: str | None = None) -> OrderView:
    return engine.submit(account, SYMBOL, Side.BUY, D("1"), price=D(price), client_id=client_id)


def test_the_pending_request_meta_goes_to_its_own_order_only() -> None:
    engine, ledger, claimed = engine_and_ledger()
    ledger.pending = PendingOrder("alice", SYMBOL, "c-1", "post-only, hedge side")
    other = bid(engine, "alice", "100", client_id="c-2")  # same account and market, another client id
    mine = bid(engine, "alice", "101", client_id="c-1")
    assert claimed == [None, "post-only, hedge side"]
    assert ledger.pending is None
    assert ledger.meta.get(mine.order_id) == "post-only, hedge side" and other.order_id not in ledger.meta


def test_histories_are_per_account_bounded_and_readable_both_ways() -> None:
    engine, ledger, _ = engine_and_ledger(history_limit=2)
    ids = [bid(engine, "alice", price).order_id for price in ("100", "101", "102")]
    bid(engine, "bob", "99")  # not logged
    assert list(ledger.logged_orders("alice")) == ids[1:]
    assert list(ledger.logged_orders("alice", newest_first=True)) == ids[:0:-1]
    assert list(ledger.logged_orders("bob")) == []


def test_an_engine_reset_forgets_orders_but_not_the_request_in_flight() -> None:
    engine, ledger, claimed = engine_and_ledger()
    ledger.pending = PendingOrder("alice", SYMBOL, "c-9", "meta")
    bid(engine, "alice", "100")
    ledger.clear_orders()
    assert list(ledger.logged_orders("alice")) == [] and not ledger.meta
    assert ledger.pending is not None
    view = bid(engine, "alice", "100", client_id="c-9")
    assert claimed[-1] == "meta" and ledger.meta.get(view.order_id) == "meta"
