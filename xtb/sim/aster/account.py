"""Account routes (spec §4.4-§4.6): balance, account, positionRisk, the account settings (leverage,
margin type, position mode, multi-assets, STP mode), brackets, commission, income, the listen key
and noop.

Margin figures are computed from the engine's truth at the mark (the book's mid): initial margin is
notional / leverage, maintenance from the one leverage bracket per symbol. The engine keeps cross
positions only: an ISOLATED setting is remembered and echoed, not margined separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from xtb.sim.aster import params as prm
from xtb.sim.aster import payloads as pl
from xtb.sim.aster.errors import AsterError, json_response, mandatory
from xtb.sim.aster.params import PARAMS
from xtb.sim.aster.settings import MAKER_FEE_RATE, QUOTE_ASSET, TAKER_FEE_RATE, MarketDef
from xtb.sim.engine_types import AccountId, PositionView
from xtb.sim.frontend import ACCOUNT

if TYPE_CHECKING:
    from xtb.sim.aster.frontend import AsterFrontEnd

ZERO = Decimal(0)
OK = {"code": 200, "msg": "success"}
MAINT_RATIO = Decimal("0.0065")
BRACKET_CAP = 10_000_000
ZERO_ASSETS = ("BNB", "USDF")  # live accounts list zero-balance collateral assets too


@dataclass(frozen=True)
class PositionFigures:
    market: MarketDef
    view: PositionView
    mark: Decimal
    leverage: int

    @property
    def notional(self) -> Decimal:
        return self.view.size * self.mark

    @property
    def unrealized(self) -> Decimal:
        return pl.unrealized(self.view, self.mark)

    @property
    def initial_margin(self) -> Decimal:
        return abs(self.notional) / self.leverage

    @property
    def maint_margin(self) -> Decimal:
        return abs(self.notional) * MAINT_RATIO


class Figures:
    """Balances and margin of one account, from the engine, at the mark."""

    def __init__(self, frontend: AsterFrontEnd) -> None:
        self.fe = frontend

    def positions(self, account: AccountId) -> dict[str, PositionFigures]:
        fe = self.fe
        out = {}
        settings = fe.state.settings_of(account)
        for view in fe.engine.positions(account):
            market = fe.market_defs.get(view.market)
            if market is not None:
                mark = fe.mark_price(view.market)
                out[view.market] = PositionFigures(market, view, mark, settings.leverage_of(view.market))
        return out

    def order_margin(self, account: AccountId, symbol: str | None = None) -> Decimal:
        """Initial margin of the resting orders (reduce-only ones take none), of one symbol or all."""
        settings = self.fe.state.settings_of(account)
        total = ZERO
        for order in self.fe.engine.open_orders(account, symbol):
            if order.price is not None and not order.reduce_only:
                total += order.remaining * order.price / settings.leverage_of(order.market)
        return total

    def summary(self, account: AccountId) -> dict[str, Decimal]:
        cash = self.fe.engine.balance(account).cash
        positions = self.positions(account).values()
        unrealized = sum((p.unrealized for p in positions), ZERO)
        position_im = sum((p.initial_margin for p in positions), ZERO)
        maint = sum((p.maint_margin for p in positions), ZERO)
        order_im = self.order_margin(account)
        available = cash + unrealized - position_im - order_im
        return {
            "wallet": cash,
            "unrealized": unrealized,
            "margin_balance": cash + unrealized,
            "position_im": position_im,
            "order_im": order_im,
            "maint": maint,
            "available": available,
            "max_withdraw": max(ZERO, min(cash, available)),
        }

    def available(self, account: AccountId) -> Decimal:
        return self.summary(account)["available"]


def money(value: Decimal) -> str:
    return pl.fixed(value, 8, zero="0.00000000")


class AccountDesk:
    def __init__(self, frontend: AsterFrontEnd) -> None:
        self.fe = frontend
        self.figures = Figures(frontend)

    def _now_ms(self) -> int:
        return self.fe.now_ms()

    # ----------------------------------------------------------------------------- balances

    async def balance(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        s = self.figures.summary(account)
        alias = self.fe.alias_of(account)
        now = self._now_ms()
        rows = [
            {
                "accountAlias": alias,
                "asset": QUOTE_ASSET,
                "balance": money(s["wallet"]),
                "crossWalletBalance": money(s["wallet"]),
                "crossUnPnl": money(s["unrealized"]),
                "availableBalance": money(s["available"]),
                "maxWithdrawAmount": money(s["max_withdraw"]),
                "marginAvailable": True,
                "updateTime": now,
            }
        ]
        for asset in ZERO_ASSETS:
            rows.append(
                {
                    **rows[0],
                    "asset": asset,
                    "balance": "0.00000000",
                    "crossWalletBalance": "0.00000000",
                    "crossUnPnl": "0.00000000",
                    "availableBalance": "0.00000000",
                    "maxWithdrawAmount": "0.00000000",
                    "updateTime": 0,
                }
            )
        return json_response(rows)

    async def account(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        s = self.figures.summary(account)
        figures = self.figures.positions(account)
        settings = self.fe.state.settings_of(account)
        totals = {
            "totalInitialMargin": money(s["position_im"] + s["order_im"]),
            "totalMaintMargin": money(s["maint"]),
            "totalWalletBalance": money(s["wallet"]),
            "totalUnrealizedProfit": money(s["unrealized"]),
            "totalMarginBalance": money(s["margin_balance"]),
            "totalPositionInitialMargin": money(s["position_im"]),
            "totalOpenOrderInitialMargin": money(s["order_im"]),
            "totalCrossWalletBalance": money(s["wallet"]),
            "totalCrossUnPnl": money(s["unrealized"]),
            "availableBalance": money(s["available"]),
            "maxWithdrawAmount": money(s["max_withdraw"]),
        }
        asset = {
            "asset": QUOTE_ASSET,
            "walletBalance": money(s["wallet"]),
            "unrealizedProfit": money(s["unrealized"]),
            "marginBalance": money(s["margin_balance"]),
            "maintMargin": money(s["maint"]),
            "initialMargin": money(s["position_im"] + s["order_im"]),
            "positionInitialMargin": money(s["position_im"]),
            "openOrderInitialMargin": money(s["order_im"]),
            "crossWalletBalance": money(s["wallet"]),
            "crossUnPnl": money(s["unrealized"]),
            "availableBalance": money(s["available"]),
            "maxWithdrawAmount": money(s["max_withdraw"]),
            "marginAvailable": True,
            "updateTime": self._now_ms(),
        }
        positions = []
        for market in self.fe.market_defs.values():
            for side in ("LONG", "SHORT") if settings.dual_side else ("BOTH",):
                # hedge-mode rows carry no order margin: the engine nets one position per symbol
                order_im = self.figures.order_margin(account, market.symbol) if side == "BOTH" else ZERO
                positions.append(self._account_position(market, figures.get(market.symbol), side, settings, order_im))
        return json_response(
            {
                "feeTier": 0,
                "canTrade": True,
                "canDeposit": True,
                "canWithdraw": True,
                "updateTime": 0,
                "multiAssetsMargin": settings.multi_assets,
                **totals,
                "assets": [asset],
                "positions": positions,
            }
        )

    def _account_position(
        self, market: MarketDef, f: PositionFigures | None, side: str, settings: Any, order_im: Decimal
    ) -> dict:
        """One row of `positions[]`: `initialMargin` is the symbol's whole initial margin, the
        position's (`positionInitialMargin`) and its resting orders' (`openOrderInitialMargin`)."""
        size = _side_size(f.view.size if f else ZERO, side)
        held = f is not None and size != 0
        position_im = f.initial_margin if held and f else ZERO
        return {
            "symbol": market.symbol,
            "initialMargin": money(position_im + order_im),
            "maintMargin": money(f.maint_margin if held and f else ZERO),
            "unrealizedProfit": money(f.unrealized if held and f else ZERO),
            "positionInitialMargin": money(position_im),
            "openOrderInitialMargin": money(order_im),
            "leverage": str(settings.leverage_of(market.symbol)),
            "isolated": settings.margin_type_of(market.symbol) == "ISOLATED",
            "entryPrice": pl.rounded(pl.entry_price(f.view)) if held and f else "0.0",
            "maxNotional": str(BRACKET_CAP),
            "positionSide": side,
            "positionAmt": pl.qty(market, size) if held else "0",
            "updateTime": 0,
        }

    async def position_risk(self, request: web.Request) -> web.StreamResponse:
        """Every symbol (or one), flat ones as zero rows; `positionAmt` and `notional` signed."""
        account = request[ACCOUNT]
        only = prm.symbol(request[PARAMS], self.fe.market_defs, required=False)
        figures = self.figures.positions(account)
        settings = self.fe.state.settings_of(account)
        rows = []
        for market in self.fe.market_defs.values():
            if only is not None and market.symbol != only.symbol:
                continue
            f = figures.get(market.symbol)
            mark = self.fe.mark_price(market.symbol)
            for side in ("LONG", "SHORT") if settings.dual_side else ("BOTH",):
                size = _side_size(f.view.size if f else ZERO, side)
                rows.append(
                    {
                        "symbol": market.symbol,
                        "positionAmt": pl.fixed(size, market.quantity_precision, zero=None),
                        "entryPrice": pl.rounded(pl.entry_price(f.view)) if f and size else "0.0",
                        "markPrice": pl.rounded(mark),
                        "unRealizedProfit": money(f.unrealized if f and size else ZERO),
                        "liquidationPrice": "0",
                        "leverage": str(settings.leverage_of(market.symbol)),
                        "maxNotionalValue": str(BRACKET_CAP),
                        "marginType": settings.margin_type_of(market.symbol).lower().replace("crossed", "cross"),
                        "isolatedMargin": "0.00000000",
                        "isAutoAddMargin": "false",
                        "positionSide": side,
                        "notional": pl.rounded(size * mark),
                        "isolatedWallet": "0",
                        "updateTime": pl.ms(self.fe.engine.clock.time()) if f and size else 0,
                    }
                )
        return json_response(rows)

    # ----------------------------------------------------------------------------- settings

    async def leverage(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.fe.market_defs)
        assert market is not None
        value = prm.integer(params, "leverage")
        if value is None:
            raise mandatory("leverage")
        if not 1 <= value <= 125:
            raise AsterError(-4028, f"Leverage {value} is not valid")
        self.fe.state.settings_of(request[ACCOUNT]).leverage[market.symbol] = value
        self.fe.streams.account_config(request[ACCOUNT], {"ac": {"s": market.symbol, "l": value}})
        return json_response({"leverage": value, "maxNotionalValue": str(BRACKET_CAP), "symbol": market.symbol})

    async def margin_type(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.fe.market_defs)
        assert market is not None
        wanted = prm.enum(params, "marginType", ("ISOLATED", "CROSSED"))
        if wanted is None:
            raise mandatory("marginType")
        account = request[ACCOUNT]
        settings = self.fe.state.settings_of(account)
        if settings.margin_type_of(market.symbol) == wanted:
            raise AsterError(-4046)
        if self.fe.engine.open_orders(account, market.symbol):
            raise AsterError(-4047)
        if self.fe.engine.position(account, market.symbol).size:
            raise AsterError(-4048)
        settings.margin_type[market.symbol] = wanted
        return json_response(OK)

    async def dual_side(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        settings = self.fe.state.settings_of(account)
        if request.method == "GET":
            return json_response({"dualSidePosition": settings.dual_side})
        wanted = prm.boolean(request[PARAMS], "dualSidePosition")
        if wanted is None:
            raise mandatory("dualSidePosition")
        if wanted == settings.dual_side:
            raise AsterError(-4059)
        if self.fe.engine.open_orders(account):
            raise AsterError(-4067)
        if any(p.size for p in self.fe.engine.positions(account)):
            raise AsterError(-4068)
        settings.dual_side = wanted
        self.fe.streams.account_config(account, {"ai": {"j": settings.multi_assets, "d": wanted}})
        return json_response(OK)

    async def multi_assets(self, request: web.Request) -> web.StreamResponse:
        settings = self.fe.state.settings_of(request[ACCOUNT])
        if request.method == "GET":
            return json_response({"multiAssetsMargin": settings.multi_assets})
        wanted = prm.boolean(request[PARAMS], "multiAssetsMargin")
        if wanted is None:
            raise mandatory("multiAssetsMargin")
        settings.multi_assets = wanted
        self.fe.streams.account_config(request[ACCOUNT], {"ai": {"j": wanted, "d": settings.dual_side}})
        return json_response(OK)

    async def stp_mode(self, request: web.Request) -> web.StreamResponse:
        """Kept and echoed; the engine applies the venue default (EXPIRE_TAKER) to every order."""
        settings = self.fe.state.settings_of(request[ACCOUNT])
        if request.method == "GET":
            return json_response({"stpMode": settings.stp_mode})
        wanted = prm.enum(request[PARAMS], "stpMode", ("EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"))
        if wanted is None:
            raise mandatory("stpMode")
        settings.stp_mode = wanted
        return json_response(OK)

    async def position_margin(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.fe.market_defs)
        assert market is not None
        amount = prm.decimal(params, "amount")
        kind = prm.enum(params, "type", ("1", "2"))
        if amount is None or kind is None:
            raise mandatory("amount" if amount is None else "type")
        if self.fe.state.settings_of(request[ACCOUNT]).margin_type_of(market.symbol) != "ISOLATED":
            raise AsterError(-4051, "Isolated balance insufficient.")
        return json_response(
            {"amount": float(0), "code": 200, "msg": "Successfully modify position margin.", "type": int(kind)}
        )

    async def leverage_bracket(self, request: web.Request) -> web.StreamResponse:
        only = prm.symbol(request[PARAMS], self.fe.market_defs, required=False)
        rows = [
            {
                "symbol": m.symbol,
                "brackets": [
                    {
                        "bracket": 1,
                        "initialLeverage": 125,
                        "notionalCap": BRACKET_CAP,
                        "notionalFloor": 0,
                        "maintMarginRatio": float(MAINT_RATIO),
                        "cum": 0,
                    }
                ],
            }
            for m in self.fe.market_defs.values()
            if only is None or m.symbol == only.symbol
        ]
        return json_response(rows[0] if only is not None else rows)

    async def commission_rate(self, request: web.Request) -> web.StreamResponse:
        market = prm.symbol(request[PARAMS], self.fe.market_defs)
        assert market is not None
        return json_response(
            {
                "symbol": market.symbol,
                "makerCommissionRate": pl.plain(MAKER_FEE_RATE),
                "takerCommissionRate": pl.plain(TAKER_FEE_RATE),
            }
        )

    async def income(self, request: web.Request) -> web.StreamResponse:
        """REALIZED_PNL and COMMISSION rows from the account's fills."""
        params = request[PARAMS]
        only = prm.symbol(params, self.fe.market_defs, required=False)
        kind = params.get("incomeType")
        limit = min(prm.integer(params, "limit") or 100, 1000)
        rows = []
        for fill in self.fe.engine.fills(request[ACCOUNT], None if only is None else only.symbol):
            trade_id = self.fe.state.trade_id(fill.trade_id)
            for income_type, amount in (("REALIZED_PNL", fill.realized_pnl), ("COMMISSION", -fill.fee)):
                if amount and kind in (None, income_type):
                    rows.append(
                        {
                            "symbol": fill.market,
                            "incomeType": income_type,
                            "income": pl.plain(amount),
                            "asset": QUOTE_ASSET,
                            "info": "",
                            "time": pl.ms(fill.ts),
                            "tranId": trade_id,
                            "tradeId": str(trade_id),
                        }
                    )
        return json_response(rows[-limit:])

    # --------------------------------------------------------------------------- listen key

    async def listen_key(self, request: web.Request) -> web.StreamResponse:
        """POST opens (or extends and returns) the key; PUT extends; DELETE closes. A stray
        `listenKey=` is accepted and ignored."""
        fe = self.fe
        account = request[ACCOUNT]
        now = fe.engine.clock.time()
        validity = fe.settings.listen_key_validity_s
        request[PARAMS].get("listenKey")
        if request.method == "POST":
            return json_response({"listenKey": fe.state.open_listen_key(account, now, validity).key})
        entry = fe.state.listen_key_of(account, now)
        if entry is None:
            raise AsterError(-1125)
        if request.method == "PUT":
            entry.expires = now + validity
        else:
            fe.streams.close_listen_key(entry.key)
        return json_response({})

    async def noop(self, request: web.Request) -> web.StreamResponse:
        """Authentication already consumed the nonce: a request still pending with it now fails."""
        return json_response(OK)


def _side_size(size: Decimal, side: str) -> Decimal:
    if side == "LONG":
        return max(size, ZERO)
    if side == "SHORT":
        return min(size, ZERO)
    return size
