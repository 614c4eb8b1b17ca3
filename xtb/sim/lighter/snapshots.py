"""The Lighter simulator's views of the venue's state, shared by REST answers and stream snapshots:
channel names, book and ticker, positions, assets, account (DetailedAccount), stats and txs.

Margin figures (available balance, margin requirements, a position's fraction) come from the engine
(`Engine.margin`, `Engine.initial_margin_fraction`), the model that accepts or refuses orders."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from xtb.sim.engine_types import OrderView, PositionView
from xtb.sim.lighter import payloads as pl
from xtb.sim.lighter.candle_stream import channel_resolution
from xtb.sim.lighter.margins import MarketFractions
from xtb.sim.lighter.parts import VenueParts
from xtb.sim.lighter.settings import QUOTE_DECIMALS, MarketDef
from xtb.sim.lighter.state import TxRecord

PUBLIC = frozenset({"order_book", "ticker", "trade", "market_stats", "height"})
PRIVATE = frozenset(
    {
        "account_all_orders",
        "account_orders",
        "account_market",
        "account_all_positions",
        "account_all_assets",
        "account_tx",
        "notification",
        "pool_data",
        "pool_info",
    }
)
TOKEN_OPTIONAL = frozenset({"account_all", "account_all_trades", "user_stats"})
_MARKET_CHANNELS = frozenset({"order_book", "ticker", "trade"})
_ACCOUNT_CHANNELS = PRIVATE - {"account_orders", "account_market"} | TOKEN_OPTIONAL
SNAPSHOT_TRADES = 20
_EMPTY_POOL: dict[str, Any] = {
    "status": 0, "operator_fee": "0", "min_operator_share_rate": "0", "total_shares": 0, "operator_shares": 0,
    "annual_percentage_yield": 0, "daily_returns": [], "share_prices": [], "sharpe_ratio": 0, "strategies": [],
}  # fmt: skip
ZERO = Decimal(0)


def _int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 20 else None


class Snapshots:
    def __init__(self, venue: VenueParts) -> None:
        self.venue = venue

    # ------------------------------------------------------------------------------ channels

    def parse_channel(self, request: str) -> tuple[str, str, int | None, int | None] | None:
        """`name/id[/id2]` → (name, server channel `name:id[:id2]`, market, account), or None."""
        parts = request.split("/")
        name, ids = parts[0], [_int(p) for p in parts[1:]]
        channel = ":".join(parts)
        if name in ("market_stats", "spot_market_stats") and parts[1:] == ["all"]:
            return name, channel, None, None
        if name == "candle" and len(parts) == 3 and channel_resolution(channel) is not None:
            market = _int(parts[1])
            return (name, channel, market, None) if market in self.venue.markets_by_id else None
        if any(i is None for i in ids):
            return None
        markets = self.venue.markets_by_id
        if name == "height" and not ids:
            return name, channel, None, None
        if name in _MARKET_CHANNELS | {"market_stats"} and len(ids) == 1:
            return (name, channel, ids[0], None) if ids[0] in markets else None
        if name in _ACCOUNT_CHANNELS and len(ids) == 1:
            return (name, channel, None, ids[0]) if ids[0] in self.venue.accounts() else None
        if name in ("account_orders", "account_market") and len(ids) == 2:
            market, account = ids
            if market in markets and account in self.venue.accounts():
                return name, channel, market, account
        return None

    def build(self, name: str, market_id: int | None, account: int | None) -> dict[str, Any]:
        """The `subscribed/<name>` payload (without channel and type)."""
        market = self.venue.markets_by_id[market_id] if market_id is not None else None
        if name == "order_book":
            assert market is not None
            return self.book(market)
        if name == "ticker":
            assert market is not None
            return self.ticker(market, self.venue.state.book_nonce[market.market_id])
        if name == "trade":
            assert market is not None
            trades = list(self.venue.state.tape[market.market_id])[-SNAPSHOT_TRADES:]
            return {"nonce": self.venue.state.book_nonce[market.market_id], "trades": trades, "liquidation_trades": []}
        if name == "spot_market_stats":
            return {"spot_market_stats": {}}  # the simulator lists no spot markets
        if name == "market_stats":
            if market is None:
                return {"market_stats": {str(m.market_id): self.market_stats(m) for m in self.venue.markets.values()}}
            return {"market_stats": self.market_stats(market)}
        if name == "height":
            return {"height": self.venue.state.height, "timestamp": self.venue.now_ms()}
        assert account is not None
        return self._account_snapshot(name, market, account)

    def _account_snapshot(self, name: str, market: MarketDef | None, account: int) -> dict[str, Any]:
        if name == "account_all_orders":
            return {"orders": self.open_orders_by_market(account, None)}
        if name == "account_orders":
            assert market is not None
            return {"account": account, "nonce": 0, "orders": self.open_orders_by_market(account, market)}
        if name == "account_market":
            assert market is not None
            orders = self.open_orders_by_market(account, market).get(str(market.market_id), [])
            position = self.positions(account).get(str(market.market_id))
            return {"account": account, "orders": orders, "position": position, "trades": [],
                    "assets": self.assets(account)["assets"], "funding_history": {}}  # fmt: skip
        if name == "account_all_positions":
            return {"positions": self.positions(account), "shares": []}
        if name == "account_all_assets":
            return self.assets(account)
        if name == "account_all_trades":
            return {"trades": {}, "total_volume": 0, "monthly_volume": 0, "weekly_volume": 0, "daily_volume": 0}
        if name == "user_stats":
            return self.user_stats(account)
        if name == "account_tx":
            return {"txs": []}
        if name == "notification":
            return {"notifications": []}  # the simulator raises none
        if name == "pool_info":
            return {"pool_info": dict(_EMPTY_POOL)}  # an account that runs no public pool
        if name == "pool_data":
            return {"account": account, "orders": self.open_orders_by_market(account, None),
                    "positions": self.positions(account), "trades": {}, "shares": [],
                    "funding_histories": {}}  # fmt: skip
        # account_all
        return {
            "account": account,
            "assets": self.assets(account)["assets"],
            "positions": self.positions(account),
            "trades": {},
            "funding_histories": {},
            "shares": [],
            **{f"{p}_{k}": 0 for p in ("daily", "weekly", "monthly", "total") for k in ("trades_count", "volume")},
        }

    # ---------------------------------------------------------------------------- market data

    def book(self, market: MarketDef) -> dict[str, Any]:
        book = self.venue.engine.book(market.symbol, 10_000)
        nonce = self.venue.state.book_nonce[market.market_id]
        offset = self.venue.state.book_offset[market.market_id]
        now_us = pl.us(self.venue.clock.time())

        def levels(side: Any) -> list[dict[str, str]]:
            return [
                {"price": pl.padded(lv.price, market.price_decimals), "size": pl.padded(lv.size, market.size_decimals)}
                for lv in side
            ]

        body = {"code": 0, "asks": levels(book.asks), "bids": levels(book.bids), "offset": offset, "nonce": nonce,
                "begin_nonce": nonce, "last_updated_at": now_us}  # fmt: skip
        return {"offset": offset, "order_book": body, "timestamp": now_us // 1000, "last_updated_at": now_us}

    def ticker(self, market: MarketDef, nonce: int) -> dict[str, Any]:
        top = self.venue.engine.top_of_book(market.symbol)
        now_us = pl.us(self.venue.clock.time())
        pd, sd = market.price_decimals, market.size_decimals
        ticker = {
            "s": market.symbol,
            "a": {"price": pl.padded(top.ask, pd), "size": pl.padded(top.ask_size, sd)},
            "b": {"price": pl.padded(top.bid, pd), "size": pl.padded(top.bid_size, sd)},
            "last_updated_at": now_us,
        }
        return {"nonce": nonce, "ticker": ticker, "timestamp": now_us // 1000, "last_updated_at": now_us}

    def mark_price(self, symbol: str) -> Decimal | None:
        """The mid of the book (one side when the other is empty, else the last trade)."""
        mark = self.venue.engine.book_mark(symbol)
        if mark is not None:
            return mark
        tape = self.venue.state.tape.get(self.venue.markets[symbol].market_id)
        return Decimal(tape[-1]["price"]) if tape else None

    def market_detail(self, market: MarketDef) -> dict[str, Any]:
        """A perp row of `orderBookDetails`, its margin fractions as the engine holds them now."""
        fractions = MarketFractions.of(self.venue.engine.market(market.symbol), market)
        return pl.market_detail_json(market, fractions, self.daily_stats(market))

    def daily_stats(self, market: MarketDef) -> dict[str, Any]:
        """The day's figures as JSON numbers (floats, as the venue sends them)."""
        trades = list(self.venue.state.tape[market.market_id])
        prices = [float(t["price"]) for t in trades]
        mark = self.mark_price(market.symbol)
        last = prices[-1] if prices else float(mark or 0)
        return {
            "last_trade_price": last,
            "daily_trades_count": len(trades),
            "daily_base_token_volume": sum(float(t["size"]) for t in trades),
            "daily_quote_token_volume": sum(float(t["usd_amount"]) for t in trades),
            "daily_price_low": min(prices, default=last),
            "daily_price_high": max(prices, default=last),
            "daily_price_change": (last - prices[0]) if prices else 0.0,
            "open_interest": 0.0,
            "mark_price": pl.padded(mark, market.price_decimals),
        }

    def market_stats(self, market: MarketDef) -> dict[str, Any]:
        stats = self.daily_stats(market)
        mark = stats["mark_price"]
        top = self.venue.engine.top_of_book(market.symbol)
        mid = (top.bid + top.ask) / 2 if top.bid is not None and top.ask is not None else None
        rate, interval = pl.padded(market.funding_rate, 4), self.venue.settings.funding_interval_ms
        return {
            "symbol": market.symbol,
            "market_id": market.market_id,
            "index_price": mark,
            "mark_price": mark,
            "mid_price": "" if mid is None else pl.padded(mid, market.price_decimals),
            "open_interest": "0",
            "open_interest_limit": "72057594037927936",
            "funding_clamp_small": "0.0500",
            "funding_clamp_big": "4.0000",
            "last_trade_price": pl.padded(Decimal(str(stats["last_trade_price"])), market.price_decimals),
            "current_funding_rate": rate,
            "funding_rate": rate,
            "funding_timestamp": (self.venue.now_ms() // interval + 1) * interval,
            "daily_base_token_volume": stats["daily_base_token_volume"],
            "daily_quote_token_volume": stats["daily_quote_token_volume"],
            "daily_price_low": stats["daily_price_low"],
            "daily_price_high": stats["daily_price_high"],
            "daily_price_change": stats["daily_price_change"],
        }

    # --------------------------------------------------------------------------------- account

    def order(self, view: OrderView) -> dict[str, Any]:
        venue = self.venue
        market = venue.markets[view.market]
        meta = venue.state.order_meta(view.order_id, market.market_id)
        return pl.order_json(view, meta, market, venue.state.account_index(view.account_id), venue.settings)

    def open_orders_by_market(self, account: int, market: MarketDef | None) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for view in self.venue.engine.open_orders(account, None if market is None else market.symbol):
            out.setdefault(str(self.venue.markets[view.market].market_id), []).append(self.order(view))
        return out

    def position(self, position: PositionView, market: MarketDef) -> dict[str, Any]:
        venue = self.venue
        account = venue.state.account_index(position.account_id)
        imf = venue.engine.initial_margin_fraction(position.account_id, market.symbol)
        mode = venue.state.margin_modes.get((account, market.market_id), 0)
        open_orders = len(venue.engine.open_orders(position.account_id, market.symbol))
        return pl.position_json(position, market, self.mark_price(market.symbol), imf, mode, open_orders)

    def positions(self, account: int) -> dict[str, dict[str, Any]]:
        out = {}
        for position in self.venue.engine.positions(account):
            market = self.venue.markets.get(position.market)
            if market is not None:
                out[str(market.market_id)] = self.position(position, market)
        return out

    def notional(self, account: int) -> Decimal:
        """The account's positions' value at the mark, in USDC (what its `leverage` divides)."""
        total = ZERO
        for position in self.venue.engine.positions(account):
            mark = self.mark_price(position.market)
            if mark is not None:
                total += abs(position.size) * mark
        return total

    def buying_power(self, account: int, available: Decimal) -> Decimal:
        """The most notional the free margin opens: at the highest leverage the account trades at
        (a market a run set to need no margin at all counts as 1×, having no such limit)."""
        engine = self.venue.engine
        fraction = min(engine.initial_margin_fraction(account, m.symbol) for m in self.venue.markets.values())
        return available / fraction if fraction else available

    def assets(self, account: int) -> dict[str, Any]:
        cash = self.venue.engine.balance(account).cash
        return {"assets": {"3": {k: v for k, v in pl.asset_json(cash).items() if k != "multiplier"}},
                "timestamp": self.venue.now_ms()}  # fmt: skip

    def user_stats(self, account: int) -> dict[str, Any]:
        margin = self.venue.engine.margin(account)
        cash, equity = self.venue.engine.balance(account).cash, margin.equity
        q = QUOTE_DECIMALS
        stats = {
            "collateral": pl.padded(cash, q),
            "portfolio_value": pl.padded(equity, q),
            "leverage": pl.padded(self.notional(account) / equity if equity > 0 else ZERO, 2),
            "available_balance": pl.padded(margin.available, q),
            "margin_usage": pl.padded(margin.initial / equity * 100 if equity > 0 else ZERO, 2),
            "buying_power": pl.padded(self.buying_power(account, margin.available), q),
            "account_trading_mode": 0,
        }
        return {
            "stats": {**stats, "cross_stats": dict(stats), "total_stats": dict(stats)},
            "timestamp": self.venue.now_ms(),
        }

    def account(self, account: int) -> dict[str, Any]:
        """A DetailedAccount: balances, positions and the figures the venue reports (`collateral` is
        the USDC held, `total_asset_value` the equity at the marks, `available_balance` what new
        exposure may still use)."""
        venue = self.venue
        margin = venue.engine.margin(account)
        cash, equity = venue.engine.balance(account).cash, margin.equity
        q = QUOTE_DECIMALS
        open_orders = venue.engine.open_orders(account)
        return {
            "code": 0,
            "account_type": 0,
            "account_trading_mode": 0,
            "index": account,
            "account_index": account,
            "l1_address": venue.l1_addresses.get(account, "0x" + "00" * 20),
            "cancel_all_time": venue.state.cancel_all_at.get(account, 0),
            "total_order_count": len(open_orders),
            "total_isolated_order_count": 0,
            "pending_order_count": 0,
            "available_balance": pl.padded(margin.available, q),
            "status": 1,
            "collateral": pl.padded(cash, q),
            "name": "",
            "description": "",
            "can_invite": True,
            "referral_points_percentage": "",
            "positions": list(self.positions(account).values()),
            "assets": [pl.asset_json(cash)],
            "total_asset_value": pl.padded(equity, q),
            "cross_asset_value": pl.padded(equity, q),
            "pool_info": dict(_EMPTY_POOL),
            "shares": [],
            "created_at": 1_700_000_000,
            "transaction_time": pl.us(venue.clock.time()),
            "pending_unlocks": [],
            "approved_integrators": [],
            "can_rfq": False,
            "cross_initial_margin_requirement": pl.padded(margin.initial, q),
            "cross_maintenance_margin_requirement": pl.padded(margin.maintenance, q),
            "can_rfq_market_ids": [],
            "metadata": {"color": ""},
            "agent_enabled": False,
        }

    def tx(self, record: TxRecord) -> dict[str, Any]:
        """An EnrichedTx (GET /api/v1/tx, account_tx)."""
        return {
            "code": 200,
            "hash": record.tx_hash,
            "type": record.tx_type,
            "info": record.info,
            "event_info": json.dumps(record.event_info),
            "status": record.status,
            "transaction_index": 0,
            "l1_address": self.venue.l1_addresses.get(record.account, "0x" + "00" * 20),
            "account_index": record.account,
            "nonce": record.nonce,
            "expire_at": record.expired_at,
            "block_height": record.block_height,
            "queued_at": record.queued_ms,
            "executed_at": record.queued_ms,
            "sequence_index": record.block_height,
            "parent_hash": "",
            "api_key_index": record.key_index,
            "transaction_time": record.queued_ms * 1000,
            "committed_at": record.queued_ms,
            "verified_at": record.queued_ms,
        }
