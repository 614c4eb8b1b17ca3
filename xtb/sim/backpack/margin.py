"""An account's margin as Backpack publishes it (spec §4.14), read from the engine's margin model
(`xtb.sim.margin`): `/api/v1/capital/collateral`, the `leverageLimit` of `/api/v1/account` and the
order size limit of `/api/v1/account/limits/order` show what the engine then accepts, and a run's
`margin` setting shows in all of them. Also the account-wide leverage `PATCH /api/v1/account` sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal

from xtb.model import Side
from xtb.sim.backpack.errors import ApiError, invalid_request
from xtb.sim.backpack.figures import VenueFigures
from xtb.sim.backpack.params import DECIMAL_MAX
from xtb.sim.backpack.payloads import rounded
from xtb.sim.backpack.settings import MarketDef
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId
from xtb.sim.margin import MarginFigures

ZERO = Decimal(0)
_FLOOR = Context(prec=80, rounding=ROUND_FLOOR)  # exact products; a quotient never rounded up past a step


@dataclass(frozen=True)
class Collateral:
    """`margin` is the engine's (equity, initial and maintenance margin at the marks); `exposure` the
    open positions' notional at the mark; `imf` / `mmf` the account's fractions."""

    cash: Decimal
    margin: MarginFigures
    exposure: Decimal
    imf: Decimal
    mmf: Decimal

    @property
    def equity(self) -> Decimal:
        return self.margin.equity

    @property
    def locked(self) -> Decimal:
        return self.margin.initial

    @property
    def available(self) -> Decimal:
        return self.margin.available

    @property
    def unrealized(self) -> Decimal:
        return self.margin.equity - self.cash


def account_fraction(engine: Engine, account: AccountId, markets: Mapping[str, MarketDef]) -> Decimal:
    """The account-wide initial margin fraction, 1 / its leverage limit: the lowest fraction any
    market holds the account to (only a market whose `imf_base` forbids the leverage asks more)."""
    return min(engine.initial_margin_fraction(account, symbol) for symbol in markets)


def default_fraction(engine: Engine, markets: Mapping[str, MarketDef]) -> Decimal:
    """`account_fraction` of an account that set no leverage."""
    return min(engine.market(symbol).initial_margin_fraction for symbol in markets)


def maintenance_fraction(engine: Engine, markets: Mapping[str, MarketDef]) -> Decimal:
    """The account-wide maintenance fraction: the highest any market keeps a position at."""
    return max(engine.market(symbol).maintenance_margin_fraction for symbol in markets)


def leverage_limit(engine: Engine, account: AccountId, markets: Mapping[str, MarketDef]) -> Decimal:
    """`leverageLimit` as `/api/v1/account` reads it back (1 / a fraction: cut to 8 decimals). A
    market a run set to ask no margin binds nothing: the venue's own highest leverage shows."""
    fraction = account_fraction(engine, account, markets)
    if not fraction:
        fraction = min(lowest_fraction(engine, market) for market in markets.values())
    return rounded(1 / fraction)


def lowest_fraction(engine: Engine, market: MarketDef) -> Decimal:
    """The lowest initial fraction an account may choose in `market`: its `imf_base`, and never less
    than what a position must keep."""
    return max(market.imf_base, engine.market(market.symbol).maintenance_margin_fraction)


def set_leverage_limit(engine: Engine, account: AccountId, markets: Mapping[str, MarketDef], leverage: Decimal) -> None:
    """Leverage is account-wide (spec §4.14): every market margins the account at 1 / `leverage`,
    or at its own lowest fraction where that is higher. Sim: a limit above what every market allows,
    or below 1, is refused (messages UNCONFIRMED)."""
    if leverage < 1:
        raise invalid_request("Leverage limit must be at least 1")
    lowest = {symbol: lowest_fraction(engine, market) for symbol, market in markets.items()}
    if leverage > 1 / min(lowest.values()):
        raise ApiError(400, "MAX_LEVERAGE_REACHED", "Max leverage reached")
    fraction = 1 / leverage
    for symbol, floor in lowest.items():
        engine.set_initial_margin_fraction(account, symbol, max(fraction, floor))


def collateral(engine: Engine, figures: VenueFigures, account: AccountId) -> Collateral:
    positions = list(figures.open_positions(account, None))
    return Collateral(
        engine.balance(account).cash,
        engine.margin(account),
        sum((abs(p.view.size) * p.mark for p in positions), ZERO),
        account_fraction(engine, account, figures.markets),
        maintenance_fraction(engine, figures.markets),
    )


def max_order_quantity(
    engine: Engine, account: AccountId, market: MarketDef, side: Side, price: Decimal, reduce_only: bool
) -> Decimal:
    """What an order on `side` at `price` may size: the opposite position it closes, plus (unless
    reduce-only) what the available margin opens at the account's fraction in `market`, rounded down
    to the step — the engine's own check, so that size is accepted and one step more is not."""
    position = engine.position(account, market.symbol).size
    closable = max(ZERO, -position if side is Side.BUY else position)
    if reduce_only:
        return closable
    largest = DECIMAL_MAX.scaleb(-market.size_decimals)  # what the venue's decimal holds at this step
    fraction = engine.initial_margin_fraction(account, market.symbol)
    available = engine.margin(account).available
    opening = ZERO
    if not fraction:  # a run's setting asks no margin: nothing the simulator models limits the size
        opening = largest
    elif available > 0 and price > 0:
        opening = _FLOOR.divide(available, _FLOOR.multiply(fraction, price))
    steps = _FLOOR.divide_int(min(largest, _FLOOR.add(closable, opening)), market.step_size)
    return _FLOOR.multiply(steps, market.step_size)
