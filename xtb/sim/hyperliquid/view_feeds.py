"""The socket's view channels (spec §5.3): `userFundings`, `activeAssetCtx`, `activeAssetData`,
`webData2`, each carrying what the matching `/info` answer holds (`views.AccountViews` renders it).

Every subscription gets its view right after the ack (`userFundings` as its `isSnapshot` frame).
`activeAssetData` and `webData2` go out again when the user's account changes (an order update, a
fill, a leverage or margin change: the front-end's outbox says so once per operation);
`activeAssetCtx` every `active_asset_ctx_interval_s` (~1 s, §5.3). Funding is not simulated, so
`userFundings` has its snapshot and nothing after. Without views (a socket tested on its own) the
four types read as unknown, as does `webData2` while the run switches it off.
"""

from __future__ import annotations

from typing import Any, Protocol

from xtb.sim.hyperliquid.subscriptions import Subscription, frame, held, hub_channel
from xtb.sim.hyperliquid.ws_settings import HyperliquidWsSettings
from xtb.sim.stream_hub import StreamConnection, StreamHub

CHANGING = frozenset({"activeAssetData", "webData2"})


class Views(Protocol):
    """What renders the view channels (the front-end's `views.AccountViews`)."""

    def refuses(self, kind: str) -> bool: ...
    def view(self, sub: Subscription) -> Any: ...


class ViewFeeds:
    def __init__(self, hub: StreamHub, settings: HyperliquidWsSettings, views: Views | None) -> None:
        self.hub = hub
        self.settings = settings
        self.views = views
        self._last_ctx_push: float | None = None

    def serves(self, kind: str) -> bool:
        return self.views is not None and not self.views.refuses(kind)

    def snapshot(self, conn: StreamConnection, sub: Subscription) -> None:
        self._send(conn, sub)

    def account_changed(self, user: str) -> None:
        user = user.lower()
        for conn in self.hub.connections:
            for sub in tuple(held(conn).values()):
                if sub.type in CHANGING and sub.user == user:
                    self._send(conn, sub)

    def beat(self, now: float) -> None:
        last = self._last_ctx_push
        if last is not None and now - last < self.settings.active_asset_ctx_interval_s:
            return
        self._last_ctx_push = now
        for conn in self.hub.connections:
            for sub in tuple(held(conn).values()):
                if sub.type == "activeAssetCtx":
                    self._send(conn, sub)

    def _send(self, conn: StreamConnection, sub: Subscription) -> None:
        if self.views is None:
            return
        data = self.views.view(sub)
        self.hub.send(conn, hub_channel(sub), sub.type, frame(sub.type, data))
