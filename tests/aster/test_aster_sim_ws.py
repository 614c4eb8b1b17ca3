"""The Aster simulator's WebSocket as a client sees it: control frames and error frames, raw and
combined streams under both path forms, diff-depth continuity against the REST snapshot, and the
user-data stream by listen key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.aster.conftest import ETH, Client, receive, receive_until, request_reply, start_aster
from xtb.model import Side
from xtb.sim.server import SimHandle

D = Decimal
ACCOUNT = "test-account"


def ws_url(sim: SimHandle, path: str) -> str:
    return sim.urls["ws"].removesuffix("/fstream") + path


async def test_control_frames_and_error_frames(http: aiohttp.ClientSession, sim: SimHandle) -> None:
    async with http.ws_connect(ws_url(sim, "/ws")) as ws:
        assert await request_reply(ws, {"method": "SUBSCRIBE", "params": ["ethusdt@aggTrade"], "id": 1}) == {
            "result": None,
            "id": 1,
        }
        await ws.send_str('{"method": "SUBSCRIBE", "params": ["ethusdt@bookTicker"]}')  # no id: working clients do
        assert await receive(ws) == {"result": None, "id": None}
        assert await request_reply(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 3}) == {
            "result": ["ethusdt@aggTrade", "ethusdt@bookTicker"],
            "id": 3,
        }
        assert await request_reply(ws, {"method": "GET_PROPERTY", "params": ["combined"], "id": 4}) == {
            "result": False,
            "id": 4,
        }
        assert (await request_reply(ws, {"method": "SET_PROPERTY", "params": ["colour", True], "id": 5}))["code"] == 0
        assert (await request_reply(ws, {"method": "SET_PROPERTY", "params": ["combined", 1], "id": 6}))["code"] == 1
        assert (await request_reply(ws, {"method": "PUBLISH", "id": 7}))["code"] == 2
        await ws.send_str('{"params": []}')
        assert (await receive(ws))["code"] == 2
        await ws.send_str("{not json")
        assert (await receive(ws))["code"] == 3
        assert await request_reply(ws, {"method": "SET_PROPERTY", "params": ["combined", True], "id": 8}) == {
            "result": None,
            "id": 8,
        }
        sim.control.move_touch(ETH, 1)
        frame, _ = await receive_until(ws, lambda f: "stream" in f)
        assert frame["stream"] == "ethusdt@bookTicker" and frame["data"]["e"] == "bookTicker"
        assert not ws.closed


@pytest.mark.parametrize(
    "path",
    [
        "/ws/ethusdt@bookTicker",
        "/fstream/ws/ethusdt@bookTicker",
        "/stream?streams=ethusdt@bookTicker",
        "/fstream/stream?streams=ethusdt@bookTicker/ethusdt@aggTrade",
    ],
)
async def test_path_forms(http: aiohttp.ClientSession, sim: SimHandle, path: str) -> None:
    async with http.ws_connect(ws_url(sim, path)) as ws:
        await request_reply(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 1})  # the socket is set up
        sim.control.move_touch(ETH, 1)  # several book changes; the last ticker is the new top
        top = sim.engine.top_of_book(ETH)
        combined = "/stream" in path

        def is_top(frame: Any) -> bool:
            data = frame["data"] if combined else frame
            assert data["e"] == "bookTicker" and ("stream" in frame) is combined and data["s"] == ETH
            return (D(data["b"]), D(data["a"])) == (top.bid, top.ask)

        await receive_until(ws, is_top)


async def test_diff_depth_continues_the_rest_snapshot(
    http: aiohttp.ClientSession, client: Client, sim: SimHandle
) -> None:
    async with http.ws_connect(ws_url(sim, "/fstream/stream")) as ws:
        await request_reply(ws, {"method": "SUBSCRIBE", "params": ["ethusdt@depth@100ms"], "id": 1})
        sim.control.move_touch("BTCUSDT", 1)  # another symbol takes ids too: ETH's ids jump
        sim.control.move_touch(ETH, 2)
        _, snapshot, _ = await client.call("GET", "/fapi/v3/depth", [("symbol", ETH), ("limit", "1000")], auth="none")
        book = {("b", D(p)): D(q) for p, q in snapshot["bids"]} | {("a", D(p)): D(q) for p, q in snapshot["asks"]}
        last = snapshot["lastUpdateId"]
        sim.control.move_touch(ETH, -3)
        previous_u = None
        synced = False
        while not synced or last < sim.frontend.state.last_update[ETH]:
            event = (await receive(ws))["data"]
            assert event["e"] == "depthUpdate" and event["pu"] < event["U"] <= event["u"]
            if previous_u is not None:
                assert event["pu"] == previous_u  # continuity
            previous_u = event["u"]
            if event["u"] < last:
                continue
            assert synced or event["U"] <= last <= event["u"] or event["pu"] <= last < event["u"]
            synced = True
            for side, levels in (("b", event["b"]), ("a", event["a"])):
                for price, qty in levels:
                    book.pop((side, D(price)), None) if D(qty) == 0 else book.__setitem__((side, D(price)), D(qty))
            last = event["u"]
    truth = sim.engine.book(ETH, 1000)
    assert {k: v for k, v in book.items() if k[0] == "b"} == {("b", lv.price): lv.size for lv in truth.bids}
    assert {k: v for k, v in book.items() if k[0] == "a"} == {("a", lv.price): lv.size for lv in truth.asks}


async def test_an_engine_reset_breaks_the_pu_chain(http: aiohttp.ClientSession, sim: SimHandle) -> None:
    """The books were rebuilt without diffs: a client holding the old book must see a gap."""
    async with http.ws_connect(ws_url(sim, "/ws/ethusdt@depth@100ms")) as ws:
        sim.control.move_touch(ETH, 1)
        before = await receive(ws)
        await sim.control.reset()
        sim.control.freeze(ETH)
        sim.control.move_touch(ETH, 1)
        after = await receive(ws)
        assert after["pu"] != before["u"] and after["U"] > before["u"] + 1


async def test_partial_depth_is_the_complete_top_n(http: aiohttp.ClientSession, sim: SimHandle) -> None:
    async with http.ws_connect(ws_url(sim, "/ws/ethusdt@depth5@100ms")) as ws:
        frame = await receive(ws)
        assert frame["e"] == "depthUpdate" and len(frame["b"]) == 5 and len(frame["a"]) == 5
        truth = sim.engine.book(ETH, 5)
        assert [D(p) for p, _ in frame["b"]] == [lv.price for lv in truth.bids]


@pytest.fixture
async def user_ws(http: aiohttp.ClientSession, client: Client, sim: SimHandle) -> AsyncIterator[Any]:
    _, first, _ = await client.call("POST", "/fapi/v3/listenKey")
    _, again, _ = await client.call("POST", "/fapi/v3/listenKey")
    assert first == again and len(first["listenKey"]) == 64  # the same key while active
    async with http.ws_connect(ws_url(sim, f"/fstream/ws/{first['listenKey']}")) as ws:
        listed = await request_reply(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 1})
        assert listed["result"] == [first["listenKey"]]
        yield ws


async def test_user_events_for_an_order_its_fill_and_its_cancel(user_ws: Any, client: Client, sim: SimHandle) -> None:
    _, order, _ = await client.call("POST", "/fapi/v3/order", client.order("3000.00", "0.040", newClientOrderId="u-1"))
    new = await receive(user_ws)
    assert new["e"] == "ORDER_TRADE_UPDATE" and "C" not in new["o"]
    assert (new["o"]["x"], new["o"]["X"], new["o"]["c"], new["o"]["i"], new["o"]["f"]) == (
        "NEW",
        "NEW",
        "u-1",
        order["orderId"],
        "GTC",
    )
    sim.control.take(ETH, "buy", "0.5")
    trade, before = await receive_until(user_ws, lambda f: f["e"] == "ORDER_TRADE_UPDATE")
    assert before == []  # nothing was pushed for the placement itself (no ACCOUNT_UPDATE)
    o = trade["o"]
    assert (o["x"], o["X"], o["l"], o["z"], o["L"], o["m"], o["N"]) == (
        "TRADE",
        "PARTIALLY_FILLED",
        "0.020",
        "0.020",
        "3000.00",
        True,
        "USDT",
    )
    account = await receive(user_ws)
    assert account["e"] == "ACCOUNT_UPDATE" and account["a"]["m"] == "ORDER"
    (position,) = account["a"]["P"]
    assert (position["s"], position["pa"], position["ps"], position["ma"]) == (ETH, "0.020", "BOTH", "USDT")
    assert "availableBalance" not in str(account)
    await client.call("DELETE", "/fapi/v3/order", [("symbol", ETH), ("origClientOrderId", "u-1")])
    cancel = await receive(user_ws)
    assert (cancel["o"]["x"], cancel["o"]["X"], cancel["o"]["z"]) == ("CANCELED", "CANCELED", "0.020")
    sim.engine.submit(ACCOUNT, ETH, Side.SELL, D("0.020"), price=D("2990.00"), client_id="close")
    events = [(await receive(user_ws))["e"] for _ in range(3)]
    assert events == ["ORDER_TRADE_UPDATE", "ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"]


async def test_listen_key_as_a_subscribe_target_and_delete(
    http: aiohttp.ClientSession, client: Client, sim: SimHandle
) -> None:
    _, answer, _ = await client.call("POST", "/fapi/v1/listenKey", auth="key")
    key = answer["listenKey"]
    async with http.ws_connect(ws_url(sim, "/ws")) as ws:
        await request_reply(ws, {"method": "SUBSCRIBE", "params": [key], "id": 1})  # as the official SDK does
        await client.call("POST", "/fapi/v3/order", client.order("2990.00"))
        assert (await receive(ws))["e"] == "ORDER_TRADE_UPDATE"
        assert (await client.call("DELETE", "/fapi/v3/listenKey"))[1] == {}
        assert (await client.call("PUT", "/fapi/v3/listenKey"))[1] == {
            "code": -1125,
            "msg": "This listenKey does not exist.",
        }
        await client.call("POST", "/fapi/v3/order", client.order("2980.00"))
        assert await request_reply(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 2}) == {"result": [], "id": 2}


async def test_listen_key_expiry_sends_the_event_then_nothing() -> None:
    sim = await start_aster(listen_key_validity_s=0.3, listen_key_grace_s=0.0)
    try:
        async with aiohttp.ClientSession() as http:
            client = Client(http, sim)
            _, answer, _ = await client.call("POST", "/fapi/v3/listenKey")
            async with http.ws_connect(ws_url(sim, f"/ws/{answer['listenKey']}")) as ws:
                expired = await receive(ws, timeout=3)
                assert expired["e"] == "listenKeyExpired" and expired["E"] > 0
                assert (await client.call("PUT", "/fapi/v3/listenKey"))[1]["code"] == -1125
                _, renewed, _ = await client.call("POST", "/fapi/v3/listenKey")
                assert renewed["listenKey"] != answer["listenKey"]
    finally:
        await sim.stop()


async def test_an_unknown_listen_key_is_accepted_then_closed() -> None:
    sim = await start_aster(invalid_listen_key_close_s=0.1)
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(sim, "/ws/" + "ab" * 32)) as ws:
            msg = await ws.receive(timeout=3)
            assert msg.type is aiohttp.WSMsgType.CLOSE and ws.close_code == 1008
    finally:
        await sim.stop()


async def test_too_many_messages_drop_the_connection(http: aiohttp.ClientSession, sim: SimHandle) -> None:
    async with http.ws_connect(ws_url(sim, "/ws")) as ws:
        for n in range(12):
            await ws.send_str(f'{{"method": "LIST_SUBSCRIPTIONS", "id": {n}}}')
        while True:
            msg = await ws.receive(timeout=3)
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
        assert ws.closed and ws.close_code == 1008
