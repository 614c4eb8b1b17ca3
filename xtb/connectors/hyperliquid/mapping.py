"""Hyperliquid's payloads mapped to the runtime's values (spec §3, §4.2, §5.4, §6.2, §7).

Rules (docs/connectors.md sections 3 and 5): `Decimal` from the wire to the wire; every venue
vocabulary is one explicit table and an unknown value raises VenueProtocolError (statuses.py holds
the order statuses); market rules come from `meta`, never from a price string.

* Markets: symbols are the venue's coin names; the asset id is the index in `meta.universe`
  counting delisted entries (hazard 10), kept as `MarketInfo.venue_symbol`. Delisted coins are not
  tradable and are left out, after numbering. There is no tick: the rule is 5 significant figures
  (integers always) and at most 6 − szDecimals decimals, so `tick_size` is the finest tick and
  `significant_figures=5`; step = min size = 10^-szDecimals; min notional $10 (§3).
* Orders (`orderStatus`, `orderUpdates`, `openOrders`): one snapshot per entry; `sz` is what remains,
  `origSz` the original, so filled = origSz − sz; the state from statuses.py decided by the snapshot
  alone. No average fill price is reported there.
* Fills (`userFills` over REST and WS alike): trade id = `tid`, the same both ways; `crossed` = taker.
* Positions from `clearinghouseState.assetPositions` (signed `szi`, `entryPx`); the balance from
  `marginSummary` (accountValue total, `withdrawable` available) in USDC.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xtb.connectors.books import top_of_levels
from xtb.connectors.hyperliquid import numbers, statuses
from xtb.connectors.parsing import PayloadReader, clip
from xtb.model import (
    Balance,
    Fill,
    Liquidity,
    MarketInfo,
    OrderSnapshot,
    OrderState,
    Position,
    Side,
    Source,
    TopOfBook,
)

VENUE = "hyperliquid"
READ = PayloadReader(VENUE)
SIGNIFICANT_FIGURES = numbers.MAX_SIGNIFICANT_FIGURES
MIN_NOTIONAL = Decimal(10)  # §3: price × size ≥ $10 for orders that open or add
COLLATERAL = "USDC"
SIDES = {"B": Side.BUY, "A": Side.SELL}


def _sz_decimals(value: Any, what: str) -> int:
    return READ.integer(value, what, minimum=0, maximum=numbers.PERP_MAX_DECIMALS)


@READ.parser
def parse_markets(meta: Any) -> dict[str, MarketInfo]:
    """Every tradable perp of `meta`, by coin name, its asset id the universe index (delisted
    entries counted, then left out)."""
    universe = READ.rows(READ.field(meta, "universe", "meta"), "meta.universe")
    markets: dict[str, MarketInfo] = {}
    for asset, entry in enumerate(universe):
        what = f"meta.universe[{asset}]"
        name = READ.text(READ.field(entry, "name", what), f"{what}.name")
        sz = _sz_decimals(READ.field(entry, "szDecimals", what), f"{what}.szDecimals")
        if READ.opt_flag(READ.get(entry, "isDelisted", what), f"{what}.isDelisted"):
            continue
        step = numbers.step(sz)
        markets[name] = MarketInfo(
            name,
            tick_size=numbers.finest_tick(sz),
            step_size=step,
            min_size=step,
            min_notional=MIN_NOTIONAL,
            price_decimals=numbers.PERP_MAX_DECIMALS - sz,
            size_decimals=sz,
            base_asset=name,
            quote_asset=COLLATERAL,
            venue_symbol=str(asset),
            significant_figures=SIGNIFICANT_FIGURES,
        )
    return markets


def asset_id(market: MarketInfo) -> int:
    """The integer orders carry (`a`), kept in `venue_symbol` by parse_markets."""
    return int(market.venue_symbol)


def _levels(raw: Any, what: str) -> list[tuple[Decimal, Decimal]]:
    return [READ.level(READ.field(lv, "px", what), READ.field(lv, "sz", what), what) for lv in READ.rows(raw, what)]


def parse_book_levels(book: Any, coin: str) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]], int]:
    """An `l2Book` answer or frame: bids, asks and its block time (ms), which orders the snapshots."""
    if book is None:
        raise READ.bad(f"l2Book for {coin!r} is null: the venue does not list the coin")
    levels = READ.rows(READ.field(book, "levels", "l2Book"), "l2Book.levels")
    if len(levels) != 2:
        raise READ.bad(f"l2Book.levels must be [bids, asks], got {clip(levels)}")
    time_ms = READ.integer(READ.field(book, "time", "l2Book"), "l2Book.time", minimum=0)
    return _levels(levels[0], "l2Book bid"), _levels(levels[1], "l2Book ask"), time_ms


@READ.parser
def parse_top_of_book(book: Any, coin: str, received_at: float, source: Source = Source.REST) -> TopOfBook:
    bids, asks, time_ms = parse_book_levels(book, coin)
    return top_of_levels(coin, bids, asks, received_at, source, time_ms / 1000)


@READ.parser
def parse_bbo(data: Any, received_at: float) -> tuple[TopOfBook, int]:
    """A `bbo` frame: `{coin, time, bbo: [bid | null, ask | null]}` → the top and its block time."""
    coin = READ.text(READ.field(data, "coin", "bbo"), "bbo.coin")
    pair = READ.rows(READ.field(data, "bbo", "bbo"), "bbo.bbo")
    if len(pair) != 2:
        raise READ.bad(f"bbo must be [bid, ask], got {clip(pair)}")
    sides = [None if lv is None else _levels([lv], "bbo level")[0] for lv in pair]
    time_ms = READ.integer(READ.field(data, "time", "bbo"), "bbo.time", minimum=0)
    bid, ask = sides
    top = TopOfBook(
        coin,
        bid[0] if bid else None,
        bid[1] if bid else None,
        ask[0] if ask else None,
        ask[1] if ask else None,
        Source.WS,
        received_at,
        time_ms / 1000,
    )
    return top, time_ms


def cloid_of(value: Any, what: str) -> str | None:
    """A cloid as our client id: lower-case (the venue parses it as bytes, §2.3); absent → None."""
    if value is None:
        return None
    return READ.text(value, what).lower()


@READ.parser
def parse_order(order: Any, status: Any, status_ms: Any = None, source: Source = Source.REST) -> OrderSnapshot:
    """One order (`{coin, side, limitPx, sz, oid, origSz, cloid?, …}`) under one status."""
    what = "order"
    size = READ.positive(READ.field(order, "origSz", what), "order origSz")
    remaining = READ.non_negative(READ.field(order, "sz", what), "order sz")
    if remaining > size:
        raise READ.bad(f"order sz {remaining} is more than origSz {size}")
    filled = size - remaining
    state = statuses.order_state(status, filled)
    return OrderSnapshot(
        READ.text(READ.field(order, "coin", what), "order coin"),
        state,
        source,
        client_id=cloid_of(READ.get(order, "cloid", what), "order cloid"),
        venue_id=READ.ident(READ.field(order, "oid", what), "order oid"),
        side=SIDES[READ.choice(READ.field(order, "side", what), SIDES, "order side")],
        size=size,
        price=READ.opt_positive(READ.get(order, "limitPx", what), "order limitPx"),
        filled=filled,
        venue_status=str(status),
        reason=str(status) if state in (OrderState.FAILED, OrderState.CANCELLED) else "",
        venue_ts=READ.seconds(status_ms, 1000, "statusTimestamp"),
        raw=dict(order),
    )


def parse_status_entry(entry: Any, source: Source) -> OrderSnapshot:
    """`{order, status, statusTimestamp}`: an `orderUpdates` entry, or `orderStatus`'s `order`."""
    return parse_order(
        READ.field(entry, "order", "order entry"),
        READ.field(entry, "status", "order entry"),
        READ.get(entry, "statusTimestamp", "order entry"),
        source,
    )


