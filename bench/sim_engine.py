"""Throughput and latency of the simulator matching engine on one core.

    python bench/sim_engine.py [--orders N] [--seed S] [--margin FRACTION]

A taker sends a seeded stream of crossing orders (IOC limits two ticks through the touch, GTC limits
three ticks through, market orders; buys and sells at random; sizes of half, one and one and a half
maker orders, so partial fills are common) into a 20-level book. After each order a maker re-quotes
what was taken, one order per level, so every order matches and the book keeps its shape. Fees are
on and one listener receives every event (it counts them and collects what to re-quote), as a
front-end would. Reported:

- matched orders/s: crossing orders per second of wall time for the whole stream (re-quotes,
  event delivery and garbage collection included);
- all submits/s (crossing + re-quotes) and fills/s over the same time;
- p50/p99 latency of one crossing submit: validation, margin, matching, accounts, events, delivery.

With `--margin` the market asks for initial margin, so every submit that opens exposure runs the
margin check (`xtb.sim.margin`) over the account's positions and resting orders; the maker keeps
about 160 orders resting.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xtb.clock import SystemClock
from xtb.model import MarketInfo, OrderType, Side, TimeInForce
from xtb.sim.engine import BookChanged, Engine, EngineEvent, MarketSpec, Trade, VenuePolicy

SYMBOL = "BTC-PERP"
TICK = Decimal("0.1")
STEP = Decimal("0.001")
MID = Decimal("50000.0")
LEVELS = 20
LEVEL_SIZE = Decimal("0.010")


def build(seed: int, margin: Decimal) -> Engine:
    engine = Engine(SystemClock(), seed=seed)
    info = MarketInfo(SYMBOL, TICK, STEP, STEP, Decimal("1"))
    policy = VenuePolicy(maker_fee_rate=Decimal("0.0002"), taker_fee_rate=Decimal("0.0005"))
    engine.add_market(MarketSpec(info, policy, initial_margin_fraction=margin, maintenance_margin_fraction=margin / 2))
    engine.create_account("maker", Decimal("1000000000"))
    engine.create_account("taker", Decimal("1000000000"))
    for i in range(1, LEVELS + 1):
        for _ in range(4):
            engine.submit("maker", SYMBOL, Side.SELL, LEVEL_SIZE, price=MID + i * TICK)
            engine.submit("maker", SYMBOL, Side.BUY, LEVEL_SIZE, price=MID - i * TICK)
    return engine


def run(orders: int, seed: int, margin: Decimal = Decimal(0)) -> dict[str, float]:
    engine = build(seed, margin)
    rng = random.Random(seed)
    counter = [0, 0]  # events, trades
    refills: dict[tuple[bool, Decimal], Decimal] = {}  # what the takers took, per (maker is a buy, price)
    book = engine.top_of_book(SYMBOL)
    touch = [book.bid, book.ask]  # indexed by "is a buy": what a sell / a buy would take first

    def listener(event: EngineEvent) -> None:
        counter[0] += 1
        if type(event) is Trade:
            counter[1] += 1
            key = (event.taker_side is Side.SELL, event.price)
            refills[key] = refills.get(key, 0) + event.size
        elif type(event) is BookChanged and event.top_changed:
            touch[0] = event.bid
            touch[1] = event.ask

    engine.subscribe(listener)
    sizes = [LEVEL_SIZE / 2 * k for k in (1, 2, 3)]  # half-unit multiples: partial fills, bounded fragments
    latencies: list[int] = []
    submits = 0
    perf = time.perf_counter_ns
    start = perf()
    for _ in range(orders):
        is_buy = rng.random() < 0.5
        side = Side.BUY if is_buy else Side.SELL
        size = rng.choice(sizes)
        kind = rng.random()
        far = touch[is_buy]
        assert far is not None
        sign = 1 if is_buy else -1
        t0 = perf()
        if kind < 0.5:
            view = engine.submit("taker", SYMBOL, side, size, price=far + sign * 2 * TICK,
                                 time_in_force=TimeInForce.IOC)  # fmt: skip
        elif kind < 0.75:
            view = engine.submit("taker", SYMBOL, side, size, price=far + sign * 3 * TICK)
        else:
            view = engine.submit("taker", SYMBOL, side, size, order_type=OrderType.MARKET)
        latencies.append(perf() - t0)
        submits += 1
        assert view.filled > 0, view  # every order in the stream crosses
        for (maker_buys, price), qty in refills.items():  # one re-quote per level taken from
            engine.submit("maker", SYMBOL, Side.BUY if maker_buys else Side.SELL, qty, price=price)
            submits += 1
        refills.clear()
    elapsed = (perf() - start) / 1e9
    latencies.sort()
    return {
        "orders": orders,
        "elapsed_s": elapsed,
        "matched_per_s": orders / elapsed,
        "submits_per_s": submits / elapsed,
        "p50_us": latencies[len(latencies) // 2] / 1000,
        "p99_us": latencies[int(len(latencies) * 0.99)] / 1000,
        "events": counter[0],
        "fills_per_order": counter[1] / orders,
        "refills_per_order": (submits - orders) / orders,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--margin", type=Decimal, default=Decimal(0), help="initial margin fraction of the market (0: no margin check)"
    )
    args = parser.parse_args()
    r = run(args.orders, args.seed, args.margin)
    print(f"workload     : {r['orders']:,.0f} crossing orders (50% IOC limit, 25% GTC limit, 25% market), fees on,")
    print(f"               margin {'off' if not args.margin else f'on (initial fraction {args.margin})'},")
    print(f"               {r['fills_per_order']:.2f} fills and {r['refills_per_order']:.2f} refill submits per order,")
    print(f"               {r['events']:,.0f} events to one listener, {r['elapsed_s']:.2f} s on one core")
    print(f"matched      : {r['matched_per_s']:,.0f} orders/s  (whole stream: refills and event delivery included)")
    print(f"all submits  : {r['submits_per_s']:,.0f} submits/s")
    print(f"fills        : {r['fills_per_order'] * r['matched_per_s']:,.0f} fills/s")
    print(f"latency      : p50 {r['p50_us']:.1f} us  p99 {r['p99_us']:.1f} us  (one crossing submit, events delivered)")


if __name__ == "__main__":
    main()
