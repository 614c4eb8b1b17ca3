"""What the Backpack simulator serves and how it settles the points the venue spec leaves open.

Every UNCONFIRMED behaviour of the spec is a field of `BackpackSettings` whose default is the spec's
"Sim default", so a test can switch to the alternative the venue might turn out to use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from xtb.model import MarketInfo
from xtb.sim import market_def
from xtb.sim.engine_types import VenuePolicy

D = Decimal

MAKER_FEE_RATE = D("0.0002")  # perps tier 1: 0.02 %
TAKER_FEE_RATE = D("0.0005")  # 0.05 %
QUOTE_ASSET = "USDC"
DEFAULT_LEVERAGE = D("10")  # the account-wide leverage limit of an account that set none


@dataclass(frozen=True)
class MarketDef(market_def.MarketDef):
    """One USDC-settled linear perpetual: its filters as `/api/v1/markets` shows them, and where the
    synthetic market quotes it.

    Margin: an account that set no leverage opens exposure with 1 / `DEFAULT_LEVERAGE` of its
    notional (`initial_margin_fraction`, the engine's default, which a run's `margin` setting
    changes); `PATCH /api/v1/account` `leverageLimit` sets its own, never below `imf_base` (0.02:
    50×). A position keeps `maintenance_margin_fraction`, the base of the published `mmfFunction`.
    The sqrt factors are published only: the engine margins at flat fractions."""

    symbol: str
    base: str
    tick_size: Decimal
    step_size: Decimal
    min_quantity: Decimal
    min_price: Decimal
    max_price: Decimal
    created_at: str  # naive UTC with µs, as the venue writes it
    imf_base: Decimal = D("0.02")  # the lowest initial fraction an account may choose: 1 / max leverage
    imf_factor: Decimal = D("0.00006")  # sqrt functions' factors
    mmf_factor: Decimal = D("0.000036")
    open_interest_limit: str = "4000000"
    funding_interval_ms: int = 3_600_000
    band_min: Decimal = D("0.25")  # limit price vs last active price
    band_max: Decimal = D("2")
    mark_band_min: Decimal = D("0.9")  # limit price vs mark
    mark_band_max: Decimal = D("1.1")
    initial_margin_fraction: Decimal = field(default=1 / DEFAULT_LEVERAGE, kw_only=True)
    maintenance_margin_fraction: Decimal = field(default=D("0.0135"), kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.imf_base, Decimal) or not 0 < self.imf_base <= 1:
            raise ValueError(f"{self.symbol}: imf_base must be a Decimal in (0, 1], got {self.imf_base!r}")

    @property
    def quote(self) -> str:
        return QUOTE_ASSET

    def info(self) -> MarketInfo:
        return MarketInfo(
            self.symbol,
            tick_size=self.tick_size,
            step_size=self.step_size,
            min_size=self.min_quantity,
            base_asset=self.base,
            quote_asset=QUOTE_ASSET,
        )

    @property
    def price_decimals(self) -> int:
        return _decimals(self.tick_size)

    @property
    def size_decimals(self) -> int:
        return _decimals(self.step_size)


def _decimals(increment: Decimal) -> int:
    exponent = increment.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


SOL_USDC_PERP = MarketDef(
    symbol="SOL_USDC_PERP",
    base="SOL",
    tick_size=D("0.01"),
    step_size=D("0.01"),
    min_quantity=D("0.01"),
    min_price=D("0.01"),
    max_price=D("1000"),
    mid=D("150"),
    level_size=D("5"),
    created_at="2025-01-21T06:34:54.691858",
)
BTC_USDC_PERP = MarketDef(
    symbol="BTC_USDC_PERP",
    base="BTC",
    tick_size=D("0.1"),
    step_size=D("0.00001"),
    min_quantity=D("0.00001"),
    min_price=D("0.1"),
    max_price=D("1000000"),
    mid=D("60000"),
    level_size=D("0.05"),
    created_at="2024-03-28T12:44:01.136411",
    imf_factor=D("0.0000935"),
    mmf_factor=D("0.0000561"),
    maintenance_margin_fraction=D("0.0125"),
    open_interest_limit="1000",
)
DEFAULT_MARKETS: tuple[MarketDef, ...] = (SOL_USDC_PERP, BTC_USDC_PERP)


@dataclass(frozen=True)
class BackpackSettings(market_def.VenueMarkets):
    """Switches for the spec's UNCONFIRMED points (defaults = the spec's Sim defaults)."""

    markets: tuple[MarketDef, ...] = DEFAULT_MARKETS
    auth_error_status: Literal[400, 401] = 400  # §2.6: status of the three INVALID_CLIENT_REQUEST auth errors
    max_window_ms: int = 60_000
    future_tolerance_ms: int | None = None  # how far X-Timestamp may lead the clock; None: the request's window
    not_found_status: Literal[404, 400] = 404  # cancel of an unknown / closed order
    reduce_only_no_position: Literal["cancel", "reject"] = "cancel"  # §6.2: accept-and-expire, or 400
    taker_delay_ms: int = 100  # §6.2 speed bump before a taker order matches (post-only is never delayed)
    rest_delay_ms: int = 0  # fixed delay of an order's REST answer after matching (WS events go first)
    rest_jitter_ms: int = 0  # plus a random delay up to this
    ping_interval: float | None = 60.0  # WS protocol ping period (aiohttp heartbeat)
    price_band: bool = True  # refuse limit prices too far from the last active price
    mark_band: bool = True  # refuse limit prices outside the mean-mark band (futures)
    max_batch: int | None = None  # POST /api/v1/orders size cap (None: no cap)
    history_limit: int = 10_000  # closed orders kept per account for /wapi/v1/history/orders
    tape_size: int = 10_000  # recent trades kept per market (ticker, /api/v1/trades)
    depth_limit: int = 5000  # levels per side of /api/v1/depth without `limit`
    history_rate_limit: int | None = 30  # §7.1: klines + trades/history requests per minute per client (None: no cap)

    def __post_init__(self) -> None:
        if self.auth_error_status not in (400, 401):
            raise ValueError(f"auth_error_status must be 400 or 401, got {self.auth_error_status!r}")
        if self.not_found_status not in (404, 400):
            raise ValueError(f"not_found_status must be 404 or 400, got {self.not_found_status!r}")
        if self.reduce_only_no_position not in ("cancel", "reject"):
            raise ValueError(f"reduce_only_no_position must be cancel or reject, got {self.reduce_only_no_position!r}")
        for name in ("taker_delay_ms", "rest_delay_ms", "rest_jitter_ms"):
            if type(getattr(self, name)) is not int or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a non-negative int, got {getattr(self, name)!r}")
        for name in ("max_window_ms", "history_limit", "tape_size", "depth_limit"):
            if type(getattr(self, name)) is not int or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive int, got {getattr(self, name)!r}")
        if self.history_rate_limit is not None and (
            type(self.history_rate_limit) is not int or self.history_rate_limit < 1
        ):
            raise ValueError(f"history_rate_limit must be a positive int or None, got {self.history_rate_limit!r}")
        if not self.markets or len({m.symbol for m in self.markets}) != len(self.markets):
            raise ValueError("markets must be a non-empty tuple with unique symbols")

    def policy(self) -> VenuePolicy:
        """§6.2 as engine policy: post-only crossing refused, oversize reduce-only clamped, STP
        RejectTaker, tier-1 perp fees, no min notional."""
        return VenuePolicy(
            reduce_only_no_position=self.reduce_only_no_position,
            reduce_only_oversize="clamp",
            post_only_cross="reject",
            self_trade="reject_taker",
            fok_unfillable="cancel",
            maker_fee_rate=MAKER_FEE_RATE,
            taker_fee_rate=TAKER_FEE_RATE,
        )
