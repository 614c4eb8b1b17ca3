"""A seeded synthetic participant that gives a simulated market a live book and taker flow.

The market maker keeps `levels` post-only quotes per side around a mid that random-walks; a second
account, the taker, hits the touch with IOC orders, so a user's passive order at the best price
fills the way it would on a busy venue. Both trade through the engine like any account, so the
engine's guarantees (positions summing to zero, exact cash) hold with them in the book.

Three rules keep the book honest:

* The quotes never cross another account's resting order: an order inside the spread is the touch,
  and the ladder on the far side starts one tick beyond it.
* A quote that another account's order has queued behind is re-placed at the back of its level, so
  orders that were resting before the market maker refreshed keep time priority over it. A user's
  passive order at the touch is therefore first in line for the next hit at that price.
* The taker is its own account, so self-trade prevention never stands between it and the quotes,
  and it takes what rests at the touch in time priority whoever owns it.

Fills on demand (`fill_after`, off by default): besides its random flow, the taker takes an order of
another account that has been first in line at the touch for `fill_after` seconds — all of it, with
one IOC at its price — so a passive order at the best price fills promptly and predictably (the
conformance runs), while one that is not at the touch (behind it, or left there after the touch
moved away) is never taken this way. The mid keeps walking, so a chase still has to follow it.

Everything random comes from one `random.Random(seed)` owned by the market (not the engine's
shared stream), so a seed and a sequence of `step()` calls reproduce the same mids and books.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from random import Random
from typing import Any

from xtb.model import ZERO, Rounding, Side, TimeInForce, to_decimal
from xtb.sim.engine import Engine
from xtb.sim.engine_types import EXACT, OrderStatus, OrderView, SimError

log = logging.getLogger(__name__)


def _money(value: Any, what: str) -> Decimal:
    """A finite Decimal from a Decimal, int or str; a float is refused (its exact value is gone)."""
    try:
        return to_decimal(value, what)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def _whole(value: Any, what: str, minimum: int) -> int:
    if type(value) is not int or value < minimum:
        raise ValueError(f"{what} must be an int >= {minimum}, got {value!r}")
    return value


def _rate(value: Any, what: str, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{what} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class MarketSettings:
    """How the synthetic market behaves; validated on construction (ValueError on bad values)."""

    mid: Decimal  # starting mid price (snapped to tick)
    levels: int = 5  # price levels per side
    level_size: Decimal | None = None  # size per level; default: 10 × the market's min order size at mid
    spread_ticks: int = 2  # distance between best bid and best ask, in ticks (>= 1)
    volatility_ticks: float = 1.0  # std dev of the mid's random walk per step, in ticks
    tick_rate: float = 10.0  # steps per second when running
    taker_rate: float = 2.0  # expected taker hits per second at the touch (either side)
    taker_fraction: Decimal = Decimal("0.5")  # fraction of the touch level's size a taker hit takes
    # on-demand fills: the taker takes another account's order first in line at the touch once it has
    # been there this many seconds (checked each step); None: random taker flow only
    fill_after: float | None = None
    account_id: str = "synthetic-mm"
    collateral: Decimal = Decimal("1000000000")

    def __post_init__(self) -> None:
        mid = _money(self.mid, "mid")
        if mid <= 0:
            raise ValueError(f"mid must be positive, got {mid}")
        object.__setattr__(self, "mid", mid)
        _whole(self.levels, "levels", 1)
        if self.level_size is not None:
            size = _money(self.level_size, "level_size")
            if size <= 0:
                raise ValueError(f"level_size must be positive, got {size}")
            object.__setattr__(self, "level_size", size)
        _whole(self.spread_ticks, "spread_ticks", 1)
        _rate(self.volatility_ticks, "volatility_ticks", positive=False)
        _rate(self.tick_rate, "tick_rate", positive=True)
        _rate(self.taker_rate, "taker_rate", positive=False)
        if self.fill_after is not None:
            _rate(self.fill_after, "fill_after", positive=False)
        fraction = _money(self.taker_fraction, "taker_fraction")
        if not ZERO < fraction <= 1:
            raise ValueError(f"taker_fraction must be in (0, 1], got {fraction}")
        object.__setattr__(self, "taker_fraction", fraction)
        if not isinstance(self.account_id, str) or not self.account_id:
            raise ValueError(f"account_id must be a non-empty str, got {self.account_id!r}")
        collateral = _money(self.collateral, "collateral")
        if collateral <= 0:
            raise ValueError(f"collateral must be positive, got {collateral}")
        object.__setattr__(self, "collateral", collateral)


class SyntheticMarket:
    """The market maker and taker of one engine market.

    Construction creates (or reuses) the two accounts, `account_id` and `account_id + "-taker"`,
    funds new ones with `collateral`, and quotes at once, so the book is live before the first step.
    The best bid sits `spread_ticks // 2` ticks below `mid`, the best ask `spread_ticks` above the bid.
    Each level holds `level_size`, raised to the market's minimum order at that price if needed.
    """

    def __init__(self, engine: Engine, symbol: str, settings: MarketSettings, *, seed: int = 0) -> None:
        if not isinstance(settings, MarketSettings):
            raise ValueError(f"settings must be a MarketSettings, got {type(settings).__name__}")
        try:
            spec = engine.market(symbol)
        except SimError as exc:
            raise ValueError(f"unknown market {symbol!r}") from exc
        self._engine = engine
        self._symbol = symbol
        self._settings = settings
        self._info = info = spec.info
        self._tick = info.tick_size
        self._rng = Random(seed)
        self._below = settings.spread_ticks // 2  # best bid = mid - below; best ask = best bid + spread
        self._mid = self._checked_mid(self._ticks(info.round_price(settings.mid, Rounding.NEAREST)))
        if settings.level_size is None:
            self._level_size = 10 * info.min_order_size(settings.mid)
        else:
            self._level_size = settings.level_size
            if not info.is_on_step(self._level_size):
                raise ValueError(f"level_size {self._level_size} is not a multiple of step {info.step_size}")
        self._maker = settings.account_id
        self._taker = f"{settings.account_id}-taker"
        self._hit_probability = min(1.0, settings.taker_rate / settings.tick_rate)
        self._front_since: dict[int, float] = {}  # order id -> when it was first seen first in line at the touch
        self._frozen = False
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._ensure_accounts()
        self.quote()

    # ------------------------------------------------------------------------------- state

    @property
    def settings(self) -> MarketSettings:
        return self._settings

    def configure(self, settings: MarketSettings) -> None:
        """Change how the market behaves from the next step on: its taker flow, pace and on-demand
        fills. The book's shape (mid, levels, sizes, spread) is fixed at construction."""
        if not isinstance(settings, MarketSettings):
            raise ValueError(f"settings must be a MarketSettings, got {type(settings).__name__}")
        fixed = ("levels", "level_size", "spread_ticks", "account_id", "collateral")
        changed = [name for name in fixed if getattr(settings, name) != getattr(self._settings, name)]
        if changed:
            raise ValueError(f"{', '.join(changed)} cannot change on a running market")
        self._settings = settings
        self._hit_probability = min(1.0, settings.taker_rate / settings.tick_rate)
        if settings.fill_after is None:
            self._front_since.clear()

    @property
    def symbol(self) -> str:
        return self._symbol

    @property
    def mid(self) -> Decimal:
        return self._price(self._mid)

    @property
    def frozen(self) -> bool:
        return self._frozen

    @property
    def running(self) -> bool:
        return self._stop is not None

    @property
    def maker_account(self) -> str:
        return self._maker

    @property
    def taker_account(self) -> str:
        return self._taker

    def freeze(self) -> None:
        """Stop the mid and the taker flow (a test wants a still market); scripted moves still work.
        On-demand fills start counting again after `unfreeze`."""
        self._frozen = True
        self._front_since.clear()

    def unfreeze(self) -> None:
        self._frozen = False

    # ------------------------------------------------------------------------------- driving

    def step(self) -> None:
        """One tick of market life: random-walk the mid, re-quote, and hit the touch with
        probability taker_rate / tick_rate. The side hit follows the move (a down-tick is sellers
        hitting the bid, an up-tick buyers lifting the ask), a coin decides when the mid held."""
        if self._frozen:
            return
        rng = self._rng
        move = round(rng.gauss(0.0, self._settings.volatility_ticks))
        hit = rng.random() < self._hit_probability
        coin = rng.random() < 0.5
        self._mid = max(self._mid + move, self._below + 1)
        self.quote()
        if hit:
            if move:
                resting = Side.BUY if move < 0 else Side.SELL
            else:
                resting = Side.BUY if coin else Side.SELL
            self.take(resting, self._settings.taker_fraction)
        if self._settings.fill_after is not None:
            self._fill_on_demand(self._settings.fill_after)

    def quote(self) -> None:
        """Bring the ladder in line with the mid: keep quotes that are right and last in their
        queue, cancel the rest, place what is missing (post-only GTC, never crossing others)."""
        self._ensure_accounts()
        engine = self._engine
        maker = self._maker
        other_bid: int | None = None
        other_ask: int | None = None
        last_at: dict[tuple[Side, int], int] = {}  # (side, ticks) -> id of the last order queued there
        own: list[OrderView] = []
        for order in engine.resting_orders(self._symbol):
            ticks = self._ticks(order.price)  # type: ignore[arg-type]
            last_at[(order.side, ticks)] = order.order_id
            if order.account_id == maker:
                own.append(order)
            elif order.side is Side.BUY:
                if other_bid is None:
                    other_bid = ticks
            elif other_ask is None:
                other_ask = ticks
        wanted = self._ladder(other_bid, other_ask)
        kept: set[tuple[Side, int]] = set()
        stale: list[OrderView] = []
        for order in own:
            key = (order.side, self._ticks(order.price))  # type: ignore[arg-type]
            size = wanted.get(key)
            if size is not None and key not in kept and order.remaining == size and last_at[key] == order.order_id:
                kept.add(key)
            else:
                stale.append(order)
        for order in stale:
            try:
                engine.cancel(maker, order.order_id)
            except SimError:  # filled or cancelled meanwhile (a listener acted); nothing to cancel
                pass
        for (side, ticks), size in wanted.items():
            if (side, ticks) in kept:
                continue
            view = engine.submit(
                maker, self._symbol, side, size, price=self._price(ticks), time_in_force=TimeInForce.POST_ONLY
            )
            if view.status is OrderStatus.REJECTED:
                log.debug("synthetic quote refused market=%s side=%s reason=%s", self._symbol, side.value, view.reason)

    def take(self, side: Side, fraction: Decimal) -> Decimal:
        """Taker flow now: hit the resting orders on `side` (Side.SELL = the ask, a taker buy) for
        `fraction` of the best level's total size, rounded down to the step, at least one step and
        the market's minimum order. An IOC at the level's price, so it never walks the book; returns
        the size it took (0 when that side is empty)."""
        if not isinstance(side, Side):
            raise ValueError(f"side must be a Side, got {side!r}")
        fraction = _money(fraction, "fraction")
        if not ZERO < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        self._ensure_accounts()
        book = self._engine.book(self._symbol, depth=1)
        levels = book.asks if side is Side.SELL else book.bids
        if not levels:
            return ZERO
        level = levels[0]
        info = self._info
        size = info.round_size(level.size * fraction, Rounding.DOWN)
        size = max(size, info.step_size, info.min_order_size(level.price))
        view = self._engine.submit(
            self._taker, self._symbol, side.opposite, size, price=level.price, time_in_force=TimeInForce.IOC
        )
        return view.filled

    def move_touch(self, ticks: int) -> None:
        """Shift the mid by `ticks` (positive = up) and re-quote now."""
        if type(ticks) is not int:
            raise ValueError(f"ticks must be an int, got {ticks!r}")
        self._mid = self._checked_mid(self._mid + ticks)
        log.debug("synthetic market moved market=%s ticks=%d mid=%s", self._symbol, ticks, self.mid)
        self.quote()

    def set_mid(self, price: Decimal) -> None:
        """Put the mid at `price` (snapped to the nearest tick) and re-quote now."""
        price = _money(price, "price")
        if price <= 0:
            raise ValueError(f"price must be positive, got {price}")
        self._mid = self._checked_mid(self._ticks(self._info.round_price(price, Rounding.NEAREST)))
        log.debug("synthetic market set market=%s mid=%s", self._symbol, self.mid)
        self.quote()

    # ------------------------------------------------------------------------------- running

    async def run(self) -> None:
        """Step every 1 / tick_rate seconds of the event loop's time until `stop()`. A late wake
        is not caught up with a burst of steps: the schedule restarts from now."""
        if self._stop is not None and self._task is not asyncio.current_task():
            raise RuntimeError(f"synthetic market {self._symbol!r} is already running")
        stop = self._stop
        if stop is None:
            stop = self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        try:
            while not stop.is_set():
                self.step()
                deadline += 1.0 / self._settings.tick_rate  # read each step: `configure` may change it
                delay = deadline - loop.time()
                if delay < 0:
                    deadline -= delay
                    delay = 0.0
                try:
                    async with asyncio.timeout(delay):
                        await stop.wait()
                except TimeoutError:
                    pass
        finally:
            if self._stop is stop:
                self._stop = None

    def start(self) -> None:
        """Run in a task of the running loop; a second start while running does nothing."""
        if self._task is not None and not self._task.done():
            return
        if self._stop is not None:
            raise RuntimeError(f"synthetic market {self._symbol!r} is already running")
        self._stop = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self.run(), name=f"synthetic-market-{self._symbol}")

    async def stop(self) -> None:
        """End `run()` (started here or awaited elsewhere) and wait for the task started by `start()`;
        an error the task died of is raised here."""
        if self._stop is not None:
            self._stop.set()
        task = self._task
        self._task = None
        if task is not None:
            await task

    # ------------------------------------------------------------------------------- internals

    def _fill_on_demand(self, after: float) -> None:
        """Take, whole, each order of another account that has been first in line at a touch for
        `after` seconds. An order that leaves the front (filled, cancelled, or the touch moved
        past it) starts over if it comes back."""
        front: dict[Side, OrderView] = {}
        for order in self._engine.resting_orders(self._symbol):  # best first per side, in time priority
            front.setdefault(order.side, order)
        now = self._engine.clock.monotonic()
        seen: dict[int, float] = {}
        due: list[OrderView] = []
        for order in front.values():
            if order.account_id in (self._maker, self._taker):
                continue
            since = seen[order.order_id] = self._front_since.get(order.order_id, now)
            if now - since + 1e-9 >= after:  # float seconds: 1000.05 + 0.05 - 1000.0 falls short of 0.1
                due.append(order)
        self._front_since = seen
        for order in due:
            size = max(order.remaining, self._info.step_size, self._info.min_order_size(order.price))  # type: ignore[arg-type]
            view = self._engine.submit(
                self._taker, self._symbol, order.side.opposite, size, price=order.price, time_in_force=TimeInForce.IOC
            )
            log.debug("synthetic fill on demand market=%s order=%s took=%s", self._symbol, order.order_id, view.filled)
            self._front_since.pop(order.order_id, None)

    def _ensure_accounts(self) -> None:
        existing = self._engine.accounts()
        for account_id in (self._maker, self._taker):
            if account_id not in existing:
                self._engine.create_account(account_id, self._settings.collateral)

    def _ladder(self, other_bid: int | None, other_ask: int | None) -> dict[tuple[Side, int], Decimal]:
        """(side, ticks) -> size of every quote the mid asks for, best first per side; the near
        ends step back from other accounts' best prices so no quote crosses them."""
        bid = self._mid - self._below
        ask = bid + self._settings.spread_ticks
        if other_ask is not None:
            bid = min(bid, other_ask - 1)
        if other_bid is not None:
            ask = max(ask, other_bid + 1)
        wanted: dict[tuple[Side, int], Decimal] = {}
        for i in range(self._settings.levels):
            if bid - i > 0:
                wanted[(Side.BUY, bid - i)] = self._size_at(bid - i)
        for i in range(self._settings.levels):
            wanted[(Side.SELL, ask + i)] = self._size_at(ask + i)
        return wanted

    def _size_at(self, ticks: int) -> Decimal:
        return max(self._level_size, self._info.min_order_size(self._price(ticks)))

    def _checked_mid(self, ticks: int) -> int:
        """The mid in ticks, provided the best bid stays at a positive price."""
        if ticks - self._below < 1:
            raise ValueError(
                f"mid {self._price(ticks)} leaves no positive best bid with spread_ticks={self._settings.spread_ticks}"
            )
        return ticks

    def _ticks(self, price: Decimal) -> int:
        return int(EXACT.divide(price, self._tick))

    def _price(self, ticks: int) -> Decimal:
        return EXACT.multiply(self._tick, ticks)
