"""The signed account routes of spec §4.13-§4.14: positions, balances, collateral, the account's
settings (the account-wide leverage limit among them) and the order size limit, all drawn from the
engine's margin model through `margin`."""

from __future__ import annotations

from decimal import Decimal

from aiohttp import web

from xtb.model import OrderType
from xtb.sim.backpack import margin
from xtb.sim.backpack import payloads as pl
from xtb.sim.backpack.errors import ApiError, json_response
from xtb.sim.backpack.params import (
    BODY,
    MARKET_TYPES,
    parse_account_update,
    query_bool,
    query_decimal,
    query_enum,
    query_side,
)
from xtb.sim.backpack.parts import VenueParts
from xtb.sim.frontend import ACCOUNT

BPS = Decimal(10_000)


class AccountDesk:
    def __init__(self, parts: VenueParts) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.figures = parts.figures

    async def positions(self, request: web.Request) -> web.StreamResponse:
        market = self.parts.maybe_market(request.query)
        kind = query_enum(request.query, "marketType", "MarketType", MARKET_TYPES)
        account = request[ACCOUNT]
        state = self.parts.state
        rows = []
        if kind in (None, "PERP"):
            for figures in self.figures.open_positions(account, None if market is None else market.symbol):
                pid = state.position_id(account, figures.market.symbol)
                rows.append(pl.position_json(figures, pid, state.user_id(account)))
        return json_response(rows)

    async def capital(self, request: web.Request) -> web.StreamResponse:
        cash = self.engine.balance(request[ACCOUNT]).cash
        if not cash:
            return json_response({})
        return json_response({pl.QUOTE_ASSET: {"available": pl.plain(cash), "locked": "0", "staked": "0"}})

    async def collateral(self, request: web.Request) -> web.StreamResponse:
        """`netEquityAvailable` is what new exposure may still use: equity less the initial margin of
        the positions and resting orders, as the engine counts it at order entry."""
        figures = margin.collateral(self.engine, self.figures, request[ACCOUNT])
        cash = figures.cash
        row = {
            "assetMarkPrice": "1",
            "availableQuantity": pl.plain(cash),
            "balanceNotional": pl.plain(cash),
            "collateralValue": pl.plain(cash),
            "collateralWeight": "1",
            "lendQuantity": "0",
            "openOrderQuantity": "0",
            "symbol": pl.QUOTE_ASSET,
            "totalQuantity": pl.plain(cash),
        }
        fraction = pl.plain(pl.rounded(figures.equity / figures.exposure)) if figures.exposure else None
        return json_response(
            {
                "assetsValue": pl.plain(cash),
                "borrowLiability": "0",
                "collateral": [row] if cash else [],
                "imf": pl.plain(figures.imf),
                "liabilitiesValue": "0",
                "marginFraction": fraction,
                "mmf": pl.plain(figures.mmf),
                "netEquity": pl.plain(figures.equity),
                "netEquityAvailable": pl.plain(figures.available),
                "netEquityLocked": pl.plain(figures.locked),
                "netExposureFutures": pl.plain(figures.exposure),
                "pnlUnrealized": pl.plain(figures.unrealized),
                "unsettledEquity": "0",
            }
        )

    async def account(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        orders = self.engine.open_orders(account)
        policy = self.parts.settings.policy()
        leverage = margin.leverage_limit(self.engine, account, self.parts.markets)
        return json_response(
            {
                "autoBorrowSettlements": True,
                "autoLend": False,
                "autoRealizePnl": True,
                "autoRepayBorrows": True,
                "borrowLimit": "0",
                "futuresMakerFee": pl.plain(policy.maker_fee_rate * BPS),
                "futuresTakerFee": pl.plain(policy.taker_fee_rate * BPS),
                "leverageLimit": pl.plain(leverage),
                "limitOrders": sum(1 for o in orders if o.order_type is OrderType.LIMIT),
                "liquidating": False,
                "positionLimit": "1000000",
                "spotMakerFee": "8",
                "spotTakerFee": "10",
                "triggerOrders": 0,
            }
        )

    async def update(self, request: web.Request) -> web.StreamResponse:
        """§4.14: 200 with an empty body; a `leverageLimit` applies to every market at once."""
        leverage = parse_account_update(request[BODY])
        if leverage is not None:
            margin.set_leverage_limit(self.engine, request[ACCOUNT], self.parts.markets, leverage)
        return web.Response(status=200)

    async def order_limit(self, request: web.Request) -> web.StreamResponse:
        """§4.14 `maxOrderQuantity` at `price` (default: the mark); the spot margin flags are echoed."""
        query = request.query
        market = self.parts.market(query)
        side = query_side(query)
        price = query_decimal(query, "price")
        reduce_only = query_bool(query, "reduceOnly")
        flags = {key: query_bool(query, key) for key in ("autoBorrow", "autoBorrowRepay", "autoLendRedeem")}
        reference_price = price if price is not None else self.figures.mark_price(market.symbol)
        if reference_price is not None and reference_price <= 0:
            raise ApiError(400, "INVALID_PRICE", "Invalid price")
        quantity = (
            Decimal(0)
            if reference_price is None
            else margin.max_order_quantity(
                self.engine, request[ACCOUNT], market, side, reference_price, bool(reduce_only)
            )
        )
        return json_response(
            {
                "maxOrderQuantity": pl.plain(quantity),
                "symbol": market.symbol,
                "side": pl.SIDE_NAMES[side],
                "price": None if price is None else pl.plain(price),
                "reduceOnly": reduce_only,
                **flags,
            }
        )
