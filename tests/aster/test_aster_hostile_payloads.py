"""No Aster payload corrupts the runtime's state (issue #16): every parser, fed hostile mutations of
the venue's own examples (decoded as the connector decodes them, JSON numbers as Decimal), answers
a value that satisfies the runtime's invariants or a VenueProtocolError; the issue's account
updates and position risk are pinned; and a hostile frame is refused before the book is touched."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from tests.aster.conftest import PAYLOADS
from tests.hostile_payloads import Kind, dump, kind_tests
from xtb.connectors.aster import mapping
from xtb.connectors.aster.connector import AsterConnector
from xtb.connectors.aster.rest import read_answer
from xtb.connectors.aster.streams import MarketStream, decode
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.parsing import UnreadableAnswer
from xtb.errors import AmbiguousOutcome, VenueProtocolError

D = Decimal
BTC = "BTCUSDT"


def _trade_update(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(PAYLOADS["order_trade_update"])
    event["o"].update({"x": "TRADE", "X": "PARTIALLY_FILLED", "l": "0.004", "z": "0.004", "L": "50000.0",
                       "ap": "50000.0", "t": 77, "m": True, "n": "0.02", "N": "USDT", **changes})  # fmt: skip
    return event


def _one_way(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(PAYLOADS["account_update"])
    event["a"]["P"][0].update({"ps": "BOTH", "pa": "-20", **changes})
    return event


ACCOUNT_UPDATE = _one_way()
POSITION_RISK = [
    {"symbol": "ETHUSDT", "positionAmt": "0.020", "entryPrice": "3000.1", "unRealizedProfit": "0.1"},
    {"symbol": "BTCUSDT", "positionAmt": "0.000", "entryPrice": "0.0", "unRealizedProfit": "0.00000000"},
]
BALANCES = [{"asset": "USDT", "balance": "1000.50000000", "availableBalance": "900.25000000"}]
TICKER = {"symbol": BTC, "bidPrice": "50000.0", "bidQty": "1.500", "askPrice": "50000.1", "askQty": "0.700",
          "time": 1700000000123}  # fmt: skip
WS_TICKER = {"e": "bookTicker", "u": 400900217, "E": 1700000000123, "T": 1700000000120, "s": BTC,
             "b": "50000.0", "B": "1.500", "a": "50000.1", "A": "0.700"}  # fmt: skip
DELTA = {"e": "depthUpdate", "E": 1700000000123, "T": 1700000000120, "s": BTC, "U": 157, "u": 160, "pu": 149,
         "b": [["50000.0", "2.000"]], "a": [["50000.1", "0"]]}  # fmt: skip


def _user_frame(text: str) -> Any:
    """A user-socket text frame as the connector reads it: decoded with bounds (numbers as Decimal)."""
    return mapping.parse_order_update(decode(text))


KINDS = (
    Kind("markets", mapping.parse_markets, ({"symbols": [PAYLOADS["exchange_info_btcusdt"]]},)),
    Kind("market", mapping.parse_market, (PAYLOADS["exchange_info_btcusdt"],)),
    Kind(
        "order",
        mapping.parse_order,
        (PAYLOADS["order_response"], {**PAYLOADS["order_response"], "status": "EXPIRED", "timeInForce": "IOC"}),
    ),
    Kind(
        "order update",
        mapping.parse_order_update,
        (PAYLOADS["order_trade_update"], _trade_update(), _trade_update(X="NEW_ADL")),
    ),
    Kind(
        "order update frame", lambda event: _user_frame(dump(event)), (PAYLOADS["order_trade_update"], _trade_update())
    ),
    Kind("account update", mapping.parse_account_update, (ACCOUNT_UPDATE, PAYLOADS["account_update"])),
    Kind("position risk", mapping.parse_position_risk, (POSITION_RISK,)),
    Kind("balances", mapping.parse_balances, (BALANCES,)),
    Kind("depth", mapping.parse_depth, (PAYLOADS["depth"],)),
    Kind("depth delta", mapping.parse_depth_delta, (DELTA,)),
    Kind("book ticker", lambda ticker: mapping.parse_book_ticker(ticker, 1.0), (TICKER,)),
    Kind("stream book ticker", lambda ticker: mapping.parse_ws_book_ticker(ticker, 1.0), (WS_TICKER,)),
)


test_the_samples_are_valid_payloads, test_a_hostile_payload_is_a_valid_value_or_a_protocol_error = kind_tests(KINDS)


# ------------------------------------------------------------------------- the reproductions


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"pa": "1e999"}, "pa is out of range"),
        ({"pa": D("1E+999")}, "pa is out of range"),  # a JSON number 1e999 read as Decimal
        ({"pa": D("NaN")}, "pa is not finite"),
        ({"pa": "NaN"}, "pa is not a decimal number"),
        ({"pa": ["-20"]}, "pa must be a decimal string"),
        ({"ep": "-6563.665"}, "ep must not be negative"),
        ({"up": "Infinity"}, "up is not a decimal number"),
        ({"ps": ["BOTH"]}, "unknown position side"),
        ({"ps": {"side": "BOTH"}}, "unknown position side"),
        ({"s": 7}, "s must be a string"),
    ],
)
def test_impossible_account_updates_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_account_update(_one_way(**changes))


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ({"e": "ACCOUNT_UPDATE", "a": {"P": {"s": BTC}}}, "positions is not a list"),
        ({"e": "ACCOUNT_UPDATE", "a": ["P"]}, "ACCOUNT_UPDATE data is not an object"),
        ({"e": "ACCOUNT_UPDATE", "a": {"P": [["BTCUSDT"]]}}, "position update is not an object"),
    ],
)
def test_account_updates_of_the_wrong_shape_are_protocol_errors(event: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_account_update(event)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"positionAmt": "NaN"}, "positionAmt is not a decimal number"),
        ({"positionAmt": "1e999"}, "positionAmt is out of range"),
        ({"positionAmt": D("Infinity")}, "positionAmt is not finite"),
        ({"entryPrice": "-3000.1"}, "entryPrice must not be negative"),
        ({"symbol": ["ETHUSDT"]}, "symbol must be a string"),
        ({"unRealizedProfit": 0.1}, "unRealizedProfit must be a decimal string"),
    ],
)
def test_impossible_position_risk_is_refused(row: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_position_risk([{**POSITION_RISK[0], **row}])


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"z": "0.02"}, "more than its size"),
        ({"q": "-0.010"}, "q must be positive"),
        ({"l": "0"}, "l must be positive"),
        ({"L": "-50000"}, "L must be positive"),
        ({"X": ["NEW"]}, "unknown order status"),
        ({"f": ["GTC"]}, "unknown time in force"),
        ({"x": {"TRADE": 1}}, "unknown execution type"),
        ({"ap": "-1"}, "ap must not be negative"),
        ({"T": 1.7e12}, "time"),
    ],
)
def test_impossible_order_updates_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(VenueProtocolError, match=words):
        mapping.parse_order_update(_trade_update(**changes))


def test_markets_books_and_balances_refuse_the_impossible() -> None:
    with pytest.raises(VenueProtocolError, match="availableBalance"):
        mapping.parse_balances([{**BALANCES[0], "availableBalance": "sNaN"}])
    with pytest.raises(VenueProtocolError, match="bidQty must not be negative"):
        mapping.parse_book_ticker({**TICKER, "bidQty": "-1.5"}, 1.0)
    with pytest.raises(VenueProtocolError, match="b size must not be negative"):
        mapping.parse_depth_delta({**DELTA, "b": [["50000.0", "-2"]]})
    with pytest.raises(VenueProtocolError, match="pu"):
        mapping.parse_depth_delta({**DELTA, "pu": [149]})
    info = copy.deepcopy(PAYLOADS["exchange_info_btcusdt"])
    for entry in info["filters"]:
        if entry["filterType"] == "PRICE_FILTER":
            entry["tickSize"] = "-0.1"
    with pytest.raises(VenueProtocolError, match="tickSize must be positive"):
        mapping.parse_market(info)


# ------------------------------------------------------------------------------ answers and frames


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"e": NaN}', '{"e": -Infinity}', "{"])
def test_a_hostile_frame_is_a_protocol_error(text: str) -> None:
    with pytest.raises(VenueProtocolError, match="stream frame"):
        decode(text)


def test_a_number_past_any_range_is_read_exactly_then_refused_by_its_field() -> None:
    frame = decode('{"pa": 1e400}')
    assert frame == {"pa": D("1E+400")}  # never a float (which would be inf)
    with pytest.raises(VenueProtocolError, match="pa is out of range"):
        mapping.parse_account_update(_one_way(pa=frame["pa"]))


def test_a_success_body_that_is_refused_is_unreadable_and_ambiguous() -> None:
    with pytest.raises(UnreadableAnswer, match="nests deeper") as caught:
        read_answer("POST /fapi/v3/order", 200, "[" * 100_000 + "]" * 100_000, None)
    assert isinstance(caught.value, VenueProtocolError) and isinstance(caught.value, AmbiguousOutcome)


async def test_a_hostile_depth_frame_leaves_the_book_as_it_was() -> None:
    connector = AsterConnector(ConnectorConfig("aster", "http://127.0.0.1:9", "ws://127.0.0.1:9", symbols=(BTC,)))
    market = MarketStream(connector.sink, None, None, (BTC,), "100ms")  # type: ignore[arg-type] # never connects
    book = connector.books[BTC]
    book.on_snapshot([(D("49999"), D("1"))], [(D("50001"), D("1"))], 150)
    frame = {"stream": "btcusdt@depth@100ms", "data": {**DELTA, "a": [["50000.1", "1"], ["50000.2", "1e999"]]}}
    with pytest.raises(VenueProtocolError):
        await market.handle(frame)
    assert (book.best_bid(), book.best_ask(), book.last_id) == ((D("49999"), D("1")), (D("50001"), D("1")), 150)
    with pytest.raises(VenueProtocolError):
        await market.handle({"stream": "x", "data": {**WS_TICKER, "s": ["BTCUSDT"]}})
