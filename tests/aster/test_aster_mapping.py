"""Aster payloads → runtime values, against the spec's example payloads (fixtures), and the error
classification of §6.1 / §7."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.aster.conftest import PAYLOADS
from xtb.connectors.aster import mapping
from xtb.connectors.aster.error_codes import POST_ONLY, TABLE, ListenKeyGone
from xtb.connectors.aster.rest import read_answer
from xtb.connectors.parsing import UnreadableAnswer
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    OrderNotFound,
    PostOnlyWouldCross,
    RateLimited,
    VenueProtocolError,
    VenueRejected,
)
from xtb.model import Liquidity, OrderState, Side, Source

D = Decimal


def test_market_from_the_live_btcusdt_entry() -> None:
    market = mapping.parse_market(PAYLOADS["exchange_info_btcusdt"])
    assert (market.symbol, market.tick_size, market.step_size, market.min_size, market.min_notional) == (
        "BTCUSDT",
        D("0.1"),
        D("0.001"),
        D("0.001"),
        D("5"),
    )
    assert (market.price_decimals, market.size_decimals, market.base_asset, market.quote_asset) == (1, 3, "BTC", "USDT")


def test_tick_wins_over_price_precision() -> None:
    """ETHUSDT: pricePrecision 2 but tick "0.10" — a price must sit on the tick, not the precision."""
    eth = copy.deepcopy(PAYLOADS["exchange_info_btcusdt"])
    eth.update(symbol="ETHUSDT", pricePrecision=2)
    eth["filters"][0]["tickSize"] = "0.10"
    market = mapping.parse_market(eth)
    assert market.tick_size == D("0.1") and market.price_decimals == 1
    assert market.order_problem(D("0.01"), D("3000.15")) is not None
    assert market.order_problem(D("0.01"), D("3000.10")) is None


def test_only_trading_perpetuals_are_markets() -> None:
    btc = PAYLOADS["exchange_info_btcusdt"]
    settling = {**btc, "symbol": "OLDUSDT", "status": "SETTLING"}
    pending = {**btc, "symbol": "NEWUSDT", "status": "PENDING_TRADING", "contractType": ""}
    assert list(mapping.parse_markets({"symbols": [btc, settling, pending]})) == ["BTCUSDT"]


def test_order_response() -> None:
    snap = mapping.parse_order(PAYLOADS["order_response"])
    assert (snap.state, snap.venue_id, snap.client_id, snap.side, snap.size) == (
        OrderState.OPEN,
        "17338441758",
        "727Wt3TIUgkUCxXp20E543",
        Side.BUY,
        D("0.010"),
    )
    assert snap.price is None and snap.avg_fill_price is None and snap.filled == 0  # a market order's "0"
    assert snap.venue_ts == 1776800300.7


def test_order_trade_update_new() -> None:
    snap, fill = mapping.parse_order_update(PAYLOADS["order_trade_update"])
    assert fill is None and snap is not None
    assert (snap.state, snap.source, snap.client_id, snap.venue_id, snap.price, snap.size) == (
        OrderState.OPEN,
        Source.WS,
        "abc",
        "123",
        D("50000.0"),
        D("0.010"),
    )


def trade_update(**changes: object) -> dict:
    event = copy.deepcopy(PAYLOADS["order_trade_update"])
    event["o"].update(
        {
            "x": "TRADE",
            "X": "PARTIALLY_FILLED",
            "l": "0.004",
            "z": "0.004",
            "L": "50000.0",
            "ap": "50000.0",
            "t": 77,
            "m": True,
            "n": "0.02",
            "N": "USDT",
        }
    )
    event["o"].update(changes)
    return event


def test_order_trade_update_trade_gives_the_fill_and_the_state() -> None:
    snap, fill = mapping.parse_order_update(trade_update())
    assert snap is not None and fill is not None
    assert (snap.state, snap.filled, snap.avg_fill_price) == (OrderState.PARTIALLY_FILLED, D("0.004"), D("50000"))
    assert (fill.trade_id, fill.size, fill.price, fill.fee, fill.fee_asset, fill.liquidity) == (
        "77",
        D("0.004"),
        D("50000.0"),
        D("0.02"),
        "USDT",
        Liquidity.MAKER,
    )


# The docs' own example row (asterdex/api-docs, V3 futures "Account Trade List"); spec §4.3 lists its keys.
USER_TRADE = {
    "buyer": False,
    "commission": "-0.07819010",
    "commissionAsset": "USDT",
    "id": 698759,
    "maker": False,
    "orderId": 25851813,
    "price": "7819.01",
    "qty": "0.002",
    "quoteQty": "15.63802",
    "realizedPnl": "-0.91539999",
    "side": "SELL",
    "positionSide": "SHORT",
    "symbol": "BTCUSDT",
    "time": 1569514978020,
}


def test_user_trade_row() -> None:
    fill = mapping.parse_user_trade(USER_TRADE, "abc")
    assert (fill.trade_id, fill.venue_id, fill.client_id, fill.symbol, fill.side, fill.source) == (
        "698759",
        "25851813",
        "abc",
        "BTCUSDT",
        Side.SELL,
        Source.REST,
    )
    assert (fill.price, fill.size, fill.fee, fill.fee_asset, fill.liquidity, fill.venue_ts) == (
        D("7819.01"),
        D("0.002"),
        D("-0.07819010"),
        "USDT",
        Liquidity.TAKER,
        1569514978.02,
    )


@pytest.mark.parametrize(("commission", "asset"), [("0.02", "USDT"), ("0", "")])
def test_a_user_trade_row_is_the_stream_fill_it_matches(commission: str, asset: str) -> None:
    """The same execution from the trade list and from x=TRADE is the same fill but for its source:
    `id`=`t`, `orderId`=`i`, `price`=`L`, `qty`=`l`, `commission`=`n`, `maker`=`m`, `time`=`T`; the
    stream names no commission asset (`N`) when it charged none."""
    changes = {"n": commission, "N": asset} if asset else {"n": commission}
    event = trade_update(**changes)
    if not asset:
        del event["o"]["N"], event["o"]["n"]
    o = event["o"]
    row = {
        **USER_TRADE,
        "id": o["t"],
        "orderId": o["i"],
        "price": o["L"],
        "qty": o["l"],
        "commission": commission,
        "maker": o["m"],
        "side": o["S"],
        "symbol": o["s"],
        "time": o["T"],
    }
    _, streamed = mapping.parse_order_update(event)
    assert streamed is not None
    assert mapping.parse_user_trade(row, o["c"]) == replace(streamed, source=Source.REST)


def test_user_trade_ids_are_integers() -> None:
    with pytest.raises(VenueProtocolError, match="trade id"):
        mapping.parse_user_trade({**USER_TRADE, "id": "x1"}, None)
    assert mapping.parse_user_trade({**USER_TRADE, "id": "698759"}, None).trade_id == "698759"


@pytest.mark.parametrize(
    ("status", "filled", "tif", "state"),
    [
        ("NEW", "0", "GTC", OrderState.OPEN),
        ("PARTIALLY_FILLED", "0.004", "GTC", OrderState.PARTIALLY_FILLED),
        ("FILLED", "0.010", "GTC", OrderState.FILLED),
        ("CANCELED", "0", "GTC", OrderState.CANCELLED),
        ("CANCELED", "0.004", "GTX", OrderState.CANCELLED),
        ("REJECTED", "0", "GTC", OrderState.FAILED),
        ("EXPIRED", "0", "IOC", OrderState.CANCELLED),  # IOC / FOK / market ending by their own terms
        ("EXPIRED", "0.004", "GTC", OrderState.CANCELLED),  # e.g. oversize reduce-only: keeps its fill
        ("EXPIRED", "0", "GTX", OrderState.FAILED),  # post-only that would have taken
        ("EXPIRED", "0.004", "GTX", OrderState.CANCELLED),
    ],
)
def test_status_mapping(status: str, filled: str, tif: str, state: OrderState) -> None:
    event = copy.deepcopy(PAYLOADS["order_trade_update"])
    event["o"].update({"X": status, "z": filled, "f": tif, "x": "EXPIRED" if status == "EXPIRED" else "NEW"})
    snap, _ = mapping.parse_order_update(event)
    assert snap is not None and snap.state is state
    rest = {**PAYLOADS["order_response"], "status": status, "executedQty": filled, "timeInForce": tif}
    assert mapping.parse_order(rest).state is state


@pytest.mark.parametrize(("key", "value"), [("X", "PENDING"), ("x", "MODIFIED"), ("f", "GTD")])
def test_unknown_values_are_protocol_errors(key: str, value: str) -> None:
    event = copy.deepcopy(PAYLOADS["order_trade_update"])
    event["o"].update({"X": "EXPIRED", key: value})
    with pytest.raises(VenueProtocolError):
        mapping.parse_order_update(event)


def test_liquidation_orders_carry_no_state_but_their_fills_count() -> None:
    snap, fill = mapping.parse_order_update(trade_update(X="NEW_ADL", c="adl_autoclose"))
    assert snap is None and fill is not None and fill.client_id == "adl_autoclose"


def test_account_update() -> None:
    assert mapping.parse_account_update(PAYLOADS["account_update"]) == []  # a hedge-mode (LONG) row
    one_way = copy.deepcopy(PAYLOADS["account_update"])
    one_way["a"]["P"][0].update(ps="BOTH", pa="-20")
    (position,) = mapping.parse_account_update(one_way)
    assert (position.symbol, position.size, position.entry_price, position.unrealized_pnl, position.source) == (
        "BTCUSDT",
        D("-20"),
        D("6563.665"),
        D("2850.21"),
        Source.WS,
    )


def test_position_risk_sums_rows_per_symbol() -> None:
    rows = [
        {"symbol": "ETHUSDT", "positionAmt": "0.020", "entryPrice": "3000.1", "unRealizedProfit": "0.1"},
        {"symbol": "BTCUSDT", "positionAmt": "0.000", "entryPrice": "0.0", "unRealizedProfit": "0.00000000"},
    ]
    eth, btc = mapping.parse_position_risk(rows)
    assert (eth.size, eth.entry_price, btc.size, btc.entry_price) == (D("0.02"), D("3000.1"), 0, None)


def test_depth_and_the_pu_continuity() -> None:
    bids, asks, last = mapping.parse_depth(PAYLOADS["depth"])
    assert last == 1027024 and bids == ((D("4.00000000"), D("431")),) and asks[0][0] == D("4.000002")
    delta = mapping.parse_depth_delta({"U": 157, "u": 160, "pu": 149, "b": [["1.0", "2"]], "a": []})
    assert (delta.first_id, delta.last_id) == (150, 160)  # continuity is pu == previous u


def test_floats_are_refused() -> None:
    with pytest.raises(VenueProtocolError):
        mapping.dec(0.1, "price")


def classified(status: int, body: object, retry_after: str | None = None, *, post_only: bool = False) -> object:
    raw = body if isinstance(body, str) else json.dumps(body)
    return read_answer("POST /fapi/v3/order", status, raw, retry_after, POST_ONLY if post_only else TABLE)


def test_success_bodies_including_the_string_code() -> None:
    errors = PAYLOADS["errors"]
    assert classified(200, errors["cancel_all_done"]) == {"code": "200", "msg": errors["cancel_all_done"]["msg"]}
    assert classified(200, errors["success"]) == errors["success"]
    assert classified(200, '{"price":"0.10","maintMarginRatio":0.0065}') == {
        "price": "0.10",
        "maintMarginRatio": D("0.0065"),  # a JSON number never passes through float
    }


@pytest.mark.parametrize(
    ("status", "name", "expected"),
    [
        (400, "bad_signature", AuthError),
        (400, "signature_check_failed", AuthError),
        (400, "nonce_expired", VenueRejected),
        (400, "reduce_only", VenueRejected),
        (400, "unknown_order", OrderNotFound),
        (400, "no_such_order", OrderNotFound),
        (400, "either_id", VenueRejected),
        (400, "min_notional_live", VenueRejected),
        (200, "reduce_only", VenueRejected),  # an error body with HTTP 200 is still an error
        (400, "post_only", VenueRejected),  # -2021 on an order that was not post-only (a stop)
    ],
)
def test_error_classification(status: int, name: str, expected: type) -> None:
    with pytest.raises(expected) as caught:
        classified(status, PAYLOADS["errors"][name])
    assert type(caught.value) is expected


@pytest.mark.parametrize("name", ["post_only", "post_only_5022"])
def test_post_only_codes_on_a_post_only_order(name: str) -> None:
    with pytest.raises(PostOnlyWouldCross):
        classified(400, PAYLOADS["errors"][name], post_only=True)


def test_unknown_status_and_rate_limits() -> None:
    with pytest.raises(AmbiguousOutcome):
        classified(503, {"code": -1007, "msg": "execution status unknown"})
    with pytest.raises(AmbiguousOutcome):
        classified(500, "<html><body>We're sorry, but something went wrong.</body></html>")
    with pytest.raises(RateLimited) as limited:
        classified(429, {"code": -1003, "msg": "Too many requests"}, "7")
    assert limited.value.retry_after == 7.0
    with pytest.raises(RateLimited):
        classified(418, {"code": -1003, "msg": "Way too many requests; IP banned"})


def test_a_listen_key_the_venue_forgot_is_its_own_refusal() -> None:
    with pytest.raises(ListenKeyGone) as caught:
        read_answer("PUT /fapi/v3/listenKey", 400, json.dumps(PAYLOADS["errors"]["listen_key"]), None)
    assert isinstance(caught.value, VenueRejected) and caught.value.code == "-1125"


@pytest.mark.parametrize("body", ["", "  ", "null"])
def test_an_empty_success_is_unreadable_and_ambiguous(body: str) -> None:
    with pytest.raises(UnreadableAnswer, match="POST /fapi/v3/order: 200 body is not acceptable JSON"):
        classified(200, body)


def test_a_refusal_carries_the_venues_code_and_words() -> None:
    with pytest.raises(VenueRejected) as caught:
        classified(400, PAYLOADS["errors"]["reduce_only"])
    assert (caught.value.code, caught.value.reason) == ("-2022", "ReduceOnly Order is rejected.")
    assert str(caught.value) == "aster: POST /fapi/v3/order: 400 -2022 ReduceOnly Order is rejected."


@pytest.mark.parametrize("header", ["inf", "-Infinity", "nan", "-7", "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_a_retry_after_that_is_no_wait_leaves_the_back_off_to_the_connector(header: str) -> None:
    with pytest.raises(RateLimited) as limited:
        classified(429, {"code": -1003, "msg": "Too many requests"}, header)
    assert limited.value.retry_after is None  # never an endless wait
