"""Hyperliquid's REST endpoints as one table: method, path, and whether the request is signed.

Why a table: the REST client signs exactly what the table says, so which route needs which
credentials is read in one place, not decided inside each hook. The connector's hooks name the
endpoint they need (`markets`, `book`, `submit`, `cancel`, `cancel_all`, `order`, `open_orders`,
`positions`, `balances`, `fills`); add each from the venue's API reference.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    signed: bool


ENDPOINTS: dict[str, Endpoint] = {
    # "markets": Endpoint("GET", "/api/v1/markets", signed=False),
}


def endpoint(name: str) -> Endpoint:
    """The endpoint a hook names; a name not in the table yet says what to add."""
    try:
        return ENDPOINTS[name]
    except KeyError:
        raise NotImplementedError(
            f"endpoint {name!r}: not implemented yet — add it to ENDPOINTS in {__name__} (method, path, signed) "
            "from the venue's API reference (docs/connectors.md section 1)"
        ) from None
