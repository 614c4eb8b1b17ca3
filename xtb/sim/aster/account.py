"""Account routes (spec §4.4-§4.6): balance, account, positionRisk, the account settings (leverage,
margin type, position mode, multi-assets, STP mode), brackets, commission, income, the listen key
and noop.

Margin figures are the engine's margin model (`figures.py`); the leverage call sets the account's
initial margin fraction in the engine, so the leverage shown and the margin an order needs are one
setting. The engine keeps cross positions only: an ISOLATED setting is remembered and echoed, not
margined separately. A market's one leverage bracket carries its `notional_cap` as
`maxNotionalValue`, published but not enforced (the engine caps no position).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.sim.aster import params as prm
from xtb.sim.aster import payloads as pl
from xtb.sim.aster.errors import AsterError, json_response, mandatory
from xtb.sim.aster.figures import Figures, PositionFigures
from xtb.sim.aster.params import PARAMS
from xtb.sim.aster.parts import VenueParts
from xtb.sim.aster.settings import MAKER_FEE_RATE, QUOTE_ASSET, TAKER_FEE_RATE, MarketDef
from xtb.sim.aster.state import AccountSettings
from xtb.sim.aster.streams import AsterStreams
from xtb.sim.engine_types import AccountId
from xtb.sim.frontend import ACCOUNT

ZERO = Decimal(0)
OK = {"code": 200, "msg": "success"}
ZERO_ASSETS = ("BNB", "USDF")  # live accounts list zero-balance collateral assets too


def money(value: Decimal) -> str:
    return pl.fixed(value, 8, zero="0.00000000")


class AccountDesk:
    def __init__(self, parts: VenueParts, figures: Figures, streams: AsterStreams) -> None:
        self.parts = parts
        self.figures = figures
        self.streams = streams

    # ----------------------------------------------------------------------------- balances

    async def balance(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        s = self.figures.summary(account)
        alias = self.parts.alias_of(account)
        now = self.parts.now_ms()
        rows = [
            {
                "accountAlias": alias,
                "asset": QUOTE_ASSET,
                "balance": money(s.wallet),
                "crossWalletBalance": money(s.wallet),
                "crossUnPnl": money(s.unrealized),
                "availableBalance": money(s.available),
                "maxWithdrawAmount": money(s.max_withdraw),
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
        settings = self.parts.state.settings_of(account)
        totals = {
            "totalInitialMargin": money(s.position_im + s.order_im),
            "totalMaintMargin": money(s.maint),
            "totalWalletBalance": money(s.wallet),
            "totalUnrealizedProfit": money(s.unrealized),
            "totalMarginBalance": money(s.margin_balance),
            "totalPositionInitialMargin": money(s.position_im),
            "totalOpenOrderInitialMargin": money(s.order_im),
            "totalCrossWalletBalance": money(s.wallet),
            "totalCrossUnPnl": money(s.unrealized),
            "availableBalance": money(s.available),
            "maxWithdrawAmount": money(s.max_withdraw),
        }
        asset = {
            "asset": QUOTE_ASSET,
            "walletBalance": money(s.wallet),
            "unrealizedProfit": money(s.unrealized),
            "marginBalance": money(s.margin_balance),
            "maintMargin": money(s.maint),
            "initialMargin": money(s.position_im + s.order_im),
            "positionInitialMargin": money(s.position_im),
            "openOrderInitialMargin": money(s.order_im),
            "crossWalletBalance": money(s.wallet),
            "crossUnPnl": money(s.unrealized),
            "availableBalance": money(s.available),
            "maxWithdrawAmount": money(s.max_withdraw),
            "marginAvailable": True,
            "updateTime": self.parts.now_ms(),
        }
        positions = []
        for market in self.parts.market_defs.values():
            for side in ("LONG", "SHORT") if settings.dual_side else ("BOTH",):
                # hedge-mode rows carry no order margin: the engine nets one position per symbol
                order_im = self.figures.order_margin(account, market.symbol) if side == "BOTH" else ZERO
                row = self._account_position(account, market, figures.get(market.symbol), side, settings, order_im)
                positions.append(row)
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
        self,
        account: AccountId,
        market: MarketDef,
        f: PositionFigures | None,
        side: str,
        settings: AccountSettings,
        order_im: Decimal,
    ) -> dict[str, Any]:
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
            "leverage": str(self.figures.leverage(account, market.symbol)),
            "isolated": settings.margin_type_of(market.symbol) == "ISOLATED",
            "entryPrice": pl.rounded(pl.entry_price(f.view)) if held and f else "0.0",
            "maxNotional": str(market.notional_cap),
            "positionSide": side,
            "positionAmt": pl.qty(market, size) if held else "0",
            "updateTime": 0,
        }

    async def position_risk(self, request: web.Request) -> web.StreamResponse:
        """Every symbol (or one), flat ones as zero rows; `positionAmt` and `notional` signed."""
        account = request[ACCOUNT]
        only = prm.symbol(request[PARAMS], self.parts.market_defs, required=False)
        figures = self.figures.positions(account)
        settings = self.parts.state.settings_of(account)
        rows = []
        for market in self.parts.market_defs.values():
            if only is not None and market.symbol != only.symbol:
                continue
            f = figures.get(market.symbol)
            mark = self.parts.mark_price(market.symbol)
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
                        "leverage": str(self.figures.leverage(account, market.symbol)),
                        "maxNotionalValue": str(market.notional_cap),
                        "marginType": settings.margin_type_of(market.symbol).lower().replace("crossed", "cross"),
                        "isolatedMargin": "0.00000000",
                        "isAutoAddMargin": "false",
                        "positionSide": side,
                        "notional": pl.rounded(size * mark),
                        "isolatedWallet": "0",
                        "updateTime": pl.ms(self.parts.engine.clock.time()) if f and size else 0,
                    }
                )
        return json_response(rows)

    # ----------------------------------------------------------------------------- settings

    async def leverage(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        value = prm.integer(params, "leverage")
        if value is None:
            raise mandatory("leverage")
        invalid_leverage = AsterError(-4028, f"Leverage {value} is not valid")
        if not 1 <= value <= self.figures.max_leverage(market.symbol):
            raise invalid_leverage
        try:
            self.parts.engine.set_initial_margin_fraction(request[ACCOUNT], market.symbol, Decimal(1) / value)
        except ValueError:  # 1/leverage below the maintenance fraction (rounding at the bound)
            raise invalid_leverage from None
        self.streams.account_config(request[ACCOUNT], {"ac": {"s": market.symbol, "l": value}})
        return json_response({"leverage": value, "maxNotionalValue": str(market.notional_cap), "symbol": market.symbol})

    async def margin_type(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        wanted = prm.enum(params, "marginType", ("ISOLATED", "CROSSED"))
        if wanted is None:
            raise mandatory("marginType")
        account = request[ACCOUNT]
        settings = self.parts.state.settings_of(account)
        if settings.margin_type_of(market.symbol) == wanted:
            raise AsterError(-4046)
        if self.parts.engine.open_orders(account, market.symbol):
            raise AsterError(-4047)
        if self.parts.engine.position(account, market.symbol).size:
            raise AsterError(-4048)
        settings.margin_type[market.symbol] = wanted
        return json_response(OK)

    async def dual_side(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        settings = self.parts.state.settings_of(account)
        if request.method == "GET":
            return json_response({"dualSidePosition": settings.dual_side})
        wanted = prm.boolean(request[PARAMS], "dualSidePosition")
        if wanted is None:
            raise mandatory("dualSidePosition")
        if wanted == settings.dual_side:
            raise AsterError(-4059)
        if self.parts.engine.open_orders(account):
            raise AsterError(-4067)
        if any(p.size for p in self.parts.engine.positions(account)):
            raise AsterError(-4068)
        settings.dual_side = wanted
        self.streams.account_config(account, {"ai": {"j": settings.multi_assets, "d": wanted}})
        return json_response(OK)

    async def multi_assets(self, request: web.Request) -> web.StreamResponse:
        settings = self.parts.state.settings_of(request[ACCOUNT])
        if request.method == "GET":
            return json_response({"multiAssetsMargin": settings.multi_assets})
        wanted = prm.boolean(request[PARAMS], "multiAssetsMargin")
        if wanted is None:
            raise mandatory("multiAssetsMargin")
        settings.multi_assets = wanted
        self.streams.account_config(request[ACCOUNT], {"ai": {"j": wanted, "d": settings.dual_side}})
        return json_response(OK)

    async def stp_mode(self, request: web.Request) -> web.StreamResponse:
        """Kept and echoed; the engine applies the venue default (EXPIRE_TAKER) to every order."""
        settings = self.parts.state.settings_of(request[ACCOUNT])
        if request.method == "GET":
            return json_response({"stpMode": settings.stp_mode})
        wanted = prm.enum(request[PARAMS], "stpMode", ("EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"))
        if wanted is None:
            raise mandatory("stpMode")
        settings.stp_mode = wanted
        return json_response(OK)

    async def position_margin(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        amount = prm.decimal(params, "amount")
        kind = prm.enum(params, "type", ("1", "2"))
        if amount is None or kind is None:
            raise mandatory("amount" if amount is None else "type")
        if self.parts.state.settings_of(request[ACCOUNT]).margin_type_of(market.symbol) != "ISOLATED":
            raise AsterError(-4051, "Isolated balance insufficient.")
        return json_response(
            {"amount": float(0), "code": 200, "msg": "Successfully modify position margin.", "type": int(kind)}
        )

    async def leverage_bracket(self, request: web.Request) -> web.StreamResponse:
        only = prm.symbol(request[PARAMS], self.parts.market_defs, required=False)
        rows = [
            {
                "symbol": m.symbol,
                "brackets": [
                    {
                        "bracket": 1,
                        "initialLeverage": self.figures.max_leverage(m.symbol),
                        "notionalCap": m.notional_cap,
                        "notionalFloor": 0,
                        "maintMarginRatio": float(self.parts.engine.market(m.symbol).maintenance_margin_fraction),
                        "cum": 0,
                    }
                ],
            }
            for m in self.parts.market_defs.values()
            if only is None or m.symbol == only.symbol
        ]
        return json_response(rows[0] if only is not None else rows)

    async def commission_rate(self, request: web.Request) -> web.StreamResponse:
        market = prm.symbol(request[PARAMS], self.parts.market_defs)
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
        only = prm.symbol(params, self.parts.market_defs, required=False)
        kind = params.get("incomeType")
        limit = min(prm.integer(params, "limit") or 100, 1000)
        rows = []
        for fill in self.parts.engine.fills(request[ACCOUNT], None if only is None else only.symbol):
            trade_id = self.parts.state.trade_id(fill.trade_id)
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
        parts = self.parts
        account = request[ACCOUNT]
        now = parts.engine.clock.time()
        validity = parts.settings.listen_key_validity_s
        request[PARAMS].get("listenKey")
        if request.method == "POST":
            return json_response({"listenKey": parts.state.open_listen_key(account, now, validity).key})
        entry = parts.state.listen_key_of(account, now)
        if entry is None:
            raise AsterError(-1125)
        if request.method == "PUT":
            entry.expires = now + validity
        else:
            self.streams.close_listen_key(entry.key)
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
