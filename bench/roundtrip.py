"""Order round trip: xtb against the client a user would pick instead, on the same simulator.

    python bench/roundtrip.py [--orders N] [--venues backpack,lighter,grvt,aster,hyperliquid] [--warmup W]

Per venue, one built-in simulator serves every client (`python -m xtb.sim` in its own process, the
market frozen so nothing fills and no book traffic competes), each client on its own funded account
in its own worker process. The orchestrator asks them in turn, interleaved (round n starts with
client n mod k, so each takes each place in a round equally often) so that machine noise hits all
alike, to post one post-only limit order far behind the touch (the same price and size for all),
and then to cancel it (not timed; the next order starts only once the stream confirmed the cancel).
Per order, on the client's monotonic clock:

- ack: submit → the venue's REST answer to the submit request, parsed. For a peer, the moment its
  SDK call returned; for xtb, the moment the connector applied the parsed answer to the order's
  tracker (its first REST view), whatever it does after that before its call returns; on Lighter,
  whose answer is a tx hash only, the moment its HTTP client received the answer (the request
  transcript: slightly earlier than a parse, so slightly in xtb's favour).
- first WS: submit → the first private-stream message about the order, parsed and matched to it.
- returns (xtb only): submit → `submit_limit_order` returned. On GRVT (post-only) and Lighter the
  connector returns only once the venue's verdict arrived (PENDING is no answer; Lighter's sendTx
  answers with a tx hash only), so this is the "order is known to be live" time.
- CPU: `time.process_time()` of the client's worker process from submit until both the answer and
  the first stream message are in: the client's whole cost (signing, HTTP, parsing, bookkeeping).

Peers (installed separately, not project dependencies):
- Backpack: bpx-py, three ways: its async `Account` as shipped, its sync `Account` (the README's
  first example), and its async `Account` given a kept-alive aiohttp session through the
  `http_client` argument; base URL redirected. bpx-py has no WebSocket client: its stream is a
  plain `websockets` subscriber signed as bpx-py signs requests.
- Lighter: lighter-sdk `SignerClient.create_order` (sign + sendTx). The SDK's `WsClient` subscribes
  only `order_book` / `account_all` (no order updates): its stream is a plain `websockets`
  subscriber to `account_all_orders` with the SDK's auth token.
- GRVT: grvt-pysdk `GrvtCcxtWS` (REST `create_order` + its own WS `order` subscription), pointed at
  the simulator through xtb's `point_sdk_at` redirection (the SDK has no base-URL setting).
- Aster: no installable Python V3 (EIP-712) client fits this environment (the official connector
  speaks V1 HMAC only; ccxt pins versions that conflict with the project's). The peer is
  `AsterV3Client` below: a minimal straight-line V3 client written from the spec (keep-alive
  aiohttp session, EIP-712 digest by hand, libsecp256k1 signing through coincurve, a raw listen-key
  socket): the fastest client doing the same work, not a library a user would install.
- Hyperliquid: hyperliquid-python-sdk (the official SDK): its sync `Exchange.order` (ALO, a cloid)
  called on the worker's loop as a sync program calls it, and `Info`'s own websocket thread
  subscribed to `orderUpdates` (its callback stamps the update the moment the SDK hands it over,
  even while the order call still blocks the main thread); cancel by cloid. Its nonce is the wall
  clock in ms per action, so two actions of one signer in the same ms collide ("duplicate nonce").

Every request budget is respected: rounds are paced under each venue's limits (ROUND_BUDGET; at the
default counts no round has to wait, except on GRVT, whose rounds are held within each second under
the pace its connector keeps), and the simulator's request log is read every few rounds; any
429 / 418 invalidates the venue's numbers (reported).
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import base64
import contextlib
import fnmatch
import json
import logging
import os
import random
import sys
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import websockets
from _simulators import (
    Budget,
    SimProcess,
    build_connector,
    percentile,
    quiet_logs,
    rate_limited,
    resting_price,
    start_connector,
    venue_config,
)

from xtb.model import Side, Source
from xtb.orders.tracker import OrderTracker
from xtb.sim.control_client import SimControlClient

AWAY = Decimal("0.02")  # post 2 % behind the touch: rests, inside every venue's price band
WS_TIMEOUT_S = 5.0  # a first stream message later than this is a failure, not a sample
WORKER_TIMEOUT_S = 60.0  # a worker's setup (log-ins, market loads, streams live) or one order
PEER_COLLATERAL = "1000000"
CHECK_EVERY = 25  # rounds between reads of the simulator's request log (it keeps the newest 1000)
# Each venue's request budget, in rounds (one order and its cancel per client, plus xtb's own
# occasional reads), with a margin under what the venue allows, so no client is rate limited:
# Aster: 2400 weight/min per IP, shared by both clients (~5 per round: half), and 300 orders/10 s
# per account (one per round); Lighter: sendTx (weight 6) has a bucket of 4000/min per account on
# the smallest premium tier (half); Backpack: 2000 requests/min per sub-account (half); GRVT: tiers
# unpublished, taken as Backpack's, and within a second under what the simulator's venue file has the
# connector pace itself to (`extra.requests_per_second`, 100/s less its margin: two requests a round
# for xtb), or xtb's ack would include waits for room that the peers, who do not pace, never make;
# Hyperliquid: 1200 weight/min per IP over a sliding minute (the simulator's default), shared by
# both clients: a round weighs 4 (two orders and two cancels, `/exchange` weight 1 each), and the
# setup about 250 (xtb: userRole 60, meta, l2Book, openOrders at close; the SDK: spotMeta and meta
# for its `Info` and again for its `Exchange`'s, openOrders at close): 220 rounds (880) leave ~70
# in hand, and the 210 rounds of the default counts never wait.
ROUND_BUDGET: dict[str, tuple[tuple[int, float], ...]] = {
    "aster": ((240, 60.0), (250, 10.0)),
    "lighter": ((1000, 60.0),),
    "backpack": ((500, 60.0),),
    "grvt": ((40, 1.0), (500, 60.0)),
    "hyperliquid": ((220, 60.0),),
}
TARGET_RATIO = 0.8
SELF = str(Path(__file__).resolve())  # what the worker processes run


@dataclass(frozen=True)
class Placed:
    ack: float  # monotonic seconds
    returned: float
    ws: float
    sent: float = 0.0  # xtb: when its submit call started, to find the answer in its transcript


class PeerError(RuntimeError):
    """A client's request was refused or its stream said nothing in time."""


