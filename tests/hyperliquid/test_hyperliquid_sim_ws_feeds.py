"""The Hyperliquid simulator's feeds over a real socket (spec §5.3, §5.4, §9): l2Book / bbo /
trades / allMids / candle content after engine orders, unsubscribe, the user feeds pushed by the
front-end (userFills snapshot then live frames without `isSnapshot`, orderUpdates, channel `user`),
stream faults that hit a user feed and not market data, and the official SDK's routing keys."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.hyperliquid.sim_ws_harness import (
    ALICE,
    BOB,
    FRAMES,
    Harness,
    receive,
    receive_until,
    request_reply,
    serve,
    subscribe,
    unsubscribe,
)
from tests.waiting import TIMEOUT, eventually
from xtb.clock import loop_time
from xtb.model import Side
from xtb.sim.faults import StreamAction, StreamFault
from xtb.sim.hyperliquid.subscriptions import held

PING = FRAMES["ping"]["request"]
PONG = FRAMES["ping"]["reply"]


def level(px: str, sz: str, n: int) -> dict[str, Any]:
    return {"px": px, "sz": sz, "n": n}


async def subscribed(ws: aiohttp.ClientWebSocketResponse, kind: str, **fields: Any) -> None:
    reply = await request_reply(ws, subscribe(kind, **fields))
    assert reply["channel"] == "subscriptionResponse", reply


async def nothing_more(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Everything the server queued before now has arrived: a ping's pong is the next frame."""
    assert await request_reply(ws, PING) == PONG


def quote_btc(sim: Harness) -> None:
    sim.order(ALICE, "BTC", Side.BUY, "0.5", "59990")
    sim.order(ALICE, "BTC", Side.BUY, "0.25", "59990")
    sim.order(ALICE, "BTC", Side.BUY, "1", "59980")
    sim.order(BOB, "BTC", Side.SELL, "0.3", "60010")


async def test_l2book_snapshot_then_changes() -> None:
    async with serve(l2book_interval_s=0.05) as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        quote_btc(sim)
        await subscribed(ws, "l2Book", coin="BTC")
        snapshot = await receive(ws)
        assert snapshot["channel"] == "l2Book"
        assert set(snapshot["data"]) == {"coin", "time", "levels"} and isinstance(snapshot["data"]["time"], int)
        assert snapshot["data"]["coin"] == "BTC"
        assert snapshot["data"]["levels"] == [
            [level("59990.0", "0.75", 2), level("59980.0", "1.0", 1)],
            [level("60010.0", "0.3", 1)],
        ]
        sim.order(BOB, "BTC", Side.SELL, "0.12345", "60020")
        frame, _ = await receive_until(ws, lambda f: len(f["data"]["levels"][1]) == 2)
        assert frame["channel"] == "l2Book"
        assert frame["data"]["levels"][1] == [level("60010.0", "0.3", 1), level("60020.0", "0.12345", 1)]


async def test_l2book_depth_fast_and_one_sided() -> None:
    async with serve(beat_s=1000) as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        for i in range(25):
            sim.order(ALICE, "BTC", Side.BUY, "0.01", str(59000 - i))
        await subscribed(ws, "l2Book", coin="BTC")
        bids, asks = (await receive(ws))["data"]["levels"]
        assert len(bids) == FRAMES["l2book_levels"]["levels"] and asks == []
        assert bids[0] == level("59000.0", "0.01", 1) and bids[-1]["px"] == "58981.0"
        await subscribed(ws, "l2Book", coin="BTC", fast=True)
        bids, asks = (await receive(ws))["data"]["levels"]
        assert len(bids) == FRAMES["l2book_levels"]["fast_levels"] and asks == []
        await subscribed(ws, "l2Book", coin="ETH")
        assert (await receive(ws))["data"]["levels"] == [[], []]  # §4.2.1: an empty side is []


