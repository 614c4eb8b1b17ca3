"""The signed order routes (spec §4.5-§4.12): place (one or a batch), cancel, cancel-all, query an
open order, list open orders, and the order and fill history of `/wapi/v1/history`.

Engine refusals become the venue's errors; a post-only order that would cross is a synchronous
400 with no stream event. Market and crossing limit orders wait out the taker speed bump first.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Any

from aiohttp import web

from xtb.model import OrderType, Rounding, Side, TimeInForce
from xtb.sim.backpack import payloads as pl
from xtb.sim.backpack.errors import ApiError, invalid_request, json_response, not_found, payload_error
from xtb.sim.backpack.paging import page
from xtb.sim.backpack.params import (
    BODY,
    MARKET_TYPES,
    OrderArgs,
    parse_cancel,
    parse_cancel_all,
    parse_order,
    query_enum,
    query_order_ids,
    query_uint,
)
from xtb.sim.backpack.parts import VenueParts
from xtb.sim.backpack.settings import MarketDef
from xtb.sim.backpack.state import OrderMeta
from xtb.sim.engine_types import AccountId, OrderStatus, OrderView, Reason, SimError
from xtb.sim.frontend import ACCOUNT
from xtb.sim.order_ledger import PendingOrder

_INVALID_PRICE = ("INVALID_PRICE", "Invalid price")
_INVALID_QUANTITY = ("INVALID_QUANTITY", "Invalid quantity")
REJECTIONS: dict[Reason, tuple[str, str]] = {
    Reason.INVALID_PRICE: _INVALID_PRICE,
    Reason.PRICE_NOT_ON_TICK: _INVALID_PRICE,
    Reason.MISSING_PRICE: _INVALID_PRICE,
    Reason.INVALID_SIZE: _INVALID_QUANTITY,
    Reason.SIZE_NOT_ON_STEP: _INVALID_QUANTITY,
    Reason.BELOW_MIN_SIZE: _INVALID_QUANTITY,
    Reason.BELOW_MIN_NOTIONAL: _INVALID_QUANTITY,
    Reason.INVALID_TIME_IN_FORCE: ("INVALID_ORDER", "Invalid time in force"),
    Reason.POST_ONLY_WOULD_CROSS: ("INVALID_ORDER", "Order would immediately match and take."),
    Reason.REDUCE_ONLY_NO_POSITION: ("INVALID_ORDER", "Reduce only order not reduced"),
    Reason.REDUCE_ONLY_WOULD_INCREASE: ("INVALID_ORDER", "Reduce only order not reduced"),
    Reason.REDUCE_ONLY_OVERSIZE: ("INVALID_ORDER", "Reduce only order not reduced"),
    Reason.FOK_NOT_FILLABLE: ("INVALID_ORDER", "Fill or kill order cannot be filled"),
    Reason.INSUFFICIENT_MARGIN: ("INSUFFICIENT_MARGIN", "Insufficient margin"),  # §7.3 (message: Sim default)
    # Sim deviation: the engine refuses a client id held by a live order (the venue may allow it).
    Reason.DUPLICATE_CLIENT_ID: ("INVALID_CLIENT_REQUEST", "Duplicate client id"),
    Reason.UNKNOWN_ACCOUNT: ("UNAUTHORIZED", "Unauthorized"),
}
UNKNOWN_ERROR = "Unknown error, please check your request or try again later."


@dataclass
class VenueFaults:
    """Venue-shaped faults the generic fault plan cannot express (spec §9.26): the next
    `cancel_accepted` cancels answer 202 with no body and land `cancel_delay` seconds later; the
    next `order_unknown_error` orders are placed, then answered 503 "Unknown error..."."""

    cancel_accepted: int = 0
    cancel_delay: float = 0.05
    order_unknown_error: int = 0


TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}


class OrderDesk:
    """`faults` are the venue-shaped faults a test arms; `rng` draws the REST answer's jitter."""

    def __init__(self, parts: VenueParts, faults: VenueFaults, rng: random.Random) -> None:
        self.parts = parts
        self.engine = parts.engine
        self.state = parts.state
        self.settings = parts.settings
        self.markets = parts.markets
        self.faults = faults
        self._rng = rng

    def _json(self, view: OrderView) -> dict[str, Any]:
        state = self.state
        return pl.order_json(view, state.order_meta(view), state.order_id(view.order_id))

    # ------------------------------------------------------------------------------ placing

    async def place(self, request: web.Request) -> web.StreamResponse:
        args = parse_order(request[BODY], self.markets)
        view = await self.execute(request[ACCOUNT], args)
        await self._jitter()
        faults = self.faults
        if faults.order_unknown_error > 0:  # the order stands; the client learns nothing of it
            faults.order_unknown_error -= 1
            return ApiError(503, "SERVER_ERROR", UNKNOWN_ERROR).response()
        return json_response(self._json(view))

    async def place_batch(self, request: web.Request) -> web.StreamResponse:
        body = request[BODY]
        if not isinstance(body, list):
            raise payload_error('Expected input type "Array<OrderExecutePayload>", found an object')
        cap = self.settings.max_batch
        if cap is not None and len(body) > cap:
            raise invalid_request(f"Batch size exceeds the maximum of {cap}")
        orders = [parse_order(item, self.markets) for item in body]  # any parse error fails the batch
        results: list[dict[str, Any]] = []
        for args in orders:
            try:
                view = await self.execute(request[ACCOUNT], args)
            except ApiError as exc:
                results.append({"operation": "Err", "code": exc.code, "message": exc.message})
            else:
                results.append({**self._json(view), "operation": "Ok"})
        await self._jitter()
        return json_response(results)

    async def execute(self, account: AccountId, args: OrderArgs) -> OrderView:
        """Check the venue's price rules, wait out the taker speed bump, submit to the engine."""
        engine = self.engine
        market = args.market
        if args.price is not None:
            self._check_price(market, args.price)
        size = args.quantity
        if size is None:  # a "reverse" market order: as much as the quote amount buys now
            assert args.quote_quantity is not None
            size = self._size_for_quote(market, args.side, args.quote_quantity)
        taker = args.order_type is OrderType.MARKET or (not args.post_only and self._crosses(market, args))
        delay = self.settings.taker_delay_ms
        if taker and delay:
            await asyncio.sleep(delay / 1000)
        tif = TimeInForce.POST_ONLY if args.post_only else TIF[args.time_in_force]
        quote = args.quote_quantity
        if quote is None and args.order_type is OrderType.MARKET:
            quote = self._quote_for_size(market, args.side, size)
        meta = OrderMeta(
            "Limit" if args.order_type is OrderType.LIMIT else "Market",
            args.time_in_force,
            args.post_only,
            args.reduce_only,
            args.self_trade_prevention,
            quote,
        )
        self.state.pending = PendingOrder(account, market.symbol, args.client_id, meta)
        try:
            view = engine.submit(
                account,
                market.symbol,
                args.side,
                size,
                price=args.price,
                order_type=args.order_type,
                time_in_force=tif,
                reduce_only=bool(args.reduce_only),
                client_id=args.client_id,
            )
        finally:
            self.state.pending = None
        if view.status is OrderStatus.REJECTED:
            assert view.reason is not None
            if view.reason not in REJECTIONS:
                raise ValueError(f"no Backpack error for engine refusal {view.reason}")
            code, message = REJECTIONS[view.reason]
            raise ApiError(401 if code == "UNAUTHORIZED" else 400, code, message)
        return view

    def _check_price(self, market: MarketDef, price: Decimal) -> None:
        if not market.min_price <= price <= market.max_price:
            raise ApiError(400, *_INVALID_PRICE)
        settings = self.settings
        last = self.state.tapes[market.symbol]
        reference = last[-1].price if last else self.parts.figures.mark_price(market.symbol)
        if settings.price_band and reference is not None:
            if not market.band_min * reference <= price <= market.band_max * reference:
                raise ApiError(400, "INVALID_PRICE", "Price is too far from the last active price")
        mark = self.parts.figures.mark_price(market.symbol)
        if settings.mark_band and mark is not None:
            if not market.mark_band_min * mark <= price <= market.mark_band_max * mark:
                raise ApiError(400, "INVALID_PRICE", "Price is out of the mark price band")

    def _crosses(self, market: MarketDef, args: OrderArgs) -> bool:
        top = self.engine.top_of_book(market.symbol)
        assert args.price is not None
        if args.side is Side.BUY:
            return top.ask is not None and args.price >= top.ask
        return top.bid is not None and args.price <= top.bid

    def _size_for_quote(self, market: MarketDef, side: Side, quote: Decimal) -> Decimal:
        book = self.engine.book(market.symbol, self.settings.depth_limit)
        info = market.info()
        left, size = quote, Decimal(0)
        with localcontext(pl.WIDE):  # a quote near the venue's decimal range needs more than 28 digits
            for level in book.asks if side is Side.BUY else book.bids:
                take = min(level.size, info.round_size(left / level.price, Rounding.DOWN))
                size += take
                left -= take * level.price
                if take < level.size:
                    break
        if size < market.min_quantity:
            raise ApiError(400, *_INVALID_QUANTITY)
        return size

    def _quote_for_size(self, market: MarketDef, side: Side, size: Decimal) -> Decimal | None:
        """What a market order for `size` costs on the book as it arrives, rounded up to the price
        decimals: the venue fills in `quoteQuantity` so (live sample: 0.001 filled for 3.81428, quoted
        3.82). Beyond the book's depth the last level's price counts; no book, the mark."""
        book = self.engine.book(market.symbol, self.settings.depth_limit)
        left, cost, price = size, Decimal(0), self.parts.figures.mark_price(market.symbol)
        with localcontext(pl.WIDE):
            for level in book.asks if side is Side.BUY else book.bids:
                take = min(level.size, left)
                cost += take * level.price
                left -= take
                price = level.price
                if not left:
                    break
            if price is None:
                return None
            cost += left * price
            return cost.quantize(Decimal(1).scaleb(-market.price_decimals), ROUND_CEILING)

    async def _jitter(self) -> None:
        """Hold the REST answer back (settings), so the account stream's events for the order come
        first, as they may on the venue."""
        settings = self.settings
        delay = settings.rest_delay_ms + (
            self._rng.uniform(0, settings.rest_jitter_ms) if settings.rest_jitter_ms else 0
        )
        if delay:
            await asyncio.sleep(delay / 1000)

    # ----------------------------------------------------------------------------- cancelling

    def _find_open(
        self, account: AccountId, market: MarketDef, order_id: str | None, client_id: int | None
    ) -> OrderView:
        engine = self.engine
        view: OrderView | None = None
        if order_id is not None:
            engine_id = self.state.engine_order_id(order_id)
            view = None if engine_id is None else engine.order(engine_id)
        elif client_id is not None:
            view = engine.order_by_client_id(account, client_id)
        if view is None or view.account_id != account or view.market != market.symbol or not view.is_open:
            raise not_found()
        return view

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        account = request[ACCOUNT]
        args = parse_cancel(request[BODY], self.markets)
        try:
            view = self._find_open(account, args.market, args.order_id, args.client_id)
            faults = self.faults
            if faults.cancel_accepted > 0:  # "accepted but not yet executed": 202, no body
                faults.cancel_accepted -= 1
                asyncio.get_running_loop().call_later(faults.cancel_delay, self._late_cancel, account, view.order_id)
                return web.Response(status=202)
            view = self.engine.cancel(account, view.order_id)
        except (ApiError, SimError):
            raise not_found(self.settings.not_found_status) from None
        return json_response(self._json(view))

    def _late_cancel(self, account: AccountId, engine_id: int) -> None:
        try:
            self.engine.cancel(account, engine_id)
        except SimError:  # filled or cancelled meanwhile
            pass

    async def cancel_all(self, request: web.Request) -> web.StreamResponse:
        market, kind = parse_cancel_all(request[BODY], self.markets)
        if kind == "ConditionalOrder":
            return json_response([])
        views = self.engine.cancel_all(request[ACCOUNT], market.symbol)
        return json_response([self._json(v) for v in views])

    # ------------------------------------------------------------------------------- queries

    async def query(self, request: web.Request) -> web.StreamResponse:
        market = self.parts.market(request.query)
        order_id, client_id = query_order_ids(request.query)
        return json_response(self._json(self._find_open(request[ACCOUNT], market, order_id, client_id)))

    async def open_orders(self, request: web.Request) -> web.StreamResponse:
        market = self.parts.maybe_market(request.query)
        kind = query_enum(request.query, "marketType", "MarketType", MARKET_TYPES)
        if kind not in (None, "PERP"):
            return json_response([])
        views = self.engine.open_orders(request[ACCOUNT], None if market is None else market.symbol)
        return json_response([self._json(v) for v in views])

    async def order_history(self, request: web.Request) -> web.StreamResponse:
        """Closed and open orders, newest first by default; there is no clientId filter."""
        query = request.query
        market = self.parts.maybe_market(query)
        kind = query_enum(query, "marketType", "MarketType", MARKET_TYPES)
        order_id = query.get("orderId")
        descending = query_enum(query, "sortDirection", "SortDirection", ("Asc", "Desc")) != "Asc"
        state, engine = self.state, self.engine
        rows = []
        if kind in (None, "PERP") and query.get("strategyId") is None:
            for engine_id in state.logged_orders(request[ACCOUNT], newest_first=descending):
                view = engine.order(engine_id)
                if view is None or (market is not None and view.market != market.symbol):
                    continue
                vid = state.order_id(engine_id)
                if order_id is not None and vid != order_id:
                    continue
                rows.append(pl.history_order_json(view, state.order_meta(view), vid))
        return page(query, rows)

    async def fill_history(self, request: web.Request) -> web.StreamResponse:
        """Own fills (the simulator has no liquidation, ADL or conversion fills)."""
        query = request.query
        market = self.parts.maybe_market(query)
        kind = query_enum(query, "marketType", "MarketType", MARKET_TYPES)
        fill_type = query_enum(query, "fillType", "FillType", _FILL_TYPES)
        start, end = query_uint(query, "from"), query_uint(query, "to")
        order_id = query.get("orderId")
        descending = query_enum(query, "sortDirection", "SortDirection", ("Asc", "Desc")) != "Asc"
        state = self.state
        rows = []
        if kind in (None, "PERP") and fill_type in (None, "User") and query.get("strategyId") is None:
            fills = self.engine.fills(request[ACCOUNT], None if market is None else market.symbol)
            for fill in reversed(fills) if descending else fills:
                vid = state.order_id(fill.order_id)
                at = pl.ms(fill.ts)
                if (order_id is not None and vid != order_id) or (start is not None and at < start):
                    continue
                if end is not None and at > end:
                    continue
                rows.append(pl.fill_json(fill, vid, state.trade_id(fill.market, fill.trade_id)))
        return page(query, rows)


_FILL_TYPES = (
    "User",
    "BookLiquidation",
    "Adl",
    "Backstop",
    "Liquidation",
    "AllLiquidation",
    "CollateralConversion",
    "CollateralConversionAndSpotLiquidation",
)
