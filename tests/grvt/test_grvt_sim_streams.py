"""The GRVT simulator's WebSocket protocols (spec §5): JSON-RPC on `/ws/full` and `/ws/lite`, the
legacy `/ws` frames, selectors echoed verbatim with per-subscription sequence numbers, the book
snapshot then deltas, private streams behind the session, and REST routes called over the socket."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.grvt.conftest import BTC, PAYLOADS, Client, FixedClock, fe, receive, receive_until, rpc
from xtb.sim.server import SimHandle


def md(sim: SimHandle, path: str = "/ws/full") -> str:
    return sim.urls["ws_market_data"].removesuffix("/ws/full") + path


def td(sim: SimHandle, path: str = "/ws/full") -> str:
    return sim.urls["ws_trades"].removesuffix("/ws/full") + path


def is_data(frame: Any) -> bool:
    return "feed" in frame or "f" in frame


async def test_book_delta_subscription_snapshot_then_contiguous_deltas(sim: SimHandle, http: Any) -> None:
    async with http.ws_connect(md(sim)) as ws:
        reply = await rpc(ws, "subscribe", PAYLOADS["subscribe_request"]["params"], 123)
        assert set(reply) == set(PAYLOADS["subscribe_reply"]) and reply["method"] == "subscribe"
        assert reply["result"] == {"stream": "v1.book.d", "subs": ["BTC_USDT_Perp@500"], "unsubs": [],
                                   "num_snapshots": [1], "first_sequence_number": ["1"],
                                   "latest_sequence_number": ["0"]}  # fmt: skip
        snapshot = await receive(ws)
        assert (snapshot["stream"], snapshot["selector"], snapshot["sequence_number"]) == (
            "v1.book.d",
            "BTC_USDT_Perp@500",
            "0",
        )
        assert snapshot["prev_sequence_number"] == "0" and len(snapshot["feed"]["bids"]) == 5  # the whole book
        reply = await rpc(ws, "subscribe", {"stream": "v1.book.d", "selectors": [f"{BTC}@50"]}, 124)
        assert reply["result"]["unsubs"] == ["BTC_USDT_Perp@500"]  # same primary: the rate is replaced
        assert (await receive(ws))["sequence_number"] == "0"  # a new subscription starts with a snapshot
        sim.control.move_touch(BTC, 3)
        delta = await receive(ws)
        assert (delta["sequence_number"], delta["prev_sequence_number"]) == ("1", "0")
        sizes = {lv["price"]: lv["size"] for lv in delta["feed"]["bids"] + delta["feed"]["asks"]}
        assert "0.0" in sizes.values()  # removed levels carry size "0"
        sim.control.move_touch(BTC, -1)
        assert (await receive(ws))["sequence_number"] == "2"


async def test_resubscribing_a_primary_replaces_its_secondary(sim: SimHandle, http: Any) -> None:
    async with http.ws_connect(md(sim)) as ws:
        await rpc(ws, "subscribe", {"stream": "v1.book.s", "selectors": [f"{BTC}@500-10"]}, 1)
        reply = await rpc(ws, "subscribe", {"stream": "v1.book.s", "selectors": [f"{BTC}@1000-50"]}, 2)
        assert reply["result"]["subs"] == [f"{BTC}@1000-50"] and reply["result"]["unsubs"] == [f"{BTC}@500-10"]
        frame, _ = await receive_until(ws, is_data)
        assert frame["selector"] == f"{BTC}@1000-50" and frame["sequence_number"] == "0"
        reply = await rpc(ws, "unsubscribe", {"stream": "v1.book.s", "selectors": [f"{BTC}@1000-50"]}, 4)
        assert reply["result"] == {"stream": "v1.book.s", "unsubs": [f"{BTC}@1000-50"]}
        assert reply["method"] == "subscribe"  # as the docs show it (§5.2)
        assert fe(sim).hub.connections[0].channels == set()


@pytest.mark.parametrize(
    ("stream", "selector", "code"),
    [
        ("v1.book.d", "BTC_USDT_Perp", 1101),
        ("v1.book.d", "NOPE_USDT_Perp@500", 3000),
        ("v1.book.d", f"{BTC}@7", 3030),
        ("v1.book.s", f"{BTC}@500", 1103),
        ("v1.book.s", f"{BTC}@500-7", 3031),
        ("v1.trade", f"{BTC}@7", 3011),
        ("v1.candle", f"{BTC}@CI_7_M-TRADE", 3040),
        ("v1.candle", f"{BTC}@CI_1_M-VOLUME", 3041),
    ],
)
async def test_subscribe_errors(sim: SimHandle, http: Any, stream: str, selector: str, code: int) -> None:
    async with http.ws_connect(md(sim)) as ws:
        reply = await rpc(ws, "subscribe", {"stream": stream, "selectors": [selector]}, 9)
        assert set(reply) == set(PAYLOADS["error_frame"]) and reply["error"]["code"] == code


async def test_legacy_socket_echoes_request_id_and_sends_no_feed_key_in_replies(sim: SimHandle, http: Any) -> None:
    async with http.ws_connect(md(sim, "/ws")) as ws:
        await ws.send_json(PAYLOADS["legacy_subscribe"])
        reply = await receive(ws)
        assert set(reply) == set(PAYLOADS["legacy_reply"]) and "feed" not in reply
        assert (reply["request_id"], reply["subs"], reply["first_sequence_number"]) == (1, [f"{BTC}@500"], ["1"])
        frame = await receive(ws)
        assert (
            frame["stream"] == "v1.mini.s" and frame["selector"] == f"{BTC}@500" and "best_bid_price" in frame["feed"]
        )
        await ws.send_json({**PAYLOADS["legacy_subscribe"], "request_id": 2, "feed": ["NOPE@500"]})
        error, _ = await receive_until(ws, lambda f: "code" in f)
        assert set(error) == set(PAYLOADS["legacy_error"]) and error["code"] == 3000
        await ws.send_json({**PAYLOADS["legacy_subscribe"], "request_id": 3, "stream": "v1.trade",
                            "feed": [f"{BTC}@50"], "is_full": False})  # fmt: skip
        reply, _ = await receive_until(ws, lambda f: f.get("ri") == 3)
        assert reply["s1"] == [f"{BTC}@50"]  # is_full false: lite keys


async def test_lite_socket_speaks_short_keys(sim: SimHandle, http: Any) -> None:
    async with http.ws_connect(md(sim, "/ws/lite")) as ws:
        await ws.send_json({"j": "2.0", "m": "subscribe", "p": {"s": "v1.book.s", "s1": [f"{BTC}@500-10"]}, "i": 5})
        reply = await receive(ws)
        assert reply["i"] == 5 and reply["r"]["s1"] == [f"{BTC}@500-10"] and reply["r"]["ns"] == [1]
        frame = await receive(ws)
        assert (frame["s"], frame["s1"], frame["sn"], frame["ps"]) == ("v1.book.s", f"{BTC}@500-10", "0", "0")
        assert {"p", "s", "no"} == set(frame["f"]["b"][0])
        await ws.send_json({"j": "2.0", "m": "v1/instrument", "p": {"i": BTC}, "i": 6})
        reply, _ = await receive_until(ws, lambda f: f.get("i") == 6)
        assert reply["r"]["r"]["ih"] == "0x030501"


async def test_text_ping_is_tolerated(sim: SimHandle, http: Any) -> None:
    async with http.ws_connect(md(sim)) as ws:
        await ws.send_str("ping")
        reply = await rpc(ws, "v1/mini", {"instrument": BTC}, 1)
        assert reply["result"]["result"]["instrument"] == BTC


async def test_private_streams_need_the_session(sim: SimHandle, client: Client, http: Any) -> None:
    async with http.ws_connect(td(sim)) as anonymous:
        reply = await rpc(anonymous, "subscribe", {"stream": "v1.order", "selectors": [client.sub]}, 1)
        assert reply["error"]["code"] == 1000
        reply = await rpc(anonymous, "v1/open_orders", {"sub_account_id": client.sub}, 2)
        assert reply["error"]["code"] == 1000
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(td(sim), headers={**client.headers, "Cookie": "gravity=forged"})
    assert refused.value.status == 401
    other = sim.control.create_account("other", "1000")["credentials"]
    async with http.ws_connect(td(sim), headers=client.headers) as ws:
        reply = await rpc(ws, "subscribe", {"stream": "v1.order", "selectors": [other["sub_account_id"]]}, 1)
        assert reply["error"]["code"] == 1001
        reply = await rpc(ws, "subscribe", {"stream": "v1.order", "selectors": ["notanumber"]}, 2)
        assert reply["error"]["code"] == 3020
        reply = await rpc(ws, "subscribe", {"stream": "v1.book.d", "selectors": [f"{BTC}@500"]}, 3)
        assert "error" in reply  # market data lives on the other host


async def test_order_fill_position_and_state_streams(sim: SimHandle, client: Client, http: Any) -> None:
    top = sim.engine.top_of_book(BTC)
    assert top.bid is not None and top.ask is not None
    async with http.ws_connect(td(sim), headers=client.headers) as ws:
        for rid, stream in enumerate(("v1.order", "v1.state", "v1.fill", "v1.position"), start=1):
            reply = await rpc(ws, "subscribe", {"stream": stream, "selectors": [f"{client.sub}-{BTC}"]}, rid)
            assert reply["result"]["num_snapshots"] == [0]
        body = client.order(str(top.bid + Decimal("0.1")), size="0.02", post_only=True)
        cid = body["order"]["metadata"]["client_order_id"]
        assert (await client.create(body))[0] == 200
        opened = {f["stream"]: f for f in [await receive(ws), await receive(ws)]}
        order = opened["v1.order"]["feed"]
        assert order["state"]["status"] == "OPEN" and order["order_id"] != "0x00"
        assert opened["v1.order"]["sequence_number"] == "1" and opened["v1.order"]["selector"] == f"{client.sub}-{BTC}"
        assert opened["v1.state"]["feed"]["order_state"]["status"] == "OPEN"
        assert opened["v1.state"]["feed"]["client_order_id"] == cid
        sim.control.take(BTC, "buy", "0.5")  # half of our bid, alone at the best price
        frames = {}
        while len(frames) < 4:
            frame = await receive(ws)
            frames[frame["stream"]] = frame
        fill = frames["v1.fill"]["feed"]
        assert (fill["size"], fill["is_taker"], fill["order_id"], fill["client_order_id"]) == (
            "0.01", False, order["order_id"], cid,
        )  # fmt: skip
        assert frames["v1.fill"]["sequence_number"] == "1"
        partial = frames["v1.order"]["feed"]["state"]
        assert (partial["status"], partial["traded_size"], partial["book_size"]) == ("OPEN", ["0.01"], ["0.01"])
        assert frames["v1.position"]["feed"]["size"] == "0.01"
        seen: list[Any] = []  # the simulator cancels at once: the update may come before the reply
        reply = await rpc(ws, "v1/cancel_order", {"sub_account_id": client.sub, "client_order_id": cid}, 10, seen)
        assert reply["result"] == {"result": {"ack": True}} and reply["method"] == "v1/cancel_order"
        if not seen:
            seen.append(await receive(ws))
        cancelled = next(f for f in seen if f["stream"] == "v1.order")
        assert cancelled["feed"]["state"]["status"] == "CANCELLED" and cancelled["sequence_number"] == "3"
    async with http.ws_connect(td(sim), headers=client.headers) as ws:
        reply = await rpc(ws, "subscribe", {"stream": "v1.position", "selectors": [client.sub]}, 1)
        assert reply["result"]["num_snapshots"] == [1]
        snapshot = await receive(ws)
        assert snapshot["sequence_number"] == "0" and snapshot["feed"]["size"] == "0.01"


async def test_post_only_crossing_is_rejected_after_the_ack(sim: SimHandle, client: Client, http: Any) -> None:
    top = sim.engine.top_of_book(BTC)
    assert top.ask is not None
    async with http.ws_connect(td(sim), headers=client.headers) as ws:
        await rpc(ws, "subscribe", {"stream": "v1.order", "selectors": [client.sub]}, 1)
        body = client.order(str(top.ask), post_only=True)
        seen: list[Any] = []
        reply = await rpc(ws, "v1/create_order", body, 2, seen)
        ack = reply["result"]["result"]
        assert (ack["order_id"], ack["state"]["status"]) == ("0x00", "PENDING")
        frame = seen[0] if seen else await receive(ws)
        state = frame["feed"]["state"]
        assert (state["status"], state["reject_reason"], state["traded_size"]) == (
            "REJECTED",
            "FAIL_POST_ONLY",
            ["0.0"],
        )
    assert sim.control.open_orders(sim.frontend.test_account) == []


async def test_ioc_remainder_is_rejected_keeping_its_fills(sim: SimHandle, client: Client, http: Any) -> None:
    top = sim.engine.top_of_book(BTC)
    assert top.ask is not None and top.ask_size is not None
    async with http.ws_connect(td(sim), headers=client.headers) as ws:
        await rpc(ws, "subscribe", {"stream": "v1.order", "selectors": [client.sub]}, 1)
        size = str(top.ask_size + Decimal("0.01"))
        assert (await client.create(client.order(str(top.ask), size=size, tif="IMMEDIATE_OR_CANCEL")))[0] == 200
        frame, _ = await receive_until(ws, is_data)
        state = frame["feed"]["state"]  # one update: PENDING → REJECTED with the fills (no OPEN in between)
        assert (state["status"], state["reject_reason"]) == ("REJECTED", "IOC_CANCEL")
        assert Decimal(state["traded_size"][0]) == top.ask_size


async def test_public_trade_candle_and_ticker_streams(sim: SimHandle, http: Any) -> None:
    async with http.ws_connect(md(sim)) as ws:
        for rid, (stream, selector) in enumerate(
            (("v1.trade", f"{BTC}@50"), ("v1.candle", f"{BTC}@CI_1_M-TRADE"), ("v1.mini.d", f"{BTC}@0"),
             ("v1.ticker.s", f"{BTC}@500")), start=1,
        ):  # fmt: skip
            reply = await rpc(ws, "subscribe", {"stream": stream, "selectors": [selector]}, rid)
            assert reply["result"]["subs"] == [selector]
        sim.control.take(BTC, "sell", "0.5")  # a taker buys half the best ask
        frames: dict[str, Any] = {}
        while not {"v1.trade", "v1.candle", "v1.mini.d"} <= {
            s for s, f in frames.items() if f["sequence_number"] != "0"
        }:
            frame = await receive(ws)
            if frame["sequence_number"] != "0" or frame["stream"] not in frames:
                frames[frame["stream"]] = frame
        trade = frames["v1.trade"]["feed"]
        assert (trade["is_taker_buyer"], trade["size"], trade["venue"]) == (True, "0.25", "ORDERBOOK")
        assert frames["v1.trade"]["sequence_number"] == "1" and "-" in trade["trade_id"]
        candle = frames["v1.candle"]["feed"]
        assert (candle["trades"], candle["volume_b"]) == (1, "0.25") and int(candle["close_time"]) > int(
            candle["open_time"]
        )
        mini = frames["v1.mini.d"]["feed"]
        assert mini["best_ask_size"] == "0.25" and "best_bid_price" not in mini  # changed fields only
        assert "v1.ticker.s" in frames and frames["v1.ticker.s"]["sequence_number"] == "0"


async def test_time_to_live_pre_cancel_and_its_expiry(sim: SimHandle, client: Client, http: Any) -> None:
    async with http.ws_connect(td(sim), headers=client.headers) as ws:
        for rid, stream in enumerate(("v1.cancel", "v1.order"), start=1):
            await rpc(ws, "subscribe", {"stream": stream, "selectors": [client.sub]}, rid)
        body = {"sub_account_id": client.sub, "client_order_id": str(2**63 + 77), "time_to_live_ms": "670"}
        assert (await client.call("cancel_order", body))[1] == {"result": {"ack": True}}
        order = client.order("59000", cid=str(2**63 + 77))
        assert (await client.create(order))[0] == 200
        frame, _ = await receive_until(ws, lambda f: f.get("stream") == "v1.order")
        assert frame["feed"]["state"]["status"] == "CANCELLED"  # never reached the book
        assert sim.control.open_orders(sim.frontend.test_account) == []
        late = {"sub_account_id": client.sub, "client_order_id": str(2**63 + 78), "time_to_live_ms": 100}
        assert (await client.call("cancel_order", late))[0] == 200
        expired, _ = await receive_until(ws, lambda f: f.get("stream") == "v1.cancel")
        assert (expired["feed"]["cancel_status"], expired["feed"]["client_order_id"]) == ("EXPIRED", str(2**63 + 78))
    status, body = await client.call("cancel_order", {**late, "time_to_live_ms": "6000"})
    assert (status, body["code"]) == (400, 2301)


async def test_a_resting_order_ends_when_its_signature_expires(sim: SimHandle, client: Client, http: Any) -> None:
    async with http.ws_connect(td(sim), headers=client.headers) as ws:
        await rpc(ws, "subscribe", {"stream": "v1.order", "selectors": [client.sub]}, 1)
        now_ns = fe(sim).now_ns()
        assert (await client.create(client.order("59000", expiration_ns=now_ns + 10**9)))[0] == 200
        opened, _ = await receive_until(ws, is_data)
        assert opened["feed"]["state"]["status"] == "OPEN"
        fe(sim).auth_clock = FixedClock(now_ns / 1e9 + 2)  # the venue's clock passes the expiration
        ended = await receive(ws)
        assert (ended["feed"]["state"]["status"], ended["feed"]["state"]["reject_reason"]) == ("CANCELLED", "EXPIRED")
