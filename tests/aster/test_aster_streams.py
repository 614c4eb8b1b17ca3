"""Aster's stream parsers on their own: what each frame does to a recording sink, with no socket and
no connector (streams.py holds neither), and the structure that keeps it so."""

from __future__ import annotations

import ast
import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.aster.conftest import PAYLOADS
from xtb.clock import SYSTEM_CLOCK
from xtb.connectors.aster import streams
from xtb.connectors.aster.streams import MarketStream, UserStream
from xtb.connectors.books import BookKeeper
from xtb.errors import ConnectionLost
from xtb.model import Fill, OrderSnapshot, Position, TopOfBook

D = Decimal
BTC = "BTCUSDT"


class RecordingSink:
    """The StreamSink a connector hands its streams, recording what the parser said, in order."""

    venue = "aster"

    def __init__(self) -> None:
        self.clock = SYSTEM_CLOCK
        self.tops: list[TopOfBook] = []
        self.books = BookKeeper("aster", (BTC,), self.tops.append, self.clock, ordered=True)
        self.said: list[Any] = []

    def order(self, snapshot: OrderSnapshot) -> None:
        self.said.append(snapshot)

    def fill(self, fill: Fill) -> None:
        self.said.append(fill)

    def position(self, position: Position) -> None:
        self.said.append(position)

    def recover(self, reason: str) -> None:
        self.said.append(reason)


class DepthSnapshots:
    """The REST client as the market stream uses it: GET depth answers the next snapshot given."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str, Any]] = []

    async def request(self, method: str, name: str, params: Any = None, **kwargs: Any) -> Any:
        self.asked.append((method, name, params))
        return self.answers.pop(0)


def depth(last_id: int, bid: str, ask: str) -> dict[str, Any]:
    return {"lastUpdateId": last_id, "bids": [[bid, "1.000"]], "asks": [[ask, "1.000"]]}


def ticker(update_id: int, bid: str, ask: str) -> dict[str, Any]:
    data = {"e": "bookTicker", "u": update_id, "E": 1, "T": 1, "s": BTC, "b": bid, "B": "2.000", "a": ask, "A": "2.000"}
    return {"stream": "btcusdt@bookTicker", "data": data}


def delta(previous: int, last: int, bids: list[list[str]]) -> dict[str, Any]:
    data = {"e": "depthUpdate", "E": 1, "T": 1, "s": BTC, "U": previous + 1, "u": last, "pu": previous}
    return {"stream": "btcusdt@depth@100ms", "data": {**data, "b": bids, "a": []}}


def market(sink: RecordingSink, rest: DepthSnapshots) -> MarketStream:
    return MarketStream(sink, None, rest, (BTC,), "100ms")  # type: ignore[arg-type] # never connects


def tops(sink: RecordingSink) -> list[tuple[Decimal | None, Decimal | None]]:
    return [(top.bid, top.ask) for top in sink.tops]


async def test_the_book_and_the_ticker_never_step_the_top_back() -> None:
    sink = RecordingSink()
    stream = market(sink, DepthSnapshots(depth(150, "100.0", "101.0")))
    await stream.handle(ticker(151, "100.1", "101.0"))  # before the book is seeded: nothing to order it by
    await sink.books.seed(BTC, stream.snapshot)
    await stream.handle(ticker(149, "99.9", "101.0"))  # older than the snapshot
    await stream.handle(ticker(155, "100.2", "101.0"))
    await stream.handle(delta(150, 152, [["100.1", "3.000"]]))  # the book moves, but is older than the ticker
    await stream.handle(ticker(160, "100.3", "100.9"))
    assert tops(sink) == [(D("100.0"), D("101.0")), (D("100.2"), D("101.0")), (D("100.3"), D("100.9"))]
    assert sink.books[BTC].last_id == 152 and sink.books[BTC].bids[D("100.1")] == D("3")


async def test_a_depth_gap_seeds_the_book_again() -> None:
    sink = RecordingSink()
    rest = DepthSnapshots(depth(150, "100.0", "101.0"), depth(170, "100.5", "101.0"))
    stream = market(sink, rest)
    await sink.books.seed(BTC, stream.snapshot)
    await stream.handle(delta(155, 160, [["100.4", "1.000"]]))  # pu 155: the update ending 151..155 was lost
    assert [asked[1:] for asked in rest.asked] == [("depth", {"symbol": BTC, "limit": 100})] * 2
    book = sink.books[BTC]
    assert (book.last_id, book.gaps, book.best_bid()) == (170, 1, (D("100.5"), D("1")))


async def test_an_order_update_reports_the_fill_before_the_state() -> None:
    sink = RecordingSink()
    event = copy.deepcopy(PAYLOADS["order_trade_update"])
    event["o"].update({"x": "TRADE", "X": "PARTIALLY_FILLED", "l": "0.004", "z": "0.004", "L": "50000.0", "t": 77})
    user = UserStream(sink, None, None, None, 1800)  # type: ignore[arg-type] # never connects
    user.handle(event)
    fill, order = sink.said
    assert isinstance(fill, Fill) and (fill.trade_id, fill.size, fill.price) == ("77", D("0.004"), D("50000"))
    assert isinstance(order, OrderSnapshot) and (order.client_id, order.filled) == ("abc", D("0.004"))


async def test_positions_come_from_account_updates_and_an_expired_key_ends_the_socket() -> None:
    sink = RecordingSink()
    event = copy.deepcopy(PAYLOADS["account_update"])
    event["a"]["P"][0].update({"ps": "BOTH", "pa": "-20"})
    user = UserStream(sink, None, None, None, 1800)  # type: ignore[arg-type] # never connects
    user.handle({"stream": "ignored", "data": event})  # combined framing, as on a SUBSCRIBEd key
    (position,) = sink.said
    assert isinstance(position, Position) and (position.symbol, position.size) == (BTC, D("-20"))
    with pytest.raises(ConnectionLost, match="listen key expired"):
        user.handle({"e": "listenKeyExpired", "E": 1})


def test_the_streams_hold_no_connector() -> None:
    """The old cycle: streams.py imported connector.py and called its protected methods."""
    tree = ast.parse(Path(streams.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"xtb.connectors.aster.connector", "xtb.connectors.base"}
    protected = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
    }
    assert protected == set()
