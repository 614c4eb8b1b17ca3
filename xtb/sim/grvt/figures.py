"""The figures several desks quote: the mark price, an instrument's top of book and 24 h ticker, the
leverage an account trades at, and the positions of a sub-account at the mark. One place, so a REST
answer and a stream frame of the same moment agree."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId, PositionView
from xtb.sim.grvt import leverage as lv
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.auth import Accounts
from xtb.sim.grvt.clock import VenueClock
from xtb.sim.grvt.settings import MarketDef
from xtb.sim.grvt.state import VenueState

DAY_S = 86_400


class Figures:
    def __init__(
        self,
        engine: Engine,
        markets: Mapping[str, MarketDef],
        state: VenueState,
        accounts: Accounts,
        clock: VenueClock,
    ) -> None:
        self.engine = engine
        self.markets = markets
        self.state = state
        self.accounts = accounts
        self.clock = clock

    def mark_price(self, instrument: str) -> Decimal | None:
        """The mid of the book (one side when the other is empty, else the last trade)."""
        mark = self.engine.book_mark(instrument)
        if mark is not None:
            return mark
        tape = self.state.tapes.get(instrument)
        return tape[-1].price if tape else None

    def top(self, instrument: str) -> pl.Top:
        top = self.engine.top_of_book(instrument)
        tape = self.state.tapes.get(instrument)
        last = tape[-1] if tape else None
        return pl.Top(
            instrument, self.clock.now_ns_str(), top.bid, top.bid_size, top.ask, top.ask_size,
            self.mark_price(instrument), None if last is None else last.price, None if last is None else last.size,
        )  # fmt: skip

    def ticker(self, market: MarketDef) -> dict[str, Any]:
        since = self.engine.clock.time() - DAY_S
        trades = [t for t in self.state.tapes[market.instrument] if t.ts >= since]
        zero = Decimal(0)
        stats = {
            "buy_b": sum((t.size for t in trades if t.taker_buys), zero),
            "sell_b": sum((t.size for t in trades if not t.taker_buys), zero),
            "buy_q": sum((t.size * t.price for t in trades if t.taker_buys), zero),
            "sell_q": sum((t.size * t.price for t in trades if not t.taker_buys), zero),
            "high": max((t.price for t in trades), default=zero),
            "low": min((t.price for t in trades), default=zero),
            "open": trades[0].price if trades else zero,
            "open_interest": zero,
        }
        interval_ns = market.funding_interval_hours * 3600 * 1_000_000_000
        next_funding = (self.clock.now_ns() // interval_ns + 1) * interval_ns
        return pl.ticker_json(self.top(market.instrument), stats, market, str(next_funding))

    def max_leverage(self, instrument: str) -> int:
        return lv.max_leverage(self.markets[instrument], self.engine.market(instrument))

    def leverage(self, account: AccountId, instrument: str) -> Decimal:
        """What the account trades the instrument at: its own choice, else the market's default."""
        fraction = self.engine.initial_margin_fraction(account, instrument)
        return lv.leverage_of(fraction, self.max_leverage(instrument))

    def position(self, position: PositionView) -> pl.PositionFigures | None:
        """A position at the mark, None while there is no mark or the account has no credentials."""
        mark = self.mark_price(position.market)
        if mark is None or not self.accounts.known(position.account_id):
            return None
        account, instrument = position.account_id, position.market
        fee = self.state.fees.get((account, instrument), Decimal(0))
        leverage = self.leverage(account, instrument)
        return pl.PositionFigures(position, self.accounts.sub_of(account), mark, fee, leverage)

    def open_positions(self, account: AccountId, instrument: str | None) -> Iterator[pl.PositionFigures]:
        """The sub-account's non-zero positions (flat ones are omitted, the spec's default)."""
        for position in self.engine.positions(account):
            if position.size and (instrument is None or position.market == instrument):
                figures = self.position(position)
                if figures is not None:
                    yield figures
