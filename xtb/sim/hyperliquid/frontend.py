"""HyperliquidFrontEnd: the hyperliquid protocol on the shared simulator framework — wiring only.

The base (xtb/sim/frontend.py) serves the sites, runs faults, logs requests and refuses broken
ones; this class registers the venue's routes and sockets and answers its hooks in the venue's own
shapes (docs/connectors.md section 7). What a venue order carries that the engine has no field for
goes through `xtb.sim.order_ledger.OrderLedger`. `python -m xtb.sim hyperliquid` serves it once written.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId
from xtb.sim.frontend import FrontEnd, SimMarket
from xtb.sim.hyperliquid.settings import HyperliquidSimSettings
from xtb.sim.hyperliquid.streams import HyperliquidSimStreams
from xtb.sim.refusals import Refusal

GUIDE = "docs/connectors.md section 7"


class HyperliquidFrontEnd(FrontEnd):
    name = "hyperliquid"

    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 0,
        settings: HyperliquidSimSettings | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(engine, seed=seed, **kwargs)
        self.settings = settings or HyperliquidSimSettings()
        self.streams = HyperliquidSimStreams(self.hub)

    def sim_markets(self) -> Sequence[SimMarket]:
        settings = self.settings
        return [SimMarket(settings.market_spec(m), settings.market_settings(m)) for m in settings.markets]

    def setup(self) -> None:
        raise NotImplementedError(
            "setup: not implemented yet — register the venue's routes, `self.route(method, path, handler, "
            "auth=..., places_order=...)`, and sockets, `self.websocket(path)`; the order and cancel routes are "
            f"what simulator.faults.submit / cancel in venues/hyperliquid.yaml name ({GUIDE})"
        )

    def make_credentials(self, account_id: AccountId, rng: random.Random) -> dict[str, Any]:
        """The names the venue file lists under `credentials:`, drawn from `rng` only (a seed gives the
        same keys); make them in the venue's own key format."""
        return {"api_key": f"{rng.getrandbits(128):032x}", "api_secret": f"{rng.getrandbits(256):064x}"}

    async def authenticate(self, request: web.Request) -> AccountId:
        raise NotImplementedError(
            "authenticate: not implemented yet — verify the request's signature the venue's way over the raw "
            "text (request.rel_url.raw_query_string, await request.read()), with an implementation independent "
            f"of the connector's; raise AuthFailure with the venue's error body ({GUIDE})"
        )

    async def authenticate_stream(self, request: web.Request) -> AccountId | None:
        raise NotImplementedError(
            f"authenticate_stream: not implemented yet — the account a socket upgrade authenticates as, None for a "
            f"public socket ({GUIDE})"
        )

    def render_error(self, request: web.Request, status: int, message: str) -> web.StreamResponse:
        raise NotImplementedError(
            f"render_error: not implemented yet — an error ({status}) in the venue's own body shape ({GUIDE})"
        )

    def refusal(self, request: web.BaseRequest, kind: Refusal, message: str) -> tuple[int, Any]:
        raise NotImplementedError(
            f"refusal: not implemented yet — the venue's answer (status, body) to a refused request ({kind.name}) "
            f"({GUIDE})"
        )

    async def refuse_order(self, request: web.Request, reason: str) -> web.StreamResponse:
        raise NotImplementedError(
            f"refuse_order: not implemented yet — refuse an order the way the venue refuses orders ({GUIDE})"
        )
