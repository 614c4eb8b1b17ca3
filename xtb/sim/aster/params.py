"""Aster request parameters (spec §4.1, checklist §9.6): query and form body, the query winning a
clash, a name repeated inside one component refused (-1101), booleans case-insensitive, decimals
as strings, and the raw text of each component kept for signature checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote_plus

from aiohttp import web

from xtb.sim.aster.errors import AsterError, either_id, invalid, mandatory
from xtb.sim.aster.settings import MarketDef

AUTH_NAMES = frozenset({"signature", "user", "signer", "nonce", "timestamp", "recvWindow"})
_DECIMAL = re.compile(r"^-?([0-9]{1,20})(\.[0-9]{1,20})?$")
_INTEGER = re.compile(r"^-?[0-9]{1,20}$")


@dataclass
class Component:
    """One of the two places parameters arrive: its raw text and its decoded pairs, in order."""

    raw: str
    pairs: list[tuple[str, str]]

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)


@dataclass
class Params:
    query: Component
    body: Component
    values: dict[str, str]
    read: set[str] = field(default_factory=set)

    def get(self, name: str) -> str | None:
        self.read.add(name)
        value = self.values.get(name)
        return None if value is None or value == "" else value

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise mandatory(name)
        return value

    def names(self) -> list[str]:
        """Parameter names in the order they were sent (query first, then body)."""
        seen: dict[str, None] = {}
        for key, _ in self.query.pairs + self.body.pairs:
            seen.setdefault(key, None)
        return list(seen)

    def unread(self) -> list[str]:
        return [name for name in self.names() if name not in self.read and name not in AUTH_NAMES]


PARAMS: web.RequestKey[Params] = web.RequestKey("xtb_aster_params")


def split(raw: str) -> list[tuple[str, str]]:
    """`a=1&b=2` → pairs, percent-decoded with `+` as space; a repeated name is -1101."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key, value = unquote_plus(key), unquote_plus(value)
        if key in seen:
            raise AsterError(-1101, f"Duplicate values for a parameter detected: '{key}'.")
        seen.add(key)
        pairs.append((key, value))
    return pairs


async def read_params(request: web.Request) -> Params:
    """The request's parameters, read once and kept on the request."""
    cached = request.get(PARAMS)
    if cached is not None:
        return cached
    query_raw = request.rel_url.raw_query_string
    body_raw = ""
    if request.method != "GET":
        body_raw = (await request.read()).decode("utf-8", errors="replace")  # Content-Type is not consulted
    query = Component(query_raw, split(query_raw))
    body = Component(body_raw, split(body_raw))
    values = dict(body.pairs)
    values.update(query.pairs)  # the query wins
    params = Params(query, body, values)
    request[PARAMS] = params
    return params


# ------------------------------------------------------------------------------------------ values


def illegal(name: str, legal: str) -> AsterError:
    return AsterError(-1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'.")


def decimal(params: Params, name: str) -> Decimal | None:
    value = params.get(name)
    if value is None:
        return None
    if not _DECIMAL.match(value):
        raise illegal(name, "^([0-9]{1,20})(\\.[0-9]{1,20})?$")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise illegal(name, "^([0-9]{1,20})(\\.[0-9]{1,20})?$") from None


def integer(params: Params, name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not _INTEGER.match(value):
        raise illegal(name, "^[0-9]{1,20}$")
    return int(value)


def boolean(params: Params, name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise invalid(name)
    return lowered == "true"


def enum(params: Params, name: str, choices: Iterable[str], code: int = -1130) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if value not in choices:
        raise invalid(name) if code == -1130 else AsterError(code)
    return value


def symbol(params: Params, markets: Mapping[str, MarketDef], *, required: bool = True) -> MarketDef | None:
    value = params.get("symbol")
    if value is None:
        if required:
            raise mandatory("symbol")
        return None
    market = markets.get(value)
    if market is None:
        raise AsterError(-1121)
    return market


def order_ids(params: Params) -> tuple[int | None, str | None]:
    """`orderId` and/or `origClientOrderId` (orderId wins when both are sent); neither is -1102."""
    order_id = integer(params, "orderId")
    client_id = params.get("origClientOrderId")
    if order_id is None and client_id is None:
        raise either_id()
    return order_id, client_id


def decimals(value: Decimal) -> int:
    """Decimal places as written ("150.00" → 2)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)