# ============================================================================ streams (peers)


class OrderStamps:
    """Per client id, when the first message about the order and the first final one (cancelled /
    filled / expired) were parsed; `record` is called with the moment a message was parsed."""

    def __init__(self) -> None:
        self._first: dict[str, asyncio.Future[float]] = {}
        self._final: dict[str, asyncio.Future[float]] = {}
        self.latest: dict[str, dict[str, Any]] = {}

    def expect(self, cid: str) -> None:
        loop = asyncio.get_running_loop()
        self._first[cid] = loop.create_future()
        self._final[cid] = loop.create_future()

    async def first(self, cid: str) -> float:
        return await self._wait(self._first, cid, "first message")

    async def final(self, cid: str) -> float:
        return await self._wait(self._final, cid, "final state")

    async def _wait(self, table: dict[str, asyncio.Future[float]], cid: str, what: str) -> float:
        try:
            return await asyncio.wait_for(asyncio.shield(table[cid]), WS_TIMEOUT_S)
        except TimeoutError:
            raise PeerError(f"no {what} for {cid} on the stream within {WS_TIMEOUT_S}s") from None

    def record(self, cid: str, final: bool, payload: dict[str, Any], now: float) -> None:
        self.latest[cid] = payload
        for table, hit in ((self._first, True), (self._final, final)):
            future = table.get(cid)
            if hit and future is not None and not future.done():
                future.set_result(now)


class OrderStream(OrderStamps):
    """A private socket the peer reads in the background, stamping each message as it is parsed."""

    def __init__(self, ws: Any, parse: Any) -> None:
        super().__init__()
        self.ws = ws
        self._parse = parse  # message -> [(client id, is_final, payload)]
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            for cid, final, payload in self._parse(self.ws, message):
                self.record(cid, final, payload, time.monotonic())

    async def close(self) -> None:
        self._task.cancel()
        await self.ws.close()


async def live(ws: Any) -> None:
    """Subscriptions before a ping are applied before its pong: the stream is live after it."""
    pong = await ws.ping()
    await asyncio.wait_for(pong, WS_TIMEOUT_S)


# ============================================================================ clients


def installed(distribution: str) -> str:
    """`name version` of a peer SDK, or a PeerError saying how to install it."""
    try:
        return f"{distribution} {version(distribution)}"
    except PackageNotFoundError:
        raise PeerError(f"{distribution} is not installed: pip install {distribution}") from None


class Client(abc.ABC):
    """One order round trip at a time; `place` returns once the answer and the first stream
    message are both in, `cancel` once the stream confirmed the cancel."""

    label: str

    def __init__(self, venue: str, setup: dict[str, Any]) -> None:
        self.venue = venue
        self.setup_info = setup
        self.symbol: str = setup["symbol"]
        self.described: dict[str, Any] = setup["described"]

    @abc.abstractmethod
    async def start(self) -> dict[str, Any]: ...

    @abc.abstractmethod
    async def place(self, side: Side, price: Decimal, size: Decimal) -> Placed: ...

    @abc.abstractmethod
    async def cancel(self) -> None: ...

    def answered(self, placed: Placed) -> Placed:
        return placed

    @abc.abstractmethod
    async def close(self) -> None: ...


