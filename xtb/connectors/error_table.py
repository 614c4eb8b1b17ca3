"""A venue's error answers as a table, read by one classifier (CCXT's exact/broad tables are the model).

A venue module no longer writes a `classify` function: it lists what its codes and messages mean,
and `ErrorTable.error` turns a non-success answer into the runtime's error. The reading order is
the same for every venue:

1. the venue's word first: an exact `code`, else an exact `message` (a trailing "." ignored), else
   the first `phrase` found in the lower-cased message;
2. a 5xx answer may have been applied (a gateway timing out after the matching engine acted), so
   it is an `AmbiguousOutcome` whatever its code says — unless the code says rate limit or
   credentials, which no retry or query can change;
3. an answer no table entry names: by its HTTP status (`statuses`, 429 by default), else any other
   4xx is a definitive `VenueRejected`, a 5xx ambiguous, and anything else `otherwise`.

A request kind that reads the same answers differently (a transaction, a post-only order) is a
variant of the table (`ErrorTable.but`), not a branch in the venue's code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    ConnectorError,
    RateLimited,
    VenueRejected,
)

ErrorClass = type[ConnectorError]
DEFAULT_STATUSES: Mapping[int, ErrorClass] = {429: RateLimited}


def retry_after_seconds(header: str | None) -> float | None:
    """A Retry-After header in seconds (the delta-seconds form); None when absent, negative, infinite
    or not a number (an HTTP date or garbage: the connector's own back-off applies)."""
    try:
        seconds = float(header) if header is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < math.inf else None


@dataclass(frozen=True)
class ErrorTable:
    venue: str
    codes: Mapping[Any, ErrorClass] = field(default_factory=dict)  # exact `code` (int or str, as sent)
    messages: Mapping[str, ErrorClass] = field(default_factory=dict)  # exact message, "." stripped
    phrases: Mapping[str, ErrorClass] = field(default_factory=dict)  # lower-case substrings of the message
    statuses: Mapping[int, ErrorClass] = field(default_factory=lambda: dict(DEFAULT_STATUSES))
    otherwise: ErrorClass = ConnectorError  # neither a table entry, nor a 4xx or 5xx

    def but(self, **changes: Mapping[Any, ErrorClass] | ErrorClass) -> ErrorTable:
        """A variant: the mappings given are merged over this table's, `otherwise` replaced."""
        merged: dict[str, Any] = {}
        for name, value in changes.items():
            current = getattr(self, name)
            merged[name] = {**current, **value} if isinstance(current, Mapping) else value  # type: ignore[dict-item]
        return replace(self, **merged)

    def named(self, code: Any, message: str) -> ErrorClass | None:
        """What the venue's own words mean (step 1), or None when the table does not name them."""
        if code is not None and code in self.codes:
            return self.codes[code]
        text = message.strip()
        exact = self.messages.get(text.rstrip("."))
        if exact is not None:
            return exact
        lowered = text.lower()
        for phrase, cls in self.phrases.items():
            if phrase in lowered:
                return cls
        return None

    def error(
        self, request: str, status: int, code: Any, message: str, retry_after: str | None = None
    ) -> ConnectorError:
        """The runtime's error for one non-success answer to `request` ("POST /api/v1/order")."""
        shown = "" if code is None else str(code)
        where = " ".join(part for part in (f"{request}: {status}", shown, message.strip()) if part)
        cls = self.named(code, message)
        if status >= 500 and (cls is None or not _survives_5xx(cls)):
            cls = AmbiguousOutcome
        if cls is None:
            cls = self.statuses.get(status)
        if cls is None:
            cls = VenueRejected if 400 <= status < 500 else self.otherwise
        return build(cls, where, self.venue, shown or str(status), message.strip(), retry_after)


def _survives_5xx(cls: ErrorClass) -> bool:
    """A rate limit or a credentials refusal means the same in a 5xx answer; a refusal does not."""
    return issubclass(cls, RateLimited) or (issubclass(cls, AuthError) and not issubclass(cls, VenueRejected))


def build(cls: ErrorClass, where: str, venue: str, code: str, reason: str, retry_after: str | None) -> ConnectorError:
    """An instance of `cls` with what its kind carries: a refusal its code and reason, a rate limit
    its wait."""
    if issubclass(cls, VenueRejected):
        return cls(where, venue=venue, code=code, reason=reason or where)  # type: ignore[call-arg]
    if issubclass(cls, RateLimited):
        return cls(where, venue=venue, retry_after=retry_after_seconds(retry_after))  # type: ignore[call-arg]
    return cls(where, venue=venue)
