"""What the Aster simulator serves and how it settles the points the venue spec leaves open.

Every UNCONFIRMED behaviour of the spec is a field of `AsterSettings` whose default is the spec's
simulator default, so a test can switch to the alternative the venue might turn out to use. The
markets are the live `exchangeInfo` values the spec quotes (§3), filter strings with their
trailing zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from xtb.model import MarketInfo
from xtb.sim import market_def
from xtb.sim.engine_types import VenuePolicy

D = Decimal

QUOTE_ASSET = "USDT"
MAKER_FEE_RATE = D("0.0001")
TAKER_FEE_RATE = D("0.00035")
MAINNET_CHAIN_ID = 1666
TESTNET_CHAIN_ID = 714


@dataclass(frozen=True)
class MarketDef(market_def.MarketDef):
    """One USDT-margined perpetual as `exchangeInfo` lists it, and where the synthetic market quotes it.
    Margin: `requiredMarginPercent` 5 % (the default leverage, 20×) and `maintMarginPercent` 2.5 %,
    as the live BTCUSDT entry states them (§3); `exchangeInfo` serves the engine's current ones.
    `notional_cap`: the `notionalCap` of the market's one leverage bracket (`maxNotionalValue`)."""

    symbol: str
    base: str
    name: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_price: Decimal
    max_price: Decimal
    price_precision: int
    quantity_precision: int
    multiplier_up: Decimal
    multiplier_down: Decimal
    min_notional: Decimal = D("5")
    market_take_bound: Decimal = D("0.02")
    onboard_date: int = 1627628400000
    # a taker hit takes the whole touch level (as on the Lighter simulator): with MIN_NOTIONAL 5 USDT
    # far above one step, half a level could leave an order a remainder no new order may carry. The
    # real venue does leave such remainders; the tracking helper's policy for them is its own issue.
    taker_fraction: Decimal = field(default=D(1), kw_only=True)
    initial_margin_fraction: Decimal = field(default=D("0.05"), kw_only=True)
    maintenance_margin_fraction: Decimal = field(default=D("0.025"), kw_only=True)
    notional_cap: int = field(default=10_000_000, kw_only=True)

    def info(self) -> MarketInfo:
        return MarketInfo(
            self.symbol,
            tick_size=self.tick_size,
            step_size=self.step_size,
            min_size=self.min_qty,
            min_notional=self.min_notional,
            base_asset=self.base,
            quote_asset=QUOTE_ASSET,
        )


BTCUSDT = MarketDef(
    "BTCUSDT",
    "BTC",
    "Bitcoin",
    D("0.1"),
    D("0.001"),
    D("0.001"),
    D("1000"),
    D("120"),
    D("1"),
    D("1000000"),
    1,
    3,
    D("1.0200"),
    D("0.9800"),
    mid=D("60000"),
    level_size=D("0.05"),
)
ETHUSDT = MarketDef(
    "ETHUSDT",
    "ETH",
    "Ethereum",
    D("0.10"),
    D("0.001"),
    D("0.001"),
    D("10000"),
    D("2000"),
    D("1"),
    D("100000"),
    2,
    3,
    D("1.0200"),
    D("0.9800"),
    mid=D("3000"),
    level_size=D("0.1"),
    onboard_date=1627628400001,
)
SOLUSDT = MarketDef(
    "SOLUSDT",
    "SOL",
    "Solana",
    D("0.0100"),
    D("0.01"),
    D("0.01"),
    D("100000"),
    D("5000"),
    D("0.0100"),
    D("10000"),
    4,
    2,
    D("1.0300"),
    D("0.9700"),
    mid=D("150"),
    level_size=D("2"),
    market_take_bound=D("0.03"),
)
ASTERUSDT = MarketDef(
    "ASTERUSDT",
    "ASTER",
    "Aster",
    D("0.00010"),
    D("0.01"),
    D("0.01"),
    D("10000000"),
    D("200000"),
    D("0.00010"),
    D("100"),
    5,
    2,
    D("1.0500"),
    D("0.9500"),
    mid=D("1.2"),
    level_size=D("100"),
    market_take_bound=D("0.05"),
)
DEFAULT_MARKETS: tuple[MarketDef, ...] = (BTCUSDT, ETHUSDT, SOLUSDT, ASTERUSDT)