class XtbClient(Client):
    label = "xtb"

    def __init__(self, venue: str, setup: dict[str, Any]) -> None:
        super().__init__(venue, setup)
        self.config = venue_config(venue)
        self.connector = build_connector(self.config, self.described)
        (self.submit_route,) = self.config.fault_targets("submit")
        self.tracker: OrderTracker | None = None

    async def start(self) -> dict[str, Any]:
        await start_connector(self.connector, self.config)
        market = await self.connector.get_market_info(self.symbol)
        book = await self.connector.top_of_book(self.symbol)
        assert book.bid is not None, f"{self.venue}: empty bid side"
        price = resting_price(market, book.bid, Side.BUY, AWAY)
        size = market.round_size(market.min_order_size(price) * self.config.order_size.min_size_multiple)
        size = max(size, market.min_order_size(price))
        return {"client": "xtb", "side": Side.BUY.value, "price": str(price), "size": str(size)}

    async def place(self, side: Side, price: Decimal, size: Decimal) -> Placed:
        sent = time.monotonic()
        tracker = await self.connector.submit_limit_order(self.symbol, side, size, price, post_only=True)
        returned = time.monotonic()
        self.tracker = tracker
        await tracker.wait_for(lambda t: Source.WS in t.first_seen, WS_TIMEOUT_S)
        return Placed(returned, returned, tracker.first_seen[Source.WS], sent)

    def answered(self, placed: Placed) -> Placed:
        """The ack (looked up outside the CPU window): when the connector had parsed the submit's
        answer into an order state (its tracker's first REST view), as a peer's SDK call returns
        with the parsed answer; for a venue whose answer carries no order state (Lighter's tx hash),
        when its HTTP client received that answer (the connector's request transcript)."""
        parsed = self.tracker.first_seen.get(Source.REST) if self.tracker is not None else None
        if parsed is not None and parsed <= placed.returned:
            return replace(placed, ack=parsed)
        route = self.submit_route
        for entry in self.connector.transcript:
            if entry.at < placed.sent or entry.method != route.method or entry.status is None:
                continue
            if fnmatch.fnmatchcase(urlsplit(entry.url).path, route.path or "*"):
                return replace(placed, ack=entry.at + entry.latency_s)
        return placed

    async def cancel(self) -> None:
        tracker, self.tracker = self.tracker, None
        if tracker is None:
            return
        await self.connector.cancel_order(tracker)
        await tracker.wait_for(
            lambda t: (view := t.views.get(Source.WS)) is not None and view.state.is_terminal, WS_TIMEOUT_S
        )

    async def close(self) -> None:
        try:
            await self.connector.cancel_all(self.symbol)
        finally:
            await self.connector.stop()


class BackpackPeer(Client):
    """bpx-py's async `Account` as shipped: its default HTTP client opens a new aiohttp session and
    loads the certifi CA bundle into a new SSL context for every request."""

    def make_account(self, creds: dict[str, Any]) -> Any:
        from bpx.async_.account import Account, default_http_client

        return Account(creds["api_key"], creds["api_secret"], http_client=default_http_client)

    async def start(self) -> dict[str, Any]:
        self.label = installed("bpx-py")
        from cryptography.hazmat.primitives.asymmetric import ed25519

        creds = self.setup_info["peer_account"]
        self.account = self.make_account(creds)
        self.account.BPX_API_URL = self.described["rest"].rstrip("/") + "/"  # its only base-URL knob
        key = ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(creds["api_secret"]))
        ts, window = int(time.time() * 1000), 5000
        signature = base64.b64encode(key.sign(f"instruction=subscribe&timestamp={ts}&window={window}".encode()))
        ws = await websockets.connect(self.described["ws"], max_size=None)
        await ws.send(json.dumps({
            "method": "SUBSCRIBE", "params": [f"account.orderUpdate.{self.symbol}"],
            "signature": [creds["api_key"], signature.decode(), str(ts), str(window)],
        }))  # fmt: skip
        await live(ws)
        self.stream = OrderStream(ws, self._parse)
        self._ids = iter(range(random.randrange(1, 2**31), 2**32))
        self.order: tuple[str, str] | None = None
        return {"client": self.label}

    @staticmethod
    def _parse(ws: Any, message: dict[str, Any]) -> list[tuple[str, bool, dict[str, Any]]]:
        data = message.get("data")
        if not isinstance(data, dict) or data.get("c") is None:
            return []
        return [(str(data["c"]), data.get("X") in ("Cancelled", "Expired", "Filled"), data)]

    async def place(self, side: Side, price: Decimal, size: Decimal) -> Placed:
        cid = next(self._ids)
        self.stream.expect(str(cid))
        answer = await self.account.execute_order(
            self.symbol, "Bid" if side is Side.BUY else "Ask", "Limit", time_in_force="GTC",
            quantity=str(size), price=str(price), post_only=True, client_id=cid,
        )  # fmt: skip
        ack = time.monotonic()
        if not isinstance(answer, dict) or "id" not in answer:
            raise PeerError(f"execute_order answered {answer!r}"[:300])
        self.order = (str(cid), str(answer["id"]))
        return Placed(ack, ack, await self.stream.first(str(cid)))

    async def cancel(self) -> None:
        order, self.order = self.order, None
        if order is None:
            return
        answer = await self.account.cancel_order(self.symbol, order_id=order[1])
        if not isinstance(answer, dict) or answer.get("status") != "Cancelled":
            raise PeerError(f"cancel_order answered {answer!r}"[:300])
        await self.stream.final(order[0])

    async def close(self) -> None:
        await self.account.cancel_all_orders(self.symbol)
        await self.stream.close()


