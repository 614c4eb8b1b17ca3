"""Sub-account routes (spec §4.7, §4.9): positions, account summaries, the sub-account list,
account history, initial leverage, funding payments, and cancel-on-disconnect."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from xtb.sim.engine_types import AccountId
from xtb.sim.grvt import checks, query
from xtb.sim.grvt import leverage as lv
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.auth import Ctx
from xtb.sim.grvt.errors import GrvtError
from xtb.sim.grvt.orders import OrderDesk
from xtb.sim.grvt.parts import Parts
from xtb.sim.grvt.query import page

MAX_COUNTDOWN_MS = 300_000


class AccountDesk:
    """`desk` is the order desk, whose orders cancel-on-disconnect ends."""

    def __init__(self, parts: Parts, desk: OrderDesk) -> None:
        self.engine = parts.engine
        self.markets = parts.markets
        self.accounts = parts.accounts
        self.clock = parts.clock
        self.figures = parts.figures
        self.desk = desk
        self._countdowns: dict[AccountId, asyncio.TimerHandle] = {}

    def stop(self) -> None:
        for timer in self._countdowns.values():
            timer.cancel()
        self._countdowns.clear()

    def summary(self, account: AccountId) -> dict[str, Any]:
        """The sub-account at the marks; its margin figures are the engine's, the ones that accept
        or refuse its next order."""
        positions = list(self.figures.open_positions(account, None))
        cash = self.engine.balance(account).cash
        margin = self.engine.margin(account)
        return pl.account_summary_json(self.accounts.sub_of(account), cash, margin, positions, self.clock.now_ns_str())

    async def positions(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        wanted = set(query.instruments(self.markets, body))
        at = self.clock.now_ns_str()
        rows = [pl.position_json(f, at) for f in self.figures.open_positions(account, None) if f.view.market in wanted]
        return {"result": rows}

    async def account_summary(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        return {"result": self.summary(self.accounts.owned(ctx, body))}

    async def account_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        return page([(self.clock.now_ns(), self.summary(account))], body)

    async def get_sub_accounts(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        assert ctx.main is not None
        return {"sub_account_ids": self.accounts.subs_of(ctx.main)}

    def _main_summary(self, main: str) -> dict[str, Any]:
        accounts = self.accounts
        total = Decimal(0)
        for sub in accounts.subs_of(main):
            account = accounts.by_sub_account(sub)
            if account is not None:
                total += Decimal(self.summary(account)["total_equity"])
        return {
            "main_account_id": main,
            "total_equity": pl.num(total),
            "spot_balances": [],
            "vault_investments": [],
            "total_sub_account_balance": pl.num(total),
        }

    async def aggregated_account_summary(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        assert ctx.main is not None
        return {"result": self._main_summary(ctx.main)}

    async def funding_account_summary(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        assert ctx.main is not None
        row = self._main_summary(ctx.main)
        return {"result": {k: row[k] for k in ("main_account_id", "total_equity", "spot_balances")}, "tier": {}}

    async def get_all_initial_leverage(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        account = self.accounts.owned(ctx, body)
        rows = [
            {
                "instrument": instrument,
                "leverage": pl.num(self.figures.leverage(account, instrument)),
                "min_leverage": pl.num(lv.MIN_LEVERAGE),
                "max_leverage": pl.num(Decimal(self.figures.max_leverage(instrument))),
                "margin_type": "CROSS",
            }
            for instrument in self.markets
        ]
        return {"results": rows}

    async def set_initial_leverage(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        """The account's initial margin fraction in the engine becomes 1 / leverage: 2100 for no
        positive decimal, 2107 below 1×, 2108 above the instrument's maximum."""
        account = self.accounts.owned(ctx, body)
        instrument = body.get("instrument")
        if not isinstance(instrument, str) or instrument not in self.markets:
            raise GrvtError(3000)
        leverage = _leverage(body.get("leverage"))
        if leverage < lv.MIN_LEVERAGE:
            raise GrvtError(2107)
        if leverage > self.figures.max_leverage(instrument):
            raise GrvtError(2108)
        try:
            self.engine.set_initial_margin_fraction(account, instrument, lv.fraction_of(leverage))
        except ValueError:  # below the maintenance fraction, a hair inside the maximum's rounding
            raise GrvtError(2108) from None
        return {"success": True}

    async def funding_payment_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        self.accounts.owned(ctx, body)
        return {"result": [], "next": ""}

    async def cancel_on_disconnect(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        """≤ 1000 ms disarms; up to 300 s arms or refreshes (rounded to seconds); above → 6000."""
        account = self.accounts.owned(ctx, body)
        countdown = checks.uint(body.get("countdown_time"), "countdown_time", 2**63)
        if countdown > MAX_COUNTDOWN_MS:
            raise GrvtError(6000)
        timer = self._countdowns.pop(account, None)
        if timer is not None:
            timer.cancel()
        if countdown > 1000:
            seconds = round(countdown / 1000)
            loop = asyncio.get_running_loop()
            self._countdowns[account] = loop.call_later(seconds, self._triggered, account)
        return {"result": {"ack": True}}

    def _triggered(self, account: AccountId) -> None:
        self._countdowns.pop(account, None)
        self.desk.cancel_everything(account, "CLIENT_CANCEL_ON_DISCONNECT_TRIGGERED")


def _leverage(value: Any) -> Decimal:
    try:
        leverage = checks.decimal(value, "leverage")
    except GrvtError:
        raise GrvtError(2100) from None
    if not leverage:
        raise GrvtError(2100)
    return leverage
