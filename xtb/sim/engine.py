"""The venue-independent matching engine behind every simulator front-end.

One engine holds the markets, their price-time-priority books, the accounts and the fills. Venue
front-ends translate their wire protocol into `submit` / `cancel` calls and the engine's `Reason`
codes and events back into the venue's own words; the per-venue differences that live in the matching
itself (post-only crossing, reduce-only, self-trade, FOK outcomes, fees) are a `VenuePolicy` per
market. Prices and sizes are `Decimal` at this boundary and integer ticks / steps inside, converted
exactly: an off-tick price is a reject, never a rounding. What an order must pass before it matches
is in `xtb.sim.order_checks`; the integer records both read are in `xtb.sim.engine_records`.

Every state change produces a frozen event stamped with the injected clock and a global sequence
number. Events are queued while an operation runs and delivered to listeners when it has finished,
so a listener always sees a consistent engine and may call back into it (a synthetic market reacting
to a trade, a fault layer recording the stream).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from xtb.clock import Clock
from xtb.model import ZERO, Liquidity, OrderType, Side, Source, TimeInForce, TopOfBook, to_decimal
from xtb.sim.accounts import Account, PositionBook
from xtb.sim.book import BookSide, Level
from xtb.sim.engine_records import EngineMarket, EngineOrder
from xtb.sim.engine_types import (  # noqa: F401 - VenuePolicy re-exported for callers of the engine
    EXACT,
    EXPIRY_REASONS,
    OPEN_STATUSES,
    REJECTED_ORDER_ID,
    AccountId,
    BalanceChanged,
    BalanceView,
    BookChanged,
    BookView,
    ClientId,
    EngineEvent,
    FillView,
    LevelView,
    Listener,
    MarketSpec,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderRejected,
    OrderResized,
    OrderStatus,
    OrderView,
    PositionChanged,
    PositionView,
    Reason,
    SimError,
    Trade,
    VenuePolicy,
)
from xtb.sim.margin import MarginFigures, doubled_mark, figures, initial_fraction, margin_shortfall
from xtb.sim.order_checks import OrderRefused, check_order, crosses, policy_outcome


def _check_id(what: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"{what} must be a str or an int, got {type(value).__name__}")


class Engine:
    """Books, matching and accounts for any number of markets, driven by an injectable clock.

    `seed` seeds `engine.rng`, the one random stream that components built on the engine (synthetic
    market, fault injection) share; matching itself uses no randomness, so a given sequence of calls
    always produces the same events. `history` bounds what a long-running simulator remembers: the
    newest closed orders (older ones are forgotten, as venues forget them) and the newest fills of
    each account. An order that would open exposure beyond what the account's equity margins is
    refused (`xtb.sim.margin`, by the market's `MarketSpec` fractions); cash may still go negative
    through losses and fees, since nothing is liquidated.
    """

    def __init__(self, clock: Clock, seed: int = 0, *, history: int = 100_000) -> None:
        if type(history) is not int or history < 1:
            raise ValueError(f"history must be a positive int, got {history!r}")
        self.clock = clock
        self.seed = seed
        self.history = history
        self.rng = random.Random(seed)
        self._markets: dict[str, EngineMarket] = {}
        self._listeners: list[Listener] = []
        self._queue: list[EngineEvent] = []
        self._delivering = False
        self._init_state()

    def _init_state(self) -> None:
        self._accounts: dict[AccountId, Account] = {}
        self._orders: dict[int, EngineOrder] = {}
        self._closed_ids: deque[int] = deque()
        self._next_order_id = 1
        self._next_trade_id = 1
        self._seq = 0
        self._fees_collected = ZERO
        self._now = 0.0
        # per-operation scratch, in first-touch order (dicts keep insertion order; no set iteration)
        self._touched: list[tuple[bool, int]] = []
        self._cash_before: dict[AccountId, tuple[Account, Decimal]] = {}
        self._pos_moved: dict[AccountId, Account] = {}
        self._reduce_only_rested: dict[AccountId, Account] = {}
        self._retired: list[EngineOrder] = []
        self._queue.clear()

    # ------------------------------------------------------------------------------------ set-up

    def add_market(self, spec: MarketSpec) -> None:
        if not isinstance(spec, MarketSpec):
            raise TypeError(f"add_market takes a MarketSpec, got {type(spec).__name__}")
        if spec.symbol in self._markets:
            raise ValueError(f"market {spec.symbol!r} already exists")
        self._markets[spec.symbol] = EngineMarket(spec)

    def create_account(self, account_id: AccountId, collateral: Decimal | int | str = ZERO) -> BalanceView:
        _check_id("account_id", account_id)
        amount = to_decimal(collateral, "collateral")
        if account_id in self._accounts:
            raise ValueError(f"account {account_id!r} already exists")
        if amount < 0:
            raise ValueError(f"collateral must not be negative, got {amount}")
        account = self._accounts[account_id] = Account(account_id, amount, self.history)
        self._now = self.clock.time()
        self._emit(BalanceChanged, _balance_view(account), amount)
        self._deliver()
        return _balance_view(account)

    def fund(self, account_id: AccountId, amount: Decimal | int | str) -> BalanceView:
        """Deposit collateral; a negative amount withdraws, never below zero cash."""
        account = self._account(account_id)
        delta = to_decimal(amount, "amount")
        if not delta:
            raise ValueError("fund amount must not be zero")
        if account.cash + delta < 0:
            raise ValueError(f"withdrawal of {-delta} exceeds cash {account.cash}")
        account.cash = EXACT.add(account.cash, delta)
        account.deposits = EXACT.add(account.deposits, delta)
        self._now = self.clock.time()
        self._emit(BalanceChanged, _balance_view(account), delta)
        self._deliver()
        return _balance_view(account)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register a listener; returns the function that removes it. Listeners run in the order
        they subscribed, after each operation, one event at a time in sequence order."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def reset(self) -> None:
        """Forget every account, order, fill and counter and re-seed `rng`; keep markets and
        listeners, so a fixture can reuse one engine across scenarios."""
        self.rng = random.Random(self.seed)
        for market in self._markets.values():
            market.clear()
        self._init_state()

    # ---------------------------------------------------------------------------------- commands

    def submit(
        self,
        account_id: AccountId,
        market: str,
        side: Side,
        size: Decimal | int | str,
        *,
        price: Decimal | int | str | None = None,
        order_type: OrderType = OrderType.LIMIT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        reduce_only: bool = False,
        client_id: ClientId | None = None,
    ) -> OrderView:
        """Place an order and match it; returns the order as it stands afterwards.

        A venue rule it breaks gives a REJECTED view with a `Reason` and changes nothing but the
        event sequence (no order id is used). A market order takes what the book offers, up to
        `price` when given (a protection price), and expires the rest; its time in force may be GTC
        or IOC (both mean IOC) or FOK. Wrong types (a float, a str side) raise TypeError: those are
        bugs in the caller, not venue rejects.

        Events, in this order: OrderRejected alone; or OrderAccepted, then per execution any
        OrderExpired of resting orders it skipped (self-trade, spent reduce-only) and the Trade, then
        OrderExpired of this order if it ended unfilled, then per account that traded (this one
        first) PositionChanged and BalanceChanged, then OrderResized / OrderExpired of resting
        reduce-only orders the new positions no longer allow, then one BookChanged if the book moved.
        """
        if type(side) is not Side or type(order_type) is not OrderType or type(time_in_force) is not TimeInForce:
            raise TypeError(f"expected Side, OrderType, TimeInForce; got {side!r}, {order_type!r}, {time_in_force!r}")
        if client_id is not None:
            _check_id("client_id", client_id)
        size_dec = size if type(size) is Decimal and size.is_finite() else to_decimal(size, "size")
        if price is None or (type(price) is Decimal and price.is_finite()):
            price_dec = price
        else:
            price_dec = to_decimal(price, "price")
        if type(reduce_only) is not bool:
            raise TypeError(f"reduce_only must be a bool, got {reduce_only!r}")
        self._now = now = self.clock.time()
        m = self._markets.get(market)
        account = self._accounts.get(account_id)
        try:
            if m is None:
                raise OrderRefused(Reason.UNKNOWN_MARKET, f"unknown market {market!r}")
            if account is None:
                raise OrderRefused(Reason.UNKNOWN_ACCOUNT, f"unknown account {account_id!r}")
            steps, ticks = check_order(m, account, side, size_dec, price_dec, order_type, time_in_force,
                                       reduce_only, client_id)  # fmt: skip
            if not reduce_only and (m.spec.initial_margin_fraction or account.margin_fractions):  # else no margin
                short = margin_shortfall(self._markets, m, account, side, steps, ticks, order_type, reduce_only)
                if short is not None:
                    raise OrderRefused(Reason.INSUFFICIENT_MARGIN, short)
            end = None
            if reduce_only or time_in_force is TimeInForce.POST_ONLY or time_in_force is TimeInForce.FOK:
                end = policy_outcome(m, account, side, steps, ticks, time_in_force, reduce_only)
        except OrderRefused as refusal:
            view = OrderView(
                REJECTED_ORDER_ID, account_id, client_id, market, side, order_type, time_in_force,
                reduce_only, price_dec, size_dec, size_dec, ZERO, ZERO, OrderStatus.REJECTED,
                refusal.reason, now, now, refusal.detail,
            )  # fmt: skip
            self._emit(OrderRejected, view)
            self._deliver()
            return view

        order = EngineOrder(self._next_order_id, account, m, side, order_type, time_in_force, ticks, steps,
                            reduce_only, client_id, now)  # fmt: skip
        self._next_order_id += 1
        self._orders[order.order_id] = order
        if client_id is not None:
            account.by_client_id[client_id] = order
        top = m.top_key()
        self._emit(OrderAccepted, order.view())
        if end is not None:
            self._end(order, OrderStatus.EXPIRED, end)
        elif time_in_force is TimeInForce.POST_ONLY:
            self._rest(order)
        else:
            self._execute(m, order)
        return self._finish(m, top, order)

    def cancel(self, account_id: AccountId, order_id: int) -> OrderView:
        """Cancel a live order of this account; SimError(ORDER_NOT_FOUND / ORDER_CLOSED) otherwise."""
        account = self._account(account_id)
        order = self._orders.get(order_id) if type(order_id) is int else None
        if order is None or order.account is not account:
            raise SimError(Reason.ORDER_NOT_FOUND, f"account {account_id!r} has no order {order_id!r}")
        return self._cancel_one(order)

    def amend(self, account_id: AccountId, order_id: int, size: Decimal, price: Decimal) -> OrderView:
        """A venue's modify: a live limit order of this account gets a new total size and price and
        keeps its id. It goes to the back of the queue and, if the new price crosses, matches like a
        new order. SimError(ORDER_NOT_FOUND / ORDER_CLOSED) for an order it cannot touch, SimError
        with the market's reason for a size or price the market refuses (also a size not above
        what is filled, a post-only price that crosses, or more than the account can margin, counted
        without the order's own old remainder); the order then stays as it was.

        Events: OrderResized, then those of matching it again (as `submit`)."""
        account = self._account(account_id)
        order = self._orders.get(order_id) if type(order_id) is int else None
        if order is None or order.account is not account:
            raise SimError(Reason.ORDER_NOT_FOUND, f"account {account_id!r} has no order {order_id!r}")
        if order.status not in OPEN_STATUSES:
            raise SimError(Reason.ORDER_CLOSED, f"order {order.order_id} is {order.status.value}")
        m = order.market
        try:
            steps, ticks = check_order(m, account, order.side, to_decimal(size, "size"), to_decimal(price, "price"),
                                       OrderType.LIMIT, order.tif, order.reduce_only, None)  # fmt: skip
            if steps <= order.filled:
                raise OrderRefused(Reason.INVALID_SIZE, f"size {size} is not above the filled {m.sz[order.filled]}")
            if order.tif is TimeInForce.POST_ONLY and crosses(m, order.is_buy, ticks):
                raise OrderRefused(Reason.POST_ONLY_WOULD_CROSS, "post-only order would take liquidity")
            short = margin_shortfall(self._markets, m, account, order.side, steps - order.filled, ticks,
                                     OrderType.LIMIT, order.reduce_only, replacing=order)  # fmt: skip
            if short is not None:
                raise OrderRefused(Reason.INSUFFICIENT_MARGIN, short)
        except OrderRefused as refusal:
            raise SimError(refusal.reason, refusal.detail) from None
        self._now = self.clock.time()
        top = m.top_key()
        previous = order.size
        self._remove_resting(order)
        order.price, order.size, order.requested = ticks, steps, steps
        order.updated = self._now
        order.snap = None
        self._emit(OrderResized, order.view(), m.sz[previous])
        self._execute(m, order)
        if order.order_id in account.open_orders:  # it rests again: back to its place in id order
            account.open_orders = dict(sorted(account.open_orders.items()))
        return self._finish(m, top, order)

    def cancel_by_client_id(self, account_id: AccountId, client_id: ClientId) -> OrderView:
        """Cancel the account's order that carries `client_id` (the latest one, if it was reused)."""
        _check_id("client_id", client_id)
        order = self._account(account_id).by_client_id.get(client_id)
        if order is None:
            raise SimError(Reason.ORDER_NOT_FOUND, f"account {account_id!r} has no order {client_id!r}")
        return self._cancel_one(order)

    def expire(self, order_id: int, reason: Reason = Reason.SELF_TRADE) -> OrderView:
        """The venue ends a live order on its own after acceptance — self-trade prevention, a risk
        or liquidation engine — whatever it filled so far (status EXPIRED with `reason`). What a
        connector must report as ended with its partial fill kept, never as a failure."""
        order = self._orders.get(order_id) if type(order_id) is int else None
        if order is None:
            raise SimError(Reason.ORDER_NOT_FOUND, f"no order {order_id!r}")
        if order.status not in OPEN_STATUSES:
            raise SimError(Reason.ORDER_CLOSED, f"order {order.order_id} is {order.status.value}")
        if reason not in EXPIRY_REASONS:
            raise ValueError(f"an order ends on its own for {sorted(r.value for r in EXPIRY_REASONS)}, not {reason}")
        m = order.market
        self._now = self.clock.time()
        top = m.top_key()
        self._remove_resting(order)
        self._end(order, OrderStatus.EXPIRED, reason)
        return self._finish(m, top, order)

    def cancel_all(self, account_id: AccountId, market: str | None = None) -> tuple[OrderView, ...]:
        """Cancel the account's live orders in one market (every market when None), oldest first;
        each market is one operation with its own BookChanged."""
        account = self._account(account_id)
        symbols = list(self._markets) if market is None else [self._market(market).symbol]
        cancelled: list[OrderView] = []
        for symbol in symbols:
            orders = [o for o in account.open_orders.values() if o.market.symbol == symbol]
            if not orders:
                continue
            m = self._markets[symbol]
            self._now = self.clock.time()
            top = m.top_key()
            for order in orders:
                self._remove_resting(order)
                self._end(order, OrderStatus.CANCELLED, Reason.CANCEL_ALL)
                cancelled.append(order.view())
            self._finish(m, top, orders[-1])
        return tuple(cancelled)

    # ------------------------------------------------------------------------------ truth reads

    def markets(self) -> tuple[MarketSpec, ...]:
        return tuple(m.spec for m in self._markets.values())

    def market(self, symbol: str) -> MarketSpec:
        return self._market(symbol).spec

    def set_market_margin(self, symbol: str, initial: Decimal, maintenance: Decimal) -> MarketSpec:
        """New margin fractions for a market while the simulator runs (a settings change); accounts
        that chose their own leverage keep it. ValueError for fractions outside 0 <= mm <= im <= 1."""
        m = self._market(symbol)
        m.spec = replace(m.spec, initial_margin_fraction=initial, maintenance_margin_fraction=maintenance)
        return m.spec

    def set_initial_margin_fraction(self, account_id: AccountId, symbol: str, fraction: Decimal | None) -> Decimal:
        """The initial margin fraction (1 / leverage) an account chose for a market, as a venue's
        leverage call sets it; None goes back to the market's default. The venue checks its own
        leverage limits and answers in its own words; the engine refuses only a fraction that is not
        a Decimal in (0, 1] or lies below the market's maintenance fraction (ValueError)."""
        account = self._account(account_id)
        m = self._market(symbol)
        if fraction is None:
            account.margin_fractions.pop(m.symbol, None)
            return m.spec.initial_margin_fraction
        if not isinstance(fraction, Decimal) or not fraction.is_finite() or not 0 < fraction <= 1:
            raise ValueError(f"initial margin fraction must be a Decimal in (0, 1], got {fraction!r}")
        if fraction < m.spec.maintenance_margin_fraction:
            raise ValueError(
                f"initial margin fraction {fraction} is below the maintenance fraction "
                f"{m.spec.maintenance_margin_fraction} of {m.symbol}"
            )
        account.margin_fractions[m.symbol] = fraction
        return fraction

    def initial_margin_fraction(self, account_id: AccountId, symbol: str) -> Decimal:
        """The fraction the account's next order in `symbol` is margined at."""
        return initial_fraction(self._market(symbol), self._account(account_id))

    def margin(self, account_id: AccountId) -> MarginFigures:
        """The account's equity, initial and maintenance margin at the marks: what a venue publishes
        as its margin figures, from the same model that accepts or refuses orders."""
        return figures(self._markets, self._account(account_id))

    @property
    def fees_collected(self) -> Decimal:
        """The fee sink: every fee charged, net of rebates, so total cash + fees is conserved."""
        return self._fees_collected

    @property
    def last_seq(self) -> int:
        return self._seq

    def accounts(self) -> tuple[AccountId, ...]:
        return tuple(self._accounts)

    def book(self, market: str, depth: int = 10) -> BookView:
        """Aggregated levels, best first, at most `depth` per side."""
        m = self._market(market)
        return BookView(m.symbol, _levels(m, m.bids, depth), _levels(m, m.asks, depth))

    def top_of_book(self, market: str) -> TopOfBook:
        return _top(self._market(market), self.clock.monotonic(), self.clock.time())

    def book_mark(self, market: str) -> Decimal | None:
        """The mark the margin model prices positions at while a book stands: the mid, or the one
        quoted side; None with an empty book (a venue then falls back to its last trade)."""
        m = self._market(market)
        mark2 = doubled_mark(m)  # twice the mark, in ticks
        return None if mark2 is None else m.px[mark2] / 2

    def order(self, order_id: int) -> OrderView | None:
        order = self._orders.get(order_id)
        return None if order is None else order.view()

    def order_by_client_id(self, account_id: AccountId, client_id: ClientId) -> OrderView | None:
        """The account's latest order with this client id (live or not), or None."""
        order = self._account(account_id).by_client_id.get(client_id)
        return None if order is None else order.view()

    def open_orders(self, account_id: AccountId, market: str | None = None) -> tuple[OrderView, ...]:
        """The account's resting orders, oldest first."""
        account = self._account(account_id)
        if market is not None:
            self._market(market)
        return tuple(o.view() for o in account.open_orders.values() if market is None or o.market.symbol == market)

    def resting_orders(self, market: str) -> tuple[OrderView, ...]:
        """Every resting order in a market, in priority order (bids best first, then asks)."""
        m = self._market(market)
        return tuple(o.view() for side in (m.bids, m.asks) for level in side.iter_levels() for o in level.orders)

    def fills(self, account_id: AccountId, market: str | None = None) -> tuple[FillView, ...]:
        fills = self._account(account_id).fills
        return tuple(f for f in fills if market is None or f.market == market)

    def position(self, account_id: AccountId, market: str) -> PositionView:
        account = self._account(account_id)
        m = self._market(market)
        return _position_view(account, m, account.positions.get(m.symbol) or PositionBook())

    def positions(self, account_id: AccountId) -> tuple[PositionView, ...]:
        """Every market the account has traded, in market order (flat ones included)."""
        account = self._account(account_id)
        return tuple(
            _position_view(account, m, account.positions[m.symbol])
            for m in self._markets.values()
            if m.symbol in account.positions
        )

    def balance(self, account_id: AccountId) -> BalanceView:
        return _balance_view(self._account(account_id))

    # ------------------------------------------------------------------------------ matching

    def _execute(self, m: EngineMarket, order: EngineOrder) -> None:
        """Sweep the opposite side, then rest the remainder or end it by its time in force."""
        stop = self._sweep(m, order)
        if order.filled == order.size:
            return
        if stop is None and order.reduce_only and not order.account.reducible(m.symbol, order.is_buy):
            stop = Reason.REDUCE_ONLY_OVERSIZE  # it reduced all it could; the book ran out at the same time
        if order.tif is TimeInForce.FOK and stop is not Reason.REDUCE_ONLY_OVERSIZE:
            raise AssertionError(f"FOK order {order.order_id} passed its dry run but stopped: {stop}")
        if stop is None:
            if order.order_type is OrderType.MARKET:
                stop = Reason.SLIPPAGE_LIMIT if (m.asks if order.is_buy else m.bids).keys else Reason.NO_LIQUIDITY
            elif order.tif is TimeInForce.IOC:
                stop = Reason.IOC_REMAINDER
        if stop is not None:
            self._end(order, OrderStatus.EXPIRED, stop)
        else:
            self._rest(order)

    def _sweep(self, m: EngineMarket, order: EngineOrder) -> Reason | None:
        """Match against resting orders in price-time priority; returns why it stopped early
        (self-trade, reduce-only exhausted), or None when the book or the limit price ended it."""
        is_buy = order.is_buy
        opposite = m.asks if is_buy else m.bids
        keys = opposite.keys
        levels = opposite.levels
        limit = order.price
        account = order.account
        stp = m.policy.self_trade
        symbol = m.symbol
        touched = self._touched
        stop: Reason | None = None
        while stop is None and order.filled < order.size and keys:
            key = keys[-1]
            level = levels[key]
            price = level.price
            if limit is not None and (price > limit if is_buy else price < limit):
                break
            touched.append((not is_buy, price))
            orders = level.orders
            while orders:
                want = order.size - order.filled
                if not want:
                    break
                if order.reduce_only:
                    cap = account.reducible(symbol, is_buy)
                    if not cap:
                        stop = Reason.REDUCE_ONLY_OVERSIZE
                        break
                    if cap < want:
                        want = cap
                maker = orders[0]
                if maker.account is account and stp != "allow":
                    if stp != "reject_taker":
                        self._expire_front(level, maker, Reason.SELF_TRADE)
                    if stp != "cancel_maker":
                        stop = Reason.SELF_TRADE
                        break
                    continue
                qty = maker.size - maker.filled
                if maker.reduce_only and maker.account is not account:
                    cap = maker.account.reducible(symbol, maker.is_buy)
                    if not cap:
                        self._expire_front(level, maker, Reason.REDUCE_ONLY_NO_POSITION)
                        continue
                    if cap < qty:
                        qty = cap
                if want < qty:
                    qty = want
                self._fill(m, order, maker, level, price, qty)
                if maker.filled == maker.size:
                    orders.popleft()
                    self._closed(maker)
            if not orders:
                del levels[key]
                keys.pop()
        return stop

    def _fill(
        self, m: EngineMarket, taker: EngineOrder, maker: EngineOrder, level: Level, price: int, qty: int
    ) -> None:
        """Book one execution on both orders, both accounts and the fee sink, and emit it."""
        now = self._now
        units = qty * price
        level.total -= qty
        if not maker.reduce_only:
            margined = maker.account.resting_margined
            margined[m.symbol] -= units
        for order in (taker, maker):
            order.filled += qty
            order.notional += units
            order.updated = now
            order.snap = None
            if order.filled == order.size:
                order.status = _FILLED
                self._retired.append(order)
            else:
                order.status = _PARTIAL
        trade_id = self._next_trade_id
        self._next_trade_id = trade_id + 1
        taker_fee = EXACT.multiply(m.taker_fee_unit, units)
        maker_fee = EXACT.multiply(m.maker_fee_unit, units)
        self._fees_collected = EXACT.add(self._fees_collected, EXACT.add(taker_fee, maker_fee))
        t_acct = taker.account
        m_acct = maker.account
        cash_before = self._cash_before
        if t_acct.account_id not in cash_before:
            cash_before[t_acct.account_id] = (t_acct, t_acct.cash)
        if m_acct.account_id not in cash_before:
            cash_before[m_acct.account_id] = (m_acct, m_acct.cash)
        symbol = m.symbol
        t_pnl = m_pnl = ZERO
        if t_acct is not m_acct:  # a self-trade moves no position: only fees
            units_pnl = t_acct.position(symbol).apply(qty if taker.is_buy else -qty, price)
            if units_pnl:
                t_pnl = m.money(units_pnl)
            units_pnl = m_acct.position(symbol).apply(qty if maker.is_buy else -qty, price)
            if units_pnl:
                m_pnl = m.money(units_pnl)
            moved = self._pos_moved
            moved[t_acct.account_id] = t_acct
            moved[m_acct.account_id] = m_acct
        _book_cash(t_acct, t_pnl, taker_fee)
        _book_cash(m_acct, m_pnl, maker_fee)
        price_dec = m.px[price]
        qty_dec = m.sz[qty]
        seq = self._seq + 1
        t_fill = FillView(trade_id, t_acct.account_id, symbol, taker.order_id, taker.client_id, taker.side,
                          price_dec, qty_dec, taker_fee, Liquidity.TAKER, t_pnl, now, seq)  # fmt: skip
        m_fill = FillView(trade_id, m_acct.account_id, symbol, maker.order_id, maker.client_id, maker.side,
                          price_dec, qty_dec, maker_fee, Liquidity.MAKER, m_pnl, now, seq)  # fmt: skip
        t_acct.fills.append(t_fill)
        m_acct.fills.append(m_fill)
        self._seq = seq
        self._queue.append(Trade(seq, now, symbol, trade_id, price_dec, qty_dec, taker.side, t_fill, m_fill,
                                 taker.view(), maker.view()))  # fmt: skip

    # ------------------------------------------------------------------- order state changes

    def _rest(self, order: EngineOrder) -> None:
        m = order.market
        (m.bids if order.is_buy else m.asks).add(order)
        account = order.account
        account.open_orders[order.order_id] = order
        self._touched.append((order.is_buy, order.price))  # type: ignore[arg-type]
        if order.reduce_only:
            m.resting_reduce_only += 1
            self._reduce_only_rested[account.account_id] = account
        else:
            margined = account.resting_margined
            margined[m.symbol] = margined.get(m.symbol, 0) + (order.size - order.filled) * order.price  # type: ignore[operator]

    def _closed(self, order: EngineOrder) -> None:
        """Bookkeeping for an order that has left the book (filled, cancelled or expired)."""
        account = order.account
        if account.open_orders.pop(order.order_id, None) is None:
            return
        if order.reduce_only:
            order.market.resting_reduce_only -= 1
        else:
            symbol = order.market.symbol
            left = account.resting_margined[symbol] - (order.size - order.filled) * order.price  # type: ignore[operator]
            if left:
                account.resting_margined[symbol] = left
            else:
                del account.resting_margined[symbol]

    def _remove_resting(self, order: EngineOrder) -> None:
        m = order.market
        (m.bids if order.is_buy else m.asks).remove(order)
        self._touched.append((order.is_buy, order.price))  # type: ignore[arg-type]
        self._closed(order)

    def _expire_front(self, level: Level, maker: EngineOrder, reason: Reason) -> None:
        """End the maker at the front of `level` during a sweep (self-trade, spent reduce-only)."""
        level.orders.popleft()
        level.total -= maker.size - maker.filled
        self._closed(maker)
        self._end(maker, OrderStatus.EXPIRED, reason)

    def _end(self, order: EngineOrder, status: OrderStatus, reason: Reason) -> None:
        order.status = status
        order.reason = reason
        order.updated = self._now
        order.snap = None
        self._retired.append(order)
        self._emit(OrderCancelled if status is OrderStatus.CANCELLED else OrderExpired, order.view())

    def _forget_old(self, retired: list[EngineOrder]) -> None:
        """Closed orders drop their memoized view (it is rebuilt on a lookup) and join the history;
        the oldest beyond `history` are forgotten, so memory stays bounded however long a run."""
        closed = self._closed_ids
        for order in retired:
            order.snap = None
            closed.append(order.order_id)
        while len(closed) > self.history:
            old = self._orders.pop(closed.popleft())
            by_client_id = old.account.by_client_id
            if old.client_id is not None and by_client_id.get(old.client_id) is old:
                del by_client_id[old.client_id]

    def _cancel_one(self, order: EngineOrder) -> OrderView:
        if order.status not in OPEN_STATUSES:
            raise SimError(Reason.ORDER_CLOSED, f"order {order.order_id} is {order.status.value}")
        m = order.market
        self._now = self.clock.time()
        top = m.top_key()
        self._remove_resting(order)
        self._end(order, OrderStatus.CANCELLED, Reason.USER_CANCEL)
        return self._finish(m, top, order)

    def _enforce_reduce_only(self, m: EngineMarket, accounts: Iterable[Account]) -> None:
        """After positions moved, no resting reduce-only order may exceed what it can still reduce:
        it expires when nothing is left to reduce, else it is shrunk (clamp) or expired."""
        clamp = m.policy.reduce_only_oversize == "clamp"
        for account in accounts:
            for order in [o for o in account.open_orders.values() if o.reduce_only and o.market is m]:
                cap = account.reducible(m.symbol, order.is_buy)
                remaining = order.size - order.filled
                if remaining <= cap:
                    continue
                if cap and clamp:
                    previous = order.size
                    order.size = order.filled + cap
                    order.updated = self._now
                    order.snap = None
                    level = (m.bids if order.is_buy else m.asks).level_at(order.price)  # type: ignore[arg-type]
                    level.total -= remaining - cap  # type: ignore[union-attr]
                    self._touched.append((order.is_buy, order.price))  # type: ignore[arg-type]
                    self._emit(OrderResized, order.view(), m.sz[previous])
                else:
                    self._remove_resting(order)
                    reason = Reason.REDUCE_ONLY_OVERSIZE if cap else Reason.REDUCE_ONLY_NO_POSITION
                    self._end(order, OrderStatus.EXPIRED, reason)

    def _finish(self, m: EngineMarket, top_before: tuple[int, int, int, int], result: EngineOrder) -> OrderView:
        """Close an operation: report positions and balances it moved, settle resting reduce-only
        orders, report the book, retire closed orders, then deliver the events. Returns the view of
        `result` as the operation left it."""
        moved = self._pos_moved
        if self._cash_before:
            for account_id, (account, before) in self._cash_before.items():
                if account_id in moved:
                    self._emit(PositionChanged, _position_view(account, m, account.positions[m.symbol]))
                delta = EXACT.subtract(account.cash, before)
                if delta:
                    self._emit(BalanceChanged, _balance_view(account), delta)
            self._cash_before = {}
            self._pos_moved = {}
        if self._reduce_only_rested:
            moved = moved | self._reduce_only_rested
            self._reduce_only_rested = {}
        if moved and m.resting_reduce_only:
            self._enforce_reduce_only(m, moved.values())
        if self._touched:
            self._emit_book(m, top_before)
        view = result.view()
        if self._retired:
            retired = self._retired
            self._retired = []
            self._forget_old(retired)
        self._deliver()
        return view

    def _emit_book(self, m: EngineMarket, top_before: tuple[int, int, int, int]) -> None:
        touched = self._touched
        self._touched = []
        keys: Iterable[tuple[bool, int]] = touched
        if len(touched) > 1:
            keys = sorted(dict.fromkeys(touched), key=_level_order)
        levels = []
        for is_bid, price in keys:
            level = (m.bids if is_bid else m.asks).level_at(price)
            side = Side.BUY if is_bid else Side.SELL
            if level is None:
                levels.append(LevelView(side, m.px[price], ZERO, 0))
            else:
                levels.append(LevelView(side, m.px[price], m.sz[level.total], len(level.orders)))
        key = m.top_key()
        bid, bid_size, ask, ask_size = key
        px = m.px
        sz = m.sz
        self._seq += 1
        self._queue.append(BookChanged(
            self._seq, self._now, m.symbol, tuple(levels),
            px[bid] if bid_size else None, sz[bid_size] if bid_size else None,
            px[ask] if ask_size else None, sz[ask_size] if ask_size else None,
            key != top_before,
        ))  # fmt: skip

    # ------------------------------------------------------------------------------ events

    def _emit(self, kind: type[EngineEvent], *fields: Any) -> None:
        self._seq += 1
        self._queue.append(kind(self._seq, self._now, *fields))

    def _deliver(self) -> None:
        """Hand queued events to listeners in sequence order. A listener that calls back into the
        engine queues its events behind the current ones instead of interleaving with them; a
        listener that raises stops delivery, and the undelivered events go out with the next one."""
        if self._delivering:
            return
        queue = self._queue
        listeners = self._listeners
        if not listeners:
            queue.clear()
            return
        self._delivering = True
        index = 0
        try:
            while index < len(queue):
                event = queue[index]
                index += 1
                if len(listeners) == 1:
                    listeners[0](event)
                else:
                    for listener in tuple(listeners):
                        listener(event)
        finally:
            del queue[:index]
            self._delivering = False

    # ------------------------------------------------------------------------------ lookups

    def _market(self, symbol: str) -> EngineMarket:
        m = self._markets.get(symbol)
        if m is None:
            raise SimError(Reason.UNKNOWN_MARKET, f"unknown market {symbol!r}")
        return m

    def _account(self, account_id: AccountId) -> Account:
        account = self._accounts.get(account_id)
        if account is None:
            raise SimError(Reason.UNKNOWN_ACCOUNT, f"unknown account {account_id!r}")
        return account


_FILLED = OrderStatus.FILLED
_PARTIAL = OrderStatus.PARTIALLY_FILLED


def _book_cash(account: Account, pnl: Decimal, fee: Decimal) -> None:
    if pnl:
        account.realized = EXACT.add(account.realized, pnl)
        account.cash = EXACT.add(account.cash, pnl)
    if fee:
        account.cash = EXACT.subtract(account.cash, fee)
        account.fees_paid = EXACT.add(account.fees_paid, fee)


def _level_order(key: tuple[bool, int]) -> tuple[bool, int]:
    """Bids before asks, each best first."""
    is_bid, price = key
    return (not is_bid, -price if is_bid else price)


def _position_view(account: Account, m: EngineMarket, book: PositionBook) -> PositionView:
    return PositionView(account.account_id, m.symbol, m.sz[book.size], m.money(book.cost), m.money(book.realized))


def _balance_view(account: Account) -> BalanceView:
    return BalanceView(account.account_id, account.cash, account.deposits, account.realized, account.fees_paid)


def _top(m: EngineMarket, received_at: float, ts: float) -> TopOfBook:
    bid = m.bids.best()
    ask = m.asks.best()
    return TopOfBook(
        m.symbol,
        m.px[bid.price] if bid else None,
        m.sz[bid.total] if bid else None,
        m.px[ask.price] if ask else None,
        m.sz[ask.total] if ask else None,
        Source.LOCAL,
        received_at,
        ts,
    )


def _levels(m: EngineMarket, side: BookSide, depth: int) -> tuple[LevelView, ...]:
    label = Side.BUY if side.is_bid else Side.SELL
    out: list[LevelView] = []
    for level in side.iter_levels():
        if len(out) >= depth:
            break
        out.append(LevelView(label, m.px[level.price], m.sz[level.total], len(level.orders)))
    return tuple(out)
