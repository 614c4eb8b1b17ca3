"""Engine invariants under seeded random order streams.

Each seed draws a venue policy (reduce-only, post-only, self-trade and FOK outcomes, fees with
rebates) and plays a stream of actions on two markets with different grids: limit orders of every
time in force, market orders with and without a protection price, reduce-only flags, reused client
ids, cancels by id / client id / all, deposits and withdrawals, and deliberately bad input. A
listener replays every event into an independent model. After every action:

- per market, the positions of all accounts sum to zero, and equal the model replayed from trades;
- money is conserved exactly: Σ cash + fees collected − Σ open cost basis == Σ deposits, and each
  account's cash == deposits + realized PnL − fees paid;
- no order fills beyond its size, and each order's filled size equals the sum of its trades;
- the book is never crossed, has no empty level, and its levels equal the resting orders' remainders;
- a reduce-only order never increases |position| nor flips it; a post-only order never takes;
- IOC, FOK and market orders never rest; FOK fills in full or not at all;
- a rejected submit changes nothing but the event sequence, which stays gap-free;
- each account's initial margin (the engine's running figures) equals the margin recomputed here
  from its positions, the book's mid and its resting orders, so the figures the margin check keeps
  up to date never drift; amends (a venue's modify) move orders under that check too.
"""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal as D

import pytest

from xtb.clock import ManualClock
from xtb.model import MarketInfo, OrderType, Side, TimeInForce
from xtb.sim.engine import (
    Engine,
    EngineEvent,
    MarketSpec,
    OrderAccepted,
    OrderRejected,
    OrderStatus,
    OrderView,
    Reason,
    SimError,
    Trade,
    VenuePolicy,
)

SEEDS = 200
ACTIONS = 300
ACCOUNTS = ("mm", "a", "b", "c")
MARKETS = {
    "ETH": (MarketInfo("ETH", D("0.01"), D("0.1"), D("0.1"), D("5")), D("100.00")),
    "BTC": (MarketInfo("BTC", D("0.5"), D("0.001"), D("0.002")), D("50000.0")),
}
CLIENT_IDS = (1, 2, 3, "x", "y")
TIFS = (TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.POST_ONLY)


def random_policy(rng: random.Random) -> VenuePolicy:
    return VenuePolicy(
        reduce_only_no_position=rng.choice(["reject", "cancel"]),
        reduce_only_oversize=rng.choice(["clamp", "reject", "cancel"]),
        post_only_cross=rng.choice(["reject", "cancel"]),
        self_trade=rng.choice(["reject_taker", "cancel_maker", "cancel_both", "allow"]),
        fok_unfillable=rng.choice(["reject", "cancel"]),
        maker_fee_rate=rng.choice([D(0), D("0.0002"), D("-0.0001")]),
        taker_fee_rate=rng.choice([D(0), D("0.0005"), D("0.00075")]),
        reduce_only_min_notional=rng.random() < 0.5,
    )


class Model:
    """What the events say happened, kept independently of the engine's own accounting."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.positions: dict[tuple[str, str], D] = defaultdict(D)
        self.filled: dict[int, D] = defaultdict(D)
        self.orders: dict[int, OrderView] = {}
        self.touched: list[int] = []
        self.last_seq = engine.last_seq
        engine.subscribe(self.on_event)

    def on_event(self, event: EngineEvent) -> None:
        assert event.seq == self.last_seq + 1, "event sequence has a gap"
        self.last_seq = event.seq
        if isinstance(event, OrderAccepted):
            self.orders[event.order.order_id] = event.order
        order = getattr(event, "order", None)
        if isinstance(order, OrderView) and not isinstance(event, OrderRejected):
            self.touched.append(order.order_id)
        if isinstance(event, Trade):
            self.on_trade(event)

    def on_trade(self, trade: Trade) -> None:
        taker, maker = trade.taker_order, trade.maker_order
        assert taker.time_in_force is not TimeInForce.POST_ONLY, "a post-only order took liquidity"
        assert trade.size > 0 and trade.price == maker.price
        market = trade.market
        before = {o.account_id: self.positions[(o.account_id, market)] for o in (taker, maker)}
        for fill in (trade.taker, trade.maker):
            self.positions[(fill.account_id, market)] += fill.size if fill.side is Side.BUY else -fill.size
            self.filled[fill.order_id] += fill.size
        for order in (taker, maker):
            assert order.filled <= order.size, f"order {order.order_id} filled beyond its size"
            if order.reduce_only:
                was, now = before[order.account_id], self.positions[(order.account_id, market)]
                assert abs(now) <= abs(was) and was * now >= 0, f"reduce-only order {order.order_id} grew {was}->{now}"
        self.touched += [taker.order_id, maker.order_id]


def check(engine: Engine, model: Model, market: str) -> None:
    """Every invariant in the module docstring, on the engine's truth after one action."""
    total_cash = engine.fees_collected
    total_cost = D(0)
    total_deposits = D(0)
    for name in ACCOUNTS:
        bal = engine.balance(name)
        assert bal.cash == bal.deposits + bal.realized_pnl - bal.fees_paid
        realized = D(0)
        for pos in engine.positions(name):
            assert pos.size == model.positions[(name, pos.market)], f"{name} {pos.market}"
            total_cost += pos.cost_basis
            realized += pos.realized_pnl
        assert realized == bal.realized_pnl
        total_cash += bal.cash
        total_deposits += bal.deposits
    assert total_cash - total_cost == total_deposits, "money was created or destroyed"
    assert sum(engine.position(name, market).size for name in ACCOUNTS) == 0
    check_book(engine, market)
    for name in ACCOUNTS:
        assert engine.margin(name).initial == initial_margin(engine, name), f"{name}: initial margin drifted"
    for order_id in dict.fromkeys(model.touched):
        view = engine.order(order_id)
        assert view is not None
        assert view.filled == model.filled[order_id] and view.filled <= view.size
        assert view.is_open == (view.remaining > 0 and view.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED))
    model.touched.clear()


