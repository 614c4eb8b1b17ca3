"""No GRVT payload corrupts the runtime's state (issue #16): every parser, fed hostile mutations of
the venue's own examples, answers a value that satisfies the runtime's invariants or a
VenueProtocolError; the impossible orders of the issue are pinned; and a hostile frame is refused
before the local book or an order is touched."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from tests.grvt.conftest import PAYLOADS
from tests.hostile_payloads import Kind, dump, kind_tests
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.grvt import mapping
from xtb.connectors.grvt.connector import GrvtConnector
from xtb.connectors.grvt.rpc import RpcSocket
from xtb.connectors.grvt.streams import GrvtStreams
from xtb.errors import VenueProtocolError
from xtb.model import Source

D = Decimal
BTC = "BTC_USDT_Perp"
ORDER = {
    "order_id": "0x0123456789abcdef0123456789abcdef",
    "is_market": False,
    "legs": [{"instrument": BTC, "size": "0.01", "limit_price": "60000.0", "is_buying_asset": True}],
    "metadata": {"client_order_id": "9223372036854775808"},
    "state": {"status": "OPEN", "reject_reason": "UNSPECIFIED", "book_size": ["0.006"], "traded_size": ["0.004"],
              "update_time": "1767292408400000000", "avg_fill_price": ["60000.0"]},
}  # fmt: skip
FILL = {
    "event_time": "1767292408400000000", "sub_account_id": "8289849667772468", "instrument": BTC,
    "trade_id": "73808524-19", "order_id": "0x0123456789abcdef0123456789abcdef",
    "client_order_id": "9223372036854775808", "is_buyer": False, "is_taker": True, "size": "0.002",
    "price": "88107.3", "fee": "-0.0176", "fee_currency": "USDT",
}  # fmt: skip
POSITION = {"instrument": BTC, "size": "-0.002", "entry_price": "88107.3", "unrealized_pnl": "0.1",
            "event_time": "1767292408400000000"}  # fmt: skip
SUMMARY = {"settle_currency": "USDT", "available_balance": "900.5",
           "spot_balances": [{"currency": "USDT", "balance": "1000.0", "index_price": "1.0"}]}  # fmt: skip


def _private_frame(text: str) -> Any:
    """A `v1.order` text frame as the private socket reads it: decoded with bounds, then its feed."""
    frame = mapping.document(text, "stream frame")
    return mapping.parse_order(mapping.field(frame, "feed", "private frame"), Source.WS)


KINDS = (
    Kind("instrument", mapping.parse_instrument, (PAYLOADS["instrument"],)),
    Kind("instruments answer", mapping.parse_instruments, ({"result": [PAYLOADS["instrument"]]},)),
    Kind(
        "order",
        lambda order: mapping.parse_order(order, Source.WS),
        (ORDER, PAYLOADS["create_order_ack"]["result"], {**ORDER, "is_market": True}),
    ),
    Kind(
        "order frame",
        lambda frame: _private_frame(dump(frame)),
        ({"stream": "v1.order", "sequence_number": "3", "feed": ORDER},),
    ),
    Kind("fill", lambda fill: mapping.parse_fill(fill, Source.WS), (FILL,)),
    Kind("position", lambda position: mapping.parse_position(position, Source.REST), (POSITION,)),
    Kind("balances", mapping.parse_balances, (SUMMARY,)),
    Kind("top of book", lambda book: mapping.top_from_book(BTC, book, 1.0), (PAYLOADS["book"]["result"],)),
    Kind("book feed", mapping.book_levels, (PAYLOADS["book_frame"]["feed"],)),
)


test_the_samples_are_valid_payloads, test_a_hostile_payload_is_a_valid_value_or_a_protocol_error = kind_tests(KINDS)


# ------------------------------------------------------------------------- the reproductions


def _order(leg: dict[str, Any] | None = None, **state: Any) -> dict[str, Any]:
    order = copy.deepcopy(ORDER)
    order["legs"][0].update(leg or {})
    order["state"].update(state)
    return order


@pytest.mark.parametrize(
    ("order", "words"),
    [
        (_order(traded_size=["0.02"]), "more than its size"),
        (_order({"size": "-0.01"}), "size must be positive"),
        (_order({"size": "0"}), "size must be positive"),
        (_order({"size": "1e999"}), "size is out of range"),
        (_order(traded_size=["-0.004"]), "traded_size must not be negative"),
        (_order(avg_fill_price=["-60000"]), "avg_fill_price must not be negative"),
        (_order({"limit_price": "-60000.0"}), "limit_price must not be negative"),
        (_order({"limit_price": "NaN"}), "limit_price is not a decimal number"),
        (_order(status=["OPEN"]), "unknown order status"),
        (_order(status={"OPEN": 1}), "unknown order status"),
        (_order(traded_size={"0": "0.004"}), "traded_size must be a decimal string"),
        (_order({"is_buying_asset": "true"}), "is_buying_asset must be a boolean"),
        (_order(update_time="9" * 5000), "timestamp"),
        (_order(reject_reason=["FAIL_POST_ONLY"]), "reject_reason must be a string"),
        ({**ORDER, "metadata": {"client_order_id": "9" * 5000}}, "uint64"),
        ({**ORDER, "metadata": {"client_order_id": str(2**64)}}, "uint64"),
        ({**ORDER, "metadata": ["x"]}, "metadata is not an object"),
        ({**ORDER, "state": ["OPEN"]}, "order state is not an object"),
        ({**ORDER, "legs": [["x"]]}, "order leg is not an object"),
        ({**ORDER, "is_market": "no"}, "is_market must be a boolean"),
    ],
)
def test_impossible_orders_are_refused(order: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_order(order, Source.WS)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"size": "0"}, "size must be positive"),
        ({"size": "-0.002"}, "size must be positive"),
        ({"price": "-88107.3"}, "price must be positive"),
        ({"price": 88107.3}, "price must be a decimal string"),
        ({"is_buyer": None}, "is_buyer must be a boolean"),
        ({"trade_id": ""}, "trade_id is empty"),
        ({"fee": "Infinity"}, "fee is not a decimal number"),
    ],
)
def test_impossible_fills_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_fill({**FILL, **changes}, Source.WS)


def test_positions_balances_instruments_and_books_refuse_the_impossible() -> None:
    with pytest.raises(VenueProtocolError, match="entry_price must not be negative"):
        mapping.parse_position({**POSITION, "entry_price": "-1"}, Source.REST)
    assert mapping.parse_position({**POSITION, "entry_price": "0.0"}, Source.REST).entry_price is None  # flat
    with pytest.raises(VenueProtocolError, match="size"):
        mapping.parse_position({**POSITION, "size": "1e999"}, Source.REST)
    with pytest.raises(VenueProtocolError, match="spot_balances is not a list"):
        mapping.parse_balances({**SUMMARY, "spot_balances": {"USDT": "1000"}})
    with pytest.raises(VenueProtocolError, match="min_size must be positive"):
        mapping.parse_instrument({**PAYLOADS["instrument"], "min_size": "0"})
    with pytest.raises(VenueProtocolError, match="base_decimals is out of range"):
        mapping.parse_instrument({**PAYLOADS["instrument"], "base_decimals": 10**6})
    with pytest.raises(VenueProtocolError, match="size must not be negative"):
        mapping.book_levels({"bids": [{"price": "88107.3", "size": "-5.3"}], "asks": []})
    with pytest.raises(VenueProtocolError, match="all_instruments result is not a list"):
        mapping.parse_instruments({"result": {"instrument": BTC}})


# --------------------------------------------------------------------------------- stream frames


def _offline() -> tuple[GrvtConnector, GrvtStreams]:
    """A connector never started, and its streams' parser writing to its sink (no socket is opened:
    the frames are handed to the parser directly)."""
    connector = GrvtConnector(ConnectorConfig("grvt", "http://127.0.0.1:9", "ws://127.0.0.1:9", symbols=(BTC,)))
    streams = GrvtStreams(
        connector.sink, None, None, connector.inflight,  # type: ignore[arg-type]
        market_url="", private_url="", sub_account_id="1", book_rate_ms=50,
    )  # fmt: skip
    return connector, streams


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"feed": NaN}', '{"x": 1e400}', "{"])
def test_a_hostile_frame_is_a_protocol_error(text: str) -> None:
    with pytest.raises(VenueProtocolError, match="stream frame"):
        mapping.document(text, "stream frame")


async def test_a_hostile_book_frame_leaves_the_book_as_it_was() -> None:
    connector, streams = _offline()
    sock = RpcSocket(None)  # type: ignore[arg-type]  # no request is sent on this path
    await streams.on_book_frame(sock, {**PAYLOADS["book_frame"], "stream": "v1.book.d", "selector": f"{BTC}@50"})
    book = connector.books[BTC]
    before = (book.best_bid(), book.best_ask(), book.last_id)
    assert book.synced and before[0] is not None
    feed = {"bids": [{"price": "88107.5", "size": "1"}], "asks": [{"price": "88107.4", "size": "-5"}]}
    with pytest.raises(VenueProtocolError):
        await streams.on_book_frame(
            sock, {"stream": "v1.book.d", "selector": f"{BTC}@50", "sequence_number": "1", "feed": feed}
        )
    assert (book.best_bid(), book.best_ask(), book.last_id) == before


def test_a_hostile_order_frame_reaches_no_order() -> None:
    connector, streams = _offline()
    sock = RpcSocket(None)  # type: ignore[arg-type]
    frame = {"stream": "v1.order", "selector": "1", "sequence_number": "1", "feed": _order(traded_size=["0.5"])}
    with pytest.raises(VenueProtocolError, match="more than its size"):
        streams.on_private_frame(sock, frame)
    assert connector.foreign_orders == {}
    with pytest.raises(VenueProtocolError, match="sequence number"):
        streams.on_private_frame(sock, {**frame, "sequence_number": 1.5})
