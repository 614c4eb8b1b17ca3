"""Routes the spec names that the simulator does not model: on-chain money movement, isolated
margin, derisk settings, spot wallets, GraphQL and deposit addresses. They answer as the venue answers
an endpoint it has switched off (§4.1, §7: 1009/503 in the REST error shape), never as an unknown
route, so a client learns "not here" the venue's way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from xtb.sim.grvt.auth import Ctx
from xtb.sim.grvt.errors import GrvtError

SWITCHED_OFF = 1009
# trades-host `full/v1` routes (§4.9 "also served")
PRIVATE_ROUTES = ("position_history", "set_position_config", "add_position_margin", "get_position_margin_limits",
                  "set_derisk_mm_ratio", "transfer", "withdrawal", "spot_account_summary")  # fmt: skip
# edge routes (§1): method, path
EDGE_ROUTES = (("POST", "/query"), ("GET", "/api/v1/deposit/addresses"), ("POST", "/api/v1/deposit/generate-address"))


async def switched_off(ctx: Ctx, body: Mapping[str, Any]) -> Any:
    raise GrvtError(SWITCHED_OFF)


async def switched_off_edge(request: web.Request) -> web.StreamResponse:
    return GrvtError(SWITCHED_OFF).response()
