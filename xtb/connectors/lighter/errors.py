"""Lighter's error answers as tables (spec §7): what each `code` means to the runtime.

Two tables, because a transaction is read differently from a read: a key or signature refusal of a
sendTx refuses the order (`TxAuthRejected`, definitive) where on a read it is a credentials problem;
and a sendTx answer nothing names is a refusal of the transaction, where an odd read answer is the
venue breaking its protocol. HTTP 400 carries most refusals, and a 200 whose body `code` is not
0 / 200 is an error answer too (the REST client reads both).
"""

from __future__ import annotations

from xtb.connectors.error_table import ErrorTable
from xtb.errors import AmbiguousOutcome, AuthError, OrderNotFound, RateLimited, VenueProtocolError, VenueRejected

ACCOUNT_NOT_FOUND = 21100
INVALID_NONCE = 21104
KEY_CODES = (21108, 21109, 21110, 21120, 21136)  # unregistered key, unknown index, bad signature, old signer
NOT_ACTIVE_ORDER = 21600
NOT_ENOUGH_MARGIN = 21739
NOT_FOUND = 29404


class TxAuthRejected(VenueRejected, AuthError):
    """A transaction refused for its key or signature (wrong key, wrong chain id, unregistered key):
    a definitive refusal of the order, and a credentials problem."""


class InvalidNonce(VenueRejected):
    """21104: the nonce was not the one the venue expects (nothing was applied)."""


ERRORS = ErrorTable(
    "lighter",
    codes={
        **dict.fromkeys((23000, 23001, 23002, 23003, 23004), RateLimited),
        **dict.fromkeys((29500, 29501), AmbiguousOutcome),  # internal error, timeout: may have been applied
        INVALID_NONCE: InvalidNonce,
        **dict.fromkeys(KEY_CODES, AuthError),
        NOT_ACTIVE_ORDER: OrderNotFound,
        NOT_FOUND: OrderNotFound,
    },
    phrases={"invalid nonce": InvalidNonce},  # a 2025 report: {"code": 400, "message": "invalid nonce"} (spec §2.6)
    statuses={429: RateLimited, 404: OrderNotFound},
    otherwise=VenueProtocolError,
)
"""Reads (and the answers of every endpoint but sendTx)."""

TX_ERRORS = ERRORS.but(
    codes={**dict.fromkeys(KEY_CODES, TxAuthRejected), NOT_FOUND: VenueRejected, NOT_ENOUGH_MARGIN: VenueRejected},
    statuses={404: VenueRejected},
    otherwise=VenueRejected,
)
"""sendTx: every answer that is not a rate limit, an unknown outcome or a nonce is a refusal."""