class BackpackKeptSessionPeer(BackpackPeer):
    """bpx-py's signing and request building, sent on one kept-alive aiohttp session through the
    `http_client` argument its `Account` takes: what a latency-minded bpx-py user would do."""

    def make_account(self, creds: dict[str, Any]) -> Any:
        from bpx.async_.account import Account
        from bpx.http_client.async_http_client import AsyncHttpClient

        class KeptSession(AsyncHttpClient):
            session: aiohttp.ClientSession | None = None

            async def send(self, method: str, url: str, headers: Any, params: Any = None, data: Any = None) -> Any:
                if self.session is None:
                    self.session = aiohttp.ClientSession()
                body = None if data is None else json.dumps(data)
                async with self.session.request(method, url, headers=headers, params=params, data=body) as resp:
                    text = await resp.text()
                try:
                    return json.loads(text)
                except json.JSONDecodeError:
                    return text

            async def get(self, url: str, headers: Any = None, params: Any = None) -> Any:
                return await self.send("GET", url, headers, params=params)

            async def post(self, url: str, headers: Any = None, data: Any = None) -> Any:
                return await self.send("POST", url, headers, data=data)

            async def delete(self, url: str, headers: Any = None, data: Any = None) -> Any:
                return await self.send("DELETE", url, headers, data=data)

            async def patch(self, url: str, headers: Any = None, data: Any = None) -> Any:
                return await self.send("PATCH", url, headers, data=data)

        self.kept = KeptSession()
        return Account(creds["api_key"], creds["api_secret"], http_client=self.kept)

    async def start(self) -> dict[str, Any]:
        ready = await super().start()
        self.label = ready["client"] = f"{self.label} + kept session"
        return ready

    async def close(self) -> None:
        await super().close()
        if self.kept.session is not None:
            await self.kept.session.close()


class BackpackSyncPeer(BackpackPeer):
    """bpx-py's sync `Account` (its README's first example: `requests`, a new connection for every
    request), called on the worker's loop as a sync program calls it: the stream socket is read
    once the call has returned, so its first-WS time is what such a program sees."""

    class Blocking:
        def __init__(self, sync: Any) -> None:
            self._sync = sync

        def __setattr__(self, name: str, value: Any) -> None:
            if name == "_sync":
                object.__setattr__(self, name, value)
            else:
                setattr(self._sync, name, value)

        def __getattr__(self, name: str) -> Any:
            method = getattr(self._sync, name)

            async def call(*args: Any, **kwargs: Any) -> Any:
                return method(*args, **kwargs)

            return call

    def make_account(self, creds: dict[str, Any]) -> Any:
        from bpx.account import Account

        return self.Blocking(Account(creds["api_key"], creds["api_secret"]))

    async def start(self) -> dict[str, Any]:
        ready = await super().start()
        self.label = ready["client"] = f"{self.label} sync"
        return ready


class LighterPeer(Client):
    async def start(self) -> dict[str, Any]:
        self.label = installed("lighter-sdk")
        import lighter

        creds = self.setup_info["peer_account"]
        self.account_index = int(creds["account_index"])
        self.client = lighter.SignerClient(
            url=self.described["rest"], account_index=self.account_index,
            api_private_keys={int(creds["api_key_index"]): creds["api_private_key"]},
        )  # fmt: skip
        books = await lighter.OrderApi(self.client.api_client).order_books()
        (book,) = [b for b in books.order_books if b.symbol == self.symbol]
        self.market_index = book.market_id
        self.size_scale = Decimal(10) ** book.supported_size_decimals
        self.price_scale = Decimal(10) ** book.supported_price_decimals
        token, error = self.client.create_auth_token_with_expiry()
        if error:
            raise PeerError(f"auth token: {error}")
        ws = await websockets.connect(self.described["ws"], max_size=None)
        hello = json.loads(await ws.recv())
        if hello.get("type") != "connected":
            raise PeerError(f"expected 'connected', got {hello}")
        channel = f"account_all_orders/{self.account_index}"
        await ws.send(json.dumps({"type": "subscribe", "channel": channel, "auth": token}))
        while (first := json.loads(await ws.recv())).get("type") != "subscribed/account_all_orders":
            if first.get("type") == "error" or "error" in first:
                raise PeerError(f"subscribe {channel}: {first}")
        self.stream = OrderStream(ws, self._parse)
        self._ids = iter(range(random.randrange(1, 2**40), 2**48))
        self.order: str | None = None
        return {"client": self.label}

    @staticmethod
    def _parse(ws: Any, message: dict[str, Any]) -> list[tuple[str, bool, dict[str, Any]]]:
        kind = message.get("type")
        if kind == "ping":
            asyncio.get_running_loop().create_task(ws.send('{"type":"pong"}'))
            return []
        if kind != "update/account_all_orders":
            return []
        out = []
        for orders in (message.get("orders") or {}).values():
            for order in orders:
                final = str(order.get("status", "")) not in ("open", "in-progress", "pending")
                out.append((str(order["client_order_index"]), final, order))
        return out

    async def place(self, side: Side, price: Decimal, size: Decimal) -> Placed:
        import lighter

        cid = next(self._ids)
        self.stream.expect(str(cid))
        _, response, error = await self.client.create_order(
            market_index=self.market_index, client_order_index=cid,
            base_amount=int(size * self.size_scale), price=int(price * self.price_scale),
            is_ask=side is Side.SELL, order_type=lighter.SignerClient.ORDER_TYPE_LIMIT,
            time_in_force=lighter.SignerClient.ORDER_TIME_IN_FORCE_POST_ONLY,
        )  # fmt: skip
        ack = time.monotonic()
        if error is not None or response is None or response.code != 200:
            raise PeerError(f"create_order: {error or response}")
        self.order = str(cid)
        return Placed(ack, ack, await self.stream.first(str(cid)))

    async def cancel(self) -> None:
        cid, self.order = self.order, None
        if cid is None:
            return
        order_index = int(self.stream.latest[cid]["order_index"])
        _, response, error = await self.client.cancel_order(market_index=self.market_index, order_index=order_index)
        if error is not None or response is None or response.code != 200:
            raise PeerError(f"cancel_order: {error or response}")
        await self.stream.final(cid)

    async def close(self) -> None:
        await self.stream.close()
        await self.client.close()


