"""No Backpack payload corrupts the runtime's state (issue #16): every parser, fed hostile mutations
of the venue's own examples, answers a value that satisfies the runtime's invariants or a
VenueProtocolError; the reproductions of the issue are pinned one by one; and a hostile stream frame
is refused before the local book or an order is touched."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.hostile_payloads import Kind, dump, kind_tests
from xtb.connectors.backpack import mapping, streams
from xtb.connectors.backpack.connector import BackpackConnector
from xtb.connectors.books import Applied
from xtb.connectors.config import ConnectorConfig
from xtb.errors import VenueProtocolError

D = Decimal
P = json.loads((Path(__file__).parent / "fixtures" / "payloads.json").read_text())
SOL = "SOL_USDC_PERP"


def _order_event(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(P["ws_order_accepted"]["data"]), **changes}


FILL_EVENT = _order_event(
    e="orderFill", X="PartiallyFilled", z="5", Z="5.038", t=2888471, l="5", L="1.0076", m=True, n="0.001", N="USDC", c=7
)
EXPIRED_EVENT = _order_event(e="orderExpired", X="Expired", R="PRICE_BAND")
FILLED_ORDER = {
    **P["order_limit_post_only"],
    "status": "Filled",
    "executedQuantity": "20",
    "executedQuoteQuantity": "20.154",
}


def _order_frame(text: str) -> Any:
    """A text frame the way the account socket reads it: decoded with bounds, then its `data`."""
    return mapping.parse_order_update(mapping.field(mapping.frame(text), "data", "stream frame"))


KINDS = (
    Kind("market", mapping.parse_market, (P["market_perp"],)),
    Kind("order", mapping.parse_order, (P["order_limit_post_only"], P["order_history_cancelled"], FILLED_ORDER)),
    Kind(
        "order update",
        mapping.parse_order_update,
        (P["ws_order_accepted"]["data"], P["ws_order_cancelled"]["data"], FILL_EVENT, EXPIRED_EVENT),
    ),
    Kind(
        "order update frame",
        lambda frame: _order_frame(dump(frame)),
        (P["ws_order_accepted"], {"stream": "x", "data": FILL_EVENT}),
    ),
    Kind("history fill", mapping.parse_history_fill, (P["fill_history"], {**P["fill_history"], "clientId": "7"})),
    Kind("position", mapping.parse_position, (P["position"],)),
    Kind("position update", mapping.parse_position_update, (P["ws_position_opened"],)),
    Kind("balances", mapping.parse_balances, (P["capital"],)),
    Kind("depth", mapping.parse_depth, (P["depth"],)),
    Kind("top of book", lambda depth: mapping.top_of_depth(SOL, depth, 1.0), (P["depth"],)),
    Kind(
        "depth delta",
        mapping.parse_depth_delta,
        (P["ws_depth"]["data"], {**P["ws_depth"]["data"], "b": [["98.9", "0"]]}),
    ),
)


test_the_samples_are_valid_payloads, test_a_hostile_payload_is_a_valid_value_or_a_protocol_error = kind_tests(KINDS)


# ------------------------------------------------------------------------- the reproductions


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"z": "25", "Z": "25.19"}, "more than its size"),  # filled > size
        ({"q": "-20"}, "q must be positive"),
        ({"q": "0"}, "q must be positive"),
        ({"q": "1e999"}, "q is out of range"),
        ({"z": "1e999"}, "z is out of range"),
        ({"p": "NaN"}, "p is not a decimal number"),
        ({"p": "-1.0076"}, "p must be positive"),
        ({"z": "-1"}, "z must not be negative"),
        ({"X": ["New"]}, "unknown order status"),
        ({"X": {"status": "New"}}, "unknown order status"),
        ({"S": ["Bid"]}, "unknown side"),
        ({"e": {}}, "unknown order event"),
        ({"i": {"id": 1}}, "i must be a string"),
        ({"s": None}, "s must be a string"),
        ({"q": "9" * 5000}, "q is not a decimal number"),
        ({"E": 10**400}, "timestamp is out of range"),
    ],
)
def test_impossible_order_updates_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words) as caught:
        mapping.parse_order_update(_order_event(**changes))
    assert len(str(caught.value)) < 400  # the value is clipped, never the whole 5,000 digits


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"l": "0"}, "l must be positive"),
        ({"l": "-5"}, "l must be positive"),
        ({"L": "-1.0076"}, "L must be positive"),
        ({"L": "0"}, "L must be positive"),
        ({"m": "yes"}, "m must be a boolean"),
        ({"t": ["1"]}, "t must be a string"),
        ({"n": "Infinity"}, "n is not a decimal number"),
        ({"Z": "0"}, "avg_fill_price must be positive"),  # 5 filled for nothing
    ],
)
def test_impossible_fills_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_order_update({**FILL_EVENT, **changes})


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"b": [["98.9", "-1"]]}, "b size must not be negative"),
        ({"a": [["-98.97", "1"]]}, "a price must be positive"),
        ({"a": [["0", "1"]]}, "a price must be positive"),
        ({"a": [["1e999", "1"]]}, "a price is out of range"),
        ({"a": [[98.97, "1"]]}, "a price must be a decimal string"),
        ({"a": {"98.97": "1"}}, "must be a list"),
        ({"U": "x"}, "U must be an integer"),
        ({"u": [4330360995]}, "u must be an integer"),
    ],
)
def test_impossible_depth_deltas_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_depth_delta({**P["ws_depth"]["data"], **changes})


def test_positions_balances_markets_and_books_refuse_the_impossible() -> None:
    with pytest.raises(VenueProtocolError, match="netQuantity"):
        mapping.parse_position({**P["position"], "netQuantity": "NaN"})
    with pytest.raises(VenueProtocolError, match="entryPrice must not be negative"):
        mapping.parse_position({**P["position"], "entryPrice": "-3826.89"})
    assert mapping.parse_position({**P["position"], "entryPrice": "0"}).entry_price is None  # flat: no entry
    with pytest.raises(VenueProtocolError, match="locked must not be negative"):
        mapping.parse_balances({"USDC": {"available": "120", "locked": "-1", "staked": "0"}})
    with pytest.raises(VenueProtocolError, match="balance is not an object"):
        mapping.parse_balances({"USDC": ["120"]})
    with pytest.raises(VenueProtocolError, match="tickSize must be positive"):
        mapping.parse_market(
            {**P["market_perp"], "filters": {**P["market_perp"]["filters"], "price": {"tickSize": "0"}}}
        )
    with pytest.raises(VenueProtocolError, match="lastUpdateId"):
        mapping.parse_depth({**P["depth"], "lastUpdateId": 1.5})
    top = mapping.top_of_depth(SOL, {**P["depth"], "bids": [["149.99", "0"], ["149.98", "4.10"]]}, 1.0)
    assert (top.bid, top.bid_size) == (D("149.98"), D("4.10"))  # a zero-size level is no level


# ------------------------------------------------------------------------------------ stream frames


def _offline() -> BackpackConnector:
    return BackpackConnector(ConnectorConfig("backpack", "http://127.0.0.1:9", "ws://127.0.0.1:9", symbols=(SOL,)))


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"stream": NaN}', '{"a": 1e999999999}', "[1, 2]", '"text"', "{", "9" * 5000],
    ids=["100000-deep", "NaN", "huge-exponent", "a-list", "a-string", "truncated", "5000-digits"],
)
def test_a_hostile_frame_is_a_protocol_error(text: str) -> None:
    with pytest.raises(VenueProtocolError, match="stream frame"):
        mapping.frame(text)


def test_a_hostile_depth_frame_leaves_the_book_as_it_was() -> None:
    connector = _offline()
    book = connector.books[SOL]
    book.on_snapshot([(D("99"), D("1"))], [(D("101"), D("1"))], 10)
    frame = {"stream": f"depth.{SOL}", "data": {"e": "depth", "s": SOL, "U": 11, "u": 11,
             "b": [["100", "5"]], "a": [["101", "1e999"]]}}  # fmt: skip
    with pytest.raises(VenueProtocolError):
        streams.depth_update(connector.books, frame)
    assert (book.best_bid(), book.best_ask(), book.last_id) == ((D("99"), D("1")), (D("101"), D("1")), 10)
    frame["data"]["a"] = [["101", "2"]]  # the same frame, readable: it moves the book
    assert streams.depth_update(connector.books, frame) == (SOL, Applied.CHANGED)
    assert (book.best_bid(), book.best_ask(), book.last_id) == ((D("100"), D("5")), (D("101"), D("2")), 11)


def test_a_hostile_order_frame_reaches_no_order() -> None:
    connector = _offline()
    frame = {"stream": "account.orderUpdate", "data": _order_event(z="25", Z="25.19")}
    with pytest.raises(VenueProtocolError):
        streams.account_update(connector.sink, frame)
    assert connector.foreign_orders == {}
    streams.account_update(connector.sink, {**frame, "data": _order_event()})  # readable: it arrives
    assert list(connector.foreign_orders) == [P["ws_order_accepted"]["data"]["i"]]
