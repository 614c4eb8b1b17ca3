"""What several Backpack routes and streams compute alike from the engine: the mark, positions
priced at it, funding times and the recent trades. One place, so REST and WS always agree."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal

from xtb.model import Side
from xtb.sim.backpack import payloads as pl
from xtb.sim.backpack.settings import MarketDef
from xtb.sim.backpack.state import TapeTrade, VenueState
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId, PositionView


class VenueFigures:
    """`now_ms` is the venue's wall clock (the front-end's, which a test may stop in the past)."""

    def __init__(
        self, engine: Engine, state: VenueState, markets: Mapping[str, MarketDef], now_ms: Callable[[], int]
    ) -> None:
        self.engine = engine
        self.state = state
        self.markets = markets
        self.now_ms = now_ms

    def mark_price(self, symbol: str) -> Decimal | None:
        """The mid of the book (one side when the other is empty, else the last trade)."""
        mark = self.engine.book_mark(symbol)
        if mark is not None:
            return mark
        tape = self.state.tapes.get(symbol)
        return tape[-1].price if tape else None

    def next_funding_ms(self, market: MarketDef) -> int:
        now = self.now_ms()
        return (now // market.funding_interval_ms + 1) * market.funding_interval_ms

    def recent_trades(self, symbol: str, seconds: int) -> Iterator[TapeTrade]:
        since = self.engine.clock.time() - seconds
        return (t for t in self.state.tapes[symbol] if t.ts >= since)

    def position_figures(self, position: PositionView) -> pl.PositionFigures | None:
        market = self.markets.get(position.market)
        mark = self.mark_price(position.market)
        if market is None or mark is None:
            return None
        bids = asks = Decimal(0)
        for order in self.engine.open_orders(position.account_id, position.market):
            if order.side is Side.BUY:
                bids += order.remaining
            else:
                asks += order.remaining
        return pl.PositionFigures(
            market,
            position,
            mark,
            pl.exposure(position.size, bids, asks),
            self.engine.initial_margin_fraction(position.account_id, position.market),
            self.engine.market(position.market).maintenance_margin_fraction,
        )

    def open_positions(self, account: AccountId, symbol: str | None) -> Iterator[pl.PositionFigures]:
        """The account's non-zero positions (flat ones are not listed), priced at the mark."""
        for position in self.engine.positions(account):
            if position.size and (symbol is None or position.market == symbol):
                figures = self.position_figures(position)
                if figures is not None:
                    yield figures
