"""Engine values → Lighter JSON, key for key, as the official models read them (spec §3, §4).

Prices and sizes are decimal strings padded to the market's decimals (`"3000.00"`, `"0.0000"`), USDC
amounts to 6 places; ids come as ints with string twins; booleans in Order JSON are JSON booleans.
Every engine status and reason is mapped explicitly: one without a Lighter name raises.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from xtb.model import Side, TimeInForce
from xtb.sim.engine_types import OrderStatus, OrderView, PositionView, Reason
from xtb.sim.lighter.margins import MarketFractions
from xtb.sim.lighter.settings import (
    MAKER_FEE_PPM,
    QUOTE_ASSET,
    QUOTE_DECIMALS,
    TAKER_FEE_PPM,
    USDC_ASSET_ID,
    LighterSettings,
    MarketDef,
)
from xtb.sim.lighter.state import OrderMeta

ZERO = Decimal(0)

EXPIRED_STATUSES: dict[Reason, str] = {
    Reason.POST_ONLY_WOULD_CROSS: "canceled-post-only",
    Reason.REDUCE_ONLY_NO_POSITION: "canceled-reduce-only",
    Reason.REDUCE_ONLY_WOULD_INCREASE: "canceled-reduce-only",
    Reason.REDUCE_ONLY_OVERSIZE: "canceled-reduce-only",
    Reason.SELF_TRADE: "canceled-self-trade",
    Reason.IOC_REMAINDER: "canceled",
    Reason.NO_LIQUIDITY: "canceled-not-enough-liquidity",
    Reason.SLIPPAGE_LIMIT: "canceled-too-much-slippage",
}
TIF_NAMES = {
    TimeInForce.IOC: "immediate-or-cancel",
    TimeInForce.GTC: "good-till-time",
    TimeInForce.POST_ONLY: "post-only",
}


def padded(value: Decimal | None, places: int) -> str:
    """A decimal string with exactly `places` decimals (half-even when it must round)."""
    if value is None or not value:
        value = ZERO
    return format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")


def units(value: Decimal | None, places: int) -> int:
    return 0 if value is None else int(value.scaleb(places).to_integral_value(rounding=ROUND_HALF_EVEN))


def ms(ts: float) -> int:
    return round(ts * 1000)


def us(ts: float) -> int:
    return round(ts * 1_000_000)


def quote_places(market: MarketDef) -> int:
    return max(QUOTE_DECIMALS, market.price_decimals + market.size_decimals)


def order_status(view: OrderView, meta: OrderMeta) -> str:
    """The venue's status word for an engine order (§6)."""
    if meta.status_override is not None:
        return meta.status_override
    status = view.status
    if status is OrderStatus.NEW or status is OrderStatus.PARTIALLY_FILLED:
        return "open"
    if status is OrderStatus.FILLED:
        return "filled"
    if status is OrderStatus.CANCELLED:
        return "canceled"
    if status is OrderStatus.EXPIRED and view.reason in EXPIRED_STATUSES:
        return EXPIRED_STATUSES[view.reason]
    raise ValueError(f"order {view.order_id} has no Lighter status: {status} {view.reason}")


def order_json(
    view: OrderView,
    meta: OrderMeta,
    market: MarketDef,
    owner: int,
    settings: LighterSettings,
    *,
    status: str | None = None,
) -> dict[str, Any]:
    """The Order object of REST lists and account channels."""
    sd, pd = market.size_decimals, market.price_decimals
    stamp = ms(view.created_ts) if settings.order_timestamp_unit == "ms" else int(view.created_ts)
    updated = ms(view.updated_ts) if settings.order_timestamp_unit == "ms" else int(view.updated_ts)
    coi = view.client_id if isinstance(view.client_id, int) else 0
    is_ask = view.side is Side.SELL
    side = ("sell" if is_ask else "buy") if settings.order_side_field == "named" else ""
    return {
        "order_index": meta.order_index,
        "client_order_index": coi,
        "order_id": str(meta.order_index),
        "client_order_id": str(coi),
        "market_index": market.market_id,
        "owner_account_index": owner,
        "initial_base_amount": padded(view.requested_size, sd),
        "price": padded(view.price, pd),
        "nonce": meta.nonce,
        "remaining_base_amount": padded(view.size - view.filled, sd),
        "is_ask": is_ask,
        "base_size": units(view.requested_size, sd),
        "base_price": units(view.price, pd),
        "filled_base_amount": padded(view.filled, sd),
        "filled_quote_amount": padded(view.filled_quote, quote_places(market)),
        "side": side,
        "type": meta.type_name,
        "time_in_force": meta.tif_name,
        "reduce_only": view.reduce_only,
        "trigger_price": padded(ZERO, pd),
        "order_expiry": meta.order_expiry,
        "status": status or order_status(view, meta),
        "trigger_status": "na",
        "trigger_time": 0,
        "parent_order_index": 0,
        "parent_order_id": "0",
        "to_trigger_order_id_0": "0",
        "to_trigger_order_id_1": "0",
        "to_cancel_order_id_0": "0",
        "block_height": meta.block_height,
        "timestamp": stamp,
        "created_at": stamp,
        "updated_at": updated,
        "transaction_time": us(view.updated_ts),
        "integrator_fee_collector_index": "0",
        "integrator_maker_fee": "0",
        "integrator_taker_fee": "0",
        "order_flags": 0,
        "order_version": 0,
        "market_symbol": market.symbol,
        "market_kind": "perp",
    }


