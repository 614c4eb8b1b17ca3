"""GRVT's JSON objects (spec §3-§4) built from engine values: decimal strings normalised the way the
venue echoes them ("0.01", zero as "0.0"), unix-nanosecond decimal strings for times, JSON numbers
only where §3 lists them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xtb.sim.engine_types import DISPLAY, LevelView, PositionView
from xtb.sim.grvt.settings import CURRENCY_IDS, MAKER_FEE_RATE, QUOTE, TAKER_FEE_RATE, MarketDef
from xtb.sim.margin import MarginFigures

if TYPE_CHECKING:
    from xtb.sim.grvt.state import OrderRecord

ZERO = Decimal(0)
HUNDRED = Decimal(100)
UNSPECIFIED_TRIGGER = {
    "trigger_type": "UNSPECIFIED",
    "tpsl": {"trigger_by": "UNSPECIFIED", "trigger_price": "0.0", "close_position": False},
}
NO_BUILDER = "0x00"


def num(value: Decimal) -> str:
    """A venue decimal: fixed point, no trailing zeros, integers with ".0" ("100.0", "0.0")."""
    if not value:
        return "0.0"
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def ns(ts: float) -> str:
    return str(round(ts * 1_000_000_000))


def avg(value: Decimal | None) -> str:
    return "0.0" if value is None else num(value.quantize(Decimal("1E-9")))


def percent(rate: Decimal) -> str:
    return num(rate * HUNDRED)


# ----------------------------------------------------------------------------------- markets


def instrument_json(m: MarketDef) -> dict[str, Any]:
    return {
        "instrument": m.instrument,
        "instrument_hash": m.instrument_hash,
        "base": m.base,
        "quote": m.quote,
        "kind": "PERPETUAL",
        "venues": ["ORDERBOOK", "RFQ"],
        "settlement_period": "PERPETUAL",
        "base_decimals": m.base_decimals,
        "quote_decimals": m.quote_decimals,
        "tick_size": num(m.tick_size),
        "min_size": num(m.min_size),
        "create_time": m.create_time,
        "max_position_size": num(m.max_position_size),
        "funding_interval_hours": m.funding_interval_hours,
        "adjusted_funding_rate_cap": "0.3",
        "adjusted_funding_rate_floor": "-0.3",
        "min_notional": num(m.min_notional),
    }


def currencies_json() -> list[dict[str, Any]]:
    return [
        {"id": cid, "symbol": symbol, "balance_decimals": 6 if symbol in ("USDT", "USDC", "USD") else 9,
         "quantity_multiplier": "1000000" if symbol in ("USDT", "USDC", "USD") else "1000000000"}
        for symbol, cid in CURRENCY_IDS.items()
    ]  # fmt: skip


def levels_json(levels: Iterable[LevelView], string_ints: bool = False) -> list[dict[str, Any]]:
    return [
        {"price": num(lv.price), "size": num(lv.size), "num_orders": str(lv.orders) if string_ints else lv.orders}
        for lv in levels
    ]


def book_json(instrument: str, bids: Sequence[LevelView], asks: Sequence[LevelView], at_ns: str) -> dict[str, Any]:
    return {"event_time": at_ns, "instrument": instrument, "bids": levels_json(bids), "asks": levels_json(asks)}


@dataclass(frozen=True)
class Top:
    """What the tickers show of one instrument at one moment."""

    instrument: str
    at_ns: str
    bid: Decimal | None
    bid_size: Decimal | None
    ask: Decimal | None
    ask_size: Decimal | None
    mark: Decimal | None
    last_price: Decimal | None
    last_size: Decimal | None


def mini_json(top: Top) -> dict[str, Any]:
    def opt(value: Decimal | None) -> str:
        return num(value) if value is not None else "0.0"

    mid = None if top.bid is None or top.ask is None else (top.bid + top.ask) / 2
    return {
        "event_time": top.at_ns,
        "instrument": top.instrument,
        "mark_price": opt(top.mark),
        "index_price": opt(top.mark),
        "last_price": opt(top.last_price),
        "last_size": opt(top.last_size),
        "mid_price": opt(mid),
        "best_bid_price": opt(top.bid),
        "best_bid_size": opt(top.bid_size),
        "best_ask_price": opt(top.ask),
        "best_ask_size": opt(top.ask_size),
    }


def ticker_json(top: Top, stats: Mapping[str, Decimal], market: MarketDef, next_funding_ns: str) -> dict[str, Any]:
    row = mini_json(top)
    row.update(
        {
            "funding_rate_8h_curr": "0.0",
            "funding_rate_8h_avg": "0.0",
            "funding_rate": "0.0",
            "next_funding_time": next_funding_ns,
            "funding_interval_hours": market.funding_interval_hours,
            "interest_rate": "0.0",
            "forward_price": "0.0",
            "buy_volume_24h_b": num(stats["buy_b"]),
            "sell_volume_24h_b": num(stats["sell_b"]),
            "buy_volume_24h_q": num(stats["buy_q"]),
            "sell_volume_24h_q": num(stats["sell_q"]),
            "high_price": num(stats["high"]),
            "low_price": num(stats["low"]),
            "open_price": num(stats["open"]),
            "open_interest": num(stats["open_interest"]),
            "long_short_ratio": "1.0",
        }
    )
    return row


def trade_json(tape: Any, instrument: str, mark: Decimal | None) -> dict[str, Any]:
    return {
        "event_time": ns(tape.ts),
        "instrument": instrument,
        "is_taker_buyer": tape.taker_buys,
        "size": num(tape.size),
        "price": num(tape.price),
        "mark_price": num(mark or tape.price),
        "index_price": num(mark or tape.price),
        "interest_rate": "0.0",
        "forward_price": "0.0",
        "trade_id": tape.trade_id,
        "venue": "ORDERBOOK",
        "is_rpi": False,
    }


# ------------------------------------------------------------------------------------ orders


def state_json(rec: OrderRecord) -> dict[str, Any]:
    return {
        "status": rec.status,
        "reject_reason": rec.reject_reason,
        "book_size": [num(rec.book_size)],
        "traded_size": [num(rec.traded)],
        "update_time": str(rec.update_ns),
        "avg_fill_price": [avg(rec.avg_price)],
    }


def order_json(rec: OrderRecord, *, order_id: str | None = None, string_ints: bool = False) -> dict[str, Any]:
    """The full Order object; `order_id` overrides the id (the create acknowledgement's "0x00")."""
    sig = rec.signature
    return {
        "order_id": rec.order_id if order_id is None else order_id,
        "sub_account_id": rec.sub_account_id,
        "is_market": rec.is_market,
        "time_in_force": rec.time_in_force,
        "post_only": rec.post_only,
        "reduce_only": rec.reduce_only,
        "legs": [
            {
                "instrument": rec.instrument,
                "size": num(rec.size),
                "limit_price": num(rec.limit_price),
                "is_buying_asset": rec.is_buy,
            }
        ],
        "signature": {
            "signer": sig.get("signer", "0x00"),
            "r": sig.get("r", "0x00"),
            "s": sig.get("s", "0x00"),
            "v": str(sig.get("v", 0)) if string_ints else sig.get("v", 0),
            "expiration": str(sig.get("expiration", "0")),
            "nonce": str(sig.get("nonce", 0)) if string_ints else sig.get("nonce", 0),
            "chain_id": "0",
        },
        "metadata": {
            "client_order_id": rec.client_order_id,
            "create_time": str(rec.create_ns),
            "trigger": UNSPECIFIED_TRIGGER,
            "broker": "UNSPECIFIED",
            "is_position_transfer": False,
            "allow_crossing": False,
        },
        "state": state_json(rec),
        "builder": rec.builder,
        "builder_fee": num(rec.builder_fee),
    }


def fill_json(
    rec: OrderRecord, trade_id: str, price: Decimal, size: Decimal, fee: Decimal, is_taker: bool,
    realized: Decimal, mark: Decimal | None, at_ns: str,
) -> dict[str, Any]:  # fmt: skip
    builder_rate = rec.builder_fee if rec.has_builder else ZERO
    return {
        "event_time": at_ns,
        "sub_account_id": rec.sub_account_id,
        "instrument": rec.instrument,
        "is_buyer": rec.is_buy,
        "is_taker": is_taker,
        "size": num(size),
        "price": num(price),
        "mark_price": num(mark or price),
        "index_price": num(mark or price),
        "interest_rate": "0.0",
        "forward_price": "0.0",
        "realized_pnl": num(realized),
        "fee": num(fee),
        "fee_rate": percent(TAKER_FEE_RATE if is_taker else MAKER_FEE_RATE),
        "trade_id": trade_id,
        "order_id": rec.order_id,
        "venue": "ORDERBOOK",
        "is_liquidation": False,
        "client_order_id": rec.client_order_id,
        "signer": rec.signature.get("signer", "0x00"),
        "broker": "UNSPECIFIED",
        "is_rpi": False,
        "builder": rec.builder,
        "builder_fee_rate": num(builder_rate),
        "builder_fee": num(price * size * builder_rate / HUNDRED),
        "fee_currency": QUOTE,
    }


# --------------------------------------------------------------------------------- positions


@dataclass(frozen=True)
class PositionFigures:
    view: PositionView
    sub_account_id: str
    mark: Decimal
    cumulative_fee: Decimal
    leverage: Decimal  # the account's in this instrument (1 / its initial margin fraction)

    @property
    def entry(self) -> Decimal:
        return self.view.entry_price or ZERO

    @property
    def unrealized(self) -> Decimal:
        return self.view.size * self.mark - self.view.cost_basis

    @property
    def notional(self) -> Decimal:
        """The position's value at the mark, negative for a short (the venue's schema, grvt-pysdk
        `Positions.notional`: "negative for short assets")."""
        return self.view.size * self.mark


def position_json(f: PositionFigures, at_ns: str) -> dict[str, Any]:
    view = f.view
    total = f.unrealized + view.realized_pnl
    basis = abs(view.cost_basis)
    roi = DISPLAY.divide(total * HUNDRED, basis) if basis else ZERO
    liquidation = ZERO
    if view.size:
        liquidation = max(ZERO, f.entry - (f.entry / f.leverage) * (1 if view.size > 0 else -1))
    return {
        "event_time": at_ns,
        "sub_account_id": f.sub_account_id,
        "instrument": view.market,
        "size": num(view.size),
        "notional": num(f.notional),
        "entry_price": avg(view.entry_price),
        "exit_price": "0.0",
        "mark_price": num(f.mark),
        "unrealized_pnl": avg(f.unrealized),
        "realized_pnl": num(view.realized_pnl),
        "total_pnl": avg(total),
        "roi": avg(roi),
        "quote_index_price": "1.0",
        "est_liquidation_price": avg(liquidation),
        "leverage": num(f.leverage),
        "cumulative_fee": num(f.cumulative_fee),
        "cumulative_realized_funding_payment": "0.0",
        "margin_type": "CROSS",
    }


def account_summary_json(
    sub_account_id: str, cash: Decimal, margin: MarginFigures, positions: Sequence[PositionFigures], at_ns: str
) -> dict[str, Any]:
    """`margin`: the engine's figures (`Engine.margin`), the ones its order check uses; resting
    orders count in the initial margin, nothing counts a pending order in its speed bump."""
    unrealized = margin.equity - cash
    return {
        "event_time": at_ns,
        "sub_account_id": sub_account_id,
        "margin_type": "SIMPLE_CROSS_MARGIN",
        "settle_currency": QUOTE,
        "unrealized_pnl": avg(unrealized),
        "total_equity": avg(margin.equity),
        "initial_margin": avg(margin.initial),
        "maintenance_margin": avg(margin.maintenance),
        "available_balance": avg(margin.available),
        "spot_balances": [{"currency": QUOTE, "balance": num(cash), "index_price": "1.0"}],
        "positions": [position_json(f, at_ns) for f in positions],
        "settle_index_price": "1.0",
        "derisk_margin": avg(margin.maintenance),
        "derisk_to_maintenance_margin_ratio": "1.0",
        "total_cross_equity": avg(margin.equity),
        "cross_unrealized_pnl": avg(unrealized),
        "sub_account_mode": "SINGLE_ASSET_MODE",
        "margin_balance": avg(margin.equity),
    }
