"""Money moving in and out of sub-accounts (spec §4.9 history routes, §5.3 `v1.deposit` /
`v1.withdrawal` / `v1.transfer`): the deposits and withdrawals the control API makes (the engine's
`deposits` total moving), with the history shapes of grvt-pysdk's raw types, which the spec names
without describing.

Transfers are not modelled (`transfer` answers 1009), so their history stays empty; nor is
borrowing, so interest payments stay empty too. A control-API withdrawal carries no signature: its
record shows the zero forms. An engine reset (the event sequence starting over) forgets it all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xtb.sim.engine_types import AccountId, BalanceChanged, BalanceView
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.auth import Accounts, Ctx
from xtb.sim.grvt.eip712 import ZERO_ADDRESS
from xtb.sim.grvt.errors import GrvtError
from xtb.sim.grvt.query import page
from xtb.sim.grvt.settings import QUOTE

# stream, main account, sub-account, feed
Publish = Callable[[str, str, str, Any], None]
NO_SIGNATURE = {"signer": ZERO_ADDRESS, "r": "0x" + "0" * 64, "s": "0x" + "0" * 64, "v": 0, "expiration": "0",
                "nonce": 0, "chain_id": "0"}  # fmt: skip


@dataclass(frozen=True)
class Movement:
    """A deposit (amount > 0) or a withdrawal (amount < 0) of collateral."""

    number: int
    account: AccountId
    amount: Decimal
    at_ns: int

    @property
    def tx_hash(self) -> str:
        return f"0x{self.number:064x}"


class Ledger:
    def __init__(self, accounts: Accounts, publish: Publish, now_ns: Callable[[], int]) -> None:
        self.accounts = accounts
        self.publish = publish
        self.now_ns = now_ns
        self.movements: list[Movement] = []
        self._deposited: dict[AccountId, Decimal] = {}
        self._last_seq = 0

    def seed(self, balances: Iterable[BalanceView]) -> None:
        """The deposits made before the front-end listened to the engine (the default accounts')."""
        for view in balances:
            self._deposited[view.account_id] = view.deposits
            if view.deposits:
                self.movements.append(Movement(len(self.movements) + 1, view.account_id, view.deposits, self.now_ns()))

    def on_balance(self, event: BalanceChanged) -> None:
        if event.seq <= self._last_seq:
            self.movements.clear()
            self._deposited.clear()
        self._last_seq = event.seq
        view = event.balance
        moved = view.deposits - self._deposited.get(view.account_id, Decimal(0))
        self._deposited[view.account_id] = view.deposits
        if not moved:
            return
        movement = Movement(len(self.movements) + 1, view.account_id, moved, self.now_ns())
        self.movements.append(movement)
        if self.accounts.known(view.account_id):  # an account's first funding comes before its credentials
            main, sub = self.accounts.main_of(view.account_id), self.accounts.sub_of(view.account_id)
            stream, feed = ("v1.deposit", _deposit(movement, main)) if moved > 0 else (
                "v1.withdrawal", _withdrawal(movement, main))  # fmt: skip
            self.publish(stream, main, sub, feed)

    def _of(self, ctx: Ctx, body: Mapping[str, Any], deposits: bool) -> Iterator[tuple[Movement, str]]:
        """The main account's movements of one direction, if the currency filter lets USDT through."""
        assert ctx.main is not None
        asked = body.get("main_account_id")
        if asked not in (None, "") and (not isinstance(asked, str) or asked.lower() != ctx.main):
            raise GrvtError(1001)
        currencies = body.get("currency")
        if isinstance(currencies, list) and currencies and QUOTE not in currencies:
            return
        for movement in self.movements:
            if (movement.amount > 0) == deposits and self.accounts.known(movement.account):
                main = self.accounts.main_of(movement.account)
                if main == ctx.main:
                    yield movement, main

    async def deposit_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        return page([(m.at_ns, _deposit(m, main)) for m, main in self._of(ctx, body, True)], body)

    async def withdrawal_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        return page([(m.at_ns, _withdrawal(m, main)) for m, main in self._of(ctx, body, False)], body)

    async def transfer_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        list(self._of(ctx, body, True))  # the same checks of who may ask
        return {"result": [], "next": ""}

    async def interest_payment_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        self.accounts.owned(ctx, body)
        return {"result": [], "next": ""}


def _deposit(m: Movement, main: str) -> dict[str, Any]:
    at = str(m.at_ns)
    return {
        "l_1_hash": m.tx_hash, "l_2_hash": m.tx_hash, "to_account_id": main, "currency": QUOTE,
        "num_tokens": pl.num(m.amount), "initiated_time": at, "confirmed_time": at, "from_address": main,
    }  # fmt: skip


def _withdrawal(m: Movement, main: str) -> dict[str, Any]:
    return {"tx_id": str(m.number), "from_account_id": main, "to_eth_address": main, "currency": QUOTE,
            "num_tokens": pl.num(-m.amount), "signature": NO_SIGNATURE, "event_time": str(m.at_ns)}  # fmt: skip