@dataclass(frozen=True)
class RateLimits:
    """§7: REQUEST_WEIGHT per IP, ORDERS per account; persisting past 429 gives 418 (a ban)."""

    weight_per_minute: int = 2400
    orders_per_10s: int = 300
    orders_per_minute: int = 1200
    bans_after: int = 3  # 429 answers within a minute before the IP is banned (418)
    ban_seconds: float = 120.0


@dataclass(frozen=True)
class AsterSettings(market_def.VenueMarkets):
    """Switches for the spec's UNCONFIRMED points (defaults = the spec's simulator defaults)."""

    markets: tuple[MarketDef, ...] = DEFAULT_MARKETS
    chain_id: int = TESTNET_CHAIN_ID  # EIP-712 domain of the V3 `Message` (1666 mainnet, 714 testnet)
    # V3 nonces (§2.2): window around server time, how many are kept, per signer or per user
    nonce_window_s: float = 10.0
    nonce_memory: int = 100
    nonce_scope: Literal["signer", "user"] = "signer"
    signature_error: Literal[-1022, -1000] = -1022
    v3_check_timestamp: bool = False  # validate timestamp/recvWindow on V3 as V1 does
    require_deposit: bool = False  # -5050 for accounts that never deposited (reported, off)
    lenient_management_auth: bool = False
    key_error_status: Literal[400, 401] = 401  # HTTP status of -2014 / -2015
    # order rules (§6.2)
    post_only_cross: Literal["-2021", "-5022", "expire"] = "-2021"
    reduce_only_oversize: Literal["clamp", "-2022", "-4118"] = "clamp"
    fok_unfillable: Literal["expire", "-2020", "-5021"] = "expire"
    duplicate_client_id_code: Literal[-2010, -4116] = -2010
    min_notional_code: Literal[-4164, -5076] = -4164
    percent_price_live_code: bool = False  # -5060 instead of -4016 / -4024
    amendment_events: bool = True  # x=AMENDMENT after a modify (and a reduce-only shrink)
    strict_params: bool = False  # -1104 for parameters an endpoint does not read
    builder_strict: bool = False  # -1130 feeRate for an unapproved builder or a fee above its cap
    rest_delay_ms: int = 0  # hold order answers back, so the user stream's events come first (§9.15)
    # streams (§4.5, §5)
    listen_key_validity_s: float = 3600.0
    listen_key_grace_s: float = 180.0
    invalid_listen_key_close_s: float = 1.0
    ping_interval: float | None = 300.0
    max_connection_age_s: float = 86_400.0
    max_incoming_per_s: int = 10
    max_streams: int = 200
    # market data
    depth_default_limit: int = 500
    tape_size: int = 10_000
    history_limit: int = 10_000  # closed orders kept for queries
    spot_symbols: bool = False  # publish spot markets on /api/v3/exchangeInfo (ids collide with futures)
    rate_limits: RateLimits = field(default_factory=RateLimits)

    def __post_init__(self) -> None:
        if not self.markets or len({m.symbol for m in self.markets}) != len(self.markets):
            raise ValueError("markets must be a non-empty tuple with unique symbols")
        if self.nonce_window_s <= 0 or self.nonce_memory < 1:
            raise ValueError("nonce_window_s must be positive and nonce_memory at least 1")
        for name in ("rest_delay_ms", "depth_default_limit", "tape_size", "history_limit", "max_streams"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")

    def policy(self) -> VenuePolicy:
        """§6.2 as engine policy: post-only crossing refused (or accepted and expired), reduce-only
        with no position refused (-2022), oversize capped at the position, STP EXPIRE_TAKER,
        unfillable FOK accepted then expired, reduce-only exempt from MIN_NOTIONAL."""
        return VenuePolicy(
            reduce_only_no_position="reject",
            reduce_only_oversize="clamp" if self.reduce_only_oversize == "clamp" else "reject",
            post_only_cross="cancel" if self.post_only_cross == "expire" else "reject",
            self_trade="reject_taker",
            fok_unfillable="cancel" if self.fok_unfillable == "expire" else "reject",
            maker_fee_rate=MAKER_FEE_RATE,
            taker_fee_rate=TAKER_FEE_RATE,
            reduce_only_min_notional=False,
        )
