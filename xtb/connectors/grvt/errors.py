"""GRVT's error codes (spec §2.7, §7) in the runtime's terms, read by the base's one classifier.

The venue's `code` decides; the status only for an answer without a known code. An order-level
signature or authorisation refusal (2000-2008, 1012, 1400) means the order was not created: a
refusal, not a fatal session error. 2090 (max open orders) comes as 429, but waiting does not help.
"""

from __future__ import annotations

from xtb.connectors.error_table import ErrorClass, ErrorTable
from xtb.errors import AuthError, OrderNotFound, RateLimited, VenueRejected

SESSION_CODES = (1000, 1001, 1008)  # not authenticated, not authorised, IP not whitelisted
ORDER_AUTH_CODES = (1012, 1400, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008)

CODES: dict[int, ErrorClass] = {
    **dict.fromkeys(SESSION_CODES, AuthError),
    **dict.fromkeys(ORDER_AUTH_CODES, VenueRejected),
    1004: OrderNotFound,
    1006: RateLimited,
    2080: VenueRejected,  # insufficient margin (synchronous; the asynchronous form is REJECTED BELOW_MARGIN)
    2090: VenueRejected,
}

ERRORS = ErrorTable(
    "grvt",
    codes=CODES,
    statuses={401: AuthError, 403: AuthError, 404: OrderNotFound, 429: RateLimited},
)
