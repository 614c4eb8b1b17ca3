"""What hyperliquid's error answers mean, as the table the base's one classifier reads.

Fill it from the venue's error documentation (docs/connectors.md section 2.3): exact `codes`, exact
`messages`, lower-case `phrases`. The reading order (the venue's words first, a 5xx ambiguous, any
other 4xx a definitive refusal) is the base's; a request that reads answers differently (a
post-only order) gets a variant, `TABLE.but(codes={...: PostOnlyWouldCross})`, never a branch.
"""

from __future__ import annotations

from xtb.connectors.error_table import ErrorTable
from xtb.errors import RateLimited, VenueRejected

VENUE = "hyperliquid"

TABLE = ErrorTable(
    VENUE,
    codes={},  # the venue's exact codes, e.g. {-2011: OrderNotFound, -1022: AuthError, -1003: RateLimited}
    messages={},  # exact messages (a trailing "." ignored)
    phrases={},  # lower-case substrings of the message, e.g. {"signature": AuthError}
    statuses={429: RateLimited},
    otherwise=VenueRejected,  # an error body with HTTP 200, when the venue sends those
)