def check_book(engine: Engine, market: str) -> None:
    book = engine.book(market, depth=10_000)
    bids = [(lv.price, lv.size, lv.orders) for lv in book.bids]
    asks = [(lv.price, lv.size, lv.orders) for lv in book.asks]
    assert all(size > 0 and count > 0 for _, size, count in bids + asks), "empty level left in the book"
    assert [p for p, _, _ in bids] == sorted((p for p, _, _ in bids), reverse=True)
    assert [p for p, _, _ in asks] == sorted(p for p, _, _ in asks)
    if bids and asks:
        assert bids[0][0] < asks[0][0], f"crossed book {bids[0][0]} >= {asks[0][0]}"
    resting = engine.resting_orders(market)
    sums: dict[tuple[Side, D], list[D | int]] = {}
    for order in resting:
        assert order.is_open and order.remaining > 0
        assert order.order_type is OrderType.LIMIT and order.time_in_force in (TimeInForce.GTC, TimeInForce.POST_ONLY)
        entry = sums.setdefault((order.side, order.price), [D(0), 0])  # type: ignore[arg-type]
        entry[0] += order.remaining
        entry[1] += 1
    expected = [(Side.BUY, p, s, n) for p, s, n in bids] + [(Side.SELL, p, s, n) for p, s, n in asks]
    assert sorted(expected, key=repr) == sorted(((k[0], k[1], v[0], v[1]) for k, v in sums.items()), key=repr)
    for name in ACCOUNTS:
        mine = [o.order_id for o in resting if o.account_id == name]
        assert sorted(mine) == [o.order_id for o in engine.open_orders(name, market)]


def random_submit(engine: Engine, rng: random.Random, mids: dict[str, D]) -> tuple[str, OrderView]:
    market = rng.choice(list(MARKETS))
    info, _ = MARKETS[market]
    name = rng.choice(ACCOUNTS)
    side = rng.choice([Side.BUY, Side.SELL])
    size = info.step_size * rng.randint(1, 12)
    price: D | None = mids[market] + info.tick_size * rng.randint(-6, 6)
    kwargs: dict[str, object] = {
        "reduce_only": rng.random() < 0.2,
        "client_id": rng.choice(CLIENT_IDS) if rng.random() < 0.3 else None,
    }
    roll = rng.random()
    if roll < 0.15:
        kwargs["order_type"] = OrderType.MARKET
        kwargs["time_in_force"] = rng.choice([TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK])
        if rng.random() < 0.5:
            price = None
    else:
        kwargs["time_in_force"] = rng.choice(TIFS)
    if roll > 0.95:  # bad input the engine must refuse
        bad = rng.randint(0, 3)
        if bad == 0 and price is not None:
            price += info.tick_size / 2
        elif bad == 1:
            size += info.step_size / 2
        elif bad == 2:
            size = D(0)
        else:
            market = "NOPE"
    return market, engine.submit(name, market, side, size, price=price, **kwargs)  # type: ignore[arg-type]


def snapshot(engine: Engine) -> tuple[object, ...]:
    books = tuple(engine.book(m, depth=10_000) for m in MARKETS)
    return books, tuple(engine.balance(n) for n in ACCOUNTS), engine.fees_collected


