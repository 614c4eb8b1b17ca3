"""Frame handling of the Hyperliquid socket without a socket: a recording sink, the spec's frames
(fixtures/payloads.json §5.1, §5.4), and what each frame must (not) hand over."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xtb.clock import SYSTEM_CLOCK
from xtb.connectors.books import BookKeeper
from xtb.connectors.hyperliquid.streams import HyperliquidStreams, subscription_key
from xtb.errors import VenueProtocolError
from xtb.model import Fill, OrderSnapshot, OrderState, Position, TopOfBook

PAYLOADS = json.loads((Path(__file__).parent / "fixtures" / "payloads.json").read_text())
ACCOUNT = "0x14791697260E4c9A71f18484C9f997B308e59325"


class RecordingSink:
    venue = "hyperliquid"
    clock = SYSTEM_CLOCK

    def __init__(self) -> None:
        self.tops: list[TopOfBook] = []
        self.books = BookKeeper("hyperliquid", ["ETH", "BTC"], self.tops.append, SYSTEM_CLOCK, ordered=True)
        self.orders: list[OrderSnapshot] = []
        self.fills: list[Fill] = []
        self.positions: list[Position] = []
        self.recovered: list[str] = []

    def order(self, snapshot: OrderSnapshot) -> None:
        self.orders.append(snapshot)

    def fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def position(self, position: Position) -> None:
        self.positions.append(position)

    def recover(self, reason: str) -> None:
        self.recovered.append(reason)


async def no_book(coin: str) -> Any:
    raise AssertionError("no REST book expected")


def streams(sink: RecordingSink) -> HyperliquidStreams:
    return HyperliquidStreams(sink, None, "ws://unused/ws", ACCOUNT, ("ETH", "BTC"), no_book, 50)  # type: ignore[arg-type]


def test_subscriptions_use_the_account_address_and_cover_every_symbol() -> None:
    subs = streams(RecordingSink()).subscriptions()
    assert subs[:2] == [
        {"type": "orderUpdates", "user": ACCOUNT.lower()},
        {"type": "userFills", "user": ACCOUNT.lower()},
    ]
    assert subs[2:] == [
        {"type": "l2Book", "coin": "ETH"},
        {"type": "bbo", "coin": "ETH"},
        {"type": "l2Book", "coin": "BTC"},
        {"type": "bbo", "coin": "BTC"},
    ]


def test_a_normalised_ack_matches_what_was_sent() -> None:
    ack = PAYLOADS["subscription_acks"]["l2book"]
    stream = streams(RecordingSink())
    assert stream.on_frame(json.dumps(ack)) == subscription_key({"type": "l2Book", "coin": "BTC"})
    assert stream.on_frame(json.dumps(PAYLOADS["subscription_acks"]["unsubscribe"])) is None
    checksummed = {"type": "userFills", "user": ACCOUNT, "aggregateByTime": False}
    assert subscription_key(checksummed) == subscription_key({"type": "userFills", "user": ACCOUNT.lower()})


def test_order_updates_and_fills_reach_the_sink() -> None:
    sink = RecordingSink()
    stream = streams(sink)
    for frame in PAYLOADS["order_updates"]["frames"]:
        stream.on_frame(json.dumps(frame))
    assert [o.state for o in sink.orders] == [
        OrderState.OPEN,
        OrderState.FILLED,
        OrderState.CANCELLED,
        OrderState.FAILED,
        OrderState.CANCELLED,
    ]
    snapshot, live_1, live_2 = PAYLOADS["user_fills"]["frames"]
    stream.on_frame(json.dumps(snapshot))  # another user's snapshot (the spec's example): not ours
    assert sink.fills == []
    stream.on_frame(json.dumps(live_1))
    stream.on_frame(json.dumps(live_2))
    assert [f.trade_id for f in sink.fills] == ["118906512037719", "118906512037720"]


def test_control_and_unused_channels_are_ignored_and_unknown_ones_refused() -> None:
    sink = RecordingSink()
    stream = streams(sink)
    for frame in (
        PAYLOADS["subscription_acks"]["pong"],
        PAYLOADS["user_fills"]["user_event_fill"],
        {"channel": "post", "data": {"id": 1, "response": {}}},
    ):
        assert stream.on_frame(json.dumps(frame)) is None
    assert sink.orders == [] and sink.fills == []
    with pytest.raises(VenueProtocolError, match="unknown stream channel"):
        stream.on_frame(json.dumps({"channel": "surprise", "data": {}}))
    with pytest.raises(VenueProtocolError, match="refused a subscription"):
        stream.on_frame(json.dumps(PAYLOADS["subscription_acks"]["error"]))
    with pytest.raises(VenueProtocolError):
        stream.on_frame("Websocket connection established.")  # legacy greeting: not a frame we read


def test_a_bad_entry_refuses_the_whole_frame() -> None:
    sink = RecordingSink()
    good, bad = (json.loads(json.dumps(PAYLOADS["order_updates"]["frames"][0]["data"][0])) for _ in range(2))
    bad["status"] = "mystery"
    with pytest.raises(VenueProtocolError):
        streams(sink).on_frame(json.dumps({"channel": "orderUpdates", "data": [good, bad]}))
    assert sink.orders == []  # read whole before any of it is handed over


def test_books_and_bbo_publish_the_top_in_time_order() -> None:
    sink = RecordingSink()
    stream = streams(sink)
    stream.on_frame(json.dumps({"channel": "l2Book", "data": PAYLOADS["l2book_btc"]["payload"]}))
    assert (sink.tops[-1].bid, sink.tops[-1].ask) == (Decimal("83767"), Decimal("83768"))
    newer = {"coin": "BTC", "time": 1790358575800, "bbo": [{"px": "83766.0", "sz": "1", "n": 1}, None]}
    stream.on_frame(json.dumps({"channel": "bbo", "data": newer}))
    assert (sink.tops[-1].bid, sink.tops[-1].ask) == (Decimal("83766"), None)
    stale = {**PAYLOADS["l2book_btc"]["payload"], "time": 1790358575750}
    stream.on_frame(json.dumps({"channel": "l2Book", "data": stale}))
    assert sink.tops[-1].bid == Decimal("83766")  # an older book does not step the top back
    older_bbo = {**newer, "time": 1790358575600, "bbo": [{"px": "83000.0", "sz": "1", "n": 1}, None]}
    stream.on_frame(json.dumps({"channel": "bbo", "data": older_bbo}))
    assert sink.tops[-1].bid == Decimal("83766")
    stream.on_frame(json.dumps({"channel": "l2Book", "data": {**PAYLOADS["l2book_btc"]["payload"], "coin": "SOL"}}))
    assert len(sink.tops) == 2  # a coin we do not stream is left alone