async def test_l2book_aggregation_buckets_outward() -> None:
    async with serve(beat_s=1000) as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.order(ALICE, "BTC", Side.BUY, "1", "59990")
        sim.order(ALICE, "BTC", Side.BUY, "2", "59950")
        sim.order(ALICE, "BTC", Side.BUY, "4", "59890")
        sim.order(BOB, "BTC", Side.SELL, "0.5", "60010")
        sim.order(BOB, "BTC", Side.SELL, "0.25", "60090")
        await subscribed(ws, "l2Book", coin="BTC", nSigFigs=3)
        assert (await receive(ws))["data"]["levels"] == [
            [level("59900.0", "3.0", 2), level("59800.0", "4.0", 1)],
            [level("60100.0", "0.75", 2)],
        ]
        await subscribed(ws, "l2Book", coin="BTC", nSigFigs=5, mantissa=5)
        assert (await receive(ws))["data"]["levels"] == [
            [level("59990.0", "1.0", 1), level("59950.0", "2.0", 1), level("59890.0", "4.0", 1)],
            [level("60010.0", "0.5", 1), level("60090.0", "0.25", 1)],
        ]
        await subscribed(ws, "l2Book", coin="BTC", nSigFigs=2)
        assert (await receive(ws))["data"]["levels"] == [[level("59000.0", "7.0", 3)], [level("61000.0", "0.75", 2)]]


async def test_l2book_pushes_at_most_every_interval() -> None:
    interval = 0.3
    async with (
        serve(l2book_interval_s=interval, beat_s=0.02) as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_url) as ws,
    ):
        await subscribed(ws, "l2Book", coin="BTC")
        await receive(ws)
        sim.order(ALICE, "BTC", Side.BUY, "0.1", "59000")
        await receive(ws)
        first = loop_time()
        sim.order(ALICE, "BTC", Side.BUY, "0.1", "58999")
        sim.order(ALICE, "BTC", Side.BUY, "0.1", "58998")
        frame = await receive(ws)
        assert loop_time() - first >= interval * 0.9
        assert [lv["px"] for lv in frame["data"]["levels"][0]] == ["59000.0", "58999.0", "58998.0"]  # one push


async def test_bbo_on_subscribe_and_only_when_the_top_changes() -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.order(ALICE, "BTC", Side.BUY, "0.5", "59990")
        await subscribed(ws, "bbo", coin="BTC")
        frame = await receive(ws)
        assert frame["channel"] == "bbo" and frame["data"]["coin"] == "BTC"
        assert frame["data"]["bbo"] == [level("59990.0", "0.5", 1), None]
        sim.order(ALICE, "BTC", Side.BUY, "1", "59000")  # below the top: no bbo
        await nothing_more(ws)
        sim.order(BOB, "BTC", Side.SELL, "0.3", "60010")
        frame = await receive(ws)
        assert frame["data"]["bbo"] == [level("59990.0", "0.5", 1), level("60010.0", "0.3", 1)]
        assert set(frame["data"]) == {"coin", "time", "bbo"}


async def test_trades_backfill_thirty_then_live() -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.order(ALICE, "BTC", Side.BUY, "1", "60000")
        for _ in range(35):
            sim.order(BOB, "BTC", Side.SELL, "0.01", "60000")
        await subscribed(ws, "trades", coin="BTC")
        backfill = await receive(ws)
        assert backfill["channel"] == "trades"
        trades = backfill["data"]
        assert len(trades) == FRAMES["trades_backfill"]["count"]
        tids = [t["tid"] for t in trades]
        assert tids == sorted(set(tids))
        for t in trades:
            assert set(t) == {"coin", "side", "px", "sz", "time", "hash", "tid", "users"}
            assert (t["coin"], t["side"], t["px"], t["sz"], t["users"]) == ("BTC", "A", "60000.0", "0.01", [ALICE, BOB])
            assert isinstance(t["time"], int) and t["hash"].startswith("0x") and len(t["hash"]) == 66
        sim.order(BOB, "BTC", Side.BUY, "0.5", "60010")  # above ALICE's bid
        sim.order(ALICE, "BTC", Side.SELL, "0.2", "60000")  # meets BOB's bid first: side A, the buyer is BOB
        live = await receive(ws)
        assert [(t["side"], t["px"], t["sz"], t["users"]) for t in live["data"]] == [
            ("A", "60010.0", "0.2", [BOB, ALICE])
        ]
        assert live["data"][0]["tid"] > tids[-1]


