"""The Hyperliquid simulator's socket as a client sees it (spec §5.1, §5.2, §10 item 19): the
normalised subscription echoes, the error frames and their exact texts, ping/pong, no greeting,
the idle close, the subscription and user limits, and `post` wrappers for info and actions.
Expected frames come from tests/hyperliquid/fixtures/ws_frames.json (the spec's examples)."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.hyperliquid.sim_ws_harness import (
    ALICE,
    BOB,
    FRAMES,
    receive,
    request_reply,
    serve,
    subscribe,
    unsubscribe,
)
from tests.waiting import TIMEOUT
from xtb.clock import loop_time

ERRORS = FRAMES["error_texts"]
PARSE = ERRORS["parse_error_prefix"]
PONG = FRAMES["ping"]["reply"]


def error(text: str) -> dict[str, str]:
    return {"channel": "error", "data": text}


def ack(method: str, subscription: dict[str, object]) -> dict[str, object]:
    return {"channel": "subscriptionResponse", "data": {"method": method, "subscription": subscription}}


async def test_subscribe_and_unsubscribe_echo_the_normalised_subscription() -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        case = FRAMES["subscribe_l2book"]
        assert await request_reply(ws, case["request"]) == case["ack"]
        await receive(ws)  # the l2Book snapshot
        await request_reply(ws, subscribe("bbo", coin="BTC"))
        await receive(ws)  # the current bbo
        case = FRAMES["unsubscribe_bbo"]
        assert await request_reply(ws, case["request"]) == case["ack"]

        upper = ALICE.upper().replace("0X", "0x")
        reply = await request_reply(ws, subscribe("userFills", user=upper))
        gains = FRAMES["userfills_normalised_gains"]
        assert reply == ack("subscribe", {"type": "userFills", "user": ALICE, gains["field"]: gains["value"]})
        assert (await receive(ws))["data"]["isSnapshot"] is True
        for kind in ("orderUpdates", "userEvents"):
            assert await request_reply(ws, subscribe(kind, user=BOB)) == ack("subscribe", {"type": kind, "user": BOB})
        reply = await request_reply(ws, subscribe("candle", coin="ETH", interval="1m", extra=1))
        assert reply == ack("subscribe", {"type": "candle", "coin": "ETH", "interval": "1m"})
        reply = await request_reply(ws, subscribe("l2Book", coin="ETH", nSigFigs=5, mantissa=2, fast=True))
        assert reply == ack("subscribe", {"type": "l2Book", "coin": "ETH", "nSigFigs": 5, "mantissa": 2, "fast": True})


async def test_no_greeting_and_ping_pong() -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        assert await request_reply(ws, FRAMES["ping"]["request"]) == PONG  # nothing came before it
        assert await request_reply(ws, FRAMES["ping"]["request"]) == PONG


async def test_already_subscribed_and_already_unsubscribed() -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        await request_reply(ws, subscribe("bbo", coin="BTC"))
        await receive(ws)
        assert await request_reply(ws, subscribe("bbo", coin="BTC")) == error(ERRORS["already_subscribed"])
        assert await request_reply(ws, unsubscribe("trades", coin="ETH")) == error(ERRORS["already_unsubscribed"])
        await request_reply(ws, subscribe("l2Book", coin="BTC"))
        await receive(ws)
        # another aggregation is another subscription
        reply = await request_reply(ws, subscribe("l2Book", coin="BTC", nSigFigs=3))
        assert reply["channel"] == "subscriptionResponse"
        assert (await receive(ws))["channel"] == "l2Book"
        assert await request_reply(ws, FRAMES["ping"]["request"]) == PONG  # still open


@pytest.mark.parametrize(
    "text",
    [
        '{"method":"subscribe","subscription":{"type":"nope","coin":"BTC"}}',
        '{"method":"subscribe","subscription":{"type":"l2Book"}}',
        '{"method":"subscribe","subscription":{"type":"l2Book","coin":7}}',
        '{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC","nSigFigs":"3"}}',
        '{"method":"subscribe","subscription":{"type":"userFills","user":"0x1234"}}',
        '{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"7m"}}',
        '{"method":"unsubscribe","subscription":{"type":"trades"}}',
        '{"method":"subscribe"}',
        '{"method":"hello"}',
        '{"subscription":{"type":"trades","coin":"BTC"}}',
        "[1,2]",
        "{not json",
    ],
)
async def test_unreadable_requests_get_the_parse_error_and_the_socket_stays(text: str) -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        await ws.send_str(text)
        assert await receive(ws) == error(PARSE + text)
        assert await request_reply(ws, FRAMES["ping"]["request"]) == PONG


async def test_invalid_subscription_for_an_unknown_coin_or_aggregation() -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        prefix = ERRORS["invalid_subscription_prefix"]
        reply = await request_reply(ws, subscribe("l2Book", coin="NOPE"))
        assert reply == error(prefix + '{"type":"l2Book","coin":"NOPE","nSigFigs":null,"mantissa":null,"fast":false}')
        assert await request_reply(ws, subscribe("trades", coin="btc")) == error(
            prefix + '{"type":"trades","coin":"btc"}'
        )
        reply = await request_reply(ws, subscribe("l2Book", coin="BTC", nSigFigs=4, mantissa=2))
        assert reply == error(prefix + '{"type":"l2Book","coin":"BTC","nSigFigs":4,"mantissa":2,"fast":false}')
        # nothing was subscribed
        assert await request_reply(ws, unsubscribe("trades", coin="btc")) == error(
            'Already unsubscribed: {"type":"trades","coin":"btc"}'
        )


async def test_invalid_subscription_closes_when_switched() -> None:
    async with (
        serve(invalid_subscription_closes=True) as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_url) as ws,
    ):
        await ws.send_json(subscribe("bbo", coin="NOPE"))
        msg = await ws.receive(timeout=TIMEOUT)
        assert msg.type is aiohttp.WSMsgType.CLOSE


async def test_idle_close_after_the_last_client_frame() -> None:
    idle = 0.4
    async with (
        serve(idle_timeout_s=idle, beat_s=0.02) as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_url) as ws,
    ):
        for _ in range(4):  # frames keep it open past the idle time
            assert await request_reply(ws, FRAMES["ping"]["request"]) == PONG
            await _quiet(ws, idle / 2)
        last = loop_time()
        assert await request_reply(ws, FRAMES["ping"]["request"]) == PONG
        msg = await ws.receive(timeout=TIMEOUT)
        assert msg.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == FRAMES["idle_close"]["code"]
        assert loop_time() - last >= idle


async def _quiet(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> None:
    """Let `seconds` pass without a client frame, checking the server sends nothing meanwhile."""
    with pytest.raises(TimeoutError):
        await ws.receive(timeout=seconds)


def test_idle_close_default_is_the_spec_s() -> None:
    from xtb.sim.hyperliquid.ws_settings import HyperliquidWsSettings

    settings = HyperliquidWsSettings()
    assert settings.idle_timeout_s == FRAMES["idle_close"]["seconds"]
    assert settings.idle_close_code == FRAMES["idle_close"]["code"]
    assert settings.max_subscriptions == FRAMES["limits"]["subscriptions"]
    assert settings.max_users == FRAMES["limits"]["unique_users"]
    assert settings.trades_backfill == FRAMES["trades_backfill"]["count"]
    assert settings.l2book_levels == FRAMES["l2book_levels"]["levels"]
    assert settings.l2book_fast_levels == FRAMES["l2book_levels"]["fast_levels"]
    assert settings.l2book_interval_s == FRAMES["l2book_levels"]["push_interval_s"]


async def test_subscription_limit_per_ip_counts_every_connection() -> None:
    async with serve(max_subscriptions=3) as sim, aiohttp.ClientSession() as http:
        async with http.ws_connect(sim.ws_url) as one, http.ws_connect(sim.ws_url) as two:
            for kind in ("orderUpdates", "userEvents"):
                assert (await request_reply(one, subscribe(kind, user=ALICE)))["channel"] == "subscriptionResponse"
            assert (await request_reply(two, subscribe("orderUpdates", user=BOB)))["channel"] == "subscriptionResponse"
            reply = await request_reply(two, subscribe("userEvents", user=BOB))
            assert reply == error("Cannot track more than 3 total subscriptions.")
            assert await request_reply(two, unsubscribe("userEvents", user=BOB)) == error(
                f'Already unsubscribed: {{"type":"userEvents","user":"{BOB}"}}'
            )
        async with http.ws_connect(sim.ws_url) as three:  # the others closed: room again
            assert (await request_reply(three, subscribe("orderUpdates", user=BOB)))["channel"] == (
                "subscriptionResponse"
            )


async def test_unique_user_limit() -> None:
    carol = "0x" + "c0" * 20
    async with (
        serve(max_users=2, limits_per="connection") as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_url) as ws,
    ):
        assert (await request_reply(ws, subscribe("orderUpdates", user=ALICE)))["channel"] == "subscriptionResponse"
        assert (await request_reply(ws, subscribe("orderUpdates", user=BOB)))["channel"] == "subscriptionResponse"
        assert (await request_reply(ws, subscribe("userEvents", user=ALICE)))["channel"] == "subscriptionResponse"
        assert await request_reply(ws, subscribe("userEvents", user=carol)) == error(
            "Cannot track more than 2 total users."
        )
        await request_reply(ws, unsubscribe("orderUpdates", user=BOB))
        assert (await request_reply(ws, subscribe("userEvents", user=carol)))["channel"] == "subscriptionResponse"
        assert (await request_reply(ws, subscribe("trades", coin="BTC")))["channel"] == "subscriptionResponse"


# ---------------------------------------------------------------------------------- post


async def test_post_action_wraps_the_exchange_body_verbatim() -> None:
    case = FRAMES["post_action"]
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.calls.exchange_body = case["exchange_body"]
        assert await request_reply(ws, case["request"]) == case["reply"]
        (payload, conn), *_ = sim.calls.exchange
        assert payload == case["request"]["request"]["payload"] and conn in sim.frontend.hub.connections
        refusal = {"status": "err", "response": "Invalid nonce: duplicate nonce 1733000000000"}
        sim.calls.exchange_body = refusal
        reply = await request_reply(ws, {**case["request"], "id": 257})
        assert reply == {"channel": "post", "data": {"id": 257, "response": {"type": "action", "payload": refusal}}}


async def test_post_info_wraps_type_and_body() -> None:
    case = FRAMES["post_info"]
    body = {"coin": "ETH", "time": 1713825891591, "levels": [[], []]}
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.calls.info_bodies["l2Book"] = body
        reply = await request_reply(ws, case["request"])
        expected = json.loads(json.dumps(case["reply_shape"]).replace('"<the /info body>"', json.dumps(body)))
        assert reply == expected
        assert sim.calls.info == [case["request"]["request"]["payload"]]
        sim.calls.info_bodies["allMids"] = {"BTC": "60000.5"}
        reply = await request_reply(
            ws, {"method": "post", "id": 0, "request": {"type": "info", "payload": {"type": "allMids"}}}
        )
        assert reply["data"] == {
            "id": 0,
            "response": {"type": "info", "payload": {"type": "allMids", "data": {"BTC": "60000.5"}}},
        }


async def test_post_rate_limited_and_failing_calls_answer_an_error_payload() -> None:
    case = FRAMES["post_error_payload"]
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.calls.info_status["clearinghouseState"] = case["status"]
        request = {
            "method": "post",
            "id": 5,
            "request": {"type": "info", "payload": {"type": "clearinghouseState", "user": ALICE}},
        }
        reply = await request_reply(ws, request)
        assert reply == {
            "channel": "post",
            "data": {"id": 5, "response": {"type": "error", "payload": case["payload"]}},
        }
        sim.calls.exchange_status = 502
        request = {"method": "post", "id": 6, "request": {"type": "action", "payload": {"action": {}}}}
        reply = await request_reply(ws, request)
        assert reply["data"] == {"id": 6, "response": {"type": "error", "payload": "502 Bad Gateway"}}


@pytest.mark.parametrize(
    "text",
    [
        '{"method":"post","id":7,"request":{"type":"info","payload":{"type":"noSuchInfo"}}}',
        '{"method":"post","request":{"type":"info","payload":{"type":"allMids"}}}',
        '{"method":"post","id":-1,"request":{"type":"info","payload":{"type":"allMids"}}}',
        '{"method":"post","id":18446744073709551616,"request":{"type":"info","payload":{"type":"allMids"}}}',
        '{"method":"post","id":true,"request":{"type":"info","payload":{"type":"allMids"}}}',
        '{"method":"post","id":8,"request":{"type":"explorer","payload":{}}}',
        '{"method":"post","id":9,"request":{"type":"action","payload":[]}}',
    ],
)
async def test_unreadable_posts_lose_their_id(text: str) -> None:
    async with serve() as sim, aiohttp.ClientSession() as http, http.ws_connect(sim.ws_url) as ws:
        sim.calls.info_bodies["allMids"] = {}
        await ws.send_str(text)
        assert await receive(ws) == error(PARSE + text)
        assert await request_reply(ws, FRAMES["ping"]["request"]) == PONG
