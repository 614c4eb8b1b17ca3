"""The checks an order passes before the engine matches it: the venue rules it must keep on its own
(price, size, tick, step, minimums, client id) and the venue policy that refuses or ends it at once
(reduce-only, post-only crossing, fill-or-kill).

Kept apart from the matching so each reads on its own: a check never changes the engine, and the
matching never refuses. A failed check raises `OrderRefused`, which `Engine.submit` turns into a
REJECTED view before it leaves the engine.
"""

from __future__ import annotations

from decimal import Decimal

from xtb.model import OrderType, Side, TimeInForce
from xtb.sim.accounts import Account
from xtb.sim.engine_records import EngineMarket, units
from xtb.sim.engine_types import OPEN_STATUSES, AccountId, ClientId, Reason


class OrderRefused(Exception):
    """A submit check failed: the venue refuses the order for `reason` (`detail` says why)."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def check_order(
    m: EngineMarket,
    account: Account,
    side: Side,
    size: Decimal,
    price: Decimal | None,
    order_type: OrderType,
    tif: TimeInForce,
    reduce_only: bool,
    client_id: ClientId | None,
) -> tuple[int, int | None]:
    """Size in steps and price in ticks, or `OrderRefused` for the first venue rule the order breaks
    (checked in a fixed order, so one order always gets the same reason)."""
    info = m.info
    if order_type is OrderType.LIMIT and price is None:
        raise OrderRefused(Reason.MISSING_PRICE, "a limit order needs a price")
    if order_type is OrderType.MARKET and tif is TimeInForce.POST_ONLY:
        raise OrderRefused(Reason.INVALID_TIME_IN_FORCE, "a market order cannot be post-only")
    if size <= 0:
        raise OrderRefused(Reason.INVALID_SIZE, f"size {size} must be positive")
    steps = units(size, m.step)
    if steps is None:
        raise OrderRefused(Reason.SIZE_NOT_ON_STEP, f"size {size} is not a multiple of step {info.step_size}")
    ticks = None
    if price is not None:
        if price <= 0:
            raise OrderRefused(Reason.INVALID_PRICE, f"price {price} must be positive")
        ticks = units(price, m.tick)
        if ticks is None:
            raise OrderRefused(Reason.PRICE_NOT_ON_TICK, f"price {price} is not a multiple of tick {info.tick_size}")
    if steps < m.min_size_steps:
        raise OrderRefused(Reason.BELOW_MIN_SIZE, f"size {size} is below the minimum {info.min_size}")
    if m.min_notional_units and (m.policy.reduce_only_min_notional or not reduce_only):
        reference = ticks
        if reference is None:  # a market order: judge it at the price it would take first
            best = (m.asks if side is Side.BUY else m.bids).best()
            reference = best.price if best else None
        if reference is not None and steps * reference < m.min_notional_units:
            notional = m.money(steps * reference)
            raise OrderRefused(Reason.BELOW_MIN_NOTIONAL, f"notional {notional} is below {info.min_notional}")
    if client_id is not None:
        previous = account.by_client_id.get(client_id)
        if previous is not None and previous.status in OPEN_STATUSES:
            raise OrderRefused(Reason.DUPLICATE_CLIENT_ID, f"client id {client_id!r} is used by a live order")
    return steps, ticks


def policy_outcome(
    m: EngineMarket,
    account: Account,
    side: Side,
    steps: int,
    ticks: int | None,
    tif: TimeInForce,
    reduce_only: bool,
) -> Reason | None:
    """Apply the venue policy to an order that is valid in itself: `OrderRefused` when the venue
    refuses it, the reason when the venue accepts then ends it at once, None to match it."""
    policy = m.policy
    is_buy = side is Side.BUY
    if reduce_only:
        reducible = account.reducible(m.symbol, is_buy)
        if not reducible:
            book = account.positions.get(m.symbol)
            flat = book is None or not book.size
            reason = Reason.REDUCE_ONLY_NO_POSITION if flat else Reason.REDUCE_ONLY_WOULD_INCREASE
            if policy.reduce_only_no_position == "reject":
                raise OrderRefused(reason, "reduce-only order would not reduce the position")
            return reason
        if steps > reducible and policy.reduce_only_oversize != "clamp":
            if policy.reduce_only_oversize == "reject":
                raise OrderRefused(Reason.REDUCE_ONLY_OVERSIZE, "reduce-only size exceeds the position")
            return Reason.REDUCE_ONLY_OVERSIZE
    if tif is TimeInForce.POST_ONLY and crosses(m, is_buy, ticks):
        if policy.post_only_cross == "reject":
            raise OrderRefused(Reason.POST_ONLY_WOULD_CROSS, "post-only order would take liquidity")
        return Reason.POST_ONLY_WOULD_CROSS
    if tif is TimeInForce.FOK:
        if not fok_fillable(m, account, is_buy, ticks, steps, reduce_only):
            if policy.fok_unfillable == "reject":
                raise OrderRefused(Reason.FOK_NOT_FILLABLE, "fill-or-kill order cannot be filled in full")
            return Reason.FOK_NOT_FILLABLE
    return None


def crosses(m: EngineMarket, is_buy: bool, ticks: int | None) -> bool:
    """Would an order at `ticks` (None: a market order) take from the opposite side?"""
    best = (m.asks if is_buy else m.bids).best()
    if best is None or ticks is None:
        return best is not None
    return best.price <= ticks if is_buy else best.price >= ticks


def fok_fillable(
    m: EngineMarket, account: Account, is_buy: bool, limit: int | None, size: int, reduce_only: bool
) -> bool:
    """Dry run of `Engine._sweep` for a fill-or-kill order: would it fill in full? It mirrors the
    sweep rule for rule (price limit, self-trade policy, reduce-only caps of the taker and of every
    maker, on positions that move as the simulated fills land), so the two can never disagree.
    A clamped reduce-only order counts as filled once it has reduced everything it may."""
    stp = m.policy.self_trade
    symbol = m.symbol
    positions: dict[AccountId, int] = {}

    def reducible(acct: Account, buy: bool) -> int:
        size_now = positions.get(acct.account_id)
        if size_now is None:
            book = acct.positions.get(symbol)
            size_now = positions[acct.account_id] = book.size if book else 0
        if buy:
            return -size_now if size_now < 0 else 0
        return size_now if size_now > 0 else 0

    got = 0
    for level in (m.asks if is_buy else m.bids).iter_levels():
        if limit is not None and (level.price > limit if is_buy else level.price < limit):
            break
        for maker in level.orders:
            want = size - got
            if reduce_only:
                cap = reducible(account, is_buy)
                if not cap:
                    return True
                want = min(want, cap)
            own = maker.account is account
            if own and stp != "allow":
                if stp == "cancel_maker":
                    continue
                return False
            qty = maker.size - maker.filled
            if maker.reduce_only and not own:
                qty = min(qty, reducible(maker.account, maker.is_buy))
                if not qty:
                    continue
            qty = min(qty, want)
            got += qty
            if not own:  # a self-trade moves no position
                signed = qty if is_buy else -qty
                reducible(account, is_buy)  # make sure both are loaded before moving them
                reducible(maker.account, maker.is_buy)
                positions[account.account_id] += signed
                positions[maker.account.account_id] -= signed
            if got == size:
                return True
    return reduce_only and not reducible(account, is_buy)
