"""What Aster's error answers mean (spec §6.1, §7), as a table the base's classifier reads.

Aster answers `{"code": <negative>, "msg": ...}`, also with HTTP 200 at times: every answer with a
negative code is an error, and one the table does not name, whatever its status, is a refusal
(`otherwise`). A 503 (`-1006` / `-1007`, or an HTML page) means "execution status unknown".
"""

from __future__ import annotations

from xtb.connectors.error_table import ErrorTable
from xtb.errors import AmbiguousOutcome, AuthError, OrderNotFound, PostOnlyWouldCross, RateLimited, VenueRejected

VENUE = "aster"


class ListenKeyGone(VenueRejected):
    """`-1125`: the venue no longer knows the listen key (expired, or never issued); a new one is
    asked for on the next connection."""


TABLE = ErrorTable(
    VENUE,
    codes={
        -1003: RateLimited,  # too many requests (429), or the IP banned for a while (418)
        -1006: AmbiguousOutcome,  # unexpected response: execution status unknown
        -1007: AmbiguousOutcome,  # timeout waiting for the matching engine: status unknown
        -1021: AuthError,  # V1 timestamp outside recvWindow / ahead; V3 future nonce (UNCONFIRMED)
        -1022: AuthError,  # invalid signature
        -2014: AuthError,  # V1 API key format invalid
        -2015: AuthError,  # V1 API key, IP or permissions rejected
        -5050: AuthError,  # the main wallet never deposited (reported)
        -2011: OrderNotFound,  # cancel rejected: unknown order
        -2013: OrderNotFound,  # order does not exist
        -2019: VenueRejected,  # "Margin is insufficient.": the order was not placed; a retry would not help
        -1125: ListenKeyGone,
    },
    # -1000 is the catch-all; its "Signature check failed" (reported) is a credentials refusal
    phrases={"signature": AuthError},
    statuses={429: RateLimited, 418: RateLimited},
    otherwise=VenueRejected,  # an error body with HTTP 200
)

POST_ONLY = TABLE.but(
    codes={
        -2021: PostOnlyWouldCross,  # "Order would immediately trigger." (reported as the live GTX refusal)
        -5022: PostOnlyWouldCross,  # "... the Post Only order will be rejected." (Binance's current code)
    }
)
"""A post-only order's answers: its would-trigger codes mean it would have taken liquidity (the same
codes on another order, a stop, are plain refusals)."""
