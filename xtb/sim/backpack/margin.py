"""An account's margin as the venue reports it (spec §4.14): one computation behind
`/api/v1/capital/collateral` and the order size limit of `/api/v1/account/limits/order`, so the two
always agree."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from xtb.model import Rounding, Side
from xtb.sim.backpack.settings import LEVERAGE_LIMIT, MarketDef
from xtb.sim.engine_types import AccountId

if TYPE_CHECKING:
    from xtb.sim.backpack.frontend import BackpackFrontEnd

ZERO = Decimal(0)


@dataclass(frozen=True)
class Margin:
    cash: Decimal
    unrealized: Decimal
    exposure: Decimal  # notional of the open positions at the mark
    locked: Decimal  # initial margin of the positions' worst case and of other markets' resting orders

    @property
    def equity(self) -> Decimal:
        return self.cash + self.unrealized

    @property
    def available(self) -> Decimal:
        return self.equity - self.locked


def margin(fe: BackpackFrontEnd, account: AccountId) -> Margin:
    cash = fe.engine.balance(account).cash
    figures = list(fe.open_positions(account, None))
    held = {f.market.symbol for f in figures}
    unrealized = sum((f.unrealized for f in figures), ZERO)
    exposure = sum((abs(f.view.size) * f.mark for f in figures), ZERO)
    locked = sum((Decimal(f.market.imf[0]) * abs(f.exposure) * f.mark for f in figures), ZERO)
    for order in fe.engine.open_orders(account):
        market = fe.market_defs.get(order.market)
        if market is not None and order.price is not None and order.market not in held:
            locked += Decimal(market.imf[0]) * order.remaining * order.price
    return Margin(cash, unrealized, exposure, locked)


def leverage(market: MarketDef) -> Decimal:
    """The account's leverage limit, capped by the market's initial margin fraction."""
    return min(LEVERAGE_LIMIT, 1 / Decimal(market.imf[0]))


def max_order_quantity(
    fe: BackpackFrontEnd, account: AccountId, market: MarketDef, side: Side, price: Decimal, reduce_only: bool
) -> Decimal:
    """What an order on `side` at `price` may size: the opposite position it closes, plus (unless
    reduce-only) what the free margin opens at the leverage limit; rounded down to the step."""
    position = fe.engine.position(account, market.symbol).size
    closable = max(ZERO, -position if side is Side.BUY else position)
    if reduce_only:
        return closable
    opening = max(ZERO, margin(fe, account).available) * leverage(market) / price if price > 0 else ZERO
    return market.info().round_size(closable + opening, Rounding.DOWN)
