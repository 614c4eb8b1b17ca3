"""Hyperliquid's public market data rendered from the engine (spec §4.2.1, §5.3): l2Book, bbo,
allMids, trades and candles, shared by `POST /info` and the socket so both answer to the byte.

The engine symbol is the venue coin. Prices and sizes pass `wire.decimal_str`; `n` is the number
of orders at a level. Aggregated books (`nSigFigs`, `mantissa`) bucket outward, bids down and asks
up, summing `sz` and `n` (§4.2.1). The engine keeps no public trade tape, so trades are the
`TapeTrade`s the socket side records from `Trade` events (xtb/sim/hyperliquid/feeds.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from xtb.model import Side
from xtb.sim.engine_types import AccountId, LevelView
from xtb.sim.hyperliquid.wire import decimal_str

if TYPE_CHECKING:
    from xtb.sim.engine import Engine

AGGREGATED_DEPTH = 2000
"""Raw levels read per side to build an aggregated book (its 20 buckets come from far fewer)."""

INTERVAL_MS = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
}  # "1M" is the calendar month (UTC)

_ADDRESS = re.compile(r"0x[0-9a-f]{40}")


@dataclass(frozen=True)
class TapeTrade:
    """One public trade as the venue shows it; `buyer`/`seller` are engine accounts."""

    coin: str
    tid: int
    time_ms: int
    price: Decimal
    size: Decimal
    taker_side: Side
    buyer: AccountId
    seller: AccountId


def user_address(account_id: AccountId) -> str:
    """The venue address of an engine account: the account itself when it is one (the front-end
    keys accounts by lower-case address), else a stable made-up address (the synthetic market)."""
    if isinstance(account_id, str) and _ADDRESS.fullmatch(account_id):
        return account_id
    return "0x" + hashlib.sha256(f"xtb-sim-account:{account_id}".encode()).hexdigest()[:40]


def trade_hash(coin: str, tid: int) -> str:
    """A stable 32-byte transaction hash for a trade, so `trades` and fills can agree on it."""
    return "0x" + hashlib.sha256(f"xtb-sim-trade:{coin}:{tid}".encode()).hexdigest()


def ms(ts: float) -> int:
    return round(ts * 1000)


# ------------------------------------------------------------------------------------- books


def _level(price: Decimal, size: Decimal, orders: int) -> dict[str, Any]:
    return {"px": decimal_str(price), "sz": decimal_str(size), "n": orders}


def bucket_price(price: Decimal, n_sig_figs: int, mantissa: int | None, *, up: bool) -> Decimal:
    """`price` moved outward onto the grid of `n_sig_figs` significant figures (× `mantissa`)."""
    step = Decimal(mantissa or 1).scaleb(price.adjusted() - n_sig_figs + 1)
    return (price / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR) * step


def _aggregate(
    levels: Iterable[LevelView], n_sig_figs: int, mantissa: int | None, *, up: bool, limit: int
) -> list[dict[str, Any]]:
    buckets: dict[Decimal, list[Any]] = {}
    for level in levels:
        price = bucket_price(level.price, n_sig_figs, mantissa, up=up)
        if price not in buckets:
            if len(buckets) >= limit:
                break
            buckets[price] = [Decimal(0), 0]
        buckets[price][0] += level.size
        buckets[price][1] += level.orders
    return [_level(price, size, orders) for price, (size, orders) in buckets.items()]


def l2_book(
    engine: Engine, coin: str, *, n_sig_figs: int | None, mantissa: int | None, levels: int, now_ms: int
) -> dict[str, Any] | None:
    """`{coin, time, levels: [bids best first, asks best first]}`, at most `levels` per side;
    None for a coin the engine does not list (§4.2.1, §10 item 8)."""
    if coin not in {spec.symbol for spec in engine.markets()}:
        return None
    if n_sig_figs is None:
        book = engine.book(coin, levels)
        sides = [[_level(lv.price, lv.size, lv.orders) for lv in side] for side in (book.bids, book.asks)]
    else:
        book = engine.book(coin, AGGREGATED_DEPTH)
        sides = [
            _aggregate(book.bids, n_sig_figs, mantissa, up=False, limit=levels),
            _aggregate(book.asks, n_sig_figs, mantissa, up=True, limit=levels),
        ]
    return {"coin": coin, "time": now_ms, "levels": sides}


def bbo(engine: Engine, coin: str, *, now_ms: int) -> dict[str, Any]:
    """`{coin, time, bbo: [bid | null, ask | null]}` (§5.3)."""
    book = engine.book(coin, 1)
    top = [_level(side[0].price, side[0].size, side[0].orders) if side else None for side in (book.bids, book.asks)]
    return {"coin": coin, "time": now_ms, "bbo": top}


def all_mids(
    engine: Engine, coins: Sequence[str], *, last_prices: Mapping[str, Decimal] | None = None
) -> dict[str, str]:
    """Coin → mid of the best bid and ask; the last trade price when a side is empty, and no
    entry when there is neither (§4.2)."""
    listed = {spec.symbol for spec in engine.markets()}
    mids: dict[str, str] = {}
    for coin in coins:
        if coin not in listed:
            continue
        book = engine.book(coin, 1)
        if book.bids and book.asks:
            mids[coin] = decimal_str((book.bids[0].price + book.asks[0].price) / 2)
        elif last_prices is not None and coin in last_prices:
            mids[coin] = decimal_str(last_prices[coin])
    return mids


# ------------------------------------------------------------------------------------ trades


def trade(record: TapeTrade, address_of: Any = user_address) -> dict[str, Any]:
    """One `trades` element: `side` is the aggressor's, `users` is [buyer, seller] (§5.3)."""
    return {
        "coin": record.coin,
        "side": "B" if record.taker_side is Side.BUY else "A",
        "px": decimal_str(record.price),
        "sz": decimal_str(record.size),
        "time": record.time_ms,
        "hash": trade_hash(record.coin, record.tid),
        "tid": record.tid,
        "users": [address_of(record.buyer), address_of(record.seller)],
    }


