"""Lighter payloads → runtime values: every status of the spec's enum (unknown → error), the spec's
example shapes, venue integers from the declared decimals, and answers classified by `code`."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.lighter.conftest import PAYLOADS
from xtb.connectors.lighter import mapping
from xtb.connectors.lighter.endpoints import ACTIVE_ORDERS, ORDERS_BY_CLIENT_ID, SEND_TX, Endpoint
from xtb.connectors.lighter.errors import InvalidNonce, TxAuthRejected
from xtb.connectors.lighter.rest import answer
from xtb.connectors.lighter.signer import chain_id_for
from xtb.connectors.parsing import UnreadableAnswer
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    ConnectorError,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
    VenueProtocolError,
    VenueRejected,
)
from xtb.model import Liquidity, OrderState, Side, Source

D = Decimal
S = OrderState
EXPECTED = {  # status → (state with nothing filled, state with a partial fill)
    "in-progress": (S.SUBMITTING, S.SUBMITTING),
    "pending": (S.OPEN, S.OPEN),
    "open": (S.OPEN, S.PARTIALLY_FILLED),
    "filled": (S.FILLED, S.FILLED),
    "canceled": (S.CANCELLED, S.CANCELLED),
    "canceled-expired": (S.CANCELLED, S.CANCELLED),
    "canceled-self-trade": (S.CANCELLED, S.CANCELLED),
    "canceled-oco": (S.CANCELLED, S.CANCELLED),
    "canceled-child": (S.CANCELLED, S.CANCELLED),
    "canceled-liquidation": (S.CANCELLED, S.CANCELLED),
    "canceled-post-only": (S.FAILED, S.CANCELLED),  # spec §6: a refusal when nothing filled
    "canceled-reduce-only": (S.FAILED, S.CANCELLED),
    "canceled-position-not-allowed": (S.FAILED, S.CANCELLED),
    "canceled-margin-not-allowed": (S.FAILED, S.CANCELLED),
    "canceled-invalid-balance": (S.FAILED, S.CANCELLED),
    "canceled-too-much-slippage": (S.FAILED, S.CANCELLED),
    "canceled-not-enough-liquidity": (S.FAILED, S.CANCELLED),
}


def test_every_status_of_the_enum_is_mapped() -> None:
    assert set(EXPECTED) == set(PAYLOADS["statuses"])
    for status, (unfilled, partial) in EXPECTED.items():
        assert mapping.order_state(status, D(0), D(1)) is unfilled, status
        assert mapping.order_state(status, D("0.5"), D(1)) is partial, status


@pytest.mark.parametrize("status", ["OPEN", "cancelled", "canceled-something-new", "", None])
def test_unknown_status_is_an_error_never_open(status: object) -> None:
    with pytest.raises(VenueProtocolError):
        mapping.order_state(status, D(0), D(1))


def test_order_object() -> None:
    snap = mapping.parse_order(PAYLOADS["order_partially_filled"], "ETH", Source.REST)
    assert (snap.state, snap.client_id, snap.venue_id, snap.side) == (
        S.PARTIALLY_FILLED, "1001", "562947905454787", Side.BUY,
    )  # fmt: skip
    assert (snap.size, snap.price, snap.filled, snap.avg_fill_price) == (D("0.02"), D(3000), D("0.01"), D(3000))
    assert snap.venue_ts == 1766387933  # seconds, told from ms and µs by magnitude
    no_client = {**PAYLOADS["order_partially_filled"], "client_order_index": 0, "status": "canceled-reduce-only",
                 "filled_base_amount": "0.0000", "filled_quote_amount": "0.000000"}  # fmt: skip
    snap = mapping.parse_order(no_client, "ETH", Source.WS)
    assert (snap.client_id, snap.state, snap.reason) == (None, S.FAILED, "canceled-reduce-only")
    with pytest.raises(VenueProtocolError):
        mapping.parse_order({**PAYLOADS["order_partially_filled"], "is_ask": 0}, "ETH", Source.WS)


def test_fills_of_our_side_with_fees_per_million() -> None:
    trade = PAYLOADS["trade_maker_bid"]
    (fill,) = mapping.parse_fills(trade, 12345, "ETH", Source.WS)
    assert (fill.side, fill.client_id, fill.venue_id, fill.liquidity) == (
        Side.BUY, "1001", "562947905454787", Liquidity.MAKER,
    )  # fmt: skip
    assert (fill.price, fill.size, fill.fee, fill.trade_id) == (D(3000), D("0.01"), D("0.0006"), "1000000001")
    (taker,) = mapping.parse_fills(trade, 1001, "ETH", Source.WS)
    assert (taker.side, taker.liquidity, taker.fee, taker.client_id) == (Side.SELL, Liquidity.TAKER, D("0.00588"), None)
    assert mapping.parse_fills(trade, 999, "ETH", Source.WS) == []


def test_position_sign_is_applied() -> None:
    position = mapping.parse_position(PAYLOADS["position_short"], Source.REST)
    assert (position.symbol, position.size, position.entry_price) == ("ETH", D("-0.05"), D("3001.50"))
    flat = mapping.parse_position({**PAYLOADS["position_short"], "sign": 0, "position": "0.0000"}, Source.WS)
    assert flat.is_flat


def test_markets_from_declared_decimals() -> None:
    eth = mapping.parse_market(PAYLOADS["order_book_detail_eth"])
    pepe = mapping.parse_market(PAYLOADS["order_book_detail_pepe"])
    assert eth is not None and pepe is not None
    assert (eth.tick_size, eth.step_size, eth.min_size, eth.min_notional, eth.venue_symbol) == (
        D("0.01"), D("0.0001"), D("0.005"), D(10), "0",
    )  # fmt: skip
    assert (pepe.tick_size, pepe.step_size, pepe.price_decimals, pepe.size_decimals) == (D("0.000001"), D(1), 6, 0)
    assert mapping.price_units(D("3000.5"), eth) == 300050  # not "30005" from the string
    assert mapping.size_units(D("0.01"), eth) == 100
    assert mapping.price_units(D("0.000123"), pepe) == 123
    btc = mapping.parse_market(PAYLOADS["order_book_detail_btc"])
    assert btc is not None and mapping.size_units(D("0.0001"), btc) == 10
    with pytest.raises(InvalidOrder):
        mapping.price_units(D("3000.005"), eth)
    with pytest.raises(InvalidOrder):
        mapping.price_units(D("50000000"), eth)  # 5e9 > 2^32 − 1
    assert mapping.parse_market({**PAYLOADS["order_book_detail_eth"], "status": "inactive"}) is None


def test_market_protection_price() -> None:
    eth = mapping.parse_market(PAYLOADS["order_book_detail_eth"])
    assert eth is not None
    assert mapping.protection_price(D("3000.01"), Side.BUY, D("0.05"), eth) == 315002  # rounded up
    assert mapping.protection_price(D("3000.01"), Side.SELL, D("0.05"), eth) == 285000  # rounded down


def test_book_frames_are_contiguous_deltas() -> None:
    book = {"code": 0, "asks": [{"price": "3000.02", "size": "0.0000"}], "bids": [], **PAYLOADS["book_continuity"]}
    delta = mapping.book_delta(book)
    assert (delta.first_id, delta.last_id) == (9182389999, 9182390020)
    assert delta.asks == ((D("3000.02"), D(0)),)
    orders = [("3000.02", "1.0000"), ("3000.02", "0.5000"), ("3000.03", "9.0000")]
    best = mapping.best_from_orders([{"price": p, "remaining_base_amount": s} for p, s in orders], "asks")
    assert best == (D("3000.02"), D("1.5"))


def error_of(status: int, body: object, endpoint: Endpoint = SEND_TX, retry_after: str | None = None) -> Exception:
    """What the REST client raises for one answer (read as it reads a body off the wire)."""
    raw = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    with pytest.raises(ConnectorError) as caught:
        answer(endpoint, status, raw, retry_after)
    return caught.value


def test_answers_are_classified_by_code() -> None:
    def kind(status: int, body: object, endpoint: Endpoint = SEND_TX) -> type:
        return type(error_of(status, body, endpoint))

    assert kind(400, PAYLOADS["invalid_nonce"]) is InvalidNonce
    assert kind(400, PAYLOADS["invalid_nonce_2025"]) is InvalidNonce
    assert kind(429, PAYLOADS["rate_limited"]) is RateLimited
    assert kind(400, PAYLOADS["rate_limited"]) is RateLimited
    assert kind(503, None) is AmbiguousOutcome
    assert kind(400, {"code": 29500, "message": "internal server error"}) is AmbiguousOutcome
    assert kind(400, {"code": 21120, "message": "invalid signature"}) is TxAuthRejected
    assert issubclass(TxAuthRejected, VenueRejected) and issubclass(TxAuthRejected, AuthError)
    assert kind(400, {"code": 21120, "message": "invalid auth: x"}, ACTIVE_ORDERS) is AuthError
    assert kind(400, {"code": 21600, "message": "given order is not an active limit order"}) is OrderNotFound
    assert kind(400, {"code": 21728, "message": "client order index already exists"}) is VenueRejected
    assert kind(404, {"code": 29404, "message": "not found"}, ORDERS_BY_CLIENT_ID) is OrderNotFound
    assert kind(404, {"code": 29404, "message": "not found"}) is VenueRejected  # a transaction is refused


def test_an_error_code_in_a_200_answer_is_an_error() -> None:
    assert type(error_of(200, {"code": 21706, "message": "invalid order base or quote amount"})) is VenueRejected
    assert type(error_of(200, {"code": 21706, "message": "?"}, ACTIVE_ORDERS)) is VenueProtocolError
    assert type(error_of(200, "<html>", ACTIVE_ORDERS)) is UnreadableAnswer
    assert answer(ACTIVE_ORDERS, 200, '{"code": 200, "orders": []}') == {"code": 200, "orders": []}


def test_a_refusal_carries_the_venues_code_and_words_and_a_rate_limit_its_wait() -> None:
    refused = error_of(400, {"code": 21728, "message": "client order index already exists"})
    assert isinstance(refused, VenueRejected)
    assert (refused.code, refused.reason) == ("21728", "client order index already exists")
    assert str(refused) == "lighter: POST /api/v1/sendTx: 400 21728 client order index already exists"
    limited = error_of(429, PAYLOADS["rate_limited"], ACTIVE_ORDERS, retry_after="2")
    assert isinstance(limited, RateLimited) and limited.retry_after == 2.0
    unnamed = error_of(400, "Bad Request", ACTIVE_ORDERS)
    assert isinstance(unnamed, VenueRejected) and (unnamed.code, unnamed.reason) == ("400", "Bad Request")


def test_chain_id_from_configuration_or_host() -> None:
    assert chain_id_for("https://mainnet.zklighter.elliot.ai") == 304
    assert chain_id_for("https://testnet.zklighter.elliot.ai") == 300
    assert chain_id_for("https://api.rh.lighter.xyz") == 466324
    assert chain_id_for("http://127.0.0.1:9000") == 304
    assert chain_id_for("http://127.0.0.1:9000", "300") == 300
