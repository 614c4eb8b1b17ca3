"""Query parameters of the Lighter simulator's read endpoints, and the wrapper that turns a
`LighterError` raised while reading them into the venue's error body (HTTP 400 `{"code","message"}`).
The spec's §7 table has no code for a malformed parameter; the simulator answers 20001 `invalid param`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping

from aiohttp import web

from xtb.sim import inbound
from xtb.sim.lighter import errors as E
from xtb.sim.lighter.errors import LighterError
from xtb.sim.lighter.settings import MarketDef

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def endpoint(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except LighterError as exc:
            return exc.response()

    return wrapped


def integer(request: web.Request, name: str, default: int | None = None, *, low: int = 0, high: int = 2**63) -> int:
    """An int parameter in [low, high]; required unless it has a default."""
    text = request.query.get(name)
    if text is None:
        if default is None:
            raise invalid(name, "is required")
        return default
    value = inbound.integer(text, signed=True)
    if value is None or not low <= value <= high:
        raise invalid(name)
    return value


def choice(request: web.Request, name: str, allowed: Collection[str], default: str | None = None) -> str:
    """A parameter that must be one of `allowed`; required unless it has a default."""
    text = request.query.get(name, default)
    if text is None:
        raise invalid(name, "is required")
    if text not in allowed:
        raise invalid(name)
    return text


def invalid(name: str, why: str = "") -> LighterError:
    return LighterError(E.INVALID_PARAM, message=f"invalid param: {name}" + (f" {why}" if why else ""))


def market(request: web.Request, markets: Mapping[int, MarketDef], *, required: bool = True) -> MarketDef | None:
    """The `market_id` parameter's market (21602 for an unknown one); optional lookups also take
    255, the venue's "no market"."""
    if not required and "market_id" not in request.query:
        return None
    found = markets.get(integer(request, "market_id"))
    if found is None:
        if not required and request.query.get("market_id") == "255":
            return None
        raise LighterError(E.INVALID_MARKET)
    return found
