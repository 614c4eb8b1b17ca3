"""The connector's REST paths and its socket against a tiny aiohttp stub that answers the spec's
payloads (fixtures/payloads.json); the real simulator comes later (xtb/sim/hyperliquid).

The stub records every request, so the tests check what was sent (the order wire, the user queried,
the signature's signer, the weight paid) as well as how each answer is read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from xtb.connectors.config import ConnectorConfig, ReconnectPolicy
from xtb.connectors.hyperliquid import connector as connector_module
from xtb.connectors.hyperliquid import endpoints, signing
from xtb.connectors.hyperliquid.connector import HyperliquidConnector
from xtb.errors import AmbiguousOutcome, AuthError, PostOnlyWouldCross, RateLimited, VenueRejected
from xtb.model import OrderState, Side
from xtb.secrets import Secret

FIXTURES = Path(__file__).parent / "fixtures"
PAYLOADS = json.loads((FIXTURES / "payloads.json").read_text())
VECTORS = json.loads((FIXTURES / "signing_vectors.json").read_text())
KEY = VECTORS["keys"]["K1"]["private_key"]
SIGNER = VECTORS["keys"]["K1"]["address"].lower()
OTHER_ACCOUNT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea"  # the §2.7 V7 vault address, as a stranger
ANSWERS = PAYLOADS["exchange_answers"]


def l2book(coin: str) -> dict[str, Any]:
    book = PAYLOADS["l2book_eth_one_sided"]["payload"] if coin == "ETH" else PAYLOADS["l2book_btc"]["payload"]
    if coin == "ETH":  # §4.2.1's one-sided ETH book with the bid of the post-only example (§4.3.1)
        book = {**book, "levels": [[{"px": "3500.4", "sz": "1.0", "n": 1}], book["levels"][1]]}
    return book


Answer = Any  # a JSON value, (status, text), or a callable(body) -> either


class StubVenue:
    """`POST /info` by type, `POST /exchange` from a queue, `/ws` acknowledging subscriptions."""

    def __init__(self) -> None:
        self.info: dict[str, Answer] = {
            "userRole": {"role": "user"},
            "meta": PAYLOADS["meta"]["payload"],
            "openOrders": [],
            "l2Book": lambda body: l2book(body["coin"]),
            "clearinghouseState": PAYLOADS["clearinghouse_flat"]["payload"],
            "orderStatus": PAYLOADS["order_status_unknown"]["payload"],
            "userFills": [],
        }
        self.exchange: list[Answer] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.ws_messages: list[dict[str, Any]] = []
        self.on_subscribe: Callable[[dict[str, Any]], list[dict[str, Any]]] = self.ack
        self.answer_pings = True

    @staticmethod
    def ack(subscription: dict[str, Any]) -> list[dict[str, Any]]:
        normalised = dict(subscription)
        if subscription["type"] == "l2Book":
            normalised.update({"nSigFigs": None, "mantissa": None, "fast": False})
        if subscription["type"] == "userFills":
            normalised["aggregateByTime"] = False
        return [{"channel": "subscriptionResponse", "data": {"method": "subscribe", "subscription": normalised}}]

    async def _reply(self, answer: Answer, body: dict[str, Any]) -> web.Response:
        if callable(answer):
            answer = answer(body)
        if isinstance(answer, tuple):
            status, text = answer
            return web.Response(status=status, text=text)
        return web.Response(text=json.dumps(answer), content_type="application/json")

    async def handle_info(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("info", body))
        return await self._reply(self.info[body["type"]], body)

    async def handle_exchange(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("exchange", body))
        return await self._reply(self.exchange.pop(0), body)

    async def handle_ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            message = json.loads(msg.data)
            self.ws_messages.append(message)
            if message.get("method") == "subscribe":
                for frame in self.on_subscribe(message["subscription"]):
                    await ws.send_str(json.dumps(frame))
            elif message.get("method") == "ping" and self.answer_pings:
                await ws.send_str(json.dumps({"channel": "pong"}))
        return ws

    async def push(self, frame: dict[str, Any]) -> None:
        for ws in self.sockets:
            if not ws.closed:
                await ws.send_str(json.dumps(frame))

    def sent(self, kind: str, info_type: str | None = None) -> list[dict[str, Any]]:
        return [b for k, b in self.requests if k == kind and (info_type is None or b.get("type") == info_type)]


@pytest.fixture
async def stub() -> AsyncIterator[tuple[StubVenue, str]]:
    venue = StubVenue()
    app = web.Application()
    app.router.add_post("/info", venue.handle_info)
    app.router.add_post("/exchange", venue.handle_exchange)
    app.router.add_get("/ws", venue.handle_ws)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    connector_module._PROVEN_ROLES.clear()
    try:
        yield venue, f"http://127.0.0.1:{port}"
    finally:
        for ws in venue.sockets:
            await ws.close()
        await runner.cleanup()


def config(base: str, account: str = SIGNER, symbols: tuple[str, ...] = ("ETH",), **extra: Any) -> ConnectorConfig:
    return ConnectorConfig(
        venue="hyperliquid",
        rest_url=base,
        ws_url=base + "/ws",
        hosts={"rest": base, "ws": base + "/ws"},
        credentials={"agent_private_key": Secret(KEY, "agent_private_key")},
        identifiers={"account_address": account},
        symbols=symbols,
        environment="testnet",
        start_timeout=5,
        settle_timeout=0.5,
        settle_interval=0.05,
        cancel_wait=0.3,
        reconnect=ReconnectPolicy(initial=0.01, maximum=0.05),
        extra=extra,
    )


@pytest.fixture
async def started(stub: tuple[StubVenue, str]) -> AsyncIterator[tuple[StubVenue, HyperliquidConnector]]:
    venue, base = stub
    connector = HyperliquidConnector(config(base))
    await connector.start()
    try:
        yield venue, connector
    finally:
        await connector.stop()


# -------------------------------------------------------------------------------------- start-up


async def test_start_proves_the_signer_queries_the_account_and_subscribes(
    started: tuple[StubVenue, HyperliquidConnector],
) -> None:
    venue, connector = started
    assert venue.sent("info", "userRole") == [{"type": "userRole", "user": SIGNER}]
    subscriptions = [m["subscription"] for m in venue.ws_messages if m.get("method") == "subscribe"]
    assert subscriptions == [
        {"type": "orderUpdates", "user": SIGNER},
        {"type": "userFills", "user": SIGNER},
        {"type": "l2Book", "coin": "ETH"},
        {"type": "bbo", "coin": "ETH"},
    ]
    # the stub sends no book frame: one REST snapshot seeded the book before ready
    assert connector.books_ws["ETH"].bid == Decimal("3500.4")
    assert connector.books_ws["ETH"].ask == Decimal("3500.6")


async def test_every_request_paid_its_documented_weight(started: tuple[StubVenue, HyperliquidConnector]) -> None:
    venue, connector = started
    await connector.get_positions()
    paced = [e for e in connector.transcript if e.weight]
    expected = {"userRole": 60, "meta": 20, "openOrders": 20, "l2Book": 2, "clearinghouseState": 2}  # §8
    assert [e.weight for e in paced] == [expected[b["type"]] for k, b in venue.requests]
    assert endpoints.exchange_weight(1) == 1 and endpoints.exchange_weight(40) == 2  # 1 + floor(n/40)


async def test_an_agent_of_the_account_may_trade(stub: tuple[StubVenue, str]) -> None:
    venue, base = stub
    venue.info["userRole"] = {"role": "agent", "data": {"user": OTHER_ACCOUNT}}
    async with HyperliquidConnector(config(base, account=OTHER_ACCOUNT.upper().replace("0X", "0x"))) as connector:
        await connector.get_positions()
    assert venue.sent("info", "clearinghouseState") == [{"type": "clearinghouseState", "user": OTHER_ACCOUNT}]


@pytest.mark.parametrize(
    "role", [{"role": "agent", "data": {"user": "0x" + "22" * 20}}, {"role": "missing"}, {"role": "user"}]
)
async def test_a_signer_that_may_not_trade_for_the_account_stops_the_start(
    stub: tuple[StubVenue, str], role: dict[str, Any]
) -> None:
    venue, base = stub
    venue.info["userRole"] = role
    connector = HyperliquidConnector(config(base, account=OTHER_ACCOUNT))
    with pytest.raises(AuthError) as caught:
        await connector.start()
    message = str(caught.value)
    assert SIGNER in message and OTHER_ACCOUNT in message
    assert KEY.removeprefix("0x") not in message and KEY.removeprefix("0x") not in repr(connector)


# ---------------------------------------------------------------------------------------- orders


async def test_post_only_submit_sends_the_venue_wire_signed_by_the_agent(
    started: tuple[StubVenue, HyperliquidConnector],
) -> None:
    venue, connector = started
    venue.exchange.append(ANSWERS["resting"])
    tracker = await connector.submit_limit_order("ETH", Side.BUY, Decimal("0.05"), Decimal("3500.50"))
    (body,) = venue.sent("exchange")
    assert body["action"] == {
        "type": "order",
        "orders": [
            {
                "a": 1,
                "b": True,
                "p": "3500.5",
                "s": "0.05",
                "r": False,
                "t": {"limit": {"tif": "Alo"}},
                "c": tracker.client_id,
            },
        ],
        "grouping": "na",
    }
    assert list(body["action"]["orders"][0]) == ["a", "b", "p", "s", "r", "t", "c"]  # struct order
    assert body["vaultAddress"] is None and body["expiresAfter"] is None
    recovered = signing.recover_l1_signer(body["action"], body["nonce"], body["signature"], mainnet=False)
    assert recovered.lower() == SIGNER  # testnet source "b": the environment, not the URL, decides
    assert tracker.state is OrderState.OPEN and tracker.venue_id == "62100000001"


async def test_post_only_crossing_fails_the_order(started: tuple[StubVenue, HyperliquidConnector]) -> None:
    venue, connector = started
    venue.exchange.append(ANSWERS["post_only_cross"])
    with pytest.raises(PostOnlyWouldCross) as caught:
        await connector.submit_limit_order("ETH", Side.BUY, Decimal("0.05"), Decimal("3500.5"))
    assert caught.value.tracker is not None and caught.value.tracker.state is OrderState.FAILED


async def test_an_invalid_nonce_is_sent_again_with_a_new_nonce(started: tuple[StubVenue, HyperliquidConnector]) -> None:
    venue, connector = started
    venue.exchange += [
        {"status": "err", "response": "Invalid nonce: duplicate nonce 1733000000000"},
        ANSWERS["resting"],
    ]
    tracker = await connector.submit_limit_order("ETH", Side.BUY, Decimal("0.05"), Decimal("3500.5"))
    first, second = venue.sent("exchange")
    assert second["nonce"] > first["nonce"] and second["action"] == first["action"]
    assert venue.sent("info", "orderStatus")[0]["oid"] == tracker.client_id  # asked by cloid before resending
    assert tracker.state is OrderState.OPEN


async def test_a_market_order_is_an_ioc_bounded_by_the_slippage_setting(
    started: tuple[StubVenue, HyperliquidConnector],
) -> None:
    venue, connector = started
    venue.exchange.append(
        {
            "status": "ok",
            "response": {
                "type": "order",
                "data": {"statuses": [{"filled": {"totalSz": "0.05", "avgPx": "3500.6", "oid": 62100000009}}]},
            },
        }
    )
    tracker = await connector.submit_market_order("ETH", Side.BUY, Decimal("0.05"))
    (order,) = venue.sent("exchange")[0]["action"]["orders"]
    # best ask 3500.6 × 1.05 = 3675.63, rounded down to the 0.1 tick valid at that price
    assert (order["p"], order["t"]) == ("3675.6", {"limit": {"tif": "Ioc"}})
    assert tracker.state is OrderState.FILLED and tracker.filled == Decimal("0.05")


async def test_cancel_by_oid_and_a_missing_order_is_settled_by_a_query(
    started: tuple[StubVenue, HyperliquidConnector],
) -> None:
    venue, connector = started
    venue.exchange += [ANSWERS["resting"], ANSWERS["cancel_missing"]]
    tracker = await connector.submit_limit_order("ETH", Side.BUY, Decimal("0.05"), Decimal("3500.5"))
    filled = json.loads(json.dumps(PAYLOADS["order_status_filled"]["payload"]))
    filled["order"]["order"]["cloid"] = tracker.client_id
    venue.info["orderStatus"] = filled
    await connector.cancel_order(tracker)
    assert venue.sent("exchange")[1]["action"] == {"type": "cancel", "cancels": [{"a": 1, "o": 62100000001}]}
    assert venue.sent("info", "orderStatus")[-1] == {"type": "orderStatus", "user": SIGNER, "oid": 62100000001}
    assert tracker.state is OrderState.FILLED  # the cancel lost to a fill (§12.15)


async def test_cancel_all_cancels_only_that_coin_by_oid_in_one_action(
    started: tuple[StubVenue, HyperliquidConnector],
) -> None:
    venue, connector = started
    venue.info["openOrders"] = [
        {"coin": "ETH", "side": "B", "limitPx": "3400.0", "sz": "0.05", "oid": 11, "timestamp": 1, "origSz": "0.05"},
        {"coin": "BTC", "side": "B", "limitPx": "60000.0", "sz": "0.001", "oid": 12, "timestamp": 1, "origSz": "0.001"},
        {"coin": "ETH", "side": "A", "limitPx": "3600.0", "sz": "0.05", "oid": 13, "timestamp": 1, "origSz": "0.05"},
    ]
    venue.exchange.append(
        {
            "status": "ok",
            "response": {
                "type": "cancel",
                "data": {
                    "statuses": ["success", {"error": "Order was never placed, already canceled, or filled. asset=1"}]
                },
            },
        }
    )
    assert await connector.cancel_all("ETH") == 1
    (body,) = venue.sent("exchange")
    assert body["action"] == {"type": "cancel", "cancels": [{"a": 1, "o": 11}, {"a": 1, "o": 13}]}


async def test_fetch_order_by_cloid_and_unknown_oid(started: tuple[StubVenue, HyperliquidConnector]) -> None:
    venue, connector = started
    from xtb.errors import OrderNotFound

    with pytest.raises(OrderNotFound):
        await connector.get_order("ETH", client_id="0x0000000000000000000000000000ABCD")
    assert venue.sent("info", "orderStatus")[-1]["oid"] == "0x0000000000000000000000000000abcd"
    venue.info["orderStatus"] = PAYLOADS["order_status_open"]["payload"]
    snap = await connector.get_order("ETH", venue_id="62100000001")
    assert snap.state is OrderState.OPEN and venue.sent("info", "orderStatus")[-1]["oid"] == 62100000001


async def test_fills_over_rest_are_the_orders_own(started: tuple[StubVenue, HyperliquidConnector]) -> None:
    venue, connector = started
    venue.info["userFills"] = [f for frame in PAYLOADS["user_fills"]["frames"] for f in frame["data"]["fills"]]
    fills = await connector._fetch_fills("ETH", None, "62100000001")
    assert [f.trade_id for f in fills] == ["118906512037719", "118906512037720"]


async def test_positions_and_balances(started: tuple[StubVenue, HyperliquidConnector]) -> None:
    venue, connector = started
    venue.info["clearinghouseState"] = PAYLOADS["clearinghouse_cross_long"]["payload"]
    (position,) = await connector.get_positions()
    assert (position.symbol, position.size) == ("BTC", Decimal("4.5"))
    (balance,) = await connector.get_balances()
    assert (balance.asset, balance.total, balance.available) == ("USDC", Decimal("38252.7"), Decimal("486.0"))


@pytest.mark.parametrize(
    ("answer", "error"),
    [((429, "null"), RateLimited), ((422, "Failed to deserialize the JSON body into the target type"), VenueRejected)],
)
async def test_transport_refusals(
    started: tuple[StubVenue, HyperliquidConnector], answer: tuple[int, str], error: type[Exception]
) -> None:
    venue, connector = started
    venue.info["clearinghouseState"] = answer
    with pytest.raises(error):
        await connector.get_positions()


async def test_a_5xx_on_submit_is_ambiguous_and_settled_by_cloid(
    started: tuple[StubVenue, HyperliquidConnector],
) -> None:
    venue, connector = started
    venue.exchange.append((502, "bad gateway"))
    with pytest.raises(AmbiguousOutcome) as caught:
        await connector.submit_limit_order("ETH", Side.BUY, Decimal("0.05"), Decimal("3500.5"))
    tracker = caught.value.tracker
    assert tracker is not None and tracker.state is OrderState.SUBMITTING  # never FAILED by guess
    assert venue.sent("info", "orderStatus")[0]["oid"] == tracker.client_id


async def test_an_ok_answer_of_the_wrong_shape_is_ambiguous(started: tuple[StubVenue, HyperliquidConnector]) -> None:
    venue, connector = started
    venue.exchange.append({"status": "maybe"})
    with pytest.raises(AmbiguousOutcome):
        await connector.submit_limit_order("ETH", Side.BUY, Decimal("0.05"), Decimal("3500.5"))


# --------------------------------------------------------------------------------------- streams


async def test_stream_frames_reach_the_trackers(started: tuple[StubVenue, HyperliquidConnector]) -> None:
    venue, connector = started
    venue.exchange.append(ANSWERS["resting"])
    tracker = await connector.submit_limit_order("ETH", Side.BUY, Decimal("0.05"), Decimal("3500.5"))
    fill_frame = json.loads(json.dumps(PAYLOADS["user_fills"]["frames"][1]))
    fill_frame["data"]["fills"][0]["cloid"] = tracker.client_id
    await venue.push(fill_frame)
    await venue.push(fill_frame)  # a repeat (a snapshot after reconnect) is not counted twice
    update = json.loads(json.dumps(PAYLOADS["order_updates"]["frames"][1]))
    update["data"][0]["order"]["cloid"] = tracker.client_id
    await venue.push(update)
    await tracker.wait_final(2)
    assert tracker.state is OrderState.FILLED
    assert list(tracker.fills) == ["118906512037719"]


async def test_a_newer_bbo_moves_the_top_and_an_older_book_does_not_step_it_back(
    started: tuple[StubVenue, HyperliquidConnector],
) -> None:
    venue, connector = started
    seen = connector.book_version("ETH")
    await venue.push(
        {
            "channel": "bbo",
            "data": {
                "coin": "ETH",
                "time": 1733000000300,
                "bbo": [{"px": "3500.5", "sz": "2.0", "n": 1}, {"px": "3500.6", "sz": "12.5", "n": 3}],
            },
        }
    )
    assert await connector.wait_book_change("ETH", seen, 2)
    assert connector.books_ws["ETH"].bid == Decimal("3500.5")
    stale = {"coin": "ETH", "time": 1733000000250, "levels": [[{"px": "3499.0", "sz": "1", "n": 1}], []]}
    fresh = {
        "coin": "ETH",
        "time": 1733000000400,
        "levels": [[{"px": "3500.1", "sz": "1", "n": 1}], [{"px": "3500.9", "sz": "1", "n": 1}]],
    }
    seen = connector.book_version("ETH")
    await venue.push({"channel": "l2Book", "data": stale})
    await venue.push({"channel": "l2Book", "data": fresh})
    assert await connector.wait_book_change("ETH", seen, 2)
    assert (connector.books_ws["ETH"].bid, connector.books_ws["ETH"].ask) == (Decimal("3500.1"), Decimal("3500.9"))


async def test_an_error_frame_and_a_dead_socket_reconnect_and_resubscribe(
    started: tuple[StubVenue, HyperliquidConnector],
) -> None:
    venue, connector = started
    subscribes = sum(1 for m in venue.ws_messages if m.get("method") == "subscribe")
    await venue.push(PAYLOADS["subscription_acks"]["error"])
    deadline = asyncio.get_running_loop().time() + 3
    while sum(1 for m in venue.ws_messages if m.get("method") == "subscribe") < 2 * subscribes:
        assert asyncio.get_running_loop().time() < deadline, "no resubscription after the error frame"
        await asyncio.sleep(0.01)  # polling the stub's record, which has no signal to await
    assert any("refused a subscription" in e for e in connector.stream_errors)


async def test_an_unanswered_ping_closes_the_socket(stub: tuple[StubVenue, str]) -> None:
    venue, base = stub
    venue.answer_pings = False
    async with HyperliquidConnector(config(base, ping_interval_s=0.05)) as connector:
        deadline = asyncio.get_running_loop().time() + 3
        while not connector.stream_errors:
            assert asyncio.get_running_loop().time() < deadline, "a dead socket was not noticed"
            await asyncio.sleep(0.01)
        assert "ConnectionLost" in connector.stream_errors[0]
    pings = [m for m in venue.ws_messages if m.get("method") == "ping"]
    assert pings and pings[0] == {"method": "ping"}
