"""`POST /info` (spec §4.2): the bare payload per `type`, no envelope.

An unknown `type` or a field of the wrong type is HTTP 422 with the venue's plain text (§10.7,
`canonical.Undeserializable`); an unknown coin's `l2Book` is `null`; an unknown or agent address
gets the empty answers (zero `clearinghouseState`, no orders, no fills). `dex` is accepted
everywhere (only `""`, the first perp dex, exists). Funding is not simulated: the funding
histories are empty and `funding` is the configured rate. `userFills` does not aggregate by time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from xtb.model import ZERO
from xtb.sim.candles import build_candles
from xtb.sim.hyperliquid import books, margin, payloads
from xtb.sim.hyperliquid.canonical import Undeserializable, hex_bytes
from xtb.sim.hyperliquid.limits import AddressBudget
from xtb.sim.hyperliquid.signers import Signers
from xtb.sim.hyperliquid.state import VenueOrder
from xtb.sim.hyperliquid.venue import Venue
from xtb.sim.hyperliquid.wire import decimal_str

MAX_ANSWER = 2000
TIME_RANGED = 500
USDC_TOKEN_ID = "0x6d1e7cde53ba9467b783cb7c530ce054"
FUNDING_RATE = Decimal("0.0000125")
INTERVALS_MS = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000,
    "2h": 7_200_000, "4h": 14_400_000, "8h": 28_800_000, "12h": 43_200_000, "1d": 86_400_000,
    "3d": 259_200_000, "1w": 604_800_000, "1M": 2_592_000_000,
}  # fmt: skip


def user_field(payload: Mapping[str, Any], key: str = "user") -> str:
    if key not in payload:
        raise Undeserializable(f"{key} is missing")
    return hex_bytes(payload[key], key, 20)


def _int(payload: Mapping[str, Any], key: str, *, optional: bool = False) -> int | None:
    value = payload.get(key)
    if value is None and optional:
        return None
    if type(value) is not int or not 0 <= value < 2**64:
        raise Undeserializable(f"{key} is not an unsigned integer")
    return value


def str_field(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise Undeserializable(f"{key} is not a string")
    return value


def _dex(payload: Mapping[str, Any]) -> None:
    dex = payload.get("dex")
    if dex is not None and not isinstance(dex, str):
        raise Undeserializable("dex is not a string")


class InfoDesk:
    def __init__(self, venue: Venue, signers: Signers, budget: AddressBudget) -> None:
        self.venue = venue
        self.signers = signers
        self.budget = budget
        self._types: dict[str, Callable[[Mapping[str, Any]], Any]] = {
            "meta": self.meta,
            "spotMeta": self.spot_meta,
            "metaAndAssetCtxs": self.meta_and_asset_ctxs,
            "allMids": self.all_mids,
            "l2Book": self.l2_book,
            "clearinghouseState": self.clearinghouse_state,
            "openOrders": self.open_orders,
            "frontendOpenOrders": self.frontend_open_orders,
            "orderStatus": self.order_status,
            "historicalOrders": self.historical_orders,
            "userFills": self.user_fills,
            "userFillsByTime": self.user_fills_by_time,
            "userRateLimit": self.user_rate_limit,
            "candleSnapshot": self.candle_snapshot,
            "fundingHistory": self.funding_history,
            "userFunding": self.user_funding,
            "userFees": self.user_fees,
            "userRole": self.user_role,
            "extraAgents": self.extra_agents,
            "exchangeStatus": self.exchange_status,
            "activeAssetData": self.active_asset_data,
            "maxBuilderFee": self.max_builder_fee,
            "perpDexs": lambda payload: [None],
        }

    def add_type(self, kind: str, handler: Callable[[Mapping[str, Any]], Any]) -> None:
        """Serve one more `type` (the composite views of `views.py`, built on this desk)."""
        self._types[kind] = handler

    def kind(self, payload: Any) -> str:
        """The request's `type`, or Undeserializable (422) for one the venue does not know."""
        if not isinstance(payload, Mapping):
            raise Undeserializable("the body is not an object")
        kind = payload.get("type")
        if not isinstance(kind, str) or kind not in self._types:
            raise Undeserializable(f"unknown info type {kind!r}")
        return kind

    def answer(self, payload: Mapping[str, Any]) -> Any:
        """The body for a payload whose `kind` is known; Undeserializable for a bad field."""
        return self._types[self.kind(payload)](payload)

    # ---------------------------------------------------------------------------- markets

    def meta(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        _dex(payload)
        universe = []
        for m in self.venue.settings.markets:
            entry: dict[str, Any] = {"szDecimals": m.sz_decimals, "name": m.name, "maxLeverage": m.max_leverage,
                                     "marginTableId": m.max_leverage}  # fmt: skip
            if m.only_isolated:
                entry["onlyIsolated"] = True
            if m.delisted:
                entry["isDelisted"] = True
            universe.append(entry)
        tables = sorted({m.max_leverage for m in self.venue.settings.markets})
        margin_tables = [
            [lev, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": lev}]}] for lev in tables
        ]
        return {"universe": universe, "marginTables": margin_tables, "collateralToken": 0}

    def spot_meta(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """No spot pairs; USDC alone, so the SDK constructor's token lookups hold (§9)."""
        usdc = {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0, "tokenId": USDC_TOKEN_ID,
                "isCanonical": True, "evmContract": None, "fullName": None}  # fmt: skip
        return {"universe": [], "tokens": [usdc]}

    def meta_and_asset_ctxs(self, payload: Mapping[str, Any]) -> list[Any]:
        open_interest = self._open_interest()
        return [self.meta(payload), [self.asset_ctx(m.name, open_interest) for m in self.venue.settings.markets]]

    def asset_ctx(self, coin: str, open_interest: Mapping[str, Decimal] | None = None) -> dict[str, Any]:
        """One coin's context: `metaAndAssetCtxs[1][i]` and the socket's `activeAssetCtx.ctx`."""
        venue = self.venue
        m = venue.market_by_coin(coin)
        assert m is not None
        if open_interest is None:
            open_interest = self._open_interest()
        mark = venue.mark(m.name)
        top = None if m.delisted else venue.engine.top_of_book(m.name)
        mid = None if top is None or top.bid is None or top.ask is None else (top.bid + top.ask) / 2
        impact = (
            None if top is None or top.bid is None or top.ask is None else [decimal_str(top.bid), decimal_str(top.ask)]
        )
        volume = venue.day_volume.get(m.name, ZERO)
        base_volume = sum((p.size for p in venue.tapes.get(m.name, ())), ZERO)
        return {
            "dayNtlVlm": decimal_str(margin.usd(volume)),
            "funding": decimal_str(ZERO if m.delisted else FUNDING_RATE),
            "impactPxs": impact,
            "markPx": decimal_str(mark),
            "midPx": None if mid is None else decimal_str(mid),
            "openInterest": decimal_str(open_interest.get(m.name, ZERO)),
            "oraclePx": decimal_str(mark),
            "premium": None if m.delisted else "0.0",
            "prevDayPx": decimal_str(m.mid),
            "dayBaseVlm": decimal_str(base_volume),
        }

    def _open_interest(self) -> dict[str, Decimal]:
        engine = self.venue.engine
        totals: dict[str, Decimal] = {}
        for account in engine.accounts():
            for view in engine.positions(account):
                if view.size > 0:
                    totals[view.market] = totals.get(view.market, ZERO) + view.size
        return totals

    def all_mids(self, payload: Mapping[str, Any]) -> dict[str, str]:
        _dex(payload)
        return books.all_mids(self.venue.engine, self.venue.tradable())

    def l2_book(self, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        coin = str_field(payload, "coin")
        sig = payload.get("nSigFigs")
        mantissa = payload.get("mantissa")
        if sig is not None and (type(sig) is not int or not 2 <= sig <= 5):
            raise Undeserializable("nSigFigs must be 2..5 or null")
        if mantissa is not None and (type(mantissa) is not int or mantissa not in (1, 2, 5) or sig != 5):
            raise Undeserializable("mantissa must be 1, 2 or 5, and only with nSigFigs 5")
        if coin not in self.venue.tradable():
            return None
        return books.l2_book(self.venue.engine, coin, n_sig_figs=sig, mantissa=mantissa, levels=20,
                             now_ms=self.venue.now_ms())  # fmt: skip

    def candle_snapshot(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        req = payload.get("req")
        if not isinstance(req, Mapping):
            raise Undeserializable("req is not an object")
        coin, interval = str_field(req, "coin"), str_field(req, "interval")
        if interval not in INTERVALS_MS:
            raise Undeserializable(f"unknown interval {interval!r}")
        start, end = _int(req, "startTime"), _int(req, "endTime", optional=True)
        assert start is not None
        end = end if end is not None else self.venue.now_ms()
        span = INTERVALS_MS[interval]
        candles = [c for c in build_candles(self.venue.tapes.get(coin, ()), span) if c.end > start and c.start <= end]
        return [
            {
                "t": c.start,
                "T": c.end - 1,
                "s": coin,
                "i": interval,
                "o": decimal_str(c.open),
                "c": decimal_str(c.close),
                "h": decimal_str(c.high),
                "l": decimal_str(c.low),
                "v": decimal_str(c.volume),
                "n": c.trades,
            }
            for c in candles[-5000:]
        ]

    def funding_history(self, payload: Mapping[str, Any]) -> list[Any]:
        str_field(payload, "coin")
        _int(payload, "startTime")
        _int(payload, "endTime", optional=True)
        return []

    def exchange_status(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"specialStatuses": None, "time": self.venue.now_ms()}

    # ---------------------------------------------------------------------------- users

    def clearinghouse_state(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        _dex(payload)
        figures = self.venue.figures(user_field(payload))
        now = self.venue.now_ms()
        return payloads.zero_state(now) if figures is None else payloads.clearinghouse_state(figures, now)

    def _orders(self, payload: Mapping[str, Any]) -> list[VenueOrder]:
        _dex(payload)
        book = self.venue.state.known(user_field(payload))
        if book is None:
            return []
        return sorted(book.open_orders(), key=lambda o: o.oid, reverse=True)

    def open_orders(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [payloads.open_order(o) for o in self._orders(payload)]

    def frontend_open_orders(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [payloads.frontend_order(o) for o in self._orders(payload)]

    def order_status(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        user = user_field(payload)
        ref = payload.get("oid")
        if isinstance(ref, str):
            ref = hex_bytes(ref, "oid", 16)
        elif type(ref) is not int or not 0 <= ref < 2**64:
            raise Undeserializable("oid is neither an unsigned integer nor a cloid")
        book = self.venue.state.known(user)
        order = None if book is None else book.by_oid_or_cloid(ref)
        if order is None:
            return {"status": "unknownOid"}
        return {"status": "order", "order": payloads.order_status(order)}

    def historical_orders(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        book = self.venue.state.known(user_field(payload))
        if book is None:
            return []
        orders = sorted(book.orders.values(), key=lambda o: o.oid, reverse=True)[:MAX_ANSWER]
        return [payloads.order_status(o) for o in orders]

    def user_fills(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        user = user_field(payload)
        if payload.get("aggregateByTime") is not None and type(payload["aggregateByTime"]) is not bool:
            raise Undeserializable("aggregateByTime is not a boolean")
        return self.recent_fills(user, bool(payload.get("aggregateByTime")))

    def recent_fills(self, user: str, aggregate_by_time: bool = False) -> list[dict[str, Any]]:
        """Newest first, at most 2000 (also the `userFills` snapshot of the socket)."""
        book = self.venue.state.known(user.lower())
        if book is None:
            return []
        return list(reversed(book.fills))[:MAX_ANSWER]

    def user_fills_by_time(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        user = user_field(payload)
        start, end = _int(payload, "startTime"), _int(payload, "endTime", optional=True)
        assert start is not None
        book = self.venue.state.known(user)
        if book is None:
            return []
        fills = [f for f in book.fills if start <= f["time"] and (end is None or f["time"] <= end)]  # type: ignore[operator]
        return fills[:MAX_ANSWER]

    def user_funding(self, payload: Mapping[str, Any]) -> list[Any]:
        user_field(payload)
        _int(payload, "startTime")
        _int(payload, "endTime", optional=True)
        return []

    def user_rate_limit(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        book = self.venue.state.user(user_field(payload))
        return {
            "cumVlm": decimal_str(margin.usd(book.cum_volume)),
            "nRequestsUsed": book.requests_used,
            "nRequestsCap": self.budget.cap(book),
            "nRequestsSurplus": 0,
        }

    def user_fees(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        user_field(payload)
        s = self.venue.settings
        taker, maker = decimal_str(s.taker_fee_rate), decimal_str(s.maker_fee_rate)
        return {
            "dailyUserVlm": [],
            "feeSchedule": {
                "cross": taker,
                "add": maker,
                "spotCross": "0.0007",
                "spotAdd": "0.0004",
                "tiers": {},
                "referralDiscount": "0.0",
            },
            "userCrossRate": taker,
            "userAddRate": maker,
            "userSpotCrossRate": "0.0007",
            "userSpotAddRate": "0.0004",
            "activeReferralDiscount": "0.0",
        }

    def user_role(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        address = user_field(payload)
        if self.signers.is_user(address):
            return {"role": "user"}
        master = self.signers.master_of(address)
        if master is not None:
            return {"role": "agent", "data": {"user": master}}
        return {"role": "missing"}

    def extra_agents(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        book = self.venue.state.known(user_field(payload))
        if book is None:
            return []
        return [
            {"name": a.name, "address": a.address, "validUntil": a.valid_until} for a in book.agents.values() if a.name
        ]

    def active_asset_data(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        venue = self.venue
        user, coin = user_field(payload), str_field(payload, "coin")
        market = venue.market_by_coin(coin)
        if market is None:
            raise Undeserializable(f"unknown coin {coin!r}")
        lev = venue.leverage(venue.state.known(user), market)
        figures = venue.figures(user)
        free = max(ZERO, figures.free_cross) if figures is not None else ZERO
        mark = venue.mark(coin)
        available = free * lev.value
        size = (available / mark).quantize(market.step, rounding=ROUND_DOWN) if mark else ZERO
        return {
            "user": user,
            "coin": coin,
            "leverage": {"type": "cross" if lev.is_cross else "isolated", "value": lev.value},
            "maxTradeSzs": [decimal_str(size), decimal_str(size)],
            "availableToTrade": [decimal_str(margin.usd(available)), decimal_str(margin.usd(available))],
            "markPx": decimal_str(mark),
        }

    def max_builder_fee(self, payload: Mapping[str, Any]) -> int:
        """The fee the user approved for the builder (`approveBuilderFee`), tenths of a bp; 0 if none."""
        book = self.venue.state.known(user_field(payload))
        builder = user_field(payload, "builder")
        return 0 if book is None else book.builder_fees.get(builder, 0)