class GrvtPeer(Client):
    async def start(self) -> dict[str, Any]:
        self.label = installed("grvt-pysdk")
        from pysdk.grvt_ccxt_env import GrvtWSEndpointType
        from pysdk.grvt_ccxt_ws import GrvtCcxtWS

        from xtb.connectors.grvt import sdk

        creds = self.setup_info["peer_account"]
        hosts = sdk.Hosts.from_hosts(self.described, self.described["rest"], self.described["ws"])
        self.env = sdk.point_sdk_at(hosts, 326)  # the simulator signs and verifies on testnet's chain
        quiet = logging.getLogger("bench.grvt-pysdk")
        quiet.setLevel(logging.WARNING)
        parameters = {"api_key": creds["api_key"], "private_key": creds["private_key"],
                      "trading_account_id": creds["sub_account_id"]}  # fmt: skip
        self.api = GrvtCcxtWS(self.env, asyncio.get_running_loop(), quiet, parameters)  # type: ignore[arg-type]
        await self.api.initialize()
        self._first: dict[str, asyncio.Future[float]] = {}
        self._final: dict[str, asyncio.Future[float]] = {}
        await self.api.subscribe("order", self._on_order)
        deadline = time.monotonic() + WORKER_TIMEOUT_S
        while not self.api.is_stream_subscribed(GrvtWSEndpointType.TRADE_DATA, "order"):
            if time.monotonic() > deadline:
                raise PeerError("the SDK's order subscription was never confirmed")
            await asyncio.sleep(0.01)  # the SDK exposes a flag, not an event, for its subscription
        self._ids = iter(range(2**63 + random.randrange(2**40), 2**64))
        self.order: str | None = None
        return {"client": self.label}

    async def _on_order(self, message: dict[str, Any]) -> None:
        feed = message.get("feed") or {}
        cid = str((feed.get("metadata") or {}).get("client_order_id"))
        now = time.monotonic()
        status = (feed.get("state") or {}).get("status")
        for table, hit in ((self._first, True), (self._final, status in ("CANCELLED", "FILLED", "REJECTED"))):
            future = table.get(cid)
            if hit and future is not None and not future.done():
                future.set_result(now)

    async def _wait(self, table: dict[str, asyncio.Future[float]], cid: str) -> float:
        try:
            return await asyncio.wait_for(asyncio.shield(table[cid]), WS_TIMEOUT_S)
        except TimeoutError:
            raise PeerError(f"no order update for {cid} within {WS_TIMEOUT_S}s") from None

    async def place(self, side: Side, price: Decimal, size: Decimal) -> Placed:
        cid = str(next(self._ids))
        loop = asyncio.get_running_loop()
        self._first[cid], self._final[cid] = loop.create_future(), loop.create_future()
        answer = await self.api.create_order(
            self.symbol, "limit", side.value, size, price, params={"post_only": True, "client_order_id": cid}
        )
        ack = time.monotonic()
        if not answer:
            raise PeerError("create_order answered no result (refused)")
        self.order = cid
        return Placed(ack, ack, await self._wait(self._first, cid))

    async def cancel(self) -> None:
        cid, self.order = self.order, None
        if cid is None:
            return
        if not await self.api.cancel_order(params={"client_order_id": cid}):
            raise PeerError(f"cancel_order {cid} was not acknowledged")
        await self._wait(self._final, cid)

    async def close(self) -> None:
        from xtb.connectors.grvt import sdk

        await self.api.cancel_all_orders()
        self.api.logger.setLevel(logging.CRITICAL)  # its readers log each socket we close as an error
        for endpoint in self.api.endpoint_types:
            if self.api.ws[endpoint] is not None:
                await self.api.ws[endpoint].close()
        await self.api._session.close()
        self.api._session = None  # its __del__ would schedule a close on a loop that is gone
        sdk.release(self.env)


