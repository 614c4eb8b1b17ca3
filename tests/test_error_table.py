"""ErrorTable: a venue's error answers read by one classifier, in one order for every venue."""

from __future__ import annotations

import pytest

from xtb.connectors.error_table import ErrorTable, retry_after_seconds
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    ConnectorError,
    OrderNotFound,
    PostOnlyWouldCross,
    RateLimited,
    VenueProtocolError,
    VenueRejected,
)


class NonceRejected(VenueRejected):
    """A venue's own refusal subclass, as a table value."""


TABLE = ErrorTable(
    "demo",
    codes={-2011: OrderNotFound, -1021: AuthError, 23000: RateLimited, "NONCE": NonceRejected},
    messages={"Order would immediately match and take": PostOnlyWouldCross},
    phrases={"invalid nonce": NonceRejected},
    statuses={429: RateLimited, 404: OrderNotFound},
)


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (400, -2011, "Unknown order sent.", OrderNotFound),  # exact code
        (400, None, "Order would immediately match and take.", PostOnlyWouldCross),  # exact message, "." ignored
        (400, 77, "Invalid Nonce: expected 5", NonceRejected),  # phrase, any case
        (400, "NONCE", "", NonceRejected),  # string codes as sent
        (400, 12345, "something else", VenueRejected),  # an unknown 4xx is a refusal
        (404, None, "", OrderNotFound),  # by status
        (429, None, "slow down", RateLimited),
        (503, None, "Service Unavailable", AmbiguousOutcome),
        (503, -2011, "Unknown order sent.", AmbiguousOutcome),  # a 5xx refusal may have been applied
        (503, -1021, "Timestamp outside recvWindow", AuthError),  # credentials survive a 5xx
        (502, 23000, "too many", RateLimited),  # so does a rate limit
        (200, 99, "odd", ConnectorError),  # neither a table entry, a 4xx nor a 5xx: `otherwise`
    ],
)
def test_reading_order(status: int, code: object, message: str, expected: type) -> None:
    error = TABLE.error("POST /order", status, code, message)
    assert type(error) is expected


def test_a_refusal_carries_its_code_and_reason_and_where_it_happened() -> None:
    error = TABLE.error("POST /api/v1/order", 400, 12345, " Quantity too small ")
    assert isinstance(error, VenueRejected)
    assert (error.code, error.reason) == ("12345", "Quantity too small")
    assert str(error) == "demo: POST /api/v1/order: 400 12345 Quantity too small"
    assert TABLE.error("GET /x", 418, None, "").code == "418"  # no code: the status stands for it


def test_a_rate_limit_carries_the_wait_the_venue_asked_for() -> None:
    limited = TABLE.error("GET /x", 429, None, "", retry_after="2.5")
    assert isinstance(limited, RateLimited) and limited.retry_after == 2.5
    assert TABLE.error("GET /x", 429, None, "", retry_after="Wed, 21 Oct 2015 07:28:00 GMT").retry_after is None


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("0", 0.0), ("-1", None), ("soon", None), (None, None)])
def test_retry_after_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_a_variant_merges_over_the_table_and_leaves_it_alone() -> None:
    tx = TABLE.but(codes={-2011: VenueRejected}, statuses={404: VenueRejected}, otherwise=VenueProtocolError)
    assert type(tx.error("POST /tx", 400, -2011, "")) is VenueRejected
    assert type(tx.error("POST /tx", 404, None, "")) is VenueRejected
    assert type(tx.error("POST /tx", 200, 1, "")) is VenueProtocolError
    assert type(tx.error("POST /tx", 400, -1021, "")) is AuthError  # the rest of the table still applies
    assert type(TABLE.error("POST /tx", 400, -2011, "")) is OrderNotFound  # the original is unchanged