async def test_trades_taker_buy_side_and_unsubscribe_stops_pushes() -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        await subscribed(ws, "trades", coin="ETH")  # no trades yet: no backfill frame
        sim.order(BOB, "ETH", Side.SELL, "0.5", "3000.5")
        sim.order(ALICE, "ETH", Side.BUY, "0.1", "3001")
        frame = await receive(ws)
        assert [(t["side"], t["px"], t["sz"], t["users"]) for t in frame["data"]] == [
            ("B", "3000.5", "0.1", [ALICE, BOB])
        ]
        assert await request_reply(ws, unsubscribe("trades", coin="ETH")) == {
            "channel": "subscriptionResponse",
            "data": {"method": "unsubscribe", "subscription": {"type": "trades", "coin": "ETH"}},
        }
        sim.order(ALICE, "ETH", Side.BUY, "0.1", "3001")
        await nothing_more(ws)


async def test_all_mids_on_subscribe_and_on_the_clock() -> None:
    async with (
        serve(all_mids_interval_s=0.1) as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_url) as ws,
    ):
        quote_btc(sim)
        sim.order(ALICE, "ETH", Side.BUY, "0.1", "3000")
        sim.order(BOB, "ETH", Side.SELL, "0.1", "3000")  # ETH's book is empty again: its last trade
        await subscribed(ws, "allMids")
        frame = await receive(ws)
        assert frame == {"channel": "allMids", "data": {"mids": {"BTC": "60000.0", "ETH": "3000.0"}}}
        sim.order(BOB, "BTC", Side.SELL, "0.1", "59991")
        frame, _ = await receive_until(ws, lambda f: f["data"]["mids"]["BTC"] != "60000.0")
        assert frame == {"channel": "allMids", "data": {"mids": {"BTC": "59990.5", "ETH": "3000.0"}}}


async def test_candle_current_bucket() -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.order(ALICE, "BTC", Side.BUY, "0.03", "60000")
        sim.order(BOB, "BTC", Side.SELL, "0.01", "60000")
        await subscribed(ws, "candle", coin="BTC", interval="1m")
        first = await receive(ws)
        start = 1_767_225_600_000  # the harness clock stands 30 s into this minute
        assert first == {
            "channel": "candle",
            "data": {"t": start, "T": start + 59_999, "s": "BTC", "i": "1m", "o": "60000.0", "c": "60000.0",
                     "h": "60000.0", "l": "60000.0", "v": "0.01", "n": 1},
        }  # fmt: skip
        sim.order(BOB, "BTC", Side.SELL, "0.02", "59000")  # fills at the bid, 60000, which is spent
        sim.order(ALICE, "BTC", Side.BUY, "0.1", "59999")
        sim.order(BOB, "BTC", Side.SELL, "0.1", "59999")
        await receive(ws)
        last = await receive(ws)
        assert last["data"] == {
            "t": start, "T": start + 59_999, "s": "BTC", "i": "1m", "o": "60000.0", "c": "59999.0",
            "h": "60000.0", "l": "59999.0", "v": "0.13", "n": 3,
        }  # fmt: skip


# ---------------------------------------------------------------------------- user feeds


