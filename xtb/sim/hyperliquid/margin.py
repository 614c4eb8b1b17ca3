"""The venue's position and margin arithmetic (spec §7), pure, so `clearinghouseState` and the order
check at entry come from one model and the spec's check numbers can test it directly.

Per position, at one mark: `positionValue = |szi| × mark`, `unrealizedPnl = szi × (mark − entry)`,
`returnOnEquity = uPnL / (|szi| × entry / leverage)`. Cross: `marginUsed = positionValue / leverage`,
maintenance `positionValue × mmr` with `mmr = 1 / (2 × maxLeverage)`. Isolated: the margin allocated
at entry, `|szi| × entry / leverage`, plus what `updateIsolatedMargin` / `topUpIsolatedOnlyMargin`
moved in since (`isolated_extra`, negative when removed), gives `rawUsd = allocated − szi × entry`
and `marginUsed = rawUsd + szi × mark`; the cross balance gives up exactly what is allocated. Summaries: `accountValue =
totalRawUsd + Σ szi × mark`; the cross summary leaves isolated positions out and their allocation
with them; `withdrawable = max(0, cross accountValue − max(cross totalMarginUsed, 0.1 × cross
totalNtlPos))` (§7, matching both samples). Liquidation price per the docs' formula, None when not
reachable. The order check (§10.16): cross `accountValue − totalMarginUsed ≥ increase × px / leverage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from xtb.model import ZERO

USD = Decimal("0.000001")
RATIO = Decimal("0.0000000001")
PRICE = Decimal("0.00000001")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class PositionInput:
    coin: str
    szi: Decimal
    entry_px: Decimal
    mark_px: Decimal
    leverage: int
    is_cross: bool
    max_leverage: int
    cum_funding: Decimal = ZERO
    isolated_extra: Decimal = ZERO  # USDC moved into an isolated position after entry


@dataclass(frozen=True)
class PositionFigures:
    src: PositionInput
    position_value: Decimal
    unrealized_pnl: Decimal
    return_on_equity: Decimal
    margin_used: Decimal
    maintenance: Decimal
    raw_usd: Decimal | None  # isolated only
    liquidation_px: Decimal | None


@dataclass(frozen=True)
class Summary:
    account_value: Decimal
    total_ntl_pos: Decimal
    total_raw_usd: Decimal
    total_margin_used: Decimal


@dataclass(frozen=True)
class AccountFigures:
    positions: tuple[PositionFigures, ...]
    margin_summary: Summary
    cross_summary: Summary
    cross_maintenance: Decimal
    withdrawable: Decimal

    @property
    def free_cross(self) -> Decimal:
        """What new exposure may use (§10.16)."""
        return self.cross_summary.account_value - self.cross_summary.total_margin_used


def mmr(max_leverage: int) -> Decimal:
    return Decimal(1) / Decimal(2 * max_leverage)


def account_figures(cash: Decimal, positions: Sequence[PositionInput]) -> AccountFigures:
    """Every figure of `clearinghouseState` from the account's cash (deposits + realised PnL − fees)
    and its open positions."""
    base: list[tuple[PositionInput, Decimal, Decimal, Decimal, Decimal, Decimal | None, Decimal]] = []
    cross_alloc_out = ZERO
    for p in positions:
        value = abs(p.szi) * p.mark_px
        upnl = p.szi * (p.mark_px - p.entry_px)
        lev = Decimal(p.leverage)
        maintenance = value * mmr(p.max_leverage)
        if p.is_cross:
            used, raw = value / lev, None
        else:
            allocated = abs(p.szi) * p.entry_px / lev + p.isolated_extra
            raw = allocated - p.szi * p.entry_px
            used = raw + p.szi * p.mark_px
            cross_alloc_out += allocated
        base.append((p, value, upnl, used, maintenance, raw, lev))
    all_upnl = sum((b[2] for b in base), ZERO)
    cross = [b for b in base if b[0].is_cross]
    account_value = cash + all_upnl
    cross_value = cash + sum((b[2] for b in cross), ZERO) - cross_alloc_out
    margin_summary = Summary(
        account_value,
        sum((b[1] for b in base), ZERO),
        account_value - sum((b[0].szi * b[0].mark_px for b in base), ZERO),
        sum((b[3] for b in base), ZERO),
    )
    cross_summary = Summary(
        cross_value,
        sum((b[1] for b in cross), ZERO),
        cross_value - sum((b[0].szi * b[0].mark_px for b in cross), ZERO),
        sum((b[3] for b in cross), ZERO),
    )
    cross_maintenance = sum((b[4] for b in cross), ZERO)
    withdrawable = max(
        ZERO, cross_summary.account_value - max(cross_summary.total_margin_used, TENTH * cross_summary.total_ntl_pos)
    )
    figures = []
    for p, value, upnl, used, maintenance, raw, lev in base:
        cost = abs(p.szi) * p.entry_px / lev
        roe = upnl / cost if cost else ZERO
        available = (cross_value - cross_maintenance) if p.is_cross else (used - maintenance)
        figures.append(PositionFigures(p, value, upnl, roe, used, maintenance, raw, liquidation_px(p, available)))
    return AccountFigures(tuple(figures), margin_summary, cross_summary, cross_maintenance, withdrawable)


def liquidation_px(p: PositionInput, margin_available: Decimal) -> Decimal | None:
    """`liq = mark − side × margin_available / |szi| / (1 − mmr × side)` [doc]; None when the
    position has no size or the price would not be positive."""
    if not p.szi:
        return None
    side = 1 if p.szi > 0 else -1
    rate = mmr(p.max_leverage)
    liq = p.mark_px - side * margin_available / abs(p.szi) / (1 - rate * side)
    return liq if liq > 0 else None


def increase(szi: Decimal, is_buy: bool, size: Decimal) -> Decimal:
    """The part of an order that opens or adds exposure (what exceeds the opposite position)."""
    signed = size if is_buy else -size
    if szi == 0 or (szi > 0) == is_buy:
        return size
    return max(ZERO, abs(signed) - abs(szi))


def usd(value: Decimal) -> Decimal:
    return value.quantize(USD, rounding=ROUND_HALF_EVEN)


def ratio(value: Decimal) -> Decimal:
    return value.quantize(RATIO, rounding=ROUND_HALF_EVEN)


def price(value: Decimal) -> Decimal:
    return value.quantize(PRICE, rounding=ROUND_HALF_EVEN)
