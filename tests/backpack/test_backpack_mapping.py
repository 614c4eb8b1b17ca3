"""Parsing Backpack payloads: the recorded examples of the venue spec, the status mapping of §6.3, and
the error answers of §2.6 and §7."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from xtb.connectors.backpack import endpoints, mapping
from xtb.connectors.backpack.rest import error_of
from xtb.errors import (
    AmbiguousOutcome,
    AuthError,
    ConnectorError,
    OrderNotFound,
    PostOnlyWouldCross,
    RateLimited,
    VenueProtocolError,
    VenueRejected,
)
from xtb.model import Liquidity, OrderRequest, OrderState, OrderType, Side, Source, TimeInForce

D = Decimal
SOL = "SOL_USDC_PERP"
P = json.loads((Path(__file__).parent / "fixtures" / "payloads.json").read_text())


def test_market_filters_become_market_info() -> None:
    info = mapping.parse_market(P["market_perp"])
    assert (info.symbol, info.tick_size, info.step_size, info.min_size) == (
        "SOL_USDC_PERP",
        D("0.01"),
        D("0.01"),
        D("0.01"),
    )
    assert info.min_notional == 0  # Backpack has no min-notional filter
    assert (info.price_decimals, info.size_decimals) == (2, 2)
    assert (info.base_asset, info.quote_asset) == ("SOL", "USDC")


def test_rest_depth_best_bid_is_the_last_entry() -> None:
    top = mapping.top_of_depth("SOL_USDC", P["depth"], 1.0)
    assert (top.bid, top.bid_size, top.ask, top.ask_size) == (D("149.99"), D("1.20"), D("151.00"), D("2.00"))
    assert mapping.parse_depth(P["depth"])[2] == 4330360994  # lastUpdateId arrives as a string
    assert top.venue_ts == pytest.approx(1788367430.246081)


def test_live_order_object() -> None:
    snap = mapping.parse_order(P["order_limit_post_only"])
    assert snap.state is OrderState.OPEN and snap.venue_status == "New"
    assert (snap.venue_id, snap.client_id, snap.side) == ("59669287267", None, Side.SELL)
    assert (snap.size, snap.price, snap.filled) == (D("20"), D("1.0077"), D(0))
    assert snap.venue_ts == pytest.approx(1788285244.094)


def test_history_order_with_iso_created_at() -> None:
    snap = mapping.parse_order(P["order_history_cancelled"])
    assert snap.state is OrderState.CANCELLED
    assert snap.venue_ts == pytest.approx(1788284044.094)  # 2026-09-01T17:54:04.094 read as UTC


def test_ws_order_accept_and_cancel() -> None:
    accepted, fill = mapping.parse_order_update(P["ws_order_accepted"]["data"])
    assert fill is None
    assert accepted.state is OrderState.OPEN and accepted.source is Source.WS
    assert (accepted.venue_id, accepted.price, accepted.size) == ("59887375336", D("1.0076"), D("20"))
    cancelled, _ = mapping.parse_order_update(P["ws_order_cancelled"]["data"])
    assert cancelled.state is OrderState.CANCELLED


def test_ws_order_fill_carries_the_fill_and_cumulative_quantity() -> None:
    data = copy.deepcopy(P["ws_order_accepted"]["data"])
    data.update(
        {
            "e": "orderFill",
            "X": "PartiallyFilled",
            "z": "5",
            "Z": "5.038",
            "t": 2888471,
            "l": "5",
            "L": "1.0076",
            "m": True,
            "n": "0.001",
            "N": "USDC",
            "c": 7,
        }
    )
    snap, fill = mapping.parse_order_update(data)
    assert snap.state is OrderState.PARTIALLY_FILLED and snap.filled == D("5") and snap.client_id == "7"
    assert fill is not None
    assert (fill.trade_id, fill.size, fill.price, fill.fee, fill.liquidity) == (
        "2888471",
        D("5"),
        D("1.0076"),
        D("0.001"),
        Liquidity.MAKER,
    )


def test_fill_history_row_is_the_fill_the_stream_reports() -> None:
    fill = mapping.parse_history_fill(P["fill_history"])
    assert (fill.trade_id, fill.venue_id, fill.client_id, fill.symbol, fill.side) == (
        "9748827", "4238907375", None, "ETH_USDC_PERP", Side.BUY,
    )  # fmt: skip
    assert (fill.price, fill.size, fill.fee, fill.fee_asset) == (D("3826.15"), D("0.0026"), D("0.004974"), "USDC")
    assert (fill.liquidity, fill.source) == (Liquidity.TAKER, Source.REST)
    assert fill.venue_ts == pytest.approx(1753637940.092)  # 2025-07-27T17:39:00.092 read as UTC
    with_client = mapping.parse_history_fill({**P["fill_history"], "clientId": "42"})  # a string here
    assert with_client.client_id == "42"
    for key, value in (("tradeId", None), ("timestamp", 1753637940092), ("isMaker", "false"), ("side", "Buy")):
        with pytest.raises(VenueProtocolError):
            mapping.parse_history_fill({**P["fill_history"], key: value})


def test_positions_and_balances() -> None:
    pos = mapping.parse_position(P["position"])
    assert (pos.symbol, pos.size, pos.entry_price) == ("ETH_USDC_PERP", D("0.0036"), D("3826.89"))
    ws = mapping.parse_position_update(P["ws_position_opened"])
    assert (ws.size, ws.entry_price, ws.source) == (D("0.0010"), D("4236.36"), Source.WS)
    [usdc] = mapping.parse_balances(P["capital"])
    assert (usdc.asset, usdc.total, usdc.available) == ("USDC", D("120"), D("120"))


def test_ws_depth_delta() -> None:
    delta = mapping.parse_depth_delta(P["ws_depth"]["data"])
    assert (delta.first_id, delta.last_id, delta.asks, delta.bids) == (
        4330360995,
        4330360995,
        ((D("98.97"), D("22.39")),),
        (),
    )


@pytest.mark.parametrize(
    ("status", "executed", "reason", "state"),
    [
        ("New", "0", None, OrderState.OPEN),
        ("TriggerPending", "0", None, OrderState.OPEN),
        ("PartiallyFilled", "1", None, OrderState.PARTIALLY_FILLED),
        ("Filled", "2", None, OrderState.FILLED),
        ("Cancelled", "1", None, OrderState.CANCELLED),
        ("Expired", "0", "ReduceOnlyNotReduced", OrderState.FAILED),
        ("Expired", "0", "REDUCE_ONLY_NOT_REDUCED", OrderState.FAILED),
        ("Expired", "0", "PostOnlyTaker", OrderState.FAILED),
        ("Expired", "0", "PRICE_BAND", OrderState.FAILED),
        ("Expired", "0", "ImmediateOrCancel", OrderState.CANCELLED),
        ("Expired", "0", "FillOrKill", OrderState.CANCELLED),
        ("Expired", "0.5", "ReduceOnlyNotReduced", OrderState.CANCELLED),  # fills are kept
        ("TriggerFailed", "0", None, OrderState.FAILED),
    ],
)
def test_status_mapping(status: str, executed: str, reason: str | None, state: OrderState) -> None:
    assert mapping.order_state(status, D(executed), reason) is state


@pytest.mark.parametrize("status", ["Open", "new", "Rejected", "", None])
def test_unknown_status_is_an_error_never_open(status: str | None) -> None:
    with pytest.raises(VenueProtocolError, match="unknown order status"):
        mapping.order_state(status, D(0))


def test_unknown_expiry_reason_and_event_are_errors() -> None:
    with pytest.raises(VenueProtocolError, match="expiry reason"):
        mapping.order_state("Expired", D(0), "SomethingNew")
    data = dict(P["ws_order_accepted"]["data"], e="orderTeleported")
    with pytest.raises(VenueProtocolError, match="order event"):
        mapping.parse_order_update(data)


@pytest.mark.parametrize(
    ("key", "value"), [("executedQuantity", 1.5), ("executedQuantity", "abc"), ("side", "Buy"), ("clientId", "12x")]
)
def test_malformed_order_payload_names_the_problem(key: str, value: object) -> None:
    payload = dict(P["order_limit_post_only"], **{key: value})
    with pytest.raises(VenueProtocolError):
        mapping.parse_order(payload)


def test_missing_field_is_named() -> None:
    payload = {k: v for k, v in P["order_limit_post_only"].items() if k != "status"}
    with pytest.raises(VenueProtocolError, match="'status'"):
        mapping.parse_order(payload)


def test_client_id_zero_is_kept() -> None:
    assert mapping.client_id(0) == "0"
    assert mapping.client_id("42") == "42"  # fill history sends it as a string


VECTORS = {
    v["name"]: v
    for v in json.loads((Path(__file__).parent / "fixtures" / "signing_vectors.json").read_text())["vectors"]
}


def test_order_bodies_are_the_spec_examples() -> None:
    post_only = OrderRequest(SOL, Side.BUY, D("1.000"), OrderType.LIMIT, "123", D("150.00"), TimeInForce.POST_ONLY)
    assert mapping.order_body(post_only) == VECTORS["4-order-limit-post-only"]["params"]
    close = OrderRequest(SOL, Side.SELL, D("1"), OrderType.MARKET, "0", reduce_only=True)
    assert mapping.order_body(close) == {**VECTORS["9-market-reduce-only"]["params"], "clientId": 0}


@pytest.mark.parametrize(
    ("order_type", "tif", "sent"),
    [
        (OrderType.LIMIT, TimeInForce.GTC, {"timeInForce": "GTC"}),
        (OrderType.LIMIT, TimeInForce.IOC, {"timeInForce": "IOC"}),
        (OrderType.LIMIT, TimeInForce.FOK, {"timeInForce": "FOK"}),
        (OrderType.LIMIT, TimeInForce.POST_ONLY, {"postOnly": True}),  # the venue has no PO time in force
        (OrderType.MARKET, TimeInForce.GTC, {}),
        (OrderType.MARKET, TimeInForce.IOC, {}),
        (OrderType.MARKET, TimeInForce.FOK, {"timeInForce": "FOK"}),
    ],
)
def test_time_in_force_on_the_wire(order_type: OrderType, tif: TimeInForce, sent: dict[str, object]) -> None:
    price = D("150") if order_type is OrderType.LIMIT else None
    body = mapping.order_body(OrderRequest(SOL, Side.BUY, D("1"), order_type, "7", price, tif))
    assert {k: v for k, v in body.items() if k in ("timeInForce", "postOnly")} == sent


# ------------------------------------------------------------------------------- error answers

PLACE = endpoints.PLACE_ORDER


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, '{"code":"UNAUTHORIZED","message":"Unauthorized"}', AuthError),
        (400, '{"code":"INVALID_CLIENT_REQUEST","message":"Invalid signature"}', AuthError),
        (401, '{"code":"INVALID_CLIENT_REQUEST","message":"Request has expired"}', AuthError),
        (400, '{"code":"INVALID_CLIENT_REQUEST","message":"Invalid X-Window header"}', AuthError),
        (503, '{"code":"UNAUTHORIZED","message":"Unauthorized"}', AuthError),  # no retry changes credentials
        (429, '{"code":"TOO_MANY_REQUESTS","message":"Too many requests"}', RateLimited),
        (429, "Too Many Requests", RateLimited),  # a proxy's plain text
        (404, '{"code":"RESOURCE_NOT_FOUND","message":"Not Found"}', OrderNotFound),
        (400, '{"code":"INVALID_ORDER","message":"Order would immediately match and take."}', PostOnlyWouldCross),
        (503, '{"message":"Unknown error, please check your request or try again later."}', AmbiguousOutcome),
        (500, '{"code":"RESOURCE_NOT_FOUND","message":"Not Found"}', AmbiguousOutcome),  # may have been applied
        (400, '{"code":"INSUFFICIENT_MARGIN","message":"Insufficient margin"}', VenueRejected),
        (400, '{"code":"INVALID_ORDER","message":"Market is not open for this order type"}', VenueRejected),
    ],
)
def test_error_answers_are_read_by_code_and_message(status: int, body: str, kind: type[ConnectorError]) -> None:
    error = error_of(PLACE, status, body)
    assert type(error) is kind
    assert str(error).startswith(f"backpack: POST /api/v1/order: {status}")


def test_a_refusal_carries_the_venue_code_and_message() -> None:
    error = error_of(PLACE, 400, '{"code":"INSUFFICIENT_MARGIN","message":"Insufficient margin"}')
    assert isinstance(error, VenueRejected)
    assert (error.code, error.reason) == ("INSUFFICIENT_MARGIN", "Insufficient margin")
    cross = error_of(PLACE, 400, '{"code":"INVALID_ORDER","message":"Order would immediately match and take."}')
    assert isinstance(cross, PostOnlyWouldCross)
    assert (cross.code, cross.reason) == ("INVALID_ORDER", "Order would immediately match and take.")


def test_a_plain_text_parse_error_is_a_refusal_with_its_text() -> None:
    text = 'parse request payload error: failed to parse "MarketSymbol": Invalid market symbol'
    error = error_of(PLACE, 400, text)
    assert isinstance(error, VenueRejected) and not isinstance(error, PostOnlyWouldCross)
    assert (error.code, error.reason) == ("400", text)


def test_rate_limit_honours_a_retry_after_header_when_one_comes() -> None:
    body = '{"code":"TOO_MANY_REQUESTS","message":"Too many requests"}'
    with_header = error_of(PLACE, 429, body, "2")
    without = error_of(PLACE, 429, body)
    assert isinstance(with_header, RateLimited) and with_header.retry_after == 2.0
    assert isinstance(without, RateLimited) and without.retry_after is None
