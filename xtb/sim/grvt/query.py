"""What the list routes share (spec §4.3, §4.8, §4.9): the `kind` / `base` / `quote` instrument
filter and reverse-chronological paging with `start_time`, `end_time`, `limit` and `cursor`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from xtb.sim import inbound
from xtb.sim.grvt import checks
from xtb.sim.grvt.settings import MarketDef

HISTORY_LIMIT = 500
HISTORY_MAX = 1000


def instruments(markets: Mapping[str, MarketDef], body: Mapping[str, Any]) -> list[str]:
    """The instruments a `kind` / `base` / `quote` filter (lists; absent = all) selects."""
    kinds, bases, quotes = (_names(body.get(k), k) for k in ("kind", "base", "quote"))
    return [
        m.instrument
        for m in markets.values()
        if (kinds is None or "PERPETUAL" in kinds)
        and (bases is None or m.base in bases)
        and (quotes is None or m.quote in quotes)
    ]


def _names(value: Any, what: str) -> set[str] | None:
    if value is None or value == []:
        return None
    if isinstance(value, str):
        return {value}
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise checks.malformed(what)
    return set(value)


def page(rows: Iterable[tuple[int, dict[str, Any]]], body: Mapping[str, Any]) -> dict[str, Any]:
    """Reverse chronological from `end_time` back to `start_time`, `limit` (default 500, max 1000);
    a non-empty `cursor` (an offset into the same query) overrides the other filters' start."""
    start = _time(body.get("start_time"), 0)
    end = _time(body.get("end_time"), 2**63)
    limit = body.get("limit", HISTORY_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        limit = HISTORY_LIMIT
    limit = min(limit, HISTORY_MAX)
    cursor = body.get("cursor") or "0"
    offset = (inbound.integer(cursor) if isinstance(cursor, str) else None) or 0
    selected = [row for at, row in sorted(rows, key=lambda r: r[0], reverse=True) if start <= at <= end]
    chunk = selected[offset : offset + limit]
    more = offset + limit < len(selected)
    return {"result": chunk, "next": str(offset + limit) if more else ""}


def _time(value: Any, default: int) -> int:
    if value in (None, "", 0, "0"):
        return default
    return checks.uint(value, "time", 2**63)
