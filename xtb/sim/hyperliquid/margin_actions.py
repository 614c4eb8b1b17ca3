"""The account actions beside trading (spec §4.3.4): `updateIsolatedMargin`, `topUpIsolatedOnlyMargin`
and the user-signed `approveBuilderFee`.

Isolated margin is a split of the account's USDC, not a transfer out of it: what an action moves in
is kept per coin (`UserBook.isolated_extra`) and the §7 model (`margin.py`) adds it to the
position's allocation, so the cross summary gives up exactly what the isolated position gains and
`accountValue` stays put. Both actions need an isolated position on the asset; a cross one (or
none) gets the venue's `Position does not use isolated margin.` [obs]. Adding needs free cross
margin; removing may not take the position past its maximum leverage (placeholder text, UNCONFIRMED).
`topUpIsolatedOnlyMargin` moves whatever makes the position's leverage the target.

`approveBuilderFee` records the fee (a percent string, `"0.001%"` = 1 tenth of a basis point) that
`maxBuilderFee` answers and that `strict_builder` orders are held to.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from xtb.sim.engine_types import AccountId
from xtb.sim.hyperliquid import margin
from xtb.sim.hyperliquid.errors import HyperliquidError
from xtb.sim.hyperliquid.settings import HyperliquidMarketDef
from xtb.sim.hyperliquid.state import UserBook
from xtb.sim.hyperliquid.venue import Venue

DEFAULT = {"status": "ok", "response": {"type": "default"}}
NOT_ISOLATED = "Position does not use isolated margin."
TENTHS_OF_BP_PER_PERCENT = 1000  # 1 % = 100 bp = 1000 tenths of a bp
NTLI_SCALE = -6  # `ntli` is USDC × 10^6


class MarginActions:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    def update_isolated_margin(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        market, book, position = self._isolated(user, account, action["asset"])
        self._move(book, market, position, Decimal(action["ntli"]).scaleb(NTLI_SCALE))
        return DEFAULT

    def top_up_isolated_only_margin(self, user: str, account: AccountId, action: dict[str, Any]) -> dict[str, Any]:
        market, book, position = self._isolated(user, account, action["asset"])
        target = Decimal(action["leverage"])
        if not 1 <= target <= market.max_leverage:
            raise HyperliquidError(self.venue.settings.invalid_leverage_text)
        self._move(book, market, position, position.position_value / target - position.margin_used)
        return DEFAULT

    def _isolated(
        self, user: str, account: AccountId, asset: int
    ) -> tuple[HyperliquidMarketDef, UserBook, margin.PositionFigures]:
        venue = self.venue
        market = venue.market_by_asset(asset)
        if market is None or market.delisted:
            raise HyperliquidError(venue.settings.unknown_asset_text)
        book = venue.state.user(user)
        figures = venue.figures(user)
        found = [] if figures is None else [p for p in figures.positions if p.src.coin == market.name]
        if not found or found[0].src.is_cross:
            raise HyperliquidError(NOT_ISOLATED)
        return market, book, found[0]

    def _move(
        self, book: UserBook, market: HyperliquidMarketDef, position: margin.PositionFigures, amount: Decimal
    ) -> None:
        """Move `amount` USDC into the position (out of it when negative), or refuse."""
        figures = self.venue.figures(book.address)
        assert figures is not None
        floor = position.position_value / market.max_leverage
        if amount > figures.free_cross or position.margin_used + amount < floor:
            raise HyperliquidError(self.venue.settings.isolated_margin_refused_text)
        book.isolated_extra[market.name] = book.isolated_extra.get(market.name, Decimal(0)) + amount
        self.venue.outbox.account_changed(book.address)

    def approve_builder_fee(self, user: str, action: dict[str, Any]) -> dict[str, Any]:
        settings = self.venue.settings
        text = action["maxFeeRate"]
        try:
            tenths = Decimal(text.removesuffix("%")) * TENTHS_OF_BP_PER_PERCENT
        except InvalidOperation:
            tenths = Decimal(-1)
        if not text.endswith("%") or not tenths.is_finite() or tenths < 0 or tenths != tenths.to_integral_value():
            raise HyperliquidError(settings.builder_fee_invalid_text)
        if tenths > settings.max_builder_fee:
            raise HyperliquidError(settings.builder_fee_too_high_text)
        self.venue.state.user(user).builder_fees[action["builder"]] = int(tenths)
        return DEFAULT

    def check_builder(self, user: str, builder: dict[str, Any] | None) -> None:
        """`strict_builder`: an order's builder fee needs an approval at least as high (§10.21)."""
        if builder is None or not self.venue.settings.strict_builder:
            return
        book = self.venue.state.known(user)
        approved = None if book is None else book.builder_fees.get(builder["b"])
        if approved is None or builder["f"] > approved:
            raise HyperliquidError("Builder fee has not been approved.")
