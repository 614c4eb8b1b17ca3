"""The parts every Hyperliquid handler shares: the engine, the settings of the run, the venue records,
who is who (account ids ↔ addresses), marks and leverage, and the outbox of user-feed pushes.

Why one object: the order path, the actions, `/info` and the engine-event mapping all read the same
marks, positions and leverage, so they can never disagree on a figure. The outbox groups the pushes of
one engine operation (or one `/exchange` action, which runs without awaiting) into one frame per user
and channel, flushed on the next loop turn: a closing fill and the `reduceOnlyCanceled` it causes
arrive in one `orderUpdates` frame, as on the venue (§6.3).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from xtb.model import ZERO
from xtb.sim.candles import Print
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId
from xtb.sim.hyperliquid import margin
from xtb.sim.hyperliquid.settings import HyperliquidMarketDef, HyperliquidSimSettings
from xtb.sim.hyperliquid.state import Leverage, UserBook, VenueState

TAPE_SIZE = 10_000


class UserFeeds(Protocol):
    """The user-feed pushes of the streams object (contract20: H-simws's HyperliquidSimStreams)."""

    def publish_order_updates(self, user: str, updates: list[dict[str, Any]]) -> None: ...
    def publish_fills(self, user: str, fills: list[dict[str, Any]]) -> None: ...
    def publish_user_event(self, user: str, event: dict[str, Any]) -> None: ...
    def publish_account_change(self, user: str) -> None: ...


class Outbox:
    """User-feed pushes waiting for the end of the current operation."""

    def __init__(self, feeds: Callable[[], UserFeeds]) -> None:
        self._feeds = feeds
        self._updates: dict[str, list[dict[str, Any]]] = {}
        self._fills: dict[str, list[dict[str, Any]]] = {}
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._changed: set[str] = set()
        self._scheduled = False

    def order_update(self, user: str, update: dict[str, Any]) -> None:
        self._updates.setdefault(user, []).append(update)
        self._schedule()

    def fill(self, user: str, fill: dict[str, Any]) -> None:
        self._fills.setdefault(user, []).append(fill)
        self._schedule()

    def user_event(self, user: str, event: dict[str, Any]) -> None:
        self._events.append((user, event))
        self._schedule()

    def account_changed(self, user: str) -> None:
        """Something the account views show changed without an order update or a fill (leverage,
        isolated margin)."""
        self._changed.add(user)
        self._schedule()

    def _schedule(self) -> None:
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # an engine call outside the loop (a test): push at once
            self.flush()
            return
        self._scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        updates, fills, events = self._updates, self._fills, self._events
        changed = self._changed | set(updates) | set(fills)
        self._updates, self._fills, self._events, self._changed = {}, {}, [], set()
        feeds = self._feeds()
        for user, batch in updates.items():
            feeds.publish_order_updates(user, batch)
        for user, batch in fills.items():
            feeds.publish_fills(user, batch)
        for user, event in events:
            feeds.publish_user_event(user, event)
        for user in sorted(changed):
            feeds.publish_account_change(user)


class Venue:
    """Shared reads and records; `settings` is a callable because a run may replace them."""

    def __init__(
        self,
        engine: Engine,
        settings: Callable[[], HyperliquidSimSettings],
        state: VenueState,
        outbox: Outbox,
    ) -> None:
        self.engine = engine
        self._settings = settings
        self.state = state
        self.outbox = outbox
        self.address_of: dict[AccountId, str] = {}
        self.account_of: dict[str, AccountId] = {}
        self.last_px: dict[str, Decimal] = {}
        self.day_volume: dict[str, Decimal] = {}
        self.tapes: dict[str, deque[Print]] = {}

    @property
    def settings(self) -> HyperliquidSimSettings:
        return self._settings()

    def now_ms(self) -> int:
        return int(self.engine.clock.time() * 1000)

    # ------------------------------------------------------------------------------ markets

    def market_by_asset(self, asset: int) -> HyperliquidMarketDef | None:
        markets = self.settings.markets
        return markets[asset] if 0 <= asset < len(markets) else None

    def market_by_coin(self, coin: Any) -> HyperliquidMarketDef | None:
        for m in self.settings.markets:
            if m.name == coin:
                return m
        return None

    def asset_of(self, coin: str) -> int:
        return [m.name for m in self.settings.markets].index(coin)

    def tradable(self) -> list[str]:
        return [m.name for m in self.settings.listed()]

    def mark(self, coin: str) -> Decimal:
        """One mark per coin for every figure (§7): the book's mid, else the last trade, else the
        market's configured mid."""
        market = self.market_by_coin(coin)
        if market is not None and not market.delisted:
            mark = self.engine.book_mark(coin)
            if mark is not None:
                return mark
        if coin in self.last_px:
            return self.last_px[coin]
        return market.mid if market is not None else ZERO

    def with_suffix(self, text: str, asset: int) -> str:
        """§10.10: per-order errors end with ` asset=<a>` unless switched to the docs' form."""
        return f"{text} asset={asset}" if self.settings.asset_suffix else text

    def record_trade(self, coin: str, price: Decimal, size: Decimal, time_ms: int, tid: int, taker_buys: bool) -> None:
        self.last_px[coin] = price
        self.day_volume[coin] = self.day_volume.get(coin, ZERO) + price * size
        tape = self.tapes.get(coin)
        if tape is None:
            tape = self.tapes[coin] = deque(maxlen=TAPE_SIZE)
        tape.append(Print(time_ms, price, size, tid, taker_buys))

    def clear(self) -> None:
        self.last_px.clear()
        self.day_volume.clear()
        self.tapes.clear()

    # ------------------------------------------------------------------------------ accounts

    def leverage(self, book: UserBook | None, market: HyperliquidMarketDef) -> Leverage:
        """The coin's leverage; default cross min(default_leverage, maxLeverage) (§10.20)."""
        chosen = None if book is None else book.leverage.get(market.name)
        if chosen is not None:
            return chosen
        return Leverage(True, min(self.settings.default_leverage, market.max_leverage))

    def position(self, account: AccountId, coin: str) -> tuple[Decimal, Decimal]:
        """(szi, entry price) from the engine."""
        view = self.engine.position(account, coin)
        entry = view.entry_price
        return view.size, (entry if entry is not None else ZERO)

    def figures(self, user: str) -> margin.AccountFigures | None:
        """The account's §7 figures at the marks; None for an address that is no account."""
        account = self.account_of.get(user)
        if account is None or account not in self.engine.accounts():
            return None
        book = self.state.known(user)
        inputs = []
        for view in self.engine.positions(account):
            market = self.market_by_coin(view.market)
            if not view.size or market is None:
                continue
            lev = self.leverage(book, market)
            entry = view.entry_price or ZERO
            extra = ZERO if lev.is_cross or book is None else book.isolated_extra.get(view.market, ZERO)
            inputs.append(
                margin.PositionInput(
                    view.market,
                    view.size,
                    entry,
                    self.mark(view.market),
                    lev.value,
                    lev.is_cross,
                    market.max_leverage,
                    isolated_extra=extra,
                )
            )
        return margin.account_figures(self.engine.balance(account).cash, inputs)
