"""Hyperliquid payload mapping against the spec's example payloads (fixtures/payloads.json).

Every expected value is the fixture's (copied from the spec) or read off the payload by eye and
written here; none is computed by the code under test.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xtb.connectors.hyperliquid import mapping, statuses
from xtb.errors import VenueProtocolError
from xtb.model import Liquidity, OrderState, Side, Source

PAYLOADS = json.loads((Path(__file__).parent / "fixtures" / "payloads.json").read_text())
CLOID = "0x0000000000000000000000000000abcd"


def payload(name: str) -> Any:
    return json.loads(json.dumps(PAYLOADS[name]["payload"]), parse_float=Decimal)


# ------------------------------------------------------------------------------------------ markets


def test_asset_ids_count_delisted_entries_and_delisted_coins_are_not_markets() -> None:
    markets = mapping.parse_markets(payload("meta"))
    expected = PAYLOADS["meta"]["asset_ids"]
    assert {name: mapping.asset_id(info) for name, info in markets.items()} == expected
    assert "MATIC" not in markets  # delisted: numbered (DYDX is 4), never traded


def test_market_rules_follow_sz_decimals() -> None:
    btc, eth, dydx = (mapping.parse_markets(payload("meta"))[c] for c in ("BTC", "ETH", "DYDX"))
    assert (btc.step_size, btc.min_size, btc.tick_size) == (Decimal("0.00001"), Decimal("0.00001"), Decimal("0.1"))
    assert (eth.step_size, eth.tick_size) == (Decimal("0.0001"), Decimal("0.01"))
    assert (dydx.step_size, dydx.tick_size) == (Decimal("0.1"), Decimal("0.00001"))
    for info in (btc, eth, dydx):
        assert info.min_notional == Decimal(10)
        assert info.significant_figures == 5
    # §3's effective ticks: BTC 1 at 83 767, ETH 0.1 at 3 500, DYDX 0.0001 at 2.11
    assert btc.tick_at(Decimal("83767")) == 1
    assert eth.tick_at(Decimal("3500")) == Decimal("0.1")
    assert dydx.tick_at(Decimal("2.11")) == Decimal("0.0001")


@pytest.mark.parametrize(
    "meta",
    [{}, {"universe": [{"name": "BTC"}]}, {"universe": [{"name": "BTC", "szDecimals": 7}]}, {"universe": "BTC"}],
)
def test_a_meta_that_is_not_the_venue_shape_is_a_protocol_error(meta: Any) -> None:
    with pytest.raises(VenueProtocolError):
        mapping.parse_markets(meta)


# ------------------------------------------------------------------------------------------- books


def test_top_of_book_from_l2book() -> None:
    top = mapping.parse_top_of_book(payload("l2book_btc"), "BTC", 5.0)
    assert (top.bid, top.bid_size, top.ask, top.ask_size) == (
        Decimal("83767"),
        Decimal("6.87634"),
        Decimal("83768"),
        Decimal("0.30543"),
    )
    assert top.source is Source.REST and top.received_at == 5.0 and top.venue_ts == 1790358575.7


def test_one_sided_book_and_key_order() -> None:
    top = mapping.parse_top_of_book(payload("l2book_eth_one_sided"), "ETH", 0.0)
    assert top.bid is None and top.ask == Decimal("3500.6")
    dydx = mapping.parse_top_of_book(payload("l2book_dydx_2023"), "DYDX", 0.0)
    assert dydx.bid == Decimal("2.111") and dydx.ask == Decimal("2.112")


def test_unknown_coin_book_is_null_and_refused() -> None:
    with pytest.raises(VenueProtocolError, match="NOPE"):
        mapping.parse_top_of_book(None, "NOPE", 0.0)


def test_bbo_frame() -> None:
    data = {"coin": "BTC", "time": 1790358575700, "bbo": [{"px": "83767.0", "sz": "6.87634", "n": 45}, None]}
    top, time_ms = mapping.parse_bbo(data, 1.0)
    assert (top.bid, top.ask, time_ms) == (Decimal("83767"), None, 1790358575700)


# ------------------------------------------------------------------------------------------ orders


def test_order_status_open() -> None:
    snap = mapping.parse_order_status(payload("order_status_open"))
    assert snap is not None
    assert (snap.symbol, snap.state, snap.side, snap.size, snap.price, snap.filled) == (
        "ETH",
        OrderState.OPEN,
        Side.BUY,
        Decimal("0.05"),
        Decimal("3500.5"),
        Decimal(0),
    )
    assert (snap.client_id, snap.venue_id, snap.venue_status) == (CLOID, "62100000001", "open")
    assert snap.venue_ts == 1733000000.123


def test_order_status_filled_by_cloid() -> None:
    snap = mapping.parse_order_status(payload("order_status_filled"))
    assert snap is not None and snap.state is OrderState.FILLED and snap.filled == Decimal("0.05")


def test_order_status_bad_alo_is_failed() -> None:
    snap = mapping.parse_order_status(payload("order_status_bad_alo"))
    assert snap is not None and snap.state is OrderState.FAILED and snap.reason == "badAloPxRejected"
    assert snap.client_id == "0xffabb2d185b75ea5ca0a5cd346b21507"


def test_unknown_oid_is_none() -> None:
    assert mapping.parse_order_status(payload("order_status_unknown")) is None


def test_order_updates_frames_map_to_the_lifecycle() -> None:
    section = PAYLOADS["order_updates"]
    for frame, expected in zip(section["frames"], section["expected"], strict=True):
        (entry,) = frame["data"]
        snap = mapping.parse_status_entry(entry, Source.WS)
        assert snap.state.value == expected["state"], entry["status"]
        assert snap.filled == Decimal(expected["filled"])
        assert snap.size == Decimal(expected["size"])
        assert snap.source is Source.WS


def test_every_documented_status_maps_and_an_unknown_one_is_a_protocol_error() -> None:
    (entry,) = PAYLOADS["order_updates"]["frames"][0]["data"]
    for status in sorted(statuses.STATUSES):
        mapping.parse_status_entry({**entry, "status": status}, Source.WS)  # no raise
    for status in ("NOT_A_STATUS", "Open", "", None, 3):
        with pytest.raises(VenueProtocolError):
            mapping.parse_status_entry({**entry, "status": status}, Source.WS)


@pytest.mark.parametrize(
    "change",
    [{"sz": "0.06"}, {"side": "X"}, {"origSz": "0"}, {"oid": -1}, {"sz": 0.05}, {"limitPx": "NaN"}],
)
def test_impossible_order_values_are_protocol_errors(change: dict[str, Any]) -> None:
    (entry,) = PAYLOADS["order_updates"]["frames"][0]["data"]
    with pytest.raises(VenueProtocolError):
        mapping.parse_status_entry({**entry, "order": {**entry["order"], **change}}, Source.WS)


def test_open_orders_are_open_and_filtered_by_coin() -> None:
    rows = [
        {"coin": "ETH", "side": "A", "limitPx": "3600.0", "sz": "0.03", "oid": 7, "timestamp": 1, "origSz": "0.05"},
        {
            "coin": "BTC",
            "side": "B",
            "limitPx": "64000.0",
            "sz": "0.001",
            "oid": 8,
            "timestamp": 1,
            "origSz": "0.001",
            "cloid": "0xAB000000000000000000000000000001",
        },
    ]  # §4.2 openOrders shape (cloid only if set, reduceOnly only if true)
    eth = mapping.parse_open_orders(rows, "ETH")
    assert [(s.venue_id, s.state, s.filled, s.side) for s in eth] == [
        ("7", OrderState.PARTIALLY_FILLED, Decimal("0.02"), Side.SELL)
    ]
    (btc,) = mapping.parse_open_orders(rows, "BTC")
    assert btc.client_id == "0xab000000000000000000000000000001"  # lower-cased: the venue parses bytes
    assert len(mapping.parse_open_orders(rows)) == 2


# ------------------------------------------------------------------------------------------- fills


def test_fills_from_user_fills_frames() -> None:
    snapshot, live_1, live_2 = PAYLOADS["user_fills"]["frames"]
    is_snapshot, user, fills = mapping.parse_user_fills_frame(snapshot["data"])
    assert is_snapshot is True and fills[0].symbol == "xyz:SP500" and fills[0].client_id is None
    is_snapshot, user, (fill,) = mapping.parse_user_fills_frame(live_1["data"])
    assert is_snapshot is False  # a missing isSnapshot means false
    assert user == "0x14791697260e4c9a71f18484c9f997b308e59325"
    assert (fill.trade_id, fill.venue_id, fill.client_id) == ("118906512037719", "62100000001", CLOID)
    assert (fill.symbol, fill.side, fill.price, fill.size) == ("ETH", Side.BUY, Decimal("3500.5"), Decimal("0.02"))
    assert (fill.fee, fill.fee_asset, fill.liquidity) == (Decimal("0.010502"), "USDC", Liquidity.MAKER)
    assert fill.venue_ts == 1733000002.001 and fill.source is Source.WS
    _, _, (second,) = mapping.parse_user_fills_frame(live_2["data"])
    assert second.trade_id == "118906512037720" and second.size == Decimal("0.03")


def test_rest_fill_has_the_same_trade_id_as_the_stream() -> None:
    rows = PAYLOADS["user_fills"]["frames"][1]["data"]["fills"]
    (rest,) = mapping.parse_fills(rows)
    (_, _, (ws,)) = mapping.parse_user_fills_frame(PAYLOADS["user_fills"]["frames"][1]["data"])
    assert rest.trade_id == ws.trade_id == "118906512037719" and rest.source is Source.REST


def test_a_taker_fill_from_user_events() -> None:
    (fill,) = mapping.parse_fills(PAYLOADS["user_fills"]["user_event_fill"]["data"]["fills"])
    assert fill.liquidity is Liquidity.TAKER and fill.fee == 0 and fill.size == Decimal("373")


@pytest.mark.parametrize("change", [{"tid": None}, {"px": "0"}, {"crossed": "yes"}, {"side": "S"}])
def test_bad_fills_are_protocol_errors(change: dict[str, Any]) -> None:
    row = PAYLOADS["user_fills"]["frames"][1]["data"]["fills"][0]
    with pytest.raises(VenueProtocolError):
        mapping.parse_fill({**row, **change})


# ------------------------------------------------------------------------------ positions, balances


def test_positions_signed_size_and_entry() -> None:
    (btc,) = mapping.parse_positions(payload("clearinghouse_cross_long"))
    assert (btc.symbol, btc.size, btc.entry_price, btc.unrealized_pnl) == (
        "BTC",
        Decimal("4.5"),
        Decimal("81285"),
        Decimal("11884.306507"),
    )
    (eth,) = mapping.parse_positions(payload("clearinghouse_isolated_long"))
    assert (eth.size, eth.entry_price) == (Decimal("0.0335"), Decimal("2986.3"))
    (short,) = mapping.parse_positions(payload("cross_short_position_2023"))
    assert short.size == Decimal("-0.00785") and short.side is Side.SELL
    assert mapping.parse_positions(payload("clearinghouse_flat")) == []
    assert mapping.parse_positions(payload("clearinghouse_cross_long"), "ETH") == []


def test_balances_from_margin_summary() -> None:
    (flat,) = mapping.parse_balances(payload("clearinghouse_flat"))
    assert (flat.asset, flat.total, flat.available) == ("USDC", Decimal(1000), Decimal(1000))
    (cross,) = mapping.parse_balances(payload("clearinghouse_cross_long"))
    assert (cross.total, cross.available) == (Decimal("38252.7"), Decimal("486.0"))
    (isolated,) = mapping.parse_balances(payload("clearinghouse_isolated_long"))
    assert (isolated.total, isolated.available) == (Decimal("13109.482328"), Decimal("13104.514502"))


def test_user_role() -> None:
    assert mapping.user_role({"role": "user"}) == ("user", None)
    agent = PAYLOADS["user_role"]["agent"]
    assert mapping.user_role({**agent, "data": {"user": "0xABC"}}) == ("agent", "0xabc")
    with pytest.raises(VenueProtocolError):
        mapping.user_role({"role": "agent"})