def play(seed: int) -> None:
    rng = random.Random(seed)
    engine = Engine(ManualClock(), seed=seed)
    policy = random_policy(rng)
    for info, _ in MARKETS.values():
        imf = rng.choice([D(0), D("0.01"), D("0.2")])  # no margin, 100×, 5×
        engine.add_market(MarketSpec(info, policy, initial_margin_fraction=imf, maintenance_margin_fraction=imf / 2))
    for name in ACCOUNTS:
        engine.create_account(name, D(rng.randint(0, 10**6)) / 100)
    model = Model(engine)
    mids = {m: mid for m, (_, mid) in MARKETS.items()}
    for _ in range(ACTIONS):
        roll = rng.random()
        market = rng.choice(list(MARKETS))
        if roll < 0.72:
            before = snapshot(engine)
            seq = engine.last_seq
            market, view = random_submit(engine, rng, mids)
            if view.status is OrderStatus.REJECTED:
                assert snapshot(engine) == before and engine.last_seq == seq + 1
                market = "ETH"
            else:
                check_submitted(view)
        elif roll < 0.80:
            amend_one(engine, rng, market)
        elif roll < 0.86:
            cancel_one(engine, rng, market)
        elif roll < 0.92:
            name = rng.choice(ACCOUNTS)
            scope = rng.choice([market, None])
            for view in engine.cancel_all(name, scope):
                assert view.status is OrderStatus.CANCELLED and view.reason is Reason.CANCEL_ALL
        elif roll < 0.95:
            name = rng.choice(ACCOUNTS)
            engine.fund(name, D(rng.randint(1, 10_000)) / 100)
        else:
            info, _ = MARKETS[market]
            mids[market] += info.tick_size * rng.randint(-3, 3)
        check(engine, model, market)


def check_submitted(view: OrderView) -> None:
    immediate = view.order_type is OrderType.MARKET or view.time_in_force in (TimeInForce.IOC, TimeInForce.FOK)
    if immediate:
        assert not view.is_open, f"{view.order_type} {view.time_in_force} order rested"
    if view.time_in_force is TimeInForce.FOK:
        clamped = view.reduce_only and view.reason is Reason.REDUCE_ONLY_OVERSIZE
        assert view.filled in (0, view.size) or clamped, f"FOK order filled {view.filled} of {view.size}"


def amend_one(engine: Engine, rng: random.Random, market: str) -> None:
    """Modify one of an account's open orders to a nearby price and a size of 0.5× to 2×."""
    name = rng.choice(ACCOUNTS)
    mine = engine.open_orders(name, market)
    if not mine:
        return
    order = rng.choice(mine)
    info, _ = MARKETS[market]
    price = order.price + info.tick_size * rng.randint(-2, 2) if order.price is not None else None
    size = max(info.step_size, (order.size * D(rng.choice([1, 2, 4])) / 2).quantize(info.step_size))
    try:
        view = engine.amend(name, order.order_id, size, price)  # type: ignore[arg-type]
    except SimError:
        assert engine.order(order.order_id) == order, "a refused amend changed the order"
        return
    assert view.order_id == order.order_id


def initial_margin(engine: Engine, name: str) -> D:
    """The account's initial margin from what the engine shows: positions at the mid (one side's best
    when the other is empty; the entry price with no book) plus resting orders that are not
    reduce-only at their price, times the market's fraction."""
    total = D(0)
    for spec in engine.markets():
        market = spec.symbol
        position = engine.position(name, market)
        top = engine.top_of_book(market)
        prices = [p for p in (top.bid, top.ask) if p is not None]
        if position.size == 0:
            exposure = D(0)
        elif prices:
            exposure = abs(position.size) * sum(prices) / len(prices)
        else:
            exposure = abs(position.cost_basis)
        resting = sum((o.remaining * o.price for o in engine.open_orders(name, market) if not o.reduce_only), D(0))
        total += engine.initial_margin_fraction(name, market) * (exposure + resting)
    return total


def cancel_one(engine: Engine, rng: random.Random, market: str) -> None:
    name = rng.choice(ACCOUNTS)
    mine = engine.open_orders(name, market)
    try:
        if rng.random() < 0.3:
            view = engine.cancel_by_client_id(name, rng.choice(CLIENT_IDS))
        elif mine and rng.random() < 0.85:
            view = engine.cancel(name, rng.choice(mine).order_id)
        else:
            view = engine.cancel(name, rng.randint(1, 400))
    except SimError as err:
        assert err.reason in (Reason.ORDER_NOT_FOUND, Reason.ORDER_CLOSED)
        return
    assert (view.status, view.reason, view.account_id) == (OrderStatus.CANCELLED, Reason.USER_CANCEL, name)


@pytest.mark.parametrize("block", range(4))
def test_invariants_hold_over_random_streams(block: int) -> None:
    per_block = SEEDS // 4
    for seed in range(block * per_block, (block + 1) * per_block):
        try:
            play(seed)
        except AssertionError as err:
            raise AssertionError(f"seed {seed}: {err}") from err
