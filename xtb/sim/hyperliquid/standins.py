"""STAND-INS, TO BE REPLACED AT MERGE by H-simws's parts (issue #20, contract20.md).

Until `books.py`, `streams.py` (`HyperliquidSimStreams`) and `ws_settings.py` land, the REST side uses
these minimal versions with the contract's names and signatures, so its tests run:

* `l2_book` / `all_mids`: the contract's `books.l2_book` / `books.all_mids` without aggregation
  (`nSigFigs` / `mantissa` are ignored here);
* `StandInStreams`: the contract's constructor and user-feed methods; it publishes on the contract's
  hub channels (`orderUpdates:<user>`, `userFills:<user>`, `user:<user>`) and answers no client frame.

At merge: the front-end imports `books`, `HyperliquidSimStreams` and `HyperliquidWsSettings` instead,
and this module is deleted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

from xtb.sim.engine import Engine
from xtb.sim.engine_types import EngineEvent, LevelView
from xtb.sim.hyperliquid.wire import decimal_str
from xtb.sim.stream_hub import StreamConnection, StreamHub
from xtb.sim.venue_streams import VenueStreams


def _level(level: LevelView) -> dict[str, Any]:
    return {"px": decimal_str(level.price), "sz": decimal_str(level.size), "n": level.orders}


def l2_book(
    engine: Engine, coin: str, *, n_sig_figs: int | None, mantissa: int | None, levels: int, now_ms: int
) -> dict[str, Any] | None:
    if coin not in {m.symbol for m in engine.markets()}:
        return None
    book = engine.book(coin, levels)
    return {"coin": coin, "time": now_ms, "levels": [[_level(x) for x in book.bids], [_level(x) for x in book.asks]]}


def all_mids(engine: Engine, coins: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for coin in coins:
        mid: Decimal | None = engine.book_mark(coin)
        if mid is not None:
            out[coin] = decimal_str(mid)
    return out


class StandInWsSettings:
    """Placeholder for H-simws's HyperliquidWsSettings."""


class StandInStreams(VenueStreams):
    def __init__(
        self,
        hub: StreamHub,
        engine: Engine,
        *,
        settings: Any,
        coins: Callable[[], Sequence[str]],
        info: Callable[[dict[str, Any]], Awaitable[tuple[int, Any]]],
        exchange: Callable[[dict[str, Any], StreamConnection], Awaitable[tuple[int, Any]]],
        recent_fills: Callable[[str, bool], list[dict[str, Any]]],
        now_ms: Callable[[], int],
    ) -> None:
        self.hub = hub
        self.engine = engine

    def publish_order_updates(self, user: str, updates: list[dict[str, Any]]) -> None:
        self.hub.publish(f"orderUpdates:{user}", "orderUpdates", {"channel": "orderUpdates", "data": updates})

    def publish_fills(self, user: str, fills: list[dict[str, Any]]) -> None:
        self.hub.publish(
            f"userFills:{user}", "userFills", {"channel": "userFills", "data": {"user": user, "fills": fills}}
        )
        self.hub.publish(f"user:{user}", "user", {"channel": "user", "data": {"fills": fills}})

    def publish_user_event(self, user: str, event: dict[str, Any]) -> None:
        self.hub.publish(f"user:{user}", "user", {"channel": "user", "data": event})

    def on_engine_event(self, event: EngineEvent) -> None:
        pass