def parse_order_status(answer: Any) -> OrderSnapshot | None:
    """`orderStatus`: the order, or None for `{"status":"unknownOid"}`."""
    kind = READ.choice(READ.field(answer, "status", "orderStatus"), ("order", "unknownOid"), "orderStatus status")
    if kind == "unknownOid":
        return None
    return parse_status_entry(READ.field(answer, "order", "orderStatus"), Source.REST)


def parse_open_orders(rows: Any, coin: str | None = None) -> list[OrderSnapshot]:
    """`openOrders`: every entry is open (its status is implied), optionally one coin's."""
    snapshots = [parse_order(row, "open") for row in READ.rows(rows, "openOrders")]
    return [s for s in snapshots if coin is None or s.symbol == coin]


@READ.parser
def parse_fill(fill: Any, source: Source = Source.REST) -> Fill:
    what = "fill"
    return Fill(
        READ.ident(READ.field(fill, "tid", what), "fill tid"),
        READ.text(READ.field(fill, "coin", what), "fill coin"),
        SIDES[READ.choice(READ.field(fill, "side", what), SIDES, "fill side")],
        READ.positive(READ.field(fill, "px", what), "fill px"),
        READ.positive(READ.field(fill, "sz", what), "fill sz"),
        source,
        client_id=cloid_of(READ.get(fill, "cloid", what), "fill cloid"),
        venue_id=READ.ident(READ.field(fill, "oid", what), "fill oid"),
        fee=READ.dec(READ.field(fill, "fee", what), "fill fee"),
        fee_asset=READ.opt_text(READ.get(fill, "feeToken", what), "fill feeToken"),
        liquidity=Liquidity.TAKER if READ.flag(READ.field(fill, "crossed", what), "fill crossed") else Liquidity.MAKER,
        venue_ts=READ.seconds(READ.field(fill, "time", what), 1000, "fill time"),
    )