async def test_user_fills_snapshot_then_live_without_is_snapshot() -> None:
    snapshot = FRAMES["userfills_snapshot"]["frame"]
    live = FRAMES["userfills_live"]["frame"]
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.calls.snapshot_fills = snapshot["data"]["fills"]
        await subscribed(ws, "userFills", user=ALICE)
        assert await receive(ws) == snapshot
        assert sim.calls.fills == [(ALICE, False)]
        await subscribed(ws, "userEvents", user=ALICE)  # no snapshot
        sim.streams.publish_fills(ALICE.upper().replace("0X", "0x"), live["data"]["fills"])
        frame = await receive(ws)
        assert frame == live and "isSnapshot" not in frame["data"]
        assert await receive(ws) == FRAMES["user_event_fills"]["frame"]
        sim.streams.publish_fills(BOB, live["data"]["fills"])  # nobody follows BOB
        await nothing_more(ws)
        await subscribed(ws, "userFills", user=ALICE, aggregateByTime=True)
        assert (await receive(ws))["data"]["isSnapshot"] is True
        assert sim.calls.fills[-1] == (ALICE, True)


async def test_order_updates_and_user_events_are_pushed_without_snapshot() -> None:
    update = FRAMES["order_update_open"]["frame"]
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        await subscribed(ws, "orderUpdates", user=ALICE)
        await subscribed(ws, "userEvents", user=ALICE)
        await nothing_more(ws)  # neither has a snapshot
        sim.streams.publish_order_updates(ALICE, update["data"])
        assert await receive(ws) == update
        cancel = {"nonUserCancel": [{"coin": "ETH", "oid": 62100000001}]}
        sim.streams.publish_user_event(ALICE, cancel)
        assert await receive(ws) == {"channel": "user", "data": cancel}
        await request_reply(ws, unsubscribe("orderUpdates", user=ALICE))
        sim.streams.publish_order_updates(ALICE, update["data"])
        await nothing_more(ws)


async def test_a_stream_fault_drops_a_user_frame_and_spares_market_data() -> None:
    update = FRAMES["order_update_open"]["frame"]
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        await subscribed(ws, "orderUpdates", user=ALICE)
        await subscribed(ws, "trades", coin="ETH")
        sim.faults.add(StreamFault(StreamAction.DROP, channel=f"orderUpdates:{ALICE}", kind="orderUpdates"))
        filled = [{**update["data"][0], "status": "filled"}]
        sim.streams.publish_order_updates(ALICE, update["data"])  # dropped
        sim.order(BOB, "ETH", Side.SELL, "0.5", "3000.5")
        sim.order(ALICE, "ETH", Side.BUY, "0.1", "3001")
        sim.streams.publish_order_updates(ALICE, filled)
        assert (await receive(ws))["channel"] == "trades"
        assert await receive(ws) == {"channel": "orderUpdates", "data": filled}
        assert list(sim.faults.applied) == [f"stream drop orderUpdates:{ALICE} orderUpdates"]
        sim.faults.add(StreamFault(StreamAction.DROP, channel="trades:*"))
        sim.order(ALICE, "ETH", Side.BUY, "0.1", "3001")  # its trade frame is dropped
        sim.streams.publish_order_updates(ALICE, update["data"])
        assert await receive(ws) == update


# ----------------------------------------------------------------------------- SDK routing


def sdk_subscription_key(sub: dict[str, Any]) -> str:
    """How SDK 0.24.0 keys a subscription (spec §9)."""
    kind = sub["type"]
    if kind in ("l2Book", "trades", "bbo"):
        return f"{kind}:{sub['coin'].lower()}"
    if kind == "userFills":
        return f"userFills:{sub['user'].lower()}"
    return kind  # allMids, userEvents, orderUpdates


def sdk_message_key(frame: dict[str, Any]) -> str | None:
    """How SDK 0.24.0 routes a frame (spec §9): by data.coin, data.user, or the channel alone."""
    channel, data = frame["channel"], frame.get("data")
    routing = FRAMES["sdk_routing"]
    if channel in routing["ignored"] or channel == "pong":
        return None
    if channel == "trades":
        return f"trades:{data[0]['coin'].lower()}" if data else None
    if channel in routing["by_coin"]:
        return f"{channel}:{data['coin'].lower()}"
    if channel in routing["by_user"]:
        return f"{channel}:{data['user'].lower()}"
    if channel == "user":
        return "userEvents"
    return channel


