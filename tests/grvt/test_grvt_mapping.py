"""The connector's reading of GRVT payloads: the spec's own examples (fixtures/payloads.json), the
§6.3 status table, error classification, and the session cookie."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from typing import Any

import pytest

from tests.grvt.conftest import PAYLOADS
from xtb.connectors.grvt import mapping
from xtb.connectors.grvt.errors import ERRORS
from xtb.connectors.grvt.session import _gravity
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    OrderNotFound,
    RateLimited,
    VenueProtocolError,
    VenueRejected,
)
from xtb.model import Liquidity, OrderState, Side, Source

D = Decimal


def test_instrument_record() -> None:
    info, meta = mapping.parse_instrument(PAYLOADS["instrument"])
    assert (info.symbol, info.tick_size, info.step_size, info.min_size, info.min_notional) == (
        "BTC_USDT_Perp", D("0.1"), D("0.001"), D("0.001"), D("100"),
    )  # fmt: skip
    assert (info.price_decimals, info.size_decimals, info.base_asset, info.quote_asset) == (1, 3, "BTC", "USDT")
    assert (meta.instrument_hash, meta.base_decimals) == ("0x030501", 9)


def test_book_top() -> None:
    top = mapping.top_from_book("BTC_USDT_Perp", PAYLOADS["book"]["result"], 1.0)
    assert (top.bid, top.bid_size, top.ask, top.ask_size) == (D("88107.3"), D("5.322"), D("88107.4"), D("5.273"))
    assert top.venue_ts == pytest.approx(1767292408.4)


def test_create_acknowledgement_is_pending_without_an_id() -> None:
    snap = mapping.parse_order(PAYLOADS["create_order_ack"]["result"], Source.REST)
    assert snap.state is OrderState.SUBMITTING and snap.venue_id is None  # "0x00" is a placeholder
    assert (snap.client_id, snap.side, snap.size, snap.price, snap.filled) == (
        "1766076671", Side.BUY, D("0.001"), D("50000.0"), 0,
    )  # fmt: skip
    assert (snap.venue_status, snap.reason, snap.avg_fill_price) == ("PENDING", "", None)


def test_the_create_request_example_reads_as_an_order() -> None:
    order = dict(PAYLOADS["create_order_request"]["order"])
    order["state"] = {"status": "OPEN", "traded_size": ["0.0"], "avg_fill_price": ["0.0"], "update_time": "1"}
    snap = mapping.parse_order(order, Source.WS)
    assert (snap.state, snap.client_id, snap.size, snap.price) == (
        OrderState.OPEN, "9223372036854775809", D("0.01"), D("65000.5"),
    )  # fmt: skip


def order(status: str, traded: str = "0", reason: str = "UNSPECIFIED", **extra: Any) -> dict[str, Any]:
    return {
        "order_id": "0x0123456789abcdef0123456789abcdef",
        "is_market": False,
        "legs": [{"instrument": "BTC_USDT_Perp", "size": "0.01", "limit_price": "60000.0", "is_buying_asset": True}],
        "metadata": {"client_order_id": "9223372036854775808"},
        "state": {"status": status, "reject_reason": reason, "book_size": ["0.01"], "traded_size": [traded],
                  "update_time": "1767292408400000000", "avg_fill_price": ["60000.0" if D(traded) else "0.0"]},
        **extra,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "traded", "reason", "state"),
    [
        ("PENDING", "0", "UNSPECIFIED", OrderState.SUBMITTING),
        ("OPEN", "0", "UNSPECIFIED", OrderState.OPEN),
        ("OPEN", "0.004", "UNSPECIFIED", OrderState.PARTIALLY_FILLED),
        ("FILLED", "0.01", "UNSPECIFIED", OrderState.FILLED),
        ("CANCELLED", "0", "CLIENT_CANCEL", OrderState.CANCELLED),
        ("CANCELLED", "0.004", "CLIENT_BULK_CANCEL", OrderState.CANCELLED),
        ("REJECTED", "0.004", "IOC_CANCEL", OrderState.CANCELLED),  # partial fills are kept
        ("REJECTED", "0.004", "SELF_TRADE_PROTECTION", OrderState.CANCELLED),
        ("REJECTED", "0", "IOC_CANCEL", OrderState.CANCELLED),  # ended by its own time in force
        ("REJECTED", "0", "FOK_CANCEL", OrderState.CANCELLED),
        ("REJECTED", "0", "MARKET_CANCEL", OrderState.CANCELLED),
        ("REJECTED", "0", "FAIL_POST_ONLY", OrderState.FAILED),
        ("REJECTED", "0", "FAIL_REDUCE_ONLY", OrderState.FAILED),
        ("REJECTED", "0", "OVERLAPPING_CLIENT_ORDER_ID", OrderState.FAILED),
        ("REJECTED", "0", "A_REASON_FROM_NEXT_YEAR", OrderState.FAILED),  # new reasons are tolerated
    ],
)
def test_status_mapping_of_section_6_3(status: str, traded: str, reason: str, state: OrderState) -> None:
    snap = mapping.parse_order(order(status, traded, reason), Source.WS)
    assert snap.state is state and snap.filled == D(traded)
    assert snap.reason == ("" if reason == "UNSPECIFIED" else reason)
    if D(traded):
        assert snap.avg_fill_price == D("60000")


def test_an_unknown_status_is_an_error_never_open() -> None:
    with pytest.raises(VenueProtocolError, match="unknown order status 'ACTIVE'"):
        mapping.parse_order(order("ACTIVE"), Source.WS)


def test_a_non_numeric_client_order_id_is_an_error() -> None:
    bad = order("OPEN")
    bad["metadata"] = {"client_order_id": "abc"}
    with pytest.raises(VenueProtocolError, match="uint64"):
        mapping.parse_order(bad, Source.WS)


def test_fill_and_position_records() -> None:
    fill = mapping.parse_fill({
        "event_time": "1767292408400000000", "sub_account_id": "8289849667772468", "instrument": "BTC_USDT_Perp",
        "trade_id": "73808524-19", "order_id": "0x0123456789abcdef0123456789abcdef",
        "client_order_id": "9223372036854775808", "signer": "0x…", "venue": "ORDERBOOK", "is_buyer": False,
        "is_taker": True, "size": "0.002", "price": "88107.3", "realized_pnl": "0.0", "mark_price": "88107.0",
        "index_price": "88107.0", "interest_rate": "0.0", "forward_price": "0.0", "fee": "-0.0176", "fee_rate": "-0.01",
        "fee_currency": "USDT", "is_liquidation": False, "is_rpi": False, "broker": "UNSPECIFIED",
    })  # fmt: skip
    assert (fill.trade_id, fill.side, fill.price, fill.size, fill.fee, fill.liquidity) == (
        "73808524-19", Side.SELL, D("88107.3"), D("0.002"), D("-0.0176"), Liquidity.TAKER,
    )  # fmt: skip
    position = mapping.parse_position(
        {"instrument": "BTC_USDT_Perp", "size": "-0.002", "entry_price": "88107.3", "unrealized_pnl": "0.1",
         "event_time": "1767292408400000000"}, Source.REST,
    )  # fmt: skip
    assert (position.size, position.entry_price, position.side) == (D("-0.002"), D("88107.3"), Side.SELL)


def test_balances_read_the_settle_currency_free_margin() -> None:
    summary = {"settle_currency": "USDT", "available_balance": "900.5",
               "spot_balances": [{"currency": "USDT", "balance": "1000.0", "index_price": "1.0"}]}  # fmt: skip
    (balance,) = mapping.parse_balances(summary)
    assert (balance.asset, balance.total, balance.available) == ("USDT", D("1000.0"), D("900.5"))


def test_cancel_ack_as_boolean_or_string() -> None:
    mapping.ack(PAYLOADS["cancel_ack"])
    mapping.ack(PAYLOADS["cancel_ack_docs"])
    with pytest.raises(VenueProtocolError):
        mapping.ack({"result": {"ack": False}})


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, 1000, AuthError),
        (403, 1001, AuthError),
        (403, 2002, VenueRejected),  # an order-level signature refusal: the order is FAILED, not fatal
        (403, 2001, VenueRejected),
        (400, 1012, VenueRejected),
        (429, 1006, RateLimited),
        (429, 2090, VenueRejected),  # max open orders: waiting does not help
        (404, 1004, OrderNotFound),
        (500, 1002, AmbiguousOutcome),
        (503, 1009, AmbiguousOutcome),
        (400, 2062, VenueRejected),
        (400, 2400, VenueRejected),
        (401, None, AuthError),  # no code: the status decides
        (403, None, AuthError),
        (404, None, OrderNotFound),
        (429, None, RateLimited),
        (502, None, AmbiguousOutcome),
    ],
)
def test_error_classification(status: int, code: int | None, kind: type) -> None:
    error = ERRORS.error("POST /full/v1/create_order", status, code, "message", retry_after="2")
    assert type(error) is kind
    if isinstance(error, VenueRejected):
        assert error.code == str(code)
    if isinstance(error, RateLimited):
        assert error.retry_after == 2.0


def test_session_cookie_expiry_is_read_as_utc_whatever_the_local_zone() -> None:
    header = "gravity=abc123token; Expires=Wed, 26 Nov 2026 17:57:09 GMT; Path=/; HttpOnly; Secure"
    before = os.environ.get("TZ")
    try:
        for zone in ("America/Los_Angeles", "Asia/Tokyo"):
            os.environ["TZ"] = zone
            time.tzset()
            assert _gravity([header]) == ("abc123token", 1795715829.0)
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
    token, expires = _gravity(["gravity=tok; Max-Age=60; Path=/"])
    assert token == "tok" and expires is not None and 55 < expires - time.time() <= 60
    assert _gravity(["other=1; Path=/"]) == (None, None)
