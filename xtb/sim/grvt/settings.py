"""What the GRVT simulator lists and how it settles the points the venue spec leaves open.

Every UNCONFIRMED behaviour of the spec is a field of `GrvtSettings` whose default is the spec's
simulator default, so a test can switch to the alternative the live venue might turn out to use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from xtb.model import MarketInfo
from xtb.sim import market_def
from xtb.sim.engine_types import VenuePolicy
from xtb.sim.grvt.limits import RateLimit

D = Decimal

CURRENCY_IDS = {"USD": 1, "USDC": 2, "USDT": 3, "ETH": 4, "BTC": 5}
KIND_PERPETUAL = 1
QUOTE = "USDT"
MAKER_FEE_RATE = D("0.0001")  # fractions of notional; fills show them in percent ("0.01")
TAKER_FEE_RATE = D("0.00045")
DAY_S = 86_400
EXAMPLE_BUILDER = "0xdc93ed3bc9932915a5bc7f6313b946091afc7e86"  # the builder of GRVT's builder-examples


@dataclass(frozen=True)
class MarketDef(market_def.MarketDef):
    """One USDT perpetual as `all_instruments` lists it, and where the synthetic market quotes it.
    Sizes are signed with `base_decimals`; the size step is `min_size` (the spec's sim default).

    Margin: an account trades at the market's initial fraction (1/10: the 10× `get_all_initial_leverage`
    reports) until it chooses its own leverage, from 1× up to `max_leverage` (GRVT lists 50× on BTC
    and ETH perpetuals). The spec gives no maintenance rate, so the default is half the initial margin
    at the maximum leverage (1/100), the rule Hyperliquid documents."""

    base: str
    tick_size: Decimal
    min_size: Decimal
    min_notional: Decimal
    max_position_size: Decimal
    create_time: str  # unix ns
    base_decimals: int = 9
    quote_decimals: int = 6
    funding_interval_hours: int = 8
    active: bool = True
    initial_margin_fraction: Decimal = field(default=D("0.1"), kw_only=True)
    maintenance_margin_fraction: Decimal = field(default=D("0.01"), kw_only=True)
    max_leverage: int = field(default=50, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if type(self.max_leverage) is not int or self.max_leverage < 1:
            raise ValueError(f"max_leverage must be an int of at least 1, got {self.max_leverage!r}")

    @property
    def instrument(self) -> str:
        return f"{self.base}_{QUOTE}_Perp"

    @property
    def quote(self) -> str:
        return QUOTE

    @property
    def asset_id(self) -> int:
        """§2.6 layout, least significant byte first: kind, underlying id, quote id."""
        return KIND_PERPETUAL | CURRENCY_IDS[self.base] << 8 | CURRENCY_IDS[QUOTE] << 16

    @property
    def instrument_hash(self) -> str:
        return f"0x{self.asset_id:06x}"

    def info(self) -> MarketInfo:
        return MarketInfo(
            self.instrument,
            tick_size=self.tick_size,
            step_size=self.min_size,
            min_size=self.min_size,
            min_notional=self.min_notional,
            base_asset=self.base,
            quote_asset=QUOTE,
        )


BTC_USDT_PERP = MarketDef(
    base="BTC",
    tick_size=D("0.1"),
    min_size=D("0.001"),
    min_notional=D("100"),
    max_position_size=D("1000"),
    mid=D("60000"),
    level_size=D("0.5"),
    create_time="1768040726362828205",
)
ETH_USDT_PERP = MarketDef(
    base="ETH",
    tick_size=D("0.01"),
    min_size=D("0.01"),
    min_notional=D("100"),
    max_position_size=D("10000"),
    mid=D("3000"),
    level_size=D("10"),
    create_time="1768040726362828311",
)
DEFAULT_MARKETS: tuple[MarketDef, ...] = (BTC_USDT_PERP, ETH_USDT_PERP)


@dataclass(frozen=True)
class GrvtSettings(market_def.VenueMarkets):
    """Switches for the spec's UNCONFIRMED points (defaults = the spec's simulator defaults)."""

    markets: tuple[MarketDef, ...] = DEFAULT_MARKETS
    chain_id: int = 326  # the server's own chain (testnet)
    accepted_chain_ids: tuple[int, ...] = (326,)  # §2.7.3: a request's chain_id must be one of these
    api_key_session_s: float = DAY_S  # §2.2
    wallet_session_s: float = 30 * DAY_S  # §2.3
    wallet_login_window_s: float = 300.0  # expiration must be in (now, now + 5 min]
    wallet_login_any_signer: bool = False  # False: only main wallets may log in with a signature
    max_signature_s: float = 30 * DAY_S  # orders and builder authorisations: (now, now + 30 d]
    duplicate_payload: Literal["ignore", "reject"] = "ignore"  # §2.7.8: fresh PENDING ack, or 2012
    cancel_unknown: Literal["ack", "not_found"] = "ack"  # §4.7: ack:true, or 1004/404
    open_orders_include_pending: bool = True
    reduce_only_oversize: Literal["reject", "clamp"] = "reject"  # §6.2: 2402, or fill then REDUCE_ONLY_LIMIT
    tif_ending_status: Literal["REJECTED", "CANCELLED"] = "REJECTED"  # IOC / FOK / market remainders
    unsubscribe_reply_method: Literal["subscribe", "unsubscribe"] = "subscribe"  # §5.2 follows the docs
    order_snapshot_on_subscribe: bool = False  # §5.4: v1.order / v1.state send no snapshot
    string_ints_in_history: bool = False  # §9.11: v / nonce / num_orders as strings in history answers
    full_reject_reasons: bool = False  # §9.13: only the reasons grvt-pysdk 0.2.1 knows
    max_open_orders: int = 1000  # 2090 / 429 beyond this
    rate_limit: RateLimit | None = None  # §7: a token bucket per (account, route class); off by default
    speed_bump_ms: int = 25  # §4.6: non-post-only orders wait this long before matching
    ttl_enabled: bool = True  # cancel `time_to_live_ms` pre-cancels (else 2300)
    ttl_max_ms: int = 5000
    builders: tuple[str, ...] = (EXAMPLE_BUILDER,)  # builder accounts that exist besides the sim's own
    ping_interval: float | None = None  # the server is not known to send pings (§5.1)
    history_limit: int = 10_000  # closed orders and fills kept per sub-account
    tape_size: int = 10_000  # public trades kept per instrument

    def __post_init__(self) -> None:
        if not self.markets or len({m.instrument for m in self.markets}) != len(self.markets):
            raise ValueError("markets must be a non-empty tuple with unique instruments")
        if self.chain_id not in self.accepted_chain_ids:
            raise ValueError(f"chain_id {self.chain_id} must be one of accepted_chain_ids {self.accepted_chain_ids}")
        for name in ("speed_bump_ms", "ttl_max_ms", "max_open_orders", "history_limit", "tape_size"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        for name in ("api_key_session_s", "wallet_session_s", "wallet_login_window_s", "max_signature_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")

    def policy(self) -> VenuePolicy:
        """§6.2 as engine policy: a crossing post-only order is accepted then ended (REJECTED
        FAIL_POST_ONLY), reduce-only without a position refused (2400 / 2401), oversize refused
        (2402) or clamped, self-trade stops the taker, an unfillable FOK ends FOK_CANCEL."""
        return VenuePolicy(
            reduce_only_no_position="reject",
            reduce_only_oversize=self.reduce_only_oversize,
            post_only_cross="cancel",
            self_trade="reject_taker",
            fok_unfillable="cancel",
            maker_fee_rate=MAKER_FEE_RATE,
            taker_fee_rate=TAKER_FEE_RATE,
        )
