"""No Lighter payload corrupts the runtime's state (issue #16): every parser, fed hostile mutations
of the venue's own examples, answers a value that satisfies the runtime's invariants or a
VenueProtocolError; the impossible orders, trades and positions are pinned; and an account frame
with one bad entry is refused whole, before any of it reaches an order or a position."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.hostile_payloads import Kind, dump, kind_tests
from tests.lighter.conftest import PAYLOADS
from xtb.connectors.books import top_of_levels
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.lighter import LighterConnector, mapping
from xtb.connectors.lighter.streams import apply_account_frame
from xtb.errors import VenueProtocolError
from xtb.model import Source

D = Decimal
ORDER = PAYLOADS["order_partially_filled"]
TRADE = PAYLOADS["trade_maker_bid"]
POSITION = PAYLOADS["position_short"]
OURS, THEIRS = 12345, 1001  # the maker (bid) account and the taker (ask) account of TRADE
BOOK = {"code": 0, "bids": [{"price": "2999.50", "size": "1.2000"}],
        "asks": [{"price": "3000.02", "size": "0.0000"}], **PAYLOADS["book_continuity"]}  # fmt: skip
ORDERS_ANSWER = {
    "code": 0,
    "bids": [{"price": "2999.50", "remaining_base_amount": "0.5000", "order_index": 1},
             {"price": "2999.50", "remaining_base_amount": "0.2500", "order_index": 2}],
    "asks": [{"price": "3000.02", "remaining_base_amount": "1.0000", "order_index": 3}],
}  # fmt: skip
ACCOUNT = {"account_index": OURS, "collateral": "1000.000000", "available_balance": "850.500000", "positions": []}


def _order_frame(text: str) -> Any:
    """An `account_all_orders` text frame as the account socket reads it: decoded with bounds, then
    every order of every market."""
    frame = mapping.frame(text)
    per_market = mapping.obj(frame.get("orders") or {}, "orders")
    orders = [order for entries in per_market.values() for order in mapping.rows(entries, "orders")]
    return [mapping.parse_order(order, "ETH", Source.WS) for order in orders]


KINDS = (
    Kind(
        "market",
        mapping.parse_market,
        (PAYLOADS["order_book_detail_eth"], PAYLOADS["order_book_detail_btc"], PAYLOADS["order_book_detail_pepe"]),
    ),
    Kind(
        "order",
        lambda order: mapping.parse_order(order, "ETH", Source.REST),
        (ORDER, {**ORDER, "status": "filled", "filled_base_amount": "0.0200", "filled_quote_amount": "60.000000"}),
    ),
    Kind(
        "order frame",
        lambda frame: _order_frame(dump(frame)),
        ({"type": "update/account_all_orders", "orders": {"0": [ORDER]}},),
    ),
    Kind("trade (maker side)", lambda trade: mapping.parse_fills(trade, OURS, "ETH", Source.WS), (TRADE,)),
    Kind("trade (taker side)", lambda trade: mapping.parse_fills(trade, THEIRS, "ETH", Source.WS), (TRADE,)),
    Kind("position", lambda position: mapping.parse_position(position, Source.WS), (POSITION,)),
    Kind("balance", mapping.parse_balance, (ACCOUNT,)),
    Kind("book", mapping.parse_book, (BOOK,)),
    Kind("book delta", mapping.book_delta, (BOOK,)),
    Kind("top of book", lambda body: top_of_levels("ETH", *mapping.touch_levels(body), 1.0), (ORDERS_ANSWER,)),
)


test_the_samples_are_valid_payloads, test_a_hostile_payload_is_a_valid_value_or_a_protocol_error = kind_tests(KINDS)


# ------------------------------------------------------------------------- impossible values


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"filled_base_amount": "0.0300", "filled_quote_amount": "90.0"}, "more than its size"),
        ({"initial_base_amount": "-0.0200"}, "initial_base_amount must be positive"),
        ({"initial_base_amount": "0"}, "initial_base_amount must be positive"),
        ({"filled_base_amount": "-0.01"}, "filled_base_amount must not be negative"),
        ({"filled_quote_amount": "0"}, "avg_fill_price must be positive"),
        ({"price": "-3000.00"}, "price must not be negative"),
        ({"initial_base_amount": "1e999"}, "out of range"),
        ({"status": ["open"]}, "unknown order status"),
        ({"status": {"open": True}}, "unknown order status"),
        ({"is_ask": "false"}, "is_ask must be a boolean"),
        ({"order_index": -1}, "order_index is out of range"),
        ({"client_order_index": 2**48}, "client_order_index is out of range"),
        ({"updated_at": "1766387933"}, "timestamp must be an integer"),
        ({"updated_at": 10**400}, "timestamp is out of range"),
    ],
)
def test_impossible_orders_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_order({**ORDER, **changes}, "ETH", Source.WS)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"size": "0"}, "size must be positive"),
        ({"size": "-0.0100"}, "size must be positive"),
        ({"price": "-3000"}, "price must be positive"),
        ({"price": "NaN"}, "not a decimal number"),
        ({"is_maker_ask": None}, "is_maker_ask must be a boolean"),
        ({"maker_fee": "20"}, "fee must be an integer"),
        ({"bid_client_id": [1001]}, "bid_client_id must be an integer"),
        ({"trade_id_str": None, "trade_id": {"id": 1}}, "trade_id must be a string"),
    ],
)
def test_impossible_trades_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_fills({**TRADE, **changes}, OURS, "ETH", Source.WS)


def test_impossible_positions_balances_and_books_are_refused() -> None:
    with pytest.raises(VenueProtocolError, match="sign"):
        mapping.parse_position({**POSITION, "sign": 2}, Source.WS)
    with pytest.raises(VenueProtocolError, match="with sign 0"):
        mapping.parse_position({**POSITION, "sign": 0}, Source.WS)  # 0.05 of nothing
    with pytest.raises(VenueProtocolError, match="position must not be negative"):
        mapping.parse_position({**POSITION, "position": "-0.05"}, Source.WS)
    with pytest.raises(VenueProtocolError, match="unrealized_pnl"):
        mapping.parse_position({**POSITION, "unrealized_pnl": "Infinity"}, Source.WS)
    with pytest.raises(VenueProtocolError, match="collateral"):
        mapping.parse_balance({**ACCOUNT, "collateral": ["1000"]})
    with pytest.raises(VenueProtocolError, match="size must not be negative"):
        mapping.parse_book({**BOOK, "bids": [{"price": "2999.50", "size": "-1"}]})
    with pytest.raises(VenueProtocolError, match="nonce"):
        mapping.parse_book({**BOOK, "nonce": "9182390020"})
    with pytest.raises(VenueProtocolError, match="remaining_base_amount must be positive"):
        mapping.touch_levels({**ORDERS_ANSWER, "asks": [{"price": "3000", "remaining_base_amount": "0"}]})
    with pytest.raises(VenueProtocolError, match="price_decimals is out of range"):
        mapping.parse_market({**PAYLOADS["order_book_detail_eth"], "price_decimals": 10**9})


# --------------------------------------------------------------------------------- stream frames


def _offline() -> tuple[LighterConnector, Callable[[str, dict[str, Any]], None]]:
    """A connector that was never started, and its account frames applied to its sink as the
    account socket applies them."""
    connector = LighterConnector(ConnectorConfig("lighter", "http://127.0.0.1:9", "ws://127.0.0.1:9"))
    market = mapping.parse_market(PAYLOADS["order_book_detail_eth"])
    assert market is not None
    markets = mapping.MarketIds()
    markets.load([market])
    return connector, lambda name, frame: apply_account_frame(connector.sink, markets, OURS, name, frame)


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"type": NaN}', '{"x": -1e400}', "[]", "{"])
def test_a_hostile_frame_is_a_protocol_error(text: str) -> None:
    with pytest.raises(VenueProtocolError, match="stream frame"):
        mapping.frame(text)


def test_an_account_frame_with_one_bad_order_is_refused_whole() -> None:
    connector, on_frame = _offline()
    bad = {**ORDER, "order_index": 7, "filled_base_amount": "0.5"}  # filled above its 0.02
    frame = {"channel": f"account_all_orders:{OURS}", "orders": {"0": [ORDER, bad]}}
    with pytest.raises(VenueProtocolError, match="more than its size"):
        on_frame("account_all_orders", frame)
    assert connector.foreign_orders == {}  # the good order was not applied either
    on_frame("account_all_orders", {**frame, "orders": {"0": [ORDER]}})
    assert set(connector.foreign_orders) == {str(ORDER["order_index"])}


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        ("account_all_orders", {"orders": [ORDER]}),  # a list where markets are keyed
        ("account_all_orders", {"orders": {"0": ORDER}}),  # an order where a list is
        ("account_all_trades", {"trades": {"0": [{**TRADE, "size": "-1"}]}}),
        ("account_all_positions", {"positions": {"0": {**POSITION, "symbol": ["ETH"]}}}),
        ("account_all_positions", {"positions": [POSITION]}),
    ],
)
def test_account_frames_of_the_wrong_shape_are_protocol_errors(name: str, frame: dict[str, Any]) -> None:
    connector, on_frame = _offline()
    with pytest.raises(VenueProtocolError):
        on_frame(name, frame)
    assert connector.foreign_orders == {} and connector.positions_ws == {}
