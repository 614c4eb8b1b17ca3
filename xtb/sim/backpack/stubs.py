"""The signed venue routes the simulator has nothing behind (spec §4.15: RFQ, strategies,
borrow/lend, vaults, deposits and withdrawals, dust, 2FA), served as the spec says stubs answer:
a list is `[]` (a history list with its page headers), a lookup or an action on something that
does not exist is `404 {"code":"RESOURCE_NOT_FOUND","message":"Not Found"}`. Each is still signed
and verified with its §2.4 instruction, so a client's signing for it is checked like the venue's."""

from __future__ import annotations

from aiohttp import web

from xtb.sim.backpack.errors import json_response, not_found
from xtb.sim.backpack.paging import page
from xtb.sim.frontend import Handler

HISTORY_LISTS = tuple(
    "/wapi/v1/history/" + name
    for name in (
        "funding",  # Sim: no funding is charged (markPrice `f` is 0), so no payments
        "position",
        "settlement",
        "borrowLend",
        "interest",
        "borrowLend/positions",
        "dust",
        "strategies",
        "rfq",
        "rfq/fill",
        "quote",
        "quote/fill",
        "vault/mint",
        "vault/redeem",
    )
)
LISTS = (
    ("GET", "/api/v1/borrowLend/positions"),
    ("GET", "/api/v1/rfqs"),
    ("GET", "/api/v1/strategies"),
    ("DELETE", "/api/v1/strategies"),  # cancel-all answers what it cancelled, as DELETE /orders does
    ("GET", "/wapi/v1/capital/withdrawals"),
    ("GET", "/wapi/v1/capital/deposits"),
)
NOT_FOUND = (
    ("POST", "/api/v1/account/convertDust"),
    ("POST", "/api/v1/borrowLend"),
    ("POST", "/api/v1/rfq"),
    ("POST", "/api/v1/rfq/quote"),
    ("POST", "/api/v1/rfq/accept"),
    ("POST", "/api/v1/rfq/refresh"),
    ("POST", "/api/v1/rfq/cancel"),
    ("GET", "/api/v1/strategy"),
    ("POST", "/api/v1/strategy"),
    ("DELETE", "/api/v1/strategy"),
    ("POST", "/api/v1/vault/mint"),
    ("POST", "/api/v1/vault/redeem"),
    ("DELETE", "/api/v1/vault/redeem"),
    ("POST", "/wapi/v1/capital/withdrawals"),
    ("GET", "/wapi/v1/capital/deposit/address"),
    ("POST", "/wapi/v1/user/2fa"),
)


async def empty_page(request: web.Request) -> web.StreamResponse:
    return page(request.query, [])


async def empty_list(request: web.Request) -> web.StreamResponse:
    return json_response([])


async def nothing_there(request: web.Request) -> web.StreamResponse:
    return not_found().response()


def routes() -> list[tuple[str, str, Handler]]:
    """(method, path, handler) of every stub, for the front-end's signed route table."""
    return [
        *(("GET", path, empty_page) for path in HISTORY_LISTS),
        *((method, path, empty_list) for method, path in LISTS),
        *((method, path, nothing_there) for method, path in NOT_FOUND),
    ]
