"""What the Hyperliquid simulator lists and every point the spec leaves open (spec §3, §10).

The universe is a list whose INDEX is the asset id, delisted entries included (§3, hazard 10), so
the default keeps one delisted coin at index 2 between ETH and SOL: a client that filters before
numbering sends SOL's orders to the wrong asset. The coins and their `szDecimals` / `maxLeverage`
are the live ones the spec quotes (BTC 5/40, ETH 4/25, SOL 2/20; MATIC delisted, as in the 2026
universe). The venue has no tick: a price is valid with at most 5 significant figures and
`6 − szDecimals` decimals. The engine needs one tick per market, so each market's engine tick is the
effective tick at its mid (§3: BTC 1 at 5-digit prices, ETH 0.1 at 4-digit prices, SOL 0.01 at
3-digit prices): every price the synthetic market quotes is a valid venue price, and a venue-valid
price off that tick (ETH 999.95, 70 % below the mid) is refused with the venue's tick text.

Every UNCONFIRMED item of §10 is a field of `HyperliquidSimSettings` with the §10 default, and every
scalar field can be changed for a run through `PUT /_sim/settings` (`run_settings`).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from xtb.model import ZERO, MarketInfo
from xtb.sim.engine_types import MarketSpec, VenuePolicy
from xtb.sim.market_def import MarketDef, VenueMarkets

D = Decimal
COLLATERAL_TOKEN = "USDC"


@dataclass(frozen=True, kw_only=True)
class HyperliquidMarketDef(MarketDef):
    """One perpetual as `meta.universe` lists it, and where the synthetic market quotes it.

    `engine_tick` is the engine's price increment (see the module docstring); `delisted` keeps the
    entry in the numbering and out of the engine. The margin fractions are the venue's at maximum
    leverage: initial 1 / maxLeverage, maintenance 1 / (2 · maxLeverage) (§7)."""

    name: str
    sz_decimals: int
    max_leverage: int
    engine_tick: Decimal = D("0.01")
    delisted: bool = False
    only_isolated: bool = False
    initial_margin_fraction: Decimal = D("0.05")
    maintenance_margin_fraction: Decimal = D("0.025")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.sz_decimals <= 6 or not 1 <= self.max_leverage <= 100:
            raise ValueError(f"{self.name}: szDecimals must be in 0..6 and maxLeverage in 1..100")

    @property
    def step(self) -> Decimal:
        return D(1).scaleb(-self.sz_decimals)

    @property
    def maintenance_rate(self) -> Decimal:
        """mmr = 1 / (2 · maxLeverage) (§7)."""
        return D(1) / D(2 * self.max_leverage)

    def info(self) -> MarketInfo:
        """The engine's view: the mid's tick, the size step, no engine minimum notional (the
        front-end checks the $10 rule itself, with the whole-position-close exemption of §3)."""
        return MarketInfo(
            self.name,
            tick_size=self.engine_tick,
            step_size=self.step,
            min_size=self.step,
            min_notional=ZERO,
            base_asset=self.name,
            quote_asset=COLLATERAL_TOKEN,
        )


def _market(name: str, sz: int, lev: int, **kwargs: Any) -> HyperliquidMarketDef:
    return HyperliquidMarketDef(
        name=name,
        sz_decimals=sz,
        max_leverage=lev,
        initial_margin_fraction=D(1) / D(lev),
        maintenance_margin_fraction=D(1) / D(2 * lev),
        **kwargs,
    )


BTC = _market("BTC", 5, 40, mid=D("60000"), engine_tick=D("1"), level_size=D("0.5"))
ETH = _market("ETH", 4, 25, mid=D("3500"), engine_tick=D("0.1"), level_size=D("5"))
MATIC = _market("MATIC", 1, 20, mid=D("0.5"), engine_tick=D("0.0001"), level_size=D("1000"), delisted=True)
SOL = _market("SOL", 2, 20, mid=D("150"), engine_tick=D("0.01"), level_size=D("50"))
DEFAULT_MARKETS: tuple[HyperliquidMarketDef, ...] = (BTC, ETH, MATIC, SOL)

Network = Literal["testnet", "mainnet"]


@dataclass(frozen=True)
class HyperliquidSimSettings(VenueMarkets):
    """The simulator's switches; each UNCONFIRMED one names its §10 item (defaults = §10)."""

    markets: tuple[HyperliquidMarketDef, ...] = DEFAULT_MARKETS
    # §10.1 / §1: which network letter and chain name signatures carry
    network: Network = "testnet"
    accept_both_networks: bool = False
    # §10.2: recover over the canonical form (False: hash the action exactly as received)
    canonical_hash: bool = True
    # §10.3: signature forms accepted besides `0x` + hex and v 27/28
    accept_unprefixed_rs: bool = True
    accept_v_0_1: bool = True
    # §10.4: nonce window (ms) and the per-signer set
    nonce_past_ms: int = 172_800_000
    nonce_future_ms: int = 86_400_000
    nonce_set_size: int = 100
    # §10.5: an expired `expiresAfter` consumes the nonce and this many budget units
    expired_consumes_nonce: bool = True
    expired_budget_cost: int = 5
    # §10.6 (placeholder text)
    wrong_chain_text: str = "Invalid hyperliquidChain"
    # §2.4 [obs]
    nonce_mismatch_text: str = "Nonce mismatch."
    # §10.9: agents
    agent_validity_days: int = 90
    agent_max_validity_days: int = 180
    agent_expiry_grace_ms: int = 3_600_000
    named_agents_limit: int = 3
    # §10.10: ` asset=<a>` on per-order errors (False: the docs' form without it)
    asset_suffix: bool = True
    # §10.11: a post-only rejection gets an oid, is queryable and pushes `badAloPxRejected`
    rejected_orders_get_oid: bool = True
    # §10.12: partial fills push no orderUpdates frame
    partial_fill_updates: bool = False
    # §10.13: modify pushes one frame [new open, old canceled] (False: two frames)
    modify_one_frame: bool = True
    # §10.15: final status of an IOC partly filled then cancelled
    ioc_partial_status: str = "canceled"
    # §10.16: resting orders reserve no margin; the check is on the increasing part
    open_orders_reserve_margin: bool = False
    # §10.17: self-trade prevention (engine policy): cancel the resting order
    self_trade: Literal["cancel_maker", "reject_taker", "cancel_both", "allow"] = "cancel_maker"
    # §10.18: fees (fractions of notional), rounded to `fee_decimals`
    taker_fee_rate: Decimal = D("0.00045")
    maker_fee_rate: Decimal = D("0.00015")
    fee_decimals: int = 6
    # §10.20
    default_leverage: int = 20
    max_batch: int = 200
    # §10.21
    reject_webdata2: bool = False
    strict_builder: bool = False
    # §3 order rules
    min_order_value: Decimal = D("10")
    price_band: Decimal = D("0.8")
    # §8 rate limits
    ip_weight_per_minute: int = 1200
    address_budget_base: int = 10_000
    address_trickle_s: float = 10.0
    # §4.3.4 scheduleCancel
    schedule_cancel_min_delay_ms: int = 5_000
    schedule_cancel_per_day: int = 10
    schedule_cancel_volume_gate: bool = False
    schedule_cancel_required_volume: Decimal = D("1000000")
    # texts the spec does not give (placeholders, UNCONFIRMED)
    schedule_cancel_too_early_text: str = "Scheduled cancel time too early, must be at least 5 seconds from now."
    schedule_cancel_too_many_text: str = "Too many scheduled cancels for the day."
    invalid_leverage_text: str = "Invalid leverage value."
    unknown_asset_text: str = "Invalid asset."
    unsupported_order_text: str = "Order type not supported by the simulator."
    vault_text: str = "Vault not registered: {vault}"
    isolated_margin_refused_text: str = "Insufficient margin to update isolated margin."
    builder_fee_invalid_text: str = "Invalid max fee rate."
    builder_fee_too_high_text: str = "Max fee rate too high."
    # §4.3.1: the highest builder fee a perp order may carry, in tenths of a basis point (0.1 %)
    max_builder_fee: int = 100
    # history kept for queries
    history_limit: int = 2_000
    fills_limit: int = 10_000

    def __post_init__(self) -> None:
        names = [m.name for m in self.markets]
        if not self.markets or len(set(names)) != len(names):
            raise ValueError("markets must be a non-empty tuple with unique names")
        for name in RUN_SETTINGS:
            check_setting(name, getattr(self, name))

    @property
    def mainnet(self) -> bool:
        return self.network == "mainnet"

    @property
    def chain_name(self) -> str:
        return "Mainnet" if self.mainnet else "Testnet"

    def listed(self) -> tuple[HyperliquidMarketDef, ...]:
        """The markets the engine trades (delisted ones keep only their index)."""
        return tuple(m for m in self.markets if not m.delisted)

    def policy(self) -> VenuePolicy:
        """§6.3 as engine policy: reduce-only with no position refused, oversize capped at the
        position (never flips), post-only crossing refused, self-trade per §10.17, fees §10.18."""
        return VenuePolicy(
            reduce_only_no_position="reject",
            reduce_only_oversize="clamp",
            post_only_cross="reject",
            self_trade=self.self_trade,
            maker_fee_rate=self.maker_fee_rate,
            taker_fee_rate=self.taker_fee_rate,
            reduce_only_min_notional=False,
        )

    def market_spec(self, market: MarketDef) -> MarketSpec:
        """No engine margin: the venue's own rule (§10.16: resting orders reserve nothing, the
        check is on the increasing part at the coin's leverage) lives in the front-end, so the
        figures it publishes and the refusals it makes come from one model."""
        return MarketSpec(market.info(), self.policy())