async def test_frames_route_as_the_official_sdk_expects() -> None:
    subscriptions = [
        {"type": "l2Book", "coin": "BTC"},
        {"type": "bbo", "coin": "BTC"},
        {"type": "trades", "coin": "BTC"},
        {"type": "allMids"},
        {"type": "userFills", "user": ALICE},
        {"type": "orderUpdates", "user": ALICE},
        {"type": "userEvents", "user": ALICE},
    ]
    async with serve(l2book_interval_s=0.05) as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        for sub in subscriptions:
            await ws.send_json({"method": "subscribe", "subscription": sub})
        seen: set[str] = set()
        acks = 0
        while acks < len(subscriptions):  # every subscription holds before anything is pushed
            frame = await receive(ws)
            acks += frame["channel"] == "subscriptionResponse"
            key = sdk_message_key(frame)
            if key is not None:
                seen.add(key)
        quote_btc(sim)
        sim.order(BOB, "BTC", Side.SELL, "0.1", "59990")
        sim.streams.publish_fills(ALICE, FRAMES["userfills_live"]["frame"]["data"]["fills"])
        sim.streams.publish_order_updates(ALICE, FRAMES["order_update_open"]["frame"]["data"])
        wanted = {sdk_subscription_key(sub) for sub in subscriptions}
        assert seen <= wanted
        while seen != wanted:
            frame = await receive(ws)
            key = sdk_message_key(frame)
            if key is not None:
                assert key in wanted, frame
                seen.add(key)


SDK_SELECT_TIMEOUT = 10.0  # websocket-client's Dispatcher: `ping_timeout or 10` seconds per select


async def test_the_official_sdk_websocket_manager_gets_every_feed() -> None:
    """SDK 0.24.0's own WebsocketManager (a thread with websocket-client) against the socket: each
    feed reaches the callback its subscription registered, so the routing keys are right."""
    sdk = pytest.importorskip("hyperliquid.websocket_manager")
    subscriptions = [
        {"type": "l2Book", "coin": "BTC"},
        {"type": "bbo", "coin": "BTC"},
        {"type": "trades", "coin": "BTC"},
        {"type": "candle", "coin": "BTC", "interval": "1m"},
        {"type": "allMids"},
        {"type": "userFills", "user": ALICE},
        {"type": "orderUpdates", "user": ALICE},
        {"type": "userEvents", "user": ALICE},
    ]
    manager: Any = None
    try:
        async with serve(l2book_interval_s=0.05) as sim:
            loop = asyncio.get_running_loop()
            got: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
            manager = sdk.WebsocketManager(sim.frontend.base_url())
            manager.daemon = True
            manager.start()
            for index, sub in enumerate(subscriptions):
                manager.subscribe(sub, lambda msg, i=index: loop.call_soon_threadsafe(got.put_nowait, (i, msg)))
            await eventually(
                lambda: sum(len(held(c)) for c in sim.frontend.hub.connections) == len(subscriptions),
                what="the SDK's subscriptions held",
            )
            quote_btc(sim)
            sim.order(BOB, "BTC", Side.SELL, "0.1", "59990")
            sim.streams.publish_fills(ALICE, FRAMES["userfills_live"]["frame"]["data"]["fills"])
            sim.streams.publish_order_updates(ALICE, FRAMES["order_update_open"]["frame"]["data"])
            reached: set[int] = set()
            async with asyncio.timeout(TIMEOUT):
                while len(reached) < len(subscriptions):
                    index, message = await got.get()
                    assert message["channel"] in {"user", subscriptions[index]["type"]}, message
                    reached.add(index)
            await asyncio.to_thread(manager.stop)
    finally:  # the server's close ends the client's loop too (its own close alone sometimes does not)
        if manager is not None:
            manager.stop_event.set()
            # websocket-client's run_forever selects with a 10 s timeout (no ping_timeout given, as the SDK
            # gives none), so after a close its thread may sit out one full select before it sees it
            await asyncio.to_thread(manager.join, SDK_SELECT_TIMEOUT + TIMEOUT)
            assert not manager.is_alive()
