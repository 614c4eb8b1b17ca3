"""Engine invariants no request may break, checked on a running simulator after hostile traffic.

The same truths tests/sim/test_engine_invariants.py holds under random order streams, over every
account the engine has (the synthetic market's makers included): each book is uncrossed, has no
empty level and equals its resting orders' remainders; positions sum to zero per market; money is
conserved exactly; and each account's cash is its deposits plus realized PnL minus fees.
"""

from __future__ import annotations

from decimal import Decimal

from xtb.model import Side
from xtb.sim.engine import Engine


def check_engine(engine: Engine) -> None:
    accounts = engine.accounts()
    for spec in engine.markets():
        market = spec.symbol
        book = engine.book(market, depth=10_000)
        levels = [(Side.BUY.value, lv.price, lv.size, lv.orders) for lv in book.bids]
        levels += [(Side.SELL.value, lv.price, lv.size, lv.orders) for lv in book.asks]
        assert all(size > 0 and count > 0 for _, _, size, count in levels), f"{market}: an empty level"
        bids, asks = [lv.price for lv in book.bids], [lv.price for lv in book.asks]
        assert bids == sorted(bids, reverse=True) and asks == sorted(asks), f"{market}: levels out of order"
        assert not (bids and asks) or bids[0] < asks[0], f"{market}: crossed book {bids[0]} >= {asks[0]}"
        resting: dict[tuple[str, Decimal | None], list[Decimal]] = {}
        for order in engine.resting_orders(market):
            assert order.is_open and order.remaining > 0, f"{market}: order {order.order_id} rests closed"
            entry = resting.setdefault((order.side.value, order.price), [Decimal(0), Decimal(0)])
            entry[0] += order.remaining
            entry[1] += 1
        from_orders = sorted((side, price, size, int(n)) for (side, price), (size, n) in resting.items())
        assert sorted(levels) == from_orders, f"{market}: the book differs from its resting orders"
        assert sum(engine.position(a, market).size for a in accounts) == 0, f"{market}: positions do not net out"
    total_cash, total_cost, total_deposits = engine.fees_collected, Decimal(0), Decimal(0)
    for account in accounts:
        balance = engine.balance(account)
        assert balance.cash == balance.deposits + balance.realized_pnl - balance.fees_paid, f"{account!r}: cash"
        total_cash += balance.cash
        total_deposits += balance.deposits
        total_cost += sum((p.cost_basis for p in engine.positions(account)), Decimal(0))
    assert total_cash - total_cost == total_deposits, "money was created or destroyed"
