"""One exception tree for the whole runtime.

Callers catch by meaning: `VenueRejected` is a definitive refusal (the order does not exist),
`AmbiguousOutcome` means the request may or may not have been applied and must be settled by a
query, never guessed. Messages never carry secrets (see `xtb.secrets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xtb.secrets import redact

if TYPE_CHECKING:
    from xtb.model import Position


class XtbError(Exception):
    """Base of every error xtb raises on purpose. Its message is passed through `redact()`."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class ConfigError(XtbError):
    """Bad or missing configuration: names the file, key or variable at fault."""


class ConnectorError(XtbError):
    """Something went wrong talking to a venue. `tracker` is the order concerned, when there is one."""

    tracker: Any = None

    def __init__(self, message: str, *, venue: str = "") -> None:
        super().__init__(f"{venue}: {message}" if venue else message)
        self.venue = venue


class AuthError(ConnectorError):
    """The venue refused our credentials or signature. Retrying will not help."""


class ConnectionLost(ConnectorError):
    """A stream or session dropped; the connector reconnects and reconciles."""


class VenueProtocolError(ConnectorError):
    """The venue sent something we do not understand: an unknown status, field or enum value,
    or a malformed payload. Never mapped to a default."""


class VenueRejected(ConnectorError):
    """A definitive refusal: the venue (or a local pre-check) says the request was not applied."""

    def __init__(self, message: str, *, venue: str = "", code: str = "", reason: str = "") -> None:
        super().__init__(message, venue=venue)
        self.code = code
        self.reason = redact(reason or message)


class InvalidOrder(VenueRejected):
    """Refused before sending: the order breaks the market's tick, step, minimum or notional rules."""


class PostOnlyWouldCross(VenueRejected):
    """A post-only order would have taken liquidity and was refused synchronously."""


class OrderNotFound(ConnectorError):
    """The venue does not know this order (never placed, or no longer queryable)."""


class RateLimited(ConnectorError):
    """HTTP 429 or the venue's equivalent. `retry_after` is in seconds when the venue says."""

    def __init__(self, message: str, *, venue: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, venue=venue)
        self.retry_after = retry_after


class AmbiguousOutcome(ConnectorError):
    """The request may have reached the venue (timeout, dropped connection, 5xx). The order keeps its
    in-flight state until a query, a stream update or reconciliation settles it."""


class CancelNotConfirmed(ConnectorError):
    """A cancel was sent but the order was still live when the wait ran out."""


class ExecutionError(XtbError):
    """An execution helper could not do what it was asked."""


class WaitTimeout(ExecutionError, TimeoutError):
    """A wait for an order condition ran out of time."""


class TrackingLimitTimeout(ExecutionError, TimeoutError):
    """The tracking limit order did not fill in time. Carries every attempt made."""

    def __init__(self, message: str, *, attempts: Sequence[Any], filled: Any) -> None:
        super().__init__(message)
        self.attempts = list(attempts)
        self.filled = filled


class FlattenError(ExecutionError):
    """Exposure remains after a flatten: the residue position and open orders are attached."""

    def __init__(self, message: str, *, position: Position | None, open_orders: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.position = position
        self.open_orders = list(open_orders)
