"""What Hyperliquid's refusals mean, as the table the base's one classifier reads (spec §8, §4.3).

The venue has no error codes: a refusal is text, either a whole-request `{"status":"err","response":
"<text>"}` or a per-order `{"error":"<text>"}` inside `"status":"ok"`, both with HTTP 200. Live
per-order texts end with ` asset=<a>` and older ones do not (hazard 8), and several embed values
(the bbo, an address, a nonce), so the table matches lower-cased message PREFIXES as phrases; a
phrase is the venue's text up to its first variable part.

* `Invalid nonce…` is `InvalidNonce`, a rate-limit kind: a refused action consumed nothing and
  placed nothing (§2.6), so the base may check the client id and send again, which signs a new nonce.
* A bad signature never says so (hazard 2): the venue recovers a stranger and answers "User or API
  Wallet … does not exist." or "Must deposit before performing actions." → AuthError.
* `Order was never placed, already canceled, or filled.` also covers a filled order (§12.15):
  OrderNotFound, which makes the base ask the venue what became of it.
* HTTP 429 (body `null`) and the address budget's `Too many cumulative requests` → RateLimited;
  422 (the body did not deserialise) → a definitive VenueRejected; 5xx → AmbiguousOutcome.
"""

from __future__ import annotations

from xtb.connectors.error_table import ErrorTable
from xtb.errors import AuthError, InvalidOrder, OrderNotFound, PostOnlyWouldCross, RateLimited, VenueRejected

VENUE = "hyperliquid"


class InvalidNonce(RateLimited):
    """The venue refused the action's nonce (duplicate, too low or too high, §2.5): nothing was placed;
    sending it again signs a fresh nonce."""


TABLE = ErrorTable(
    VENUE,
    phrases={
        "post only order would have immediately matched": PostOnlyWouldCross,
        "order was never placed, already canceled, or filled": OrderNotFound,
        "cannot modify canceled or filled order": OrderNotFound,
        "invalid nonce": InvalidNonce,
        "user or api wallet ": AuthError,
        "must deposit before performing actions": AuthError,
        "unable to recover signer": AuthError,
        "too many cumulative requests sent": RateLimited,
        "price must be divisible by tick size": InvalidOrder,
        "order has invalid size": InvalidOrder,
        "order has zero size": InvalidOrder,
        "order must have minimum value of": InvalidOrder,
        "order price cannot be more than 80% away from the reference price": InvalidOrder,
        "invalid tp/sl price": InvalidOrder,
        "insufficient margin to place order": VenueRejected,
        "reduce only order would increase position": VenueRejected,
        "order could not immediately match against any resting orders": VenueRejected,
        "no liquidity available for market order": VenueRejected,
        "signed action over weight limit of": VenueRejected,
        "action already expired": VenueRejected,
    },
    statuses={429: RateLimited, 422: VenueRejected},
    otherwise=VenueRejected,  # any other refusal text in an HTTP 200 answer
)
