"""Maker-only API keys (spec §4, history / misc): `POST /api/v1/setMakerOnlyApiKeys` records which
of an account's keys are maker-only (`api_key_indexes`, JSON array text such as `"[4,5]"`; `[]`
clears) and `GET /api/v1/getMakerOnlyApiKeys` reports them. The spec lists the endpoints without
saying how the venue refuses a maker-only key's taker order, so the simulator records the setting
and does not restrict orders by it.
"""

from __future__ import annotations

import json

from aiohttp import web

from xtb.sim.frontend import ACCOUNT
from xtb.sim.lighter.errors import json_response
from xtb.sim.lighter.keys import TokenChecker
from xtb.sim.lighter.params import Handler, invalid
from xtb.sim.lighter.read_tokens import signed_form
from xtb.sim.lighter.txs import MAX_API_KEY_INDEX


class MakerOnlyKeys:
    """Each account's maker-only key indexes; the caller's auth token has already been checked."""

    def __init__(self, checker: TokenChecker) -> None:
        self.checker = checker
        self.indexes: dict[int, list[int]] = {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/api/v1/getMakerOnlyApiKeys", self._get), ("POST", "/api/v1/setMakerOnlyApiKeys", self._set)]

    async def _get(self, request: web.Request) -> web.StreamResponse:
        return json_response({"code": 200, "api_key_indexes": self.indexes.get(request[ACCOUNT], [])})

    async def _set(self, request: web.Request) -> web.StreamResponse:
        account, form = await signed_form(request, self.checker)
        try:
            indexes = json.loads(form.get("api_key_indexes", ""))
        except ValueError:
            indexes = None
        if not isinstance(indexes, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= MAX_API_KEY_INDEX for i in indexes
        ):
            raise invalid("api_key_indexes")
        self.indexes[account] = sorted(set(indexes))
        return json_response({"code": 200, "message": "success"})

    def clear(self) -> None:
        self.indexes.clear()
