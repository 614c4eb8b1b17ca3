"""What the Aster desks share of the simulated venue: the engine, the settings, the venue's own
state, its markets, the issued credentials and its clock, and the few questions every desk asks of
them (a market's mark, an account's wallet address).

Why a frozen bundle rather than the front-end: the desks then depend on these parts only, the
front-end builds the desks, and no desk imports the front-end (no import circle). The bundle holds
references, so what the front-end changes in place (issued credentials, state) every desk sees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.sim.aster.auth import IDENTITY
from xtb.sim.aster.settings import AsterSettings, MarketDef
from xtb.sim.aster.state import VenueState
from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId
from xtb.sim.frontend import ACCOUNT


@dataclass
class VenueFaults:
    """Venue-shaped faults the generic plan cannot express (§9.17): the next `order_unknown_503`
    orders are placed, then answered 503 -1007 (status unknown); the next `error_with_200` errors
    come with HTTP 200; the next `html_500` requests get the venue's HTML error page."""

    order_unknown_503: int = 0
    error_with_200: int = 0
    html_500: int = 0


@dataclass(frozen=True)
class VenueParts:
    """`now_ms` is the venue's wall clock in ms (the front-end's, which a test may replace)."""

    engine: Engine
    settings: AsterSettings
    state: VenueState
    market_defs: Mapping[str, MarketDef]
    credentials: Mapping[AccountId, Mapping[str, Any]]
    now_ms: Callable[[], int]

    def mark_price(self, symbol: str) -> Decimal:
        """The mid of the book (one side when the other is empty, else the last trade, else the
        market's starting mid): the mark the engine's margin model uses while a book stands."""
        mark = self.engine.book_mark(symbol)
        if mark is not None:
            return mark
        tape = self.state.tapes.get(symbol)
        return tape[-1].price if tape else self.market_defs[symbol].mid

    def user_of(self, account: AccountId) -> str:
        """The account's main wallet address, lower case ("" for an account without credentials)."""
        return str(self.credentials.get(account, {}).get("user", "")).lower()

    def user_of_request(self, request: web.Request) -> str:
        """The user a request acts for: the V3 signature's, else the V1 key's account's."""
        identity = request.get(IDENTITY)
        return identity.user if identity is not None else self.user_of(request[ACCOUNT])

    def alias_of(self, account: AccountId) -> str:
        return "Sg" + self.user_of(account)[2:6].upper()
