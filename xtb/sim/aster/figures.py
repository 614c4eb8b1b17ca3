"""What Aster publishes about margin — an account's balances, initial and maintenance margin and
leverage, a market's margin percents and leverage bracket — read from the engine's margin model.

Why nothing is computed a second way: the engine accepts or refuses orders with `xtb.sim.margin`, so
the figures a client sizes its orders by must be that model's. Account totals are `Engine.margin()`;
a row per position or symbol applies the same fractions (the account's, the market's current ones,
so a runtime `margin` setting shows) at the same mark. Aster's leverage is a whole number up to the
documented 125×: the account's initial fraction inverted. The one leverage bracket a market has
allows leverage up to the point where the initial margin still covers the maintenance margin (the
engine's own bound), at most 125×.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xtb.sim.aster import payloads as pl
from xtb.sim.aster.parts import VenueParts
from xtb.sim.aster.settings import MarketDef
from xtb.sim.engine_types import AccountId, MarketSpec, PositionView

ZERO = Decimal(0)
ONE = Decimal(1)
MAX_LEVERAGE = 125  # POST leverage takes 1..125 (spec §4.4)
_LEVERAGE_QUANTUM = Decimal("1e-9")  # 1 / (1/7) is 6.99…9 at 28 digits: a whole leverage is exact


def leverage_of(fraction: Decimal) -> int:
    """The whole leverage an initial margin fraction stands for, cut down (0.03 → 33×); 125× for
    any fraction at or below 1/125 (a runtime setting may make a market's fraction 0)."""
    if fraction * MAX_LEVERAGE <= ONE:
        return MAX_LEVERAGE
    return int((ONE / fraction).quantize(_LEVERAGE_QUANTUM))


def max_leverage(spec: MarketSpec) -> int:
    """Bracket 1's `initialLeverage`: the highest whole leverage whose initial margin is not below
    the market's maintenance margin."""
    return leverage_of(spec.maintenance_margin_fraction)


@dataclass(frozen=True)
class PositionFigures:
    market: MarketDef
    view: PositionView
    mark: Decimal
    initial_fraction: Decimal
    maintenance_fraction: Decimal

    @property
    def notional(self) -> Decimal:
        return self.view.size * self.mark

    @property
    def unrealized(self) -> Decimal:
        return pl.unrealized(self.view, self.mark)

    @property
    def initial_margin(self) -> Decimal:
        return abs(self.notional) * self.initial_fraction

    @property
    def maint_margin(self) -> Decimal:
        return abs(self.notional) * self.maintenance_fraction


@dataclass(frozen=True)
class AccountFigures:
    """One account's totals in USDT: `initial` is `position_im + order_im`."""

    wallet: Decimal
    unrealized: Decimal
    margin_balance: Decimal
    position_im: Decimal
    order_im: Decimal
    maint: Decimal
    available: Decimal
    max_withdraw: Decimal


class Figures:
    """Balances, margin and leverage of an account, from the engine, at the mark."""

    def __init__(self, parts: VenueParts) -> None:
        self.parts = parts

    def fraction(self, account: AccountId, symbol: str) -> Decimal:
        return self.parts.engine.initial_margin_fraction(account, symbol)

    def leverage(self, account: AccountId, symbol: str) -> int:
        return leverage_of(self.fraction(account, symbol))

    def max_leverage(self, symbol: str) -> int:
        return max_leverage(self.parts.engine.market(symbol))

    def positions(self, account: AccountId) -> dict[str, PositionFigures]:
        parts = self.parts
        out = {}
        for view in parts.engine.positions(account):
            market = parts.market_defs.get(view.market)
            if market is not None:
                mmf = parts.engine.market(view.market).maintenance_margin_fraction
                mark = parts.mark_price(view.market)
                out[view.market] = PositionFigures(market, view, mark, self.fraction(account, view.market), mmf)
        return out

    def order_margin(self, account: AccountId, symbol: str | None = None) -> Decimal:
        """Initial margin of the resting orders (reduce-only ones take none), of one symbol or all."""
        total = ZERO
        for order in self.parts.engine.open_orders(account, symbol):
            if order.price is not None and not order.reduce_only:
                total += order.remaining * order.price * self.fraction(account, order.market)
        return total

    def summary(self, account: AccountId) -> AccountFigures:
        engine = self.parts.engine
        margin = engine.margin(account)
        cash = engine.balance(account).cash
        order_im = self.order_margin(account)
        available = margin.available
        return AccountFigures(
            wallet=cash,
            unrealized=margin.equity - cash,
            margin_balance=margin.equity,
            position_im=margin.initial - order_im,
            order_im=order_im,
            maint=margin.maintenance,
            available=available,
            max_withdraw=max(ZERO, min(cash, available)),
        )
