"""The Hyperliquid simulator's socket (spec §5): client frames in, the venue's frames out.

One URL, JSON frames `{"method": "subscribe" | "unsubscribe" | "ping" | "post", ...}`. No greeting;
every server frame is `{"channel", "data"}` except `{"channel":"pong"}`; a frame the venue cannot
read gets `Error parsing JSON into valid websocket request: <the frame>` and the socket stays open.
A socket closes (1000) a while after its client last sent anything (§10 item 19). `post` runs one
`/info` or `/exchange` payload through the front-end's own handlers (same auth, nonces and limits)
and wraps the answer (§5.2).

The market feeds are `feeds.py`, the view channels (userFundings, activeAssetCtx, activeAssetData,
webData2) `view_feeds.py`; the user feeds are pushed by the front-end through
`publish_order_updates`, `publish_fills`, `publish_user_event` and `publish_account_change` once its
venue records are up to date. Hub channels: `orderUpdates:<user>`, `userFills:<user>`, `user:<user>` (kind: the venue
channel) and `l2Book:<coin>`, `bbo:<coin>`, `trades:<coin>`, `candle:<coin>`, `allMids`; control
answers (acks, errors, pong, post answers) go on channel `control` with the venue channel as kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from xtb.sim import inbound
from xtb.sim.engine_types import AccountId, EngineEvent
from xtb.sim.hyperliquid import books
from xtb.sim.hyperliquid.feeds import MarketFeeds
from xtb.sim.hyperliquid.subscriptions import (
    USER_TYPES,
    VIEW_TYPES,
    InvalidSubscription,
    Subscription,
    SubscriptionParseError,
    check_subscription,
    frame,
    held,
    hub_channel,
    parse_subscription,
)
from xtb.sim.hyperliquid.view_feeds import ViewFeeds, Views
from xtb.sim.hyperliquid.ws_settings import HyperliquidWsSettings
from xtb.sim.periodic import Periodic
from xtb.sim.stream_hub import StreamConnection, StreamHub
from xtb.sim.venue_streams import VenueStreams

if TYPE_CHECKING:
    from xtb.sim.engine import Engine

log = logging.getLogger(__name__)

PARSE_ERROR = "Error parsing JSON into valid websocket request: "
CONTROL = "control"
_LAST_FRAME = "hyperliquid_last_frame"
_REQUEST_ERRORS = (400, 415, 422)  # what POST /info or /exchange answers for a payload it cannot read

InfoCall = Callable[[dict[str, Any]], Awaitable[tuple[int, Any]]]
ExchangeCall = Callable[[dict[str, Any], StreamConnection], Awaitable[tuple[int, Any]]]


class HyperliquidSimStreams(VenueStreams):
    """`info` / `exchange` answer one payload exactly as `POST /info` / `POST /exchange` would
    (status, body); `recent_fills(user, aggregate_by_time)` is the userFills snapshot, newest
    first; `coins` the tradable coins; `now_ms` the venue clock; `views` renders the view channels
    (None: they read as unknown). `address_of` (an attribute, to
    replace when engine accounts are not addresses) names trade counterparties."""

    def __init__(
        self,
        hub: StreamHub,
        engine: Engine,
        *,
        settings: HyperliquidWsSettings,
        coins: Callable[[], Sequence[str]],
        info: InfoCall,
        exchange: ExchangeCall,
        recent_fills: Callable[[str, bool], list[dict[str, Any]]],
        now_ms: Callable[[], int],
        views: Views | None = None,
    ) -> None:
        self.hub = hub
        self.engine = engine
        self.settings = settings
        self.coins = coins
        self.info = info
        self.exchange = exchange
        self.recent_fills = recent_fills
        self.now_ms = now_ms
        self.address_of: Callable[[AccountId], str] = books.user_address
        self.feeds = MarketFeeds(
            hub, engine, settings, coins=coins, now_ms=now_ms, address_of=lambda a: self.address_of(a)
        )
        self.view_feeds = ViewFeeds(hub, settings, views)
        self.periodic = Periodic("hyperliquid-sim-ws", settings.beat_s, self._beat)
        self._closing: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------------ connections

    def on_open(self, conn: StreamConnection) -> None:
        conn.state[_LAST_FRAME] = asyncio.get_running_loop().time()
        held(conn)

    def on_close(self, conn: StreamConnection) -> None:
        held(conn).clear()
        conn.channels.clear()

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        conn.state[_LAST_FRAME] = asyncio.get_running_loop().time()
        text = data if isinstance(data, str) else data.decode("utf-8", "replace")
        try:
            request = inbound.loads(text)
        except ValueError:
            request = None
        method = request.get("method") if isinstance(request, dict) else None
        if method == "ping":
            self.hub.send(conn, CONTROL, "pong", {"channel": "pong"})
        elif method in ("subscribe", "unsubscribe"):
            assert isinstance(request, dict)
            try:
                sub = parse_subscription(request.get("subscription"))
            except SubscriptionParseError:
                self._error(conn, PARSE_ERROR + text)
                return
            if sub.type in VIEW_TYPES and not self.view_feeds.serves(sub.type):
                self._error(conn, PARSE_ERROR + text)
                return
            if method == "subscribe":
                self._subscribe(conn, sub)
            else:
                self._unsubscribe(conn, sub)
        elif method == "post":
            assert isinstance(request, dict)
            await self._post(conn, request, text)
        else:
            self._error(conn, PARSE_ERROR + text)

    def _error(self, conn: StreamConnection, text: str) -> None:
        self.hub.send(conn, CONTROL, "error", frame("error", text))

    def _ack(self, conn: StreamConnection, method: str, sub: Subscription) -> None:
        data = {"method": method, "subscription": sub.echo}
        self.hub.send(conn, CONTROL, "subscriptionResponse", frame("subscriptionResponse", data))

    # ---------------------------------------------------------------------- subscriptions

    def _subscribe(self, conn: StreamConnection, sub: Subscription) -> None:
        subs = held(conn)
        if sub.key in subs:
            self._error(conn, f"Already subscribed: {sub.key}")
            return
        try:
            check_subscription(sub, frozenset(self.coins()))
        except InvalidSubscription as exc:
            if self.settings.invalid_subscription_closes:
                self._close(conn, self.settings.idle_close_code)
            else:
                self._error(conn, str(exc))
            return
        refusal = self._over_limit(conn, sub)
        if refusal is not None:
            self._error(conn, refusal)
            return
        subs[sub.key] = sub
        conn.channels.add(hub_channel(sub))
        self._ack(conn, "subscribe", sub)
        if sub.type == "userFills":
            user = sub.user
            assert user is not None
            fills = self.recent_fills(user, bool(sub.get("aggregateByTime")))
            snapshot = {"isSnapshot": True, "user": user, "fills": fills}
            self.hub.send(conn, hub_channel(sub), "userFills", frame("userFills", snapshot))
        elif sub.type in VIEW_TYPES:
            self.view_feeds.snapshot(conn, sub)
        else:
            self.feeds.snapshot(conn, sub)

    def _unsubscribe(self, conn: StreamConnection, sub: Subscription) -> None:
        subs = held(conn)
        if subs.pop(sub.key, None) is None:
            self._error(conn, f"Already unsubscribed: {sub.key}")
            return
        channel = hub_channel(sub)
        if all(hub_channel(other) != channel for other in subs.values()):
            conn.channels.discard(channel)
        self._ack(conn, "unsubscribe", sub)

    def _over_limit(self, conn: StreamConnection, sub: Subscription) -> str | None:
        """The error text when `sub` would pass a subscription or unique-user limit (§5.1)."""
        settings = self.settings
        if settings.limits_per == "ip":
            peers = [c for c in self.hub.connections if c.request.remote == conn.request.remote]
            if conn not in peers:
                peers.append(conn)
        else:
            peers = [conn]
        holding = [other for peer in peers for other in held(peer).values()]
        if len(holding) >= settings.max_subscriptions:
            return settings.too_many_subscriptions_text.format(limit=settings.max_subscriptions)
        if sub.type in USER_TYPES:
            users = {other.user for other in holding if other.type in USER_TYPES}
            if sub.user not in users and len(users) >= settings.max_users:
                return settings.too_many_users_text.format(limit=settings.max_users)
        return None

    # ------------------------------------------------------------------------------ posts

    async def _post(self, conn: StreamConnection, request: dict[str, Any], text: str) -> None:
        """§5.2: `{"method":"post","id":n,"request":{"type":"info"|"action","payload":{…}}}`."""
        post_id = request.get("id")
        inner = request.get("request")
        payload = inner.get("payload") if isinstance(inner, dict) else None
        kind = inner.get("type") if isinstance(inner, dict) else None
        readable = type(post_id) is int and 0 <= post_id < 2**64  # a u64
        if not readable or kind not in ("info", "action") or not isinstance(payload, dict):
            self._error(conn, PARSE_ERROR + text)
            return
        try:
            if kind == "info":
                status, body = await self.info(payload)
            else:
                status, body = await self.exchange(payload, conn)
        except Exception:  # the handlers answer everything; a bug there still gets the venue's shape
            log.exception("ws post failed conn=%s kind=%s", conn.id, kind)
            status, body = 500, None
        if status in _REQUEST_ERRORS:
            self._error(conn, PARSE_ERROR + text)  # the venue loses the id here
            return
        if status != 200:
            response: dict[str, Any] = {"type": "error", "payload": self._status_text(status)}
        elif kind == "info":
            response = {"type": "info", "payload": {"type": payload.get("type"), "data": body}}
        else:
            response = {"type": "action", "payload": body}
        self.hub.send(conn, CONTROL, "post", frame("post", {"id": post_id, "response": response}))

    def _status_text(self, status: int) -> str:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return self.settings.post_error_text.format(status=status, phrase=phrase)

    # ------------------------------------------------------------------------- user feeds

    def publish_order_updates(self, user: str, updates: list[dict[str, Any]]) -> None:
        """`orderUpdates` (no snapshot, no `user` field): the list of status changes (§5.4)."""
        self._user_feed("orderUpdates", user, "orderUpdates", updates)

    def publish_fills(self, user: str, fills: list[dict[str, Any]]) -> None:
        """Live fills on `userFills` (without `isSnapshot`) and on `user` (userEvents)."""
        user = user.lower()
        self._user_feed("userFills", user, "userFills", {"user": user, "fills": fills})
        self._user_feed("userEvents", user, "user", {"fills": fills})

    def publish_user_event(self, user: str, event: dict[str, Any]) -> None:
        """One userEvents message on channel `user`, e.g. `{"nonUserCancel": [{coin, oid}]}`."""
        self._user_feed("userEvents", user, "user", event)

    def publish_account_change(self, user: str) -> None:
        """The user's account changed: activeAssetData and webData2 go out again."""
        self.view_feeds.account_changed(user)

    def _user_feed(self, kind: str, user: str, channel: str, data: Any) -> None:
        user = user.lower()
        message = frame(channel, data)
        for conn in self.hub.connections:
            for sub in tuple(held(conn).values()):
                if sub.type == kind and sub.user == user:
                    self.hub.send(conn, hub_channel(sub), channel, message)

    # ----------------------------------------------------------------- engine and clock

    def on_engine_event(self, event: EngineEvent) -> None:
        """Market data only; the front-end publishes the user feeds from its own records."""
        self.feeds.on_engine_event(event)

    async def _beat(self, beat: int) -> None:
        now = asyncio.get_running_loop().time()
        idle = self.settings.idle_timeout_s
        if idle is not None:
            for conn in self.hub.connections:
                if now - conn.state.get(_LAST_FRAME, now) >= idle:
                    self._close(conn, self.settings.idle_close_code)
        self.feeds.beat(now)
        self.view_feeds.beat(now)

    def _close(self, conn: StreamConnection, code: int) -> None:
        if conn.closed or conn.state.get("hyperliquid_closing"):
            return
        conn.state["hyperliquid_closing"] = True
        task = asyncio.get_running_loop().create_task(conn.close(code, b""))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