class HyperliquidPeer(Client):
    """hyperliquid-python-sdk as its README has it: `Exchange(wallet, base_url, account_address=…)`
    signing with the agent key (synchronous `requests` on one kept session; each action's nonce is
    the wall clock in ms), called on the worker's loop as a sync program calls it (as
    BackpackSyncPeer), and `Info(base_url)` with its own websocket thread subscribed to
    `orderUpdates`. The thread's callback stamps each update as the SDK hands it over, even while
    the order call blocks the main thread: a sync program's callback runs then too. The base URL is
    the simulator's, which the SDK signs for as testnet (not the mainnet URL), as the simulator
    verifies."""

    async def start(self) -> dict[str, Any]:
        self.label = installed("hyperliquid-python-sdk")
        from eth_account import Account
        from hyperliquid.exchange import Exchange
        from hyperliquid.info import Info
        from hyperliquid.utils.types import Cloid

        creds = self.setup_info["peer_account"]
        url = self.described["rest"].rstrip("/")
        self.user = creds["account_address"]
        self.info = Info(url)  # opens <url>/ws in its own thread
        self.exchange = Exchange(Account.from_key(creds["agent_private_key"]), url, account_address=self.user)
        self.stamps = OrderStamps()
        loop = asyncio.get_running_loop()
        snapshot = loop.create_future()

        def on_order(message: dict[str, Any]) -> None:  # the SDK's websocket thread
            now = time.monotonic()
            for update in message.get("data") or ():
                cid = update.get("order", {}).get("cloid")
                if cid is not None:
                    final = update.get("status") not in ("open", "triggered")
                    loop.call_soon_threadsafe(self.stamps.record, str(cid).lower(), final, update, now)

        def on_fills(message: dict[str, Any]) -> None:
            if (message.get("data") or {}).get("isSnapshot"):
                loop.call_soon_threadsafe(lambda: snapshot.done() or snapshot.set_result(None))

        # orderUpdates sends no snapshot; userFills (subscribed after it, on the same socket) does:
        # once its snapshot is in, the orderUpdates subscription is live
        self.info.subscribe({"type": "orderUpdates", "user": self.user}, on_order)
        self.info.subscribe({"type": "userFills", "user": self.user}, on_fills)
        await asyncio.wait_for(snapshot, WORKER_TIMEOUT_S)
        self._cloid = Cloid
        self._ids = iter(range(random.randrange(1, 2**100), 2**128))
        self.order: Any = None
        return {"client": self.label}

    @staticmethod
    def statuses(answer: Any) -> list[Any] | None:
        """The per-order statuses of an `/exchange` answer; None unless its status is "ok"."""
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            return None
        return ((answer.get("response") or {}).get("data") or {}).get("statuses")

    async def place(self, side: Side, price: Decimal, size: Decimal) -> Placed:
        cloid = self._cloid.from_int(next(self._ids))
        cid = str(cloid).lower()
        self.stamps.expect(cid)
        answer = self.exchange.order(
            self.symbol, side is Side.BUY, float(size), float(price), {"limit": {"tif": "Alo"}}, cloid=cloid
        )
        ack = time.monotonic()
        statuses = self.statuses(answer)
        if not statuses or "resting" not in statuses[0]:
            raise PeerError(f"order answered {answer!r}"[:300])
        self.order = cloid
        return Placed(ack, ack, await self.stamps.first(cid))

    async def cancel(self) -> None:
        cloid, self.order = self.order, None
        if cloid is None:
            return
        answer = self.exchange.cancel_by_cloid(self.symbol, cloid)
        if self.statuses(answer) != ["success"]:
            raise PeerError(f"cancel_by_cloid answered {answer!r}"[:300])
        await self.stamps.final(str(cloid).lower())

    async def close(self) -> None:
        try:
            resting = [o for o in self.info.open_orders(self.user) if o.get("coin") == self.symbol]
            if resting:
                self.exchange.bulk_cancel([{"coin": self.symbol, "oid": o["oid"]} for o in resting])
        finally:
            self.info.disconnect_websocket()


# ---------------------------------------------------------------------------- Aster V3 baseline


def _keccak(data: bytes) -> bytes:
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=data).digest()


