"""What Backpack's error answers mean (spec §2.6, §7): read by `code` + `message`, never by status
alone, since a credentials refusal comes as 400 or 401 and a parse error as plain text.

Beyond the table, the shared reading order applies (xtb/connectors/error_table.py): 429 is a rate
limit, a 5xx is ambiguous (503 "Unknown error..." may come after the venue applied the order), any
other 4xx a definitive refusal. Backpack sends no Retry-After; one that comes anyway (a proxy, a
future venue change) is honoured.
"""

from __future__ import annotations

from xtb.connectors.error_table import ErrorTable
from xtb.errors import AuthError, OrderNotFound, PostOnlyWouldCross, RateLimited, VenueRejected

ERRORS = ErrorTable(
    "backpack",
    codes={
        "UNAUTHORIZED": AuthError,  # an API key the venue does not know
        "TOO_MANY_REQUESTS": RateLimited,
        "RESOURCE_NOT_FOUND": OrderNotFound,  # an order that is not open (query, cancel)
        "INSUFFICIENT_MARGIN": VenueRejected,  # the order was not placed; a retry would not help
    },
    messages={
        # the FAQ's credentials refusals, all under INVALID_CLIENT_REQUEST
        "Invalid signature": AuthError,
        "Request has expired": AuthError,
        "Invalid X-Signature header": AuthError,
        "Invalid X-Window header": AuthError,
        "Order would immediately match and take": PostOnlyWouldCross,  # INVALID_ORDER
    },
)
