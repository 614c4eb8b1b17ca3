"""rest_key / frame_key (xtb/drift/keys.py) over every venue's documented paths and real frames: one
name per endpoint or channel, whatever the symbol, id or account of the request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from xtb.drift.keys import channel_name, frame_key, rest_key

TESTS = Path(__file__).resolve().parents[1]
LISTEN_KEY = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"
VENUES = ("aster", "backpack", "grvt", "hyperliquid", "lighter")


def spec(venue: str) -> dict[str, Any]:
    return json.loads((TESTS / venue / "fixtures" / "spec_endpoints.json").read_text())


@pytest.mark.parametrize("venue", [v for v in VENUES if v != "hyperliquid"])  # its two paths: below
def test_every_documented_path_keeps_its_name_and_drops_the_query(venue: str) -> None:
    routes = [r for r in spec(venue).get("rest", []) if "path" in r and "method" in r]
    assert routes, f"{venue}: no documented REST route in the fixture"
    for route in routes:
        method, path = route["method"], route["path"]
        expected = f"{method} {path}"
        assert rest_key(method, path) == expected
        assert rest_key(method.lower(), f"https://testnet.example.com{path}?symbol=BTC&orderId=118464817") == expected
        for old in route.get("v1") or []:
            assert rest_key(method, old) == f"{method} {old}"


@pytest.mark.parametrize(
    ("method", "path", "body", "key"),
    [
        ("GET", "/api/v1/order?symbol=SOL_USDC_PERP&orderId=1184", None, "GET /api/v1/order"),
        ("DELETE", "https://fapi.asterdex.com/fapi/v1/order?orderId=1", None, "DELETE /fapi/v1/order"),
        ("POST", "/info", {"type": "meta"}, "POST /info type=meta"),
        ("POST", "/info", json.dumps({"type": "orderStatus", "user": "0x" + "ab" * 20}), "POST /info type=orderStatus"),
        ("POST", "/exchange", {"action": {"type": "order", "orders": []}, "nonce": 1}, "POST /exchange action=order"),
        ("POST", "/api/v1/sendTx", "tx_type=14&tx_info=%7B%7D", "POST /api/v1/sendTx tx_type=14"),
        ("POST", "/api/v1/sendTx", {"tx_type": 15, "tx_info": "{}"}, "POST /api/v1/sendTx tx_type=15"),
        ("POST", "/full/v1/create_order", {"order": {"sub_account_id": "24138471"}}, "POST /full/v1/create_order"),
        ("GET", "/api/v1/account?by=index&value=281474976710654", None, "GET /api/v1/account"),
        ("GET", "/orders/6f1c2a9e-1d2b-4c3d-8e4f-0a1b2c3d4e5f/fills", None, "GET /orders/{}/fills"),
        ("GET", "/accounts/0x" + "ab" * 20 + "/orders/118464817", None, "GET /accounts/{}/orders/{}"),
        ("PUT", "/fapi/v1/listenKey/" + LISTEN_KEY, None, "PUT /fapi/v1/listenKey/{}"),
        ("GET", "/x/{id}/<symbol>/:market", None, "GET /x/{}/{}/{}"),
    ],
)
def test_rest_keys(method: str, path: str, body: Any, key: str) -> None:
    assert rest_key(method, path, body) == key


def test_every_hyperliquid_info_type_and_action_has_its_own_key() -> None:
    data = spec("hyperliquid")
    for info in data["info"]:
        body = {"type": info["type"], "user": "0x" + "12" * 20, **info.get("params", {})}
        assert rest_key("POST", "/info", body) == f"POST /info type={info['type']}"
    for action in data["actions"]:
        body = {"action": {"type": action["type"]}, "nonce": 1733000000000, "signature": {"r": "0x1"}}
        assert rest_key("POST", "/exchange", body) == f"POST /exchange action={action['type']}"


@pytest.mark.parametrize(
    ("frame", "key"),
    [
        # Aster: combined streams carry the event in data.e; the user stream sends it bare
        ({"stream": "btcusdt@depth5@100ms", "data": {"e": "depthUpdate", "s": "BTCUSDT"}}, "depthUpdate"),
        ({"e": "ORDER_TRADE_UPDATE", "o": {"s": "BTCUSDT"}}, "ORDER_TRADE_UPDATE"),
        ({"stream": "ethusdt@bookTicker"}, "{}@bookTicker"),
        ({"stream": "!markPrice@arr"}, "!markPrice@arr"),
        ([{"e": "markPriceUpdate", "s": "BTCUSDT"}], "markPriceUpdate[]"),
        ({"result": None, "id": 1}, None),
        # Backpack
        ({"stream": "account.orderUpdate.SOL_USDC_PERP", "data": {"e": "orderFill"}}, "orderFill"),
        ({"stream": "depth.200ms.SOL_USDC_PERP"}, "depth.200ms.{}"),
        # GRVT: the selector names the instrument, the stream does not
        ({"stream": "v1.book.s", "selector": "BTC_USDT_Perp@500-10", "feed": {}}, "v1.book.s"),
        ({"jsonrpc": "2.0", "method": "subscribe", "result": {}, "id": 3}, "subscribe"),
        # Hyperliquid
        ({"channel": "l2Book", "data": {"coin": "BTC"}}, "l2Book"),
        ({"channel": "orderUpdates", "data": []}, "orderUpdates"),
        # Lighter: the type names the event; a channel carries the market or account
        ({"type": "update/order_book", "channel": "order_book:0"}, "update/order_book"),
        ({"channel": "account_all_orders:281474976710654"}, "account_all_orders:{}"),
        ({"type": "connected", "session_id": "c3d6e7f8"}, "connected"),
        ({"nothing": "here"}, None),
        ("pong", None),
    ],
)
def test_frame_keys(frame: Any, key: str | None) -> None:
    assert frame_key(frame) == key


def test_backpack_streams_fold_the_symbol_like_the_documented_template() -> None:
    for stream in spec("backpack")["streams"]:
        template = stream["stream"].replace("{interval}", "1m")
        real = template.replace("{symbol}", "SOL_USDC_PERP").replace("{ticker}", "AAPL")
        assert channel_name(real) == channel_name(template), stream["stream"]
        assert "SOL_USDC" not in channel_name(real)


def test_lighter_channels_fold_markets_and_accounts_like_the_documented_template() -> None:
    for stream in spec("lighter")["streams"]:
        template = stream["channel"].replace("{res}", "1m")
        real = template.replace("{m}", "0").replace("{a}", "281474976710654")
        assert channel_name(real) == channel_name(template), stream["channel"]
        assert "281474976710654" not in channel_name(real)


def test_aster_streams_fold_the_symbol() -> None:
    for stream in spec("aster")["streams"]:
        real = stream["stream"].replace("<symbol>", "btcusdt").replace("<levels>", "5")
        real = real.replace("[@<speed>ms]", "@100ms").replace("<interval>", "1m")
        assert "btcusdt" not in channel_name(real), stream["stream"]


@pytest.mark.parametrize("venue", ["grvt", "hyperliquid"])
def test_streams_without_a_symbol_keep_their_name(venue: str) -> None:
    names = [s["stream"] for s in spec("grvt")["streams"]] if venue == "grvt" else []
    names += [c["channel"] for c in spec("hyperliquid")["channels"]] if venue == "hyperliquid" else []
    assert names
    for name in names:
        assert channel_name(name) == name
