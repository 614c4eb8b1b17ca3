"""The account limits of spec §4.14 beside the order limit: how much of an asset the account may
borrow (nothing: the simulator lends nothing, `borrowLimit` is "0" on `/api/v1/account`) and may
withdraw (the free collateral: USDC cash not holding up positions or orders, never more than the
cash). `symbol` is an asset, parsed like the venue's `Asset` enum."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Protocol

from aiohttp import web

from xtb.sim.backpack.errors import ENUM_PROBLEM, json_response, param_error
from xtb.sim.backpack.params import query_bool
from xtb.sim.backpack.payloads import plain
from xtb.sim.backpack.settings import QUOTE_ASSET
from xtb.sim.engine_types import AccountId
from xtb.sim.frontend import ACCOUNT

ZERO = Decimal(0)


class Collateral(Protocol):
    """What withdrawal needs of an account's margin figures (`margin.Collateral` has it)."""

    @property
    def cash(self) -> Decimal: ...

    @property
    def available(self) -> Decimal: ...


def query_asset(query: Mapping[str, str], assets: Collection[str]) -> str:
    symbol = query.get("symbol")
    if symbol is None:
        raise param_error("symbol", "Asset")
    if symbol not in assets:
        raise param_error("symbol", "Asset", ENUM_PROBLEM)
    return symbol


class AccountLimits:
    def __init__(self, assets: Collection[str], margin_of: Callable[[AccountId], Collateral]) -> None:
        self.assets = assets
        self.margin_of = margin_of

    async def borrow(self, request: web.Request) -> web.StreamResponse:
        symbol = query_asset(request.query, self.assets)
        return json_response({"maxBorrowQuantity": "0", "symbol": symbol})

    async def withdrawal(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        symbol = query_asset(query, self.assets)
        flags = {key: query_bool(query, key) for key in ("autoBorrow", "autoLendRedeem")}
        quantity = ZERO
        if symbol == QUOTE_ASSET:  # the only asset an account of the simulator holds
            figures = self.margin_of(request[ACCOUNT])
            quantity = max(ZERO, min(figures.cash, figures.available))
        return json_response({"maxWithdrawalQuantity": plain(quantity), "symbol": symbol, **flags})
