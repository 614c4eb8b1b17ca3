"""The `/wapi/v1/history/*` page (spec §4): `limit` (default 100, max 1000) rows from `offset`,
with the page headers the venue sends beside them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from xtb.sim.backpack.errors import json_response
from xtb.sim.backpack.params import query_uint

HISTORY_MAX = 1000


def page(query: Mapping[str, str], rows: list[dict[str, Any]]) -> web.StreamResponse:
    limit = min(query_uint(query, "limit", 100) or 100, HISTORY_MAX)
    offset = query_uint(query, "offset", 0) or 0
    total = len(rows)
    headers = {
        "X-Current-Page": str(offset // limit + 1),
        "X-Page-Count": str(max(1, math.ceil(total / limit))),
        "X-Page-Size": str(limit),
        "X-Total": str(total),
    }
    return json_response(rows[offset : offset + limit], headers=headers)