def simple_order_json(view: OrderView, meta: OrderMeta, market: MarketDef, owner: int) -> dict[str, Any]:
    """One resting order of `orderBookOrders`."""
    return {
        "order_index": meta.order_index,
        "order_id": str(meta.order_index),
        "owner_account_index": owner,
        "initial_base_amount": padded(view.requested_size, market.size_decimals),
        "remaining_base_amount": padded(view.size - view.filled, market.size_decimals),
        "price": padded(view.price, market.price_decimals),
        "order_expiry": meta.order_expiry,
        "transaction_time": us(view.created_ts),
    }


def trade_json(
    *,
    trade_id: int,
    tx_hash: str,
    market: MarketDef,
    price: Decimal,
    size: Decimal,
    ask: tuple[int, int, int],  # (order_index, account index, client order index)
    bid: tuple[int, int, int],
    is_maker_ask: bool,
    ts: float,
    block_height: int,
) -> dict[str, Any]:
    """One Trade (public tape and account channels)."""
    trade: dict[str, Any] = {
        "trade_id": trade_id,
        "trade_id_str": str(trade_id),
        "tx_hash": tx_hash,
        "type": "trade",
        "market_id": market.market_id,
        "size": padded(size, market.size_decimals),
        "price": padded(price, market.price_decimals),
        "usd_amount": padded(price * size, quote_places(market)),
        "ask_id": ask[0],
        "ask_id_str": str(ask[0]),
        "bid_id": bid[0],
        "bid_id_str": str(bid[0]),
        "ask_client_id": ask[2],
        "ask_client_id_str": str(ask[2]),
        "bid_client_id": bid[2],
        "bid_client_id_str": str(bid[2]),
        "ask_account_id": ask[1],
        "bid_account_id": bid[1],
        "is_maker_ask": is_maker_ask,
        "block_height": block_height,
        "timestamp": ms(ts),
        "taker_position_size_before": "0",
        "taker_entry_quote_before": "0",
        "taker_initial_margin_fraction_before": 0,
        "taker_position_sign_changed": False,
        "maker_position_size_before": "0",
        "maker_entry_quote_before": "0",
        "maker_initial_margin_fraction_before": 0,
        "maker_position_sign_changed": False,
        "transaction_time": us(ts),
        "bid_account_pnl": "0",
        "ask_account_pnl": "0",
        "integrator_maker_fee": 0,
        "integrator_maker_fee_collector_index": 0,
        "integrator_taker_fee": 0,
        "integrator_taker_fee_collector_index": 0,
        "taker_allocated_margin_usdc_before": 0,
        "taker_allocated_margin_usdc_after": 0,
        "maker_allocated_margin_usdc_before": 0,
        "maker_allocated_margin_usdc_after": 0,
        "bid_order_version": 0,
        "ask_order_version": 0,
        "market_symbol": market.symbol,
        "market_kind": "perp",
    }
    if TAKER_FEE_PPM:
        trade["taker_fee"] = TAKER_FEE_PPM
    if MAKER_FEE_PPM:
        trade["maker_fee"] = MAKER_FEE_PPM
    return trade