# ------------------------------------------------------------------------------- run settings

RUN_SETTINGS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(HyperliquidSimSettings) if f.name != "markets")
_HINTS = typing.get_type_hints(HyperliquidSimSettings)


def check_setting(name: str, value: Any) -> Any:
    """The value as the setting holds it (a Decimal from a string or number), or ValueError."""
    hint = _HINTS[name]
    if typing.get_origin(hint) is Literal:
        if value not in typing.get_args(hint):
            raise ValueError(f"{name} must be one of {list(typing.get_args(hint))}, got {value!r}")
        return value
    if hint is bool:
        if type(value) is not bool:
            raise ValueError(f"{name} must be a boolean, got {value!r}")
        return value
    if hint is int:
        if type(value) is not int or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a non-negative number, got {value!r}")
        return float(value)
    if hint is Decimal:
        try:
            number = value if isinstance(value, Decimal) else D(str(value))
        except ArithmeticError:
            raise ValueError(f"{name} must be a decimal string, got {value!r}") from None
        if isinstance(value, bool) or not number.is_finite() or number < 0:
            raise ValueError(f"{name} must be a non-negative decimal, got {value!r}")
        return number
    if hint is str:
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        return value
    raise ValueError(f"{name} cannot be set at run time")


def with_run_settings(settings: HyperliquidSimSettings, changes: Mapping[str, Any]) -> HyperliquidSimSettings:
    """The settings with `changes` applied, every one checked first (ValueError names the first
    unknown or bad one)."""
    unknown = sorted(set(changes) - set(RUN_SETTINGS))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown}; the hyperliquid simulator has {list(RUN_SETTINGS)}")
    return dataclasses.replace(settings, **{name: check_setting(name, v) for name, v in changes.items()})


def run_settings_json(settings: HyperliquidSimSettings) -> dict[str, Any]:
    """The run settings as JSON values (Decimals as strings), as `PUT /_sim/settings` takes them."""
    out: dict[str, Any] = {}
    for name in RUN_SETTINGS:
        value = getattr(settings, name)
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def run_settings_schema() -> dict[str, dict[str, Any]]:
    """JSON schema of each run setting, for the control API's OpenAPI document."""
    schemas: dict[str, dict[str, Any]] = {}
    for name in RUN_SETTINGS:
        hint = _HINTS[name]
        if typing.get_origin(hint) is Literal:
            schema: dict[str, Any] = {"enum": list(typing.get_args(hint))}
        elif hint is bool:
            schema = {"type": "boolean"}
        elif hint is int:
            schema = {"type": "integer", "minimum": 0}
        elif hint is float:
            schema = {"type": "number", "minimum": 0}
        elif hint is Decimal:
            schema = {"type": ["string", "number"], "description": "a non-negative decimal"}
        else:
            schema = {"type": "string", "minLength": 1}
        schema.setdefault("description", f"spec §10 switch {name}")
        schemas[name] = schema
    return schemas
