"""Strict readers for venue payloads, shared by every venue's mapping module.

A missing key, a number that is not a decimal string (or is a float), or a non-finite value raises
VenueProtocolError naming the venue and the field; nothing is ever defaulted.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from xtb.errors import VenueProtocolError


class PayloadReader:
    def __init__(self, venue: str) -> None:
        self.venue = venue

    def bad(self, message: str) -> VenueProtocolError:
        return VenueProtocolError(message, venue=self.venue)

    def field(self, obj: Mapping[str, Any], key: str, what: str = "payload") -> Any:
        try:
            return obj[key]
        except KeyError:
            raise self.bad(f"{what} has no {key!r} (keys: {sorted(obj)[:30]})") from None
        except TypeError:
            raise self.bad(f"{what} is not an object: {obj!r:.300}") from None

    def dec(self, value: Any, what: str) -> Decimal:
        """A venue decimal: a string (an int, or a Decimal from a JSON number, is tolerated); never a float."""
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise self.bad(f"{what} must be a decimal string, got {value!r}")
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise self.bad(f"{what} is not a number: {value!r}") from None
        if not result.is_finite():
            raise self.bad(f"{what} is not finite: {value!r}")
        return result

    def opt_dec(self, value: Any, what: str) -> Decimal | None:
        return None if value is None else self.dec(value, what)
