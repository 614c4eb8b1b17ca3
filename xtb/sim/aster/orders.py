"""The order routes (spec §4.3, §6): place (one or a batch), modify, cancel (one, a batch, all,
countdown), query one order, open orders, all orders and user trades.

An order is checked the way the venue checks it — mandatory parameters, enums, client id format,
precision, PRICE_FILTER, LOT_SIZE / MARKET_LOT_SIZE, MIN_NOTIONAL (reduce-only exempt),
PERCENT_PRICE against the mark, MAX_NUM_ORDERS — before the engine sees it; the engine's refusals
(margin at the account's leverage, post-only crossing, reduce-only, duplicate client id) become the
venue's codes.

Not reproduced, for want of engine support: `HIDDEN` (and `RPI`) orders rest like GTC and show in
depth; conditional orders (STOP*, TAKE_PROFIT*, TRAILING_STOP_MARKET, `closePosition`) answer
-1020; `stpMode` is checked but every order gets the venue default EXPIRE_TAKER; in hedge mode
(`dualSidePosition`) LONG / SHORT orders trade one net position. The cap of 10000 modifications
per order is not counted: the spec gives no answer for going over it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.model import OrderType, Side, TimeInForce
from xtb.sim import inbound
from xtb.sim.aster import params as prm
from xtb.sim.aster import payloads as pl
from xtb.sim.aster.agents import Registry
from xtb.sim.aster.errors import AsterError, invalid, json_response, mandatory, unsupported
from xtb.sim.aster.params import PARAMS, Params
from xtb.sim.aster.parts import VenueFaults, VenueParts
from xtb.sim.aster.settings import MarketDef
from xtb.sim.aster.state import OrderMeta
from xtb.sim.engine_types import AccountId, OrderStatus, OrderView, Reason, SimError
from xtb.sim.frontend import ACCOUNT
from xtb.sim.order_ledger import PendingOrder

CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
SIDES = {"BUY": Side.BUY, "SELL": Side.SELL}
SIDE_NAMES = {side: name for name, side in SIDES.items()}
TIFS = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "GTX": TimeInForce.POST_ONLY,
    "HIDDEN": TimeInForce.GTC,
    "RPI": TimeInForce.GTC,
}
CONDITIONAL = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
MAX_OPEN_ORDERS = 200
CANCEL_ALL_DONE = {"code": "200", "msg": "The operation of cancel all open order is done."}


@dataclass(frozen=True)
class OrderArgs:
    market: MarketDef
    side: Side
    order_type: OrderType
    tif: TimeInForce
    quantity: Decimal
    price: Decimal | None
    client_id: str
    meta: OrderMeta
    result: bool  # newOrderRespType=RESULT


class OrderDesk:
    """`registry` holds the builders an order may name; `venue_faults` the answers to spoil."""

    def __init__(self, parts: VenueParts, registry: Registry, venue_faults: VenueFaults) -> None:
        self.parts = parts
        self.registry = registry
        self.venue_faults = venue_faults

    # ------------------------------------------------------------------------------ helpers

    def _json(self, view: OrderView, *, query: bool = False) -> dict[str, Any]:
        state = self.parts.state
        market = self.parts.market_defs[view.market]
        return pl.order_json(view, state.order_meta(view), state.order_id(view.order_id), market, query=query)

    def _find(self, account: AccountId, market: MarketDef, order_id: int | None, client_id: str | None) -> OrderView:
        """The account's order by id (which wins) or client id; -2013 when unknown."""
        engine = self.parts.engine
        view: OrderView | None = None
        if order_id is not None:
            engine_id = self.parts.state.engine_order_id(order_id)
            view = None if engine_id is None else engine.order(engine_id)
        elif client_id is not None:
            view = engine.order_by_client_id(account, client_id)
        if view is None or view.account_id != account or view.market != market.symbol:
            raise AsterError(-2013)
        return view

    # ------------------------------------------------------------------------------ placing

    async def place(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        args = self.parse(params, request[ACCOUNT])
        view = self.execute(request[ACCOUNT], args)
        if not args.result:  # ACK: the order as accepted, before it matched
            view = replace(view, status=OrderStatus.NEW, filled=Decimal(0), filled_quote=Decimal(0))
        body = self._json(view)
        if request.path.startswith("/fapi/v3/"):
            body["newChainData"] = {"hash": "0x" + secrets.token_hex(32)}
        faults = self.venue_faults
        if faults.order_unknown_503 > 0:  # the order stands; the client learns nothing of it
            faults.order_unknown_503 -= 1
            raise AsterError(-1007, status=503)
        if self.parts.settings.rest_delay_ms:
            await asyncio.sleep(self.parts.settings.rest_delay_ms / 1000)
        return json_response(body)

    def parse(self, params: Params, account: AccountId) -> OrderArgs:
        parts = self.parts
        market = prm.symbol(params, parts.market_defs)
        assert market is not None
        side_text = params.require("side")
        if side_text not in SIDES:
            raise AsterError(-1117)
        order_type = params.require("type")
        if order_type in CONDITIONAL:
            raise unsupported()
        if order_type not in ("LIMIT", "MARKET"):
            raise AsterError(-1116)
        settings = parts.state.settings_of(account)
        position_side = params.get("positionSide") or "BOTH"
        if position_side not in ("BOTH", "LONG", "SHORT"):
            raise AsterError(-4060)
        if (position_side == "BOTH") == settings.dual_side:
            raise AsterError(-4061)
        reduce_only = bool(prm.boolean(params, "reduceOnly"))
        if reduce_only and settings.dual_side:
            raise AsterError(-4062)
        if prm.boolean(params, "closePosition"):
            raise unsupported()
        tif_text = "GTC"
        if order_type == "LIMIT":
            tif_text = params.require("timeInForce")
            if tif_text not in TIFS:
                raise AsterError(-1115)
        quantity = prm.decimal(params, "quantity")
        if quantity is None:
            raise mandatory("quantity")
        price = prm.decimal(params, "price")
        if order_type == "LIMIT" and price is None:
            raise mandatory("price")
        if order_type == "MARKET":
            price = None
        client_id = params.get("newClientOrderId")
        if client_id is None:
            client_id = parts.state.new_client_order_id()
        elif not CLIENT_ID.match(client_id):
            raise AsterError(-4015)
        resp_type = prm.enum(params, "newOrderRespType", ("ACK", "RESULT")) or "ACK"
        prm.enum(params, "stpMode", ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"))
        prm.enum(params, "workingType", ("MARK_PRICE", "CONTRACT_PRICE"))
        self._builder(params, account)
        self._check_filters(market, side_text, order_type, quantity, price, reduce_only)
        meta = OrderMeta(order_type, tif_text, reduce_only, position_side)
        tif = TIFS[tif_text] if order_type == "LIMIT" else TimeInForce.IOC
        args = OrderArgs(
            market,
            SIDES[side_text],
            OrderType[order_type],
            tif,
            quantity,
            price,
            client_id,
            meta,
            resp_type == "RESULT",
        )
        if not reduce_only and len(parts.engine.open_orders(account, market.symbol)) >= MAX_OPEN_ORDERS:
            raise AsterError(-2025)
        return args

    def _builder(self, params: Params, account: AccountId) -> None:
        builder = params.get("builder")
        fee_rate = prm.decimal(params, "feeRate")
        if builder is None or not self.parts.settings.builder_strict:
            return
        approved = self.registry.builder(self.parts.user_of(account), builder)
        if approved is None or fee_rate is None or fee_rate > approved.max_fee_rate:
            raise invalid("feeRate")

    def _check_filters(
        self, market: MarketDef, side: str, order_type: str, quantity: Decimal, price: Decimal | None, reduce_only: bool
    ) -> None:
        if prm.decimals(quantity) > market.quantity_precision or (
            price is not None and prm.decimals(price) > market.price_precision
        ):
            raise AsterError(-1111)
        if price is not None:
            if price < market.min_price:
                raise AsterError(-4013)
            if price > market.max_price:
                raise AsterError(-4002)
            if (price - market.min_price) % market.tick_size:
                raise AsterError(-4014)
        max_qty = market.market_max_qty if order_type == "MARKET" else market.max_qty
        if quantity < market.min_qty:
            raise AsterError(-4004)
        if quantity > max_qty:
            raise AsterError(-4005)
        if (quantity - market.min_qty) % market.step_size:
            raise AsterError(-4023)
        mark = self.parts.mark_price(market.symbol)
        reference = price if price is not None else mark
        if not reduce_only and quantity * reference < market.min_notional:
            code = self.parts.settings.min_notional_code
            raise AsterError(code)
        live = self.parts.settings.percent_price_live_code
        if price is not None:
            if side == "BUY" and price > mark * market.multiplier_up:
                cap = pl.price(market, mark * market.multiplier_up)
                raise AsterError(-5060) if live else AsterError(-4016, f"Limit price can't be higher than {cap}.")
            if side == "SELL" and price < mark * market.multiplier_down:
                floor = pl.price(market, mark * market.multiplier_down)
                raise AsterError(-5060) if live else AsterError(-4024, f"Limit price can't be lower than {floor}.")
        else:
            top = self.parts.engine.top_of_book(market.symbol)
            far = top.ask if side == "BUY" else top.bid
            if far is not None and abs(far - mark) > mark * market.market_take_bound:
                raise AsterError(-4131)

    def execute(self, account: AccountId, args: OrderArgs) -> OrderView:
        parts = self.parts
        parts.state.pending = PendingOrder(account, args.market.symbol, args.client_id, args.meta)
        try:
            view = parts.engine.submit(
                account,
                args.market.symbol,
                args.side,
                args.quantity,
                price=args.price,
                order_type=args.order_type,
                time_in_force=args.tif,
                reduce_only=args.meta.reduce_only,
                client_id=args.client_id,
            )
        finally:
            parts.state.pending = None
        if view.status is OrderStatus.REJECTED:
            assert view.reason is not None
            raise self.refusal(view.reason)
        return view

    def refusal(self, reason: Reason) -> AsterError:
        settings = self.parts.settings
        if reason is Reason.POST_ONLY_WOULD_CROSS:
            return AsterError(int(settings.post_only_cross))
        if reason in (Reason.REDUCE_ONLY_NO_POSITION, Reason.REDUCE_ONLY_WOULD_INCREASE):
            return AsterError(-2022)
        if reason is Reason.REDUCE_ONLY_OVERSIZE:
            return AsterError(-4118 if settings.reduce_only_oversize == "-4118" else -2022)
        if reason is Reason.FOK_NOT_FILLABLE:
            return AsterError(int(settings.fok_unfillable))
        if reason is Reason.DUPLICATE_CLIENT_ID:
            return AsterError(settings.duplicate_client_id_code)
        codes = {
            Reason.BELOW_MIN_NOTIONAL: settings.min_notional_code,
            Reason.INSUFFICIENT_MARGIN: -2019,  # "Margin is insufficient." (§6.2)
            Reason.BELOW_MIN_SIZE: -4004,
            Reason.INVALID_SIZE: -4004,
            Reason.SIZE_NOT_ON_STEP: -4023,
            Reason.PRICE_NOT_ON_TICK: -4014,
            Reason.INVALID_PRICE: -4013,
            Reason.INVALID_TIME_IN_FORCE: -1115,
            Reason.UNKNOWN_MARKET: -1121,
            Reason.UNKNOWN_ACCOUNT: -2015,
        }
        if reason is Reason.MISSING_PRICE:
            return mandatory("price")
        if reason not in codes:
            raise ValueError(f"no Aster error for engine refusal {reason}")
        return AsterError(codes[reason])

    async def place_batch(self, request: web.Request) -> web.StreamResponse:
        """`batchOrders`: a JSON list (single or double quotes) of ≤ 5 orders; failures inline."""
        params = request[PARAMS]
        items = parse_json_list(params.require("batchOrders"), "batchOrders")
        if not items or len(items) > 5:
            raise AsterError(-4082)
        account = request[ACCOUNT]
        results: list[dict[str, Any]] = []
        for item in items:
            try:
                if not isinstance(item, dict):
                    raise invalid("batchOrders")
                sub = Params(params.query, params.body, {str(k): _text(v) for k, v in item.items()})
                view = self.execute(account, self.parse(sub, account))
                results.append(self._json(view))
            except AsterError as exc:
                results.append(exc.body())
        return json_response(results)

    # ------------------------------------------------------------------------------- modifying

    async def modify(self, request: web.Request) -> web.StreamResponse:
        """PUT /order: a resting LIMIT order gets a new quantity and price, both required, checked by
        the same filters as a new order; a change they refuse leaves the order as it was (§4.3)."""
        params = request[PARAMS]
        account = request[ACCOUNT]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        order_id, client_id = prm.order_ids(params)
        quantity, price = prm.decimal(params, "quantity"), prm.decimal(params, "price")
        if quantity is None or price is None:
            raise mandatory("quantity" if quantity is None else "price")
        view = self._find(account, market, order_id, client_id)
        if not view.is_open:
            raise AsterError(-2013)
        meta = self.parts.state.order_meta(view)
        if meta.order_type != "LIMIT":
            raise AsterError(-1116)
        self._check_filters(market, SIDE_NAMES[view.side], "LIMIT", quantity, price, meta.reduce_only)
        try:
            view = self.parts.engine.amend(account, view.order_id, quantity, price)
        except SimError as exc:
            if exc.reason in (Reason.ORDER_NOT_FOUND, Reason.ORDER_CLOSED):
                raise AsterError(-2013) from None
            if exc.reason is Reason.POST_ONLY_WOULD_CROSS:  # a modify is refused even where a new order expires
                raise AsterError(-5022 if self.parts.settings.post_only_cross == "-5022" else -2021) from None
            raise self.refusal(exc.reason) from None
        return json_response(self._json(view))

    # ----------------------------------------------------------------------------- cancelling

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        order_id, client_id = prm.order_ids(params)
        return json_response(self._cancel_one(request[ACCOUNT], market, order_id, client_id))

    def _cancel_one(
        self, account: AccountId, market: MarketDef, order_id: int | None, client_id: str | None
    ) -> dict[str, Any]:
        try:
            view = self._find(account, market, order_id, client_id)
            if not view.is_open:
                raise AsterError(-2011)
            view = self.parts.engine.cancel(account, view.order_id)
        except (AsterError, SimError):
            raise AsterError(-2011) from None
        return self._json(view)

    async def cancel_all(self, request: web.Request) -> web.StreamResponse:
        market = prm.symbol(request[PARAMS], self.parts.market_defs)
        assert market is not None
        self.parts.engine.cancel_all(request[ACCOUNT], market.symbol)
        return json_response(CANCEL_ALL_DONE)

    async def cancel_batch(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        ids = params.get("orderIdList")
        cids = params.get("origClientOrderIdList")
        if ids is None and cids is None:
            raise prm.either_id()
        raw = parse_json_list(
            ids if ids is not None else cids or "[]", "orderIdList" if ids else "origClientOrderIdList"
        )
        if len(raw) > 10:
            raise AsterError(-4082, "Invalid number of cancel orders.")
        results: list[dict[str, Any]] = []
        for entry in raw:
            try:
                if ids is not None:
                    order_id = inbound.integer(_text(entry))
                    if order_id is None:
                        raise invalid("orderIdList")
                    results.append(self._cancel_one(request[ACCOUNT], market, order_id, None))
                else:
                    results.append(self._cancel_one(request[ACCOUNT], market, None, _text(entry)))
            except AsterError as exc:
                results.append(exc.body())
        return json_response(results)

    async def countdown(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        countdown = prm.integer(params, "countdownTime")
        if countdown is None:
            raise mandatory("countdownTime")
        account = request[ACCOUNT]
        key = (account, market.symbol)
        previous = self.parts.state.countdowns.pop(key, None)
        if isinstance(previous, asyncio.TimerHandle):
            previous.cancel()
        if countdown > 0:
            handle = asyncio.get_running_loop().call_later(
                countdown / 1000, self._countdown_fired, account, market.symbol
            )
            self.parts.state.countdowns[key] = handle
        return json_response({"symbol": market.symbol, "countdownTime": str(countdown)})

    def _countdown_fired(self, account: AccountId, symbol: str) -> None:
        self.parts.state.countdowns.pop((account, symbol), None)
        self.parts.engine.cancel_all(account, symbol)

    # ------------------------------------------------------------------------------- queries

    async def query(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        order_id, client_id = prm.order_ids(params)
        return json_response(self._json(self._find(request[ACCOUNT], market, order_id, client_id), query=True))

    async def open_order(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        order_id, client_id = prm.order_ids(params)
        view = self._find(request[ACCOUNT], market, order_id, client_id)
        if not view.is_open:
            raise AsterError(-2013)
        return json_response(self._json(view, query=True))

    async def open_orders(self, request: web.Request) -> web.StreamResponse:
        market = prm.symbol(request[PARAMS], self.parts.market_defs, required=False)
        views = self.parts.engine.open_orders(request[ACCOUNT], None if market is None else market.symbol)
        return json_response([self._json(v, query=True) for v in views])

    async def all_orders(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        from_id = prm.integer(params, "orderId")
        start, end = prm.integer(params, "startTime"), prm.integer(params, "endTime")
        limit = min(prm.integer(params, "limit") or 500, 1000)
        rows = []
        state, engine = self.parts.state, self.parts.engine
        for engine_id in state.logged_orders(request[ACCOUNT]):
            view = engine.order(engine_id)
            if view is None or view.market != market.symbol:
                continue
            created = pl.ms(view.created_ts)
            if from_id is not None and state.order_id(engine_id) < from_id:
                continue
            if (start is not None and created < start) or (end is not None and created > end):
                continue
            rows.append(self._json(view, query=True))
        return json_response(rows[:limit] if from_id is not None else rows[-limit:])

    async def user_trades(self, request: web.Request) -> web.StreamResponse:
        params = request[PARAMS]
        market = prm.symbol(params, self.parts.market_defs)
        assert market is not None
        from_id = prm.integer(params, "fromId")
        start, end = prm.integer(params, "startTime"), prm.integer(params, "endTime")
        limit = min(prm.integer(params, "limit") or 500, 1000)
        state = self.parts.state
        rows = []
        for fill in self.parts.engine.fills(request[ACCOUNT], market.symbol):
            trade_id = state.trade_id(fill.trade_id)
            at = pl.ms(fill.ts)
            if (from_id is not None and trade_id < from_id) or (start is not None and at < start):
                continue
            if end is not None and at > end:
                continue
            view = self.parts.engine.order(fill.order_id)
            side = state.order_meta(view).position_side if view is not None else "BOTH"
            rows.append(pl.trade_json(fill, state.order_id(fill.order_id), trade_id, market, side))
        return json_response(rows[:limit] if from_id is not None else rows[-limit:])


def parse_json_list(text: str, name: str) -> list[Any]:
    """A JSON list as clients send it: double quotes, or the docs' single quotes."""
    for candidate in (text, text.replace("'", '"')):
        try:
            value = inbound.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, list):
            return value
    raise invalid(name)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