class AsterV3Client:
    """A minimal Aster V3 client, straight from the spec (shared venue spec §2.2): every signed
    request carries `nonce` (µs, strictly increasing), `user`, `signer`, and `signature` = the
    signer's secp256k1 signature of EIP-712 `Message{string msg}` over the exact parameter string
    sent (domain AsterSignTransaction / 1 / chainId / 0x0), appended last."""

    DOMAIN_TYPE = _keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    MESSAGE_TYPE = _keccak(b"Message(string msg)")

    def __init__(self, rest: str, user: str, signer: str, signer_key: str, chain_id: int) -> None:
        import coincurve

        self.user, self.signer = user, signer
        self._key = coincurve.PrivateKey(bytes.fromhex(signer_key.removeprefix("0x")))
        self._domain = _keccak(
            self.DOMAIN_TYPE
            + _keccak(b"AsterSignTransaction")
            + _keccak(b"1")
            + chain_id.to_bytes(32, "big")
            + bytes(32)
        )
        self._session = aiohttp.ClientSession(rest)
        self._nonce = 0

    def signed(self, params: str) -> str:
        nonce = self._nonce = max(self._nonce + 1, time.time_ns() // 1000)
        msg = f"{params}&nonce={nonce}&user={self.user}&signer={self.signer}".lstrip("&")
        digest = _keccak(b"\x19\x01" + self._domain + _keccak(self.MESSAGE_TYPE + _keccak(msg.encode())))
        sig = self._key.sign_recoverable(digest, hasher=None)  # r ‖ s ‖ recovery id
        return f"{msg}&signature={sig[:64].hex()}{sig[64] + 27:02x}"

    async def call(self, method: str, path: str, params: str = "") -> Any:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        async with self._session.request(method, path, data=self.signed(params), headers=headers) as resp:
            payload = await resp.json(content_type=None)
        if resp.status >= 400 or (
            isinstance(payload, dict) and isinstance(payload.get("code"), int) and payload["code"] < 0
        ):
            raise PeerError(f"{method} {path} answered {resp.status}: {payload}")
        return payload

    async def close(self) -> None:
        await self._session.close()


class AsterPeer(Client):
    label = "V3 straight-line (in bench)"

    async def start(self) -> dict[str, Any]:
        creds = self.setup_info["peer_account"]
        self.api = AsterV3Client(
            self.described["rest"], creds["user"], creds["signer"], creds["signer_private_key"], 714
        )
        key = (await self.api.call("POST", "/fapi/v3/listenKey"))["listenKey"]
        ws = await websockets.connect(f"{self.described['ws'].rstrip('/')}/ws/{key}", max_size=None)
        await live(ws)
        self.stream = OrderStream(ws, self._parse)
        self._tag = "".join(random.choices("abcdefghijklmnopqrstuvwxyz", k=6))
        self._count = 0
        self.order: str | None = None
        return {"client": self.label}

    @staticmethod
    def _parse(ws: Any, message: dict[str, Any]) -> list[tuple[str, bool, dict[str, Any]]]:
        if message.get("e") != "ORDER_TRADE_UPDATE":
            return []
        order = message["o"]
        return [(str(order["c"]), order.get("X") in ("CANCELED", "FILLED", "EXPIRED"), order)]

    async def place(self, side: Side, price: Decimal, size: Decimal) -> Placed:
        self._count += 1
        cid = f"bench{self._tag}{self._count}"
        self.stream.expect(cid)
        await self.api.call(
            "POST", "/fapi/v3/order",
            f"symbol={self.symbol}&side={side.value.upper()}&type=LIMIT&timeInForce=GTX"
            f"&quantity={size}&price={price}&newClientOrderId={cid}",
        )  # fmt: skip
        ack = time.monotonic()
        self.order = cid
        return Placed(ack, ack, await self.stream.first(cid))

    async def cancel(self) -> None:
        cid, self.order = self.order, None
        if cid is None:
            return
        await self.api.call("DELETE", "/fapi/v3/order", f"symbol={self.symbol}&origClientOrderId={cid}")
        await self.stream.final(cid)

    async def close(self) -> None:
        await self.api.call("DELETE", "/fapi/v3/allOpenOrders", f"symbol={self.symbol}")
        await self.stream.close()
        await self.api.close()


# the first peer of each venue is the client as its users get it; more are variants of it
PEERS: dict[str, list[type[Client]]] = {
    "backpack": [BackpackPeer, BackpackSyncPeer, BackpackKeptSessionPeer],
    "lighter": [LighterPeer],
    "grvt": [GrvtPeer],
    "aster": [AsterPeer],
    "hyperliquid": [HyperliquidPeer],
}


# ============================================================================ worker process


async def measure(client: Client, command: dict[str, Any]) -> dict[str, Any]:
    side, price, size = Side(command["side"]), Decimal(command["price"]), Decimal(command["size"])
    cpu0, t0 = time.process_time(), time.monotonic()
    try:
        placed = await client.place(side, price, size)
        cpu = time.process_time() - cpu0
        placed = client.answered(placed)
        await client.cancel()
    except Exception as exc:
        with contextlib.suppress(Exception):
            await client.cancel()  # leave nothing resting for the next order
        return {"error": f"{type(exc).__name__}: {exc}"[:400]}
    return {
        "ack_ms": (placed.ack - t0) * 1e3,
        "returned_ms": (placed.returned - t0) * 1e3,
        "ws_ms": (placed.ws - t0) * 1e3,
        "cpu_ms": cpu * 1e3,
    }


async def serve_worker(kind: str, venue: str, out: Any) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    setup = json.loads(await reader.readline())
    client = XtbClient(venue, setup) if kind == "xtb" else PEERS[venue][int(kind.removeprefix("peer"))](venue, setup)
    try:
        out.write(json.dumps(await client.start()) + "\n")
        while line := await reader.readline():
            command = json.loads(line)
            if command["cmd"] == "quit":
                break
            out.write(json.dumps(await measure(client, command)) + "\n")
    finally:
        await client.close()


def worker_main(kind: str, venue: str) -> None:
    """The protocol goes on the original stdout; anything a library prints goes to stderr."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    quiet_logs()
    asyncio.run(serve_worker(kind, venue, out))


# ============================================================================ orchestrator


class Worker:
    def __init__(self, kind: str, process: asyncio.subprocess.Process) -> None:
        self.kind = kind
        self.process = process
        self.ready: dict[str, Any] = {}

    @classmethod
    async def spawn(cls, kind: str, venue: str, setup: dict[str, Any]) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, SELF, "--worker", kind, venue,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        worker = cls(kind, process)
        worker.ready = await worker.ask(setup)
        return worker

    async def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), WORKER_TIMEOUT_S)
        if not line:
            raise RuntimeError(f"the {self.kind} worker exited (see its stderr above)")
        return json.loads(line)

    async def quit(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b'{"cmd": "quit"}\n')
            await self.process.stdin.drain()
            try:
                await asyncio.wait_for(self.process.wait(), WORKER_TIMEOUT_S)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@dataclass
class VenueRun:
    """Per client (xtb first, then the peers): its label, samples and failed orders."""

    venue: str
    labels: list[str]
    samples: list[list[dict[str, float]]] = field(default_factory=list)
    errors: list[list[str]] = field(default_factory=list)
    limited: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.samples = [[] for _ in self.labels]
        self.errors = [[] for _ in self.labels]


async def run_venue(venue: str, sim: SimProcess, orders: int, warmup: int) -> VenueRun:
    config = venue_config(venue)
    described = sim.described[venue]
    control = SimControlClient(described["control"])
    workers: list[Worker] = []
    try:
        await control.freeze(config.symbol)
        setup = {"symbol": config.symbol, "described": described}
        workers.append(await Worker.spawn("xtb", venue, setup))
        for index in range(len(PEERS[venue])):
            account = {"account_id": peer_account(venue, index), "collateral": PEER_COLLATERAL}
            created = await control.call("POST", "/accounts", account)
            workers.append(await Worker.spawn(f"peer{index}", venue, {**setup, "peer_account": created["credentials"]}))
        order = {"cmd": "order", **{k: workers[0].ready[k] for k in ("side", "price", "size")}}
        run = VenueRun(venue, [w.ready["client"] for w in workers])
        await control.clear_requests()
        budget = Budget(*ROUND_BUDGET[venue])
        for n in range(warmup + orders):
            await budget.take()
            turn = n % len(workers)  # every client takes every position in the round equally often
            for index in [*range(turn, len(workers)), *range(turn)]:
                result = await workers[index].ask(order)
                if "error" in result:
                    run.errors[index].append(result["error"])
                elif n >= warmup:
                    run.samples[index].append(result)
            if (n + 1) % CHECK_EVERY == 0:
                run.limited += rate_limited(await control.requests())
                await control.clear_requests()
        run.limited += rate_limited(await control.requests())
        return run
    finally:
        for worker in workers:
            await worker.quit()
        await control.unfreeze(config.symbol)
        await control.close()


def peer_account(venue: str, index: int) -> str | int:
    """The simulator account of peer `index`: Lighter accounts are integer indexes."""
    return 777001 + index if venue == "lighter" else f"bench-peer{index}"


METRICS = ("ack_ms", "ws_ms", "returned_ms", "cpu_ms")


def summarize(run: VenueRun) -> list[str]:
    lines = []
    stats: list[dict[str, float] | None] = []
    for label, samples in zip(run.labels, run.samples, strict=True):
        if not samples:
            stats.append(None)
            lines.append(f"{run.venue:<11} {label:<34} no samples")
            continue
        s = {f"{m}{q}": percentile([x[m] for x in samples], q) for m in METRICS for q in (50, 90)}
        stats.append(s)
        returned = f"{s['returned_ms50']:7.2f}" if label == "xtb" else "      -"
        lines.append(
            f"{run.venue:<11} {label:<34} {s['ack_ms50']:6.2f} {s['ack_ms90']:6.2f}   "
            f"{s['ws_ms50']:6.2f} {s['ws_ms90']:6.2f}   {returned}   {s['cpu_ms50']:6.2f} {s['cpu_ms90']:6.2f}"
            f"   {len(samples):4d}"
        )
    ours = stats[0]
    for label, theirs in zip(run.labels[1:], stats[1:], strict=True):
        if ours is None or theirs is None:
            continue
        ack, ws, cpu = (ours[m] / theirs[m] for m in ("ack_ms50", "ws_ms50", "cpu_ms50"))
        verdict = "meets" if max(ack, ws) <= TARGET_RATIO else "MISSES"
        lines.append(
            f"{'':<11} {'xtb/' + label:<34} {ack:5.2f}x          {ws:5.2f}x                    {cpu:5.2f}x"
            f"          p50 ratios: {verdict} <= {TARGET_RATIO}x"
        )
    for label, errors in zip(run.labels, run.errors, strict=True):
        if errors:
            lines.append(f"{'':<11} {label}: {len(errors)} failed orders, first: {errors[0]}")
    if run.limited:
        lines.append(f"{'':<11} INVALID: {len(run.limited)} rate-limited answers, e.g. {run.limited[0]}")
    return lines


async def orchestrate(venues: list[str], orders: int, warmup: int, seed: int) -> int:
    print(f"{orders} orders per client per venue after {warmup} warm-up rounds, interleaved; ms on the client's clock")
    print(f"{'venue':<11} {'client':<34} {'ack p50/p90':>13}   {'1st WS p50/p90':>14}   {'returns':>7}   "
          f"{'CPU/order p50/p90':>17}   {'n':>4}")  # fmt: skip
    failed = False
    async with SimProcess(venues, seed=seed) as sim:
        for venue in venues:
            run = await run_venue(venue, sim, orders, warmup)
            for line in summarize(run):
                print(line, flush=True)
            failed |= bool(run.limited) or any(run.errors)
    return 1 if failed else 0


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200, help="orders per client per venue (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="rounds not counted (connections, caches)")
    parser.add_argument("--venues", default=",".join(PEERS), help="comma-separated (default: all five)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    venues = [v.strip() for v in args.venues.split(",") if v.strip()]
    unknown = sorted(set(venues) - set(PEERS))
    if unknown:
        parser.error(f"unknown venues {unknown}; known: {', '.join(PEERS)}")
    quiet_logs()
    return asyncio.run(orchestrate(venues, args.orders, args.warmup, args.seed))


if __name__ == "__main__":
    sys.exit(main())