def position_json(
    position: PositionView,
    market: MarketDef,
    mark: Decimal | None,
    imf: Decimal,
    margin_mode: int,
    open_orders: int,
) -> dict[str, Any]:
    """A Position: `position` is the absolute size, `sign` 1 long / −1 short (0 flat); `imf` the
    initial margin fraction the account trades the market at."""
    size = position.size
    pd = market.price_decimals
    entry = abs(position.cost_basis / size) if size else ZERO
    mark = mark if mark is not None else entry
    unrealized = size * mark - position.cost_basis if size else ZERO
    return {
        "market_id": market.market_id,
        "symbol": market.symbol,
        "initial_margin_fraction": padded(imf * 100, 2),  # percent, as REST shows it
        "open_order_count": open_orders,
        "pending_order_count": 0,
        "position_tied_order_count": 0,
        "sign": (size > 0) - (size < 0),
        "position": padded(abs(size), market.size_decimals),
        "avg_entry_price": padded(entry, pd),
        "position_value": padded(abs(size) * mark, QUOTE_DECIMALS),
        "unrealized_pnl": padded(unrealized, QUOTE_DECIMALS),
        "realized_pnl": padded(position.realized_pnl, QUOTE_DECIMALS),
        "liquidation_price": padded(ZERO, pd),
        "total_funding_paid_out": "0",
        "margin_mode": margin_mode,
        "allocated_margin": padded(ZERO, QUOTE_DECIMALS),
        "total_discount": "0",
        "margin_set_flag": 0,
    }


def asset_json(balance: Decimal) -> dict[str, Any]:
    cash = padded(balance, QUOTE_DECIMALS)
    return {
        "symbol": QUOTE_ASSET,
        "asset_id": USDC_ASSET_ID,
        "balance": cash,
        "locked_balance": padded(ZERO, QUOTE_DECIMALS),
        "margin_balance": cash,
        "margin_mode": "enabled",
        "multiplier": "1",
    }


def market_detail_json(market: MarketDef, fractions: MarketFractions, stats: dict[str, Any]) -> dict[str, Any]:
    """A perp row of `orderBookDetails` (metadata, margin fractions in 1/10000, then the day's stats
    as JSON numbers)."""
    return {
        **order_book_json(market),
        "quote_multiplier": 1,
        "default_initial_margin_fraction": fractions.default_initial,
        "min_initial_margin_fraction": fractions.min_initial,
        "maintenance_margin_fraction": fractions.maintenance,
        "closeout_margin_fraction": fractions.closeout,
        "last_trade_price": stats["last_trade_price"],
        "daily_trades_count": stats["daily_trades_count"],
        "daily_base_token_volume": stats["daily_base_token_volume"],
        "daily_quote_token_volume": stats["daily_quote_token_volume"],
        "daily_price_low": stats["daily_price_low"],
        "daily_price_high": stats["daily_price_high"],
        "daily_price_change": stats["daily_price_change"],
        "open_interest": stats["open_interest"],
        "daily_chart": {},
        "market_config": {
            "market_margin_mode": 0,
            "insurance_fund_account_index": 1,
            "liquidation_mode": 0,
            "force_reduce_only": False,
            "trading_hours": "",
            "funding_fee_discounts_enabled": False,
            "hidden": False,
            "rfq_enabled": False,
        },
        "strategy_index": 0,
        "is_maker_fee_enabled": bool(MAKER_FEE_PPM),
        "is_taker_fee_enabled": bool(TAKER_FEE_PPM),
        "funding_clamp_small": "0.0500",
        "funding_clamp_big": "4.0000",
        "base_interest_rate": "0.0100",
        "created_at": "2024-01-15T00:00:00Z",
        "mark_price": stats["mark_price"],
        "index_price": stats["mark_price"],
        "multiplier": "1",
        "market_flags": 0,
        "funding_premium_multiplier": 1,
        "start_timestamp": 0,
        "end_timestamp": 0,
        "settlement_type": 0,
        "settlement_price": 0,
        "settlement_cap": 0,
        "outcome": 0,
        "default_price": 0,
        "operator_account_index": 0,
        "is_frozen": False,
    }


def order_book_json(market: MarketDef) -> dict[str, Any]:
    """A row of `orderBooks`: the market's metadata without stats."""
    return {
        "symbol": market.symbol,
        "market_id": market.market_id,
        "market_type": "perp",
        "base_asset_id": market.base_asset_id,
        "quote_asset_id": USDC_ASSET_ID,
        "status": "active",
        "taker_fee": padded(Decimal(TAKER_FEE_PPM) / 10_000, 4),
        "maker_fee": padded(Decimal(MAKER_FEE_PPM) / 10_000, 4),
        "liquidation_fee": "1.0000",
        "min_base_amount": padded(market.min_base_amount, market.size_decimals),
        "min_quote_amount": padded(market.min_quote_amount, QUOTE_DECIMALS),
        "order_quote_limit": padded(market.order_quote_limit, QUOTE_DECIMALS),
        "supported_size_decimals": market.size_decimals,
        "supported_price_decimals": market.price_decimals,
        "supported_quote_decimals": QUOTE_DECIMALS,
        "size_decimals": market.size_decimals,
        "price_decimals": market.price_decimals,
    }