# ----------------------------------------------------------------------------------- candles


def bucket_bounds(interval: str, time_ms: int) -> tuple[int, int]:
    """[start, end) in ms of the `interval` candle holding `time_ms`."""
    if interval == "1M":
        at = datetime.fromtimestamp(time_ms / 1000, UTC)
        start = datetime(at.year, at.month, 1, tzinfo=UTC)
        end = datetime(at.year + at.month // 12, at.month % 12 + 1, 1, tzinfo=UTC)
        return int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    span = INTERVAL_MS[interval]
    start = time_ms // span * span
    return start, start + span


def candle(coin: str, interval: str, tape: Iterable[TapeTrade], time_ms: int) -> dict[str, Any] | None:
    """The candle of the bucket holding `time_ms` from the trades in `tape` (oldest first), in the
    `candleSnapshot` shape `{t, T, s, i, o, c, h, l, v, n}`; None when the bucket has no trade."""
    start, end = bucket_bounds(interval, time_ms)
    prices: list[Decimal] = []
    volume = Decimal(0)
    for record in tape:
        if start <= record.time_ms < end:
            prices.append(record.price)
            volume += record.size
    if not prices:
        return None
    return {
        "t": start,
        "T": end - 1,
        "s": coin,
        "i": interval,
        "o": decimal_str(prices[0]),
        "c": decimal_str(prices[-1]),
        "h": decimal_str(max(prices)),
        "l": decimal_str(min(prices)),
        "v": decimal_str(volume),
        "n": len(prices),
    }


def candle_rows(
    coin: str, interval: str, tape: Iterable[TapeTrade], start_ms: int, end_ms: int, *, limit: int = 5000
) -> list[dict[str, Any]]:
    """The candles of `tape` (oldest first) whose buckets overlap `[start_ms, end_ms]`, oldest
    first, at most the `limit` most recent (`candleSnapshot`, §4.2); buckets without a trade are
    absent."""
    buckets: dict[int, list[TapeTrade]] = {}
    for record in tape:
        start, end = bucket_bounds(interval, record.time_ms)
        if end > start_ms and start <= end_ms:
            buckets.setdefault(start, []).append(record)
    rows = []
    for start in sorted(buckets)[-limit:] if limit > 0 else []:
        row = candle(coin, interval, buckets[start], start)
        if row is not None:
            rows.append(row)
    return rows
