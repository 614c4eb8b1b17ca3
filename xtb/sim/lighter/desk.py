"""What an accepted Lighter transaction does to the engine: create, cancel, cancel-all (immediate,
scheduled, aborted), modify, leverage, key registration and integrator approval.

Business refusals raise LighterError before anything changed (so the nonce is not consumed).
Statuses follow §6: a post-only that would cross, a reduce-only that cannot reduce and a market
order that runs out of book are accepted and end `canceled-…`; the order's frames during its own
transaction wait until the engine is done with it, then its final state is pushed once.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from xtb.model import OrderType, Side, TimeInForce
from xtb.sim.engine_types import OrderStatus, OrderView, Reason, SimError
from xtb.sim.lighter import errors as E
from xtb.sim.lighter import txs as T
from xtb.sim.lighter.errors import LighterError
from xtb.sim.lighter.feed import EngineFeed
from xtb.sim.lighter.margins import from_units, lowest_initial_fraction, to_units
from xtb.sim.lighter.parts import VenueParts
from xtb.sim.lighter.settings import MarketDef
from xtb.sim.lighter.state import OrderMeta
from xtb.sim.order_ledger import PendingOrder

log = logging.getLogger(__name__)

REJECTIONS: dict[Reason, int] = {
    Reason.INVALID_SIZE: E.INVALID_AMOUNT,
    Reason.SIZE_NOT_ON_STEP: E.INVALID_AMOUNT,
    Reason.BELOW_MIN_SIZE: E.INVALID_AMOUNT,
    Reason.BELOW_MIN_NOTIONAL: E.INVALID_AMOUNT,
    Reason.INVALID_PRICE: E.INVALID_PRICE,
    Reason.PRICE_NOT_ON_TICK: E.INVALID_PRICE,
    Reason.MISSING_PRICE: E.INVALID_PRICE,
    Reason.REDUCE_ONLY_NO_POSITION: E.REDUCE_ONLY_INCREASES,
    Reason.REDUCE_ONLY_WOULD_INCREASE: E.REDUCE_ONLY_DIRECTION,
    Reason.DUPLICATE_CLIENT_ID: E.CLIENT_ORDER_INDEX_EXISTS,
    Reason.UNKNOWN_ACCOUNT: E.ACCOUNT_NOT_FOUND,
    Reason.INSUFFICIENT_MARGIN: E.NOT_ENOUGH_MARGIN,  # §6: 400 at entry (the spec's default)
}
LIMIT_TIFS = {0: TimeInForce.IOC, 1: TimeInForce.GTC, 2: TimeInForce.POST_ONLY}
TIF_NAMES = {0: "immediate-or-cancel", 1: "good-till-time", 2: "post-only"}


class TxDesk:
    """`feed` publishes what the engine does not announce: an order's state once its own
    transaction is done with it, and a leverage change."""

    def __init__(self, venue: VenueParts, feed: EngineFeed) -> None:
        self.venue = venue
        self.feed = feed
        self._scheduled: dict[int, asyncio.TimerHandle] = {}

    def market(self, market_id: int) -> MarketDef:
        market = self.venue.markets_by_id.get(market_id)
        if market is None:
            raise LighterError(E.INVALID_MARKET)
        return market

    def apply(self, tx: T.Tx, tx_hash: str, height: int) -> None:
        kind = tx.tx_type
        if kind == T.CREATE_ORDER:
            self.create_order(tx, tx_hash, height)
        elif kind == T.CANCEL_ORDER:
            self.cancel_order(tx)
        elif kind == T.CANCEL_ALL:
            self.cancel_all(tx)
        elif kind == T.MODIFY_ORDER:
            self.modify_order(tx, tx_hash, height)
        elif kind == T.UPDATE_LEVERAGE:
            self.update_leverage(tx)
        elif kind == T.CHANGE_PUB_KEY:
            self.venue.keys.register(tx.account, tx.key_index, tx["PubKey"])
        elif kind == T.APPROVE_INTEGRATOR:
            limits = {name: tx[name] for name in ("MaxPerpsTakerFee", "MaxPerpsMakerFee", "MaxSpotTakerFee",
                                                   "MaxSpotMakerFee", "ApprovalExpiry")}  # fmt: skip
            self.venue.state.integrators.setdefault(tx.account, {})[tx["IntegratorAccountIndex"]] = limits
        else:  # parse_tx admits only the types above
            raise LighterError(E.UNSUPPORTED_TX_TYPE)

    def update_leverage(self, tx: T.Tx) -> None:
        """UpdateLeverage: the account trades the market at InitialMarginFraction / 10000 from now
        on (orders are margined by it). A fraction below the market's minimum (a leverage above its
        maximum) is the venue's 21113; the margin mode is remembered, margin stays cross."""
        market = self.market(tx["MarketIndex"])
        engine = self.venue.engine
        fraction = from_units(tx["InitialMarginFraction"])
        lowest = lowest_initial_fraction(engine.market(market.symbol), market)
        if fraction < lowest:
            raise LighterError(E.INVALID_INITIAL_MARGIN_FRACTION, f"the market's minimum is {to_units(lowest)}")
        engine.set_initial_margin_fraction(tx.account, market.symbol, fraction)
        self.venue.state.margin_modes[(tx.account, market.market_id)] = tx["MarginMode"]
        self.feed.publish_margin(tx.account, market)

    # -------------------------------------------------------------------------------- orders

    def create_order(self, tx: T.Tx, tx_hash: str, height: int) -> OrderView:
        venue = self.venue
        market = self.market(tx["MarketIndex"])
        if tx["Type"] not in (0, 1):
            raise LighterError(E.INVALID_ORDER_TYPE, "the simulator takes limit and market orders only")
        self._check_integrator(tx)
        account = tx.account
        coi = tx["ClientOrderIndex"] or None
        if coi is not None:
            previous = venue.engine.order_by_client_id(account, coi)
            if previous is not None and previous.is_open:
                raise LighterError(E.CLIENT_ORDER_INDEX_EXISTS)
        price = Decimal(tx["Price"]).scaleb(-market.price_decimals)
        reduce_only = tx["ReduceOnly"] == 1
        size = Decimal(tx["BaseAmount"]).scaleb(-market.size_decimals)
        if tx["BaseAmount"] == 0:  # reduce-only with no amount: the whole position (spec default)
            size = abs(venue.engine.position(account, market.symbol).size) or market.step
        if price * size > market.order_quote_limit:
            raise LighterError(E.INVALID_AMOUNT, "above the order quote limit")
        market_order = tx["Type"] == 1
        meta = OrderMeta(
            venue.state.allocate_order_index(),
            market.market_id,
            "market" if market_order else "limit",
            TIF_NAMES[tx["TimeInForce"]],
            tx["OrderExpiry"],
            tx.nonce,
            tx_hash,
            height,
        )
        return self._submit(account, market, coi, meta, tx["IsAsk"] == 1, size, price, market_order,
                            tx["TimeInForce"], reduce_only)  # fmt: skip

    def _submit(
        self,
        account: int,
        market: MarketDef,
        coi: int | None,
        meta: OrderMeta,
        is_ask: bool,
        size: Decimal,
        price: Decimal,
        market_order: bool,
        tif: int,
        reduce_only: bool,
    ) -> OrderView:
        venue = self.venue
        venue.state.pending = PendingOrder(account, market.symbol, coi, meta)
        try:
            view = venue.engine.submit(
                account,
                market.symbol,
                Side.SELL if is_ask else Side.BUY,
                size,
                price=price,
                order_type=OrderType.MARKET if market_order else OrderType.LIMIT,
                time_in_force=TimeInForce.IOC if market_order else LIMIT_TIFS[tif],
                reduce_only=reduce_only,
                client_id=coi,
            )
        finally:
            venue.state.pending = None
            deferred, venue.state.deferred = venue.state.deferred, None
        if view.status is OrderStatus.REJECTED:
            assert view.reason is not None
            if view.reason not in REJECTIONS:
                raise ValueError(f"no Lighter error for engine refusal {view.reason}")
            raise LighterError(REJECTIONS[view.reason], view.detail)
        if deferred is not None:
            self.feed.publish_order(view)
        return view

    def _check_integrator(self, tx: T.Tx) -> None:
        integrator = tx.attribute(1)
        if integrator and (tx.attribute(2) or tx.attribute(3)):
            if integrator not in self.venue.state.integrators.get(tx.account, {}):
                raise T.invalid_tx_info("integrator fees need a prior ApproveIntegrator")

    def find_open(self, account: int, market: MarketDef, index: int) -> OrderView:
        """The account's open order on `market` named by a client order index (< 2^48) or an
        order_index (≥ 2^48); 21600 when there is none."""
        engine = self.venue.engine
        if index <= T.MAX_CLIENT_ORDER_INDEX:
            view = engine.order_by_client_id(account, index)
        else:
            engine_id = self.venue.state.engine_id(index)
            view = None if engine_id is None else engine.order(engine_id)
        if view is None or view.account_id != account or view.market != market.symbol or not view.is_open:
            raise LighterError(E.NOT_ACTIVE_LIMIT_ORDER)
        return view

    def cancel_order(self, tx: T.Tx) -> None:
        market = self.market(tx["MarketIndex"])
        try:
            view = self.find_open(tx.account, market, tx["Index"])
        except LighterError:
            if self.venue.settings.cancel_unknown == "accept":
                return
            raise
        self.venue.engine.cancel(tx.account, view.order_id)

    def cancel_all(self, tx: T.Tx) -> None:
        tif = tx["TimeInForce"]
        account = tx.account
        if tif == 0:
            scope = tx.attribute(T.CANCEL_ALL_MARKET)
            symbol = None if scope == 255 else self.market(scope).symbol
            self.venue.engine.cancel_all(account, symbol)
        elif tif == 1:
            if account in self.venue.state.cancel_all_at:
                raise LighterError(E.CANCEL_ALL_QUEUED)
            self._schedule(account, tx["Time"])
        else:
            self.abort_scheduled(account)

    def _schedule(self, account: int, at_ms: int) -> None:
        self.venue.state.cancel_all_at[account] = at_ms
        delay = max(0.0, at_ms / 1000 - self.venue.clock.time())
        self._scheduled[account] = asyncio.get_running_loop().call_later(delay, self._fire, account)

    def _fire(self, account: int) -> None:
        self._scheduled.pop(account, None)
        self.venue.state.cancel_all_at.pop(account, None)
        try:
            self.venue.engine.cancel_all(account)
        except SimError:  # the account is gone (engine reset)
            pass

    def abort_scheduled(self, account: int) -> None:
        self.venue.state.cancel_all_at.pop(account, None)
        handle = self._scheduled.pop(account, None)
        if handle is not None:
            handle.cancel()

    def stop(self) -> None:
        for handle in self._scheduled.values():
            handle.cancel()
        self._scheduled.clear()

    def modify_order(self, tx: T.Tx, tx_hash: str, height: int) -> None:
        """Cancel and replace under the same order_index and client order index (queue priority
        is lost). The simulator refuses to modify a partly filled order."""
        venue = self.venue
        market = self.market(tx["MarketIndex"])
        view = self.find_open(tx.account, market, tx["Index"])
        if view.filled:
            raise LighterError(E.INVALID_AMOUNT, "the simulator cannot modify a partly filled order")
        size = Decimal(tx["BaseAmount"]).scaleb(-market.size_decimals)
        price = Decimal(tx["Price"]).scaleb(-market.price_decimals)
        problem = market.info().order_problem(size, price)
        if problem is not None:
            raise LighterError(E.INVALID_AMOUNT, problem)
        old = venue.state.order_meta(view.order_id, market.market_id)
        venue.state.deferred = view.order_id  # the replaced engine order's cancel is not the order's event
        try:
            venue.engine.cancel(tx.account, view.order_id)
        finally:
            venue.state.deferred = None
        meta = OrderMeta(old.order_index, market.market_id, old.type_name, old.tif_name, old.order_expiry,
                         tx.nonce, tx_hash, height)  # fmt: skip
        tif = {TimeInForce.IOC: 0, TimeInForce.GTC: 1, TimeInForce.POST_ONLY: 2}[view.time_in_force]
        self._submit(tx.account, market, view.client_id if isinstance(view.client_id, int) else None, meta,
                     view.side is Side.SELL, size, price, False, tif, view.reduce_only)  # fmt: skip

    # -------------------------------------------------------------------------------- expiry

    def expire_orders(self, now_ms: int) -> int:
        """End resting orders whose OrderExpiry has passed (`canceled-expired`)."""
        venue = self.venue
        count = 0
        for account in venue.engine.accounts():
            for view in venue.engine.open_orders(account):
                meta = venue.state.meta.get(view.order_id)
                if meta is None or not meta.order_expiry or meta.order_expiry > now_ms:
                    continue
                meta.status_override = "canceled-expired"
                try:
                    venue.engine.cancel(account, view.order_id)
                    count += 1
                except SimError:
                    meta.status_override = None
        return count
