"""What the Lighter simulator serves and how it settles the points the venue spec leaves open.

Every UNCONFIRMED behaviour of the spec is a field of `LighterSettings` whose default is the spec's
simulator default, so a test can switch to the alternative the venue might turn out to use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from xtb.model import MarketInfo
from xtb.sim import market_def
from xtb.sim.engine_types import VenuePolicy

D = Decimal

QUOTE_ASSET = "USDC"
USDC_ASSET_ID = 3
QUOTE_DECIMALS = 6
MAKER_FEE_PPM = 20  # 0.0020 %: fees per million, as trades report them
TAKER_FEE_PPM = 200  # 0.0200 %
DEFAULT_KEY_INDEX = 4  # the first index the docs leave to users
TEST_ACCOUNT = 123456  # the pre-funded account (a master account index)
MARGIN_FRACTION_UNITS = 10_000  # the venue writes margin fractions in 1/10000


@dataclass(frozen=True)
class MarketDef(market_def.MarketDef):
    """One USDC-settled perp as `orderBookDetails` declares it, and where the synthetic market quotes.

    Margin: a fresh account trades at `initial_margin_fraction` (published as
    `default_initial_margin_fraction` 500 / 10000: 20×), may choose up to `min_imf` (200: 50×) with
    UpdateLeverage, and a position keeps `maintenance_margin_fraction` (120); the venue publishes
    fractions in 1/10000, so these must be whole numbers of those (`margins` reads the engine's
    current ones, which a run may change)."""

    market_id: int
    symbol: str
    base_asset_id: int
    size_decimals: int
    price_decimals: int
    min_base_amount: Decimal
    min_quote_amount: Decimal
    order_quote_limit: Decimal = D("281474976.710655")
    min_imf: int = 200  # margin fractions in 1/10000
    closeout_mf: int = 80
    spread_ticks: int = field(default=4, kw_only=True)
    volatility_ticks: float = field(default=1.0, kw_only=True)
    # a taker hit takes the whole touch level: with a minimum (0.005) above the step (0.0001), a
    # half-filled order could otherwise leave a remainder no order may carry
    taker_fraction: Decimal = field(default=D(1), kw_only=True)
    initial_margin_fraction: Decimal = field(default=D("0.05"), kw_only=True)
    maintenance_margin_fraction: Decimal = field(default=D("0.012"), kw_only=True)
    # Percent per funding interval, as `fundings` / `funding-rates` / `market_stats` publish it
    # (positive: longs pay). The engine charges no funding, so the default publishes none.
    funding_rate: Decimal = D(0)

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("initial_margin_fraction", "maintenance_margin_fraction"):
            if (getattr(self, name) * MARGIN_FRACTION_UNITS) % 1:
                raise ValueError(
                    f"{name} must be a whole number of 1/{MARGIN_FRACTION_UNITS}, got {getattr(self, name)}"
                )
        for name in ("min_imf", "closeout_mf"):
            if type(getattr(self, name)) is not int or not 0 < getattr(self, name) <= MARGIN_FRACTION_UNITS:
                raise ValueError(f"{name} must be an int in 1..{MARGIN_FRACTION_UNITS}, got {getattr(self, name)!r}")

    @property
    def tick(self) -> Decimal:
        return D(1).scaleb(-self.price_decimals)

    @property
    def step(self) -> Decimal:
        return D(1).scaleb(-self.size_decimals)

    def info(self) -> MarketInfo:
        return MarketInfo(
            self.symbol,
            tick_size=self.tick,
            step_size=self.step,
            min_size=self.min_base_amount,
            min_notional=self.min_quote_amount,
            price_decimals=self.price_decimals,
            size_decimals=self.size_decimals,
            base_asset=self.symbol,
            quote_asset=QUOTE_ASSET,
            venue_symbol=str(self.market_id),
        )


ETH = MarketDef(0, "ETH", 1, 4, 2, D("0.0050"), D("10.000000"), mid=D("3000"), level_size=D("2"))
BTC = MarketDef(1, "BTC", 0, 5, 1, D("0.00010"), D("10.000000"), mid=D("60000"), level_size=D("0.1"))
DEFAULT_MARKETS: tuple[MarketDef, ...] = (ETH, BTC)


@dataclass(frozen=True)
class LighterSettings(market_def.VenueMarkets):
    """Switches for the spec's UNCONFIRMED points (defaults = the spec's simulator defaults)."""

    markets: tuple[MarketDef, ...] = DEFAULT_MARKETS
    # The test account's rate tier, as `accountLimits` reports it (the connector paces by it). Plus
    # (120,000 weight a minute) lets the whole conformance catalog fit one budget window; on a real
    # Premium account (24,000) the same catalog needs about five minutes of budget (measured).
    account_tier: str = "plus"
    chain_id: int = 304  # what the SDK signs with for any URL it does not recognise
    verify_signatures: bool = True  # False: structural checks only (§2.9)
    verify_in_thread: bool = True  # run Schnorr verification off the event loop
    accept_noncanonical_sig: bool = False  # s or e ≥ n: reject (True: reduce mod n)
    check_expired_at: bool = True  # ExpiredAt ≤ now → 21501 "expired" on arrival
    nonce_error_code: int = 21104
    auth_error_status: int = 400  # failed auth token on a private read
    auth_error_code: int = 21120
    token_max_lifetime_s: int = 8 * 3600
    token_skew_s: int = 60
    reduce_only_no_position: Literal["cancel", "reject"] = "cancel"  # canceled-reduce-only, or 400 21732
    cancel_unknown: Literal["reject", "accept"] = "reject"  # 400 21600, or accept and do nothing
    order_timestamp_unit: Literal["s", "ms"] = "s"  # Order timestamp / created_at / updated_at
    order_side_field: Literal["", "named"] = ""  # Order `side`: empty as on the venue, or buy/sell
    order_expiry_window: bool = True  # OrderExpiry must lie 5 min … 30 days ahead (21711)
    account_orders_with_account: bool = True  # frame channel account_orders:{m}:{a} (else :{m})
    emit_in_progress: bool = True  # push `in-progress` before an order reaches the book
    ws_ping_interval: float | None = 30.0  # application {"type":"ping"} from the server
    ws_idle_timeout: float = 120.0  # close a socket that sent nothing for this long
    max_batch: int = 50
    history_limit: int = 10_000  # inactive orders and trades kept per account
    tape_size: int = 1_000  # recent trades kept per market
    tx_log_size: int = 10_000  # accepted txs kept for GET /api/v1/tx
    funding_interval_ms: int = 3_600_000  # Lighter funds hourly
    candles_max_count: int = 500  # the most candles (or fundings) one read answers; count_back is clamped

    def __post_init__(self) -> None:
        for name, allowed in (
            ("reduce_only_no_position", ("cancel", "reject")),
            ("cancel_unknown", ("reject", "accept")),
            ("order_timestamp_unit", ("s", "ms")),
            ("order_side_field", ("", "named")),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        ids = [m.market_id for m in self.markets]
        if not self.markets or len(set(ids)) != len(ids) or len({m.symbol for m in self.markets}) != len(ids):
            raise ValueError("markets must be a non-empty tuple with unique ids and symbols")
        if self.funding_interval_ms <= 0 or self.candles_max_count <= 0:
            raise ValueError("funding_interval_ms and candles_max_count must be positive")
        if not 0 < self.chain_id < 2**32:
            raise ValueError(f"chain_id must be a uint32, got {self.chain_id}")

    def policy(self) -> VenuePolicy:
        """§6 as engine policy: post-only crossing accepted then cancelled, reduce-only that cannot
        reduce cancelled, oversize clamped, self-trade expires the maker."""
        return VenuePolicy(
            reduce_only_no_position=self.reduce_only_no_position,
            reduce_only_oversize="clamp",
            post_only_cross="cancel",
            self_trade="cancel_maker",
            fok_unfillable="cancel",
            maker_fee_rate=D(MAKER_FEE_PPM) / 1_000_000,
            taker_fee_rate=D(TAKER_FEE_PPM) / 1_000_000,
        )