def parse_fills(rows: Any, source: Source = Source.REST) -> list[Fill]:
    return [parse_fill(row, source) for row in READ.rows(rows, "fills")]


def parse_user_fills_frame(data: Any) -> tuple[bool, str, list[Fill]]:
    """A `userFills` frame: (is it the snapshot, whose fills, the fills). A missing `isSnapshot`
    means false: live frames omit it (§5.4)."""
    snapshot = READ.opt_flag(READ.get(data, "isSnapshot", "userFills"), "userFills isSnapshot")
    user = READ.text(READ.field(data, "user", "userFills"), "userFills user").lower()
    return snapshot, user, parse_fills(READ.field(data, "fills", "userFills"), Source.WS)


@READ.parser
def parse_positions(state: Any, coin: str | None = None) -> list[Position]:
    """`clearinghouseState.assetPositions` (one-way positions: signed `szi`)."""
    rows = READ.rows(READ.field(state, "assetPositions", "clearinghouseState"), "assetPositions")
    time_ms = READ.get(state, "time", "clearinghouseState")
    positions = []
    for row in rows:
        position = READ.field(row, "position", "assetPosition")
        name = READ.text(READ.field(position, "coin", "position"), "position coin")
        if coin is not None and name != coin:
            continue
        positions.append(
            Position(
                name,
                READ.dec(READ.field(position, "szi", "position"), "position szi"),
                Source.REST,
                entry_price=READ.price_or_none(READ.get(position, "entryPx", "position"), "position entryPx"),
                unrealized_pnl=READ.opt_dec(READ.get(position, "unrealizedPnl", "position"), "position unrealizedPnl"),
                venue_ts=READ.seconds(time_ms, 1000, "clearinghouseState time"),
            )
        )
    return positions


@READ.parser
def parse_balances(state: Any) -> list[Balance]:
    """The account's USDC: `marginSummary.accountValue` (equity, positions marked) and `withdrawable`."""
    summary = READ.field(state, "marginSummary", "clearinghouseState")
    total = READ.dec(READ.field(summary, "accountValue", "marginSummary"), "accountValue")
    available = READ.dec(READ.field(state, "withdrawable", "clearinghouseState"), "withdrawable")
    return [Balance(COLLATERAL, total, available, Source.REST)]


def user_role(answer: Any) -> tuple[str, str | None]:
    """`userRole`: the role and, for an agent, the account it trades for (lower-case)."""
    role = READ.text(READ.field(answer, "role", "userRole"), "userRole role")
    if role != "agent":
        return role, None
    data = READ.field(answer, "data", "userRole")
    return role, READ.text(READ.field(data, "user", "userRole data"), "userRole data.user").lower()


@READ.parser
def position_after_fill(fill: Any) -> Position:
    """The coin's net position right after a fill, as the venue states it: `startPosition` (the
    signed size before) moved by the fill (§5.4). Hyperliquid's sockets carry no position channel
    the connector subscribes to, and this is the venue's own figure, not a sum we keep."""
    what = "fill"
    start = READ.dec(READ.field(fill, "startPosition", what), "fill startPosition")
    size = READ.positive(READ.field(fill, "sz", what), "fill sz")
    side = SIDES[READ.choice(READ.field(fill, "side", what), SIDES, "fill side")]
    return Position(
        READ.text(READ.field(fill, "coin", what), "fill coin"),
        start + size if side is Side.BUY else start - size,
        Source.WS,
        venue_ts=READ.seconds(READ.field(fill, "time", what), 1000, "fill time"),
    )
