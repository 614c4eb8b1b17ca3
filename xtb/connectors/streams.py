"""One stream layout for every venue: a venue's `streams.py` reads its sockets and hands what it
parsed to a narrow `StreamSink`; it never holds the connector.

Why: a stream parser that can reach the whole connector ends up calling its protected methods, and
the connector and its streams import each other. The sink is everything a parser may do: report
an order update, a fill, a position, move a book (through `books`), or say that a private message
was lost (`recover`: the connector re-reads over REST). The supervision around it (reconnects with
back-off, "live" signalling, reconciliation after a reconnect) is the base's.

A venue's streams object (`VenueStreams`) names its sockets and runs one of them until it ends;
`BaseConnector` builds it through `_streams()` once started, and supervises each name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Protocol

import aiohttp

from xtb.connectors.books import BookKeeper
from xtb.errors import ConnectionLost
from xtb.model import Fill, OrderSnapshot, Position

if TYPE_CHECKING:
    from xtb.clock import Clock

StreamReady = Callable[[], None]


class StreamSink(Protocol):
    """What a stream parser may do with what it read."""

    venue: str
    books: BookKeeper
    clock: Clock

    def order(self, snapshot: OrderSnapshot) -> None:
        """An order update (apply a fill of the same message first: the tracker sees the fill,
        then the state)."""

    def fill(self, fill: Fill) -> None:
        """One execution, with the trade id that de-duplicates it against REST history."""

    def position(self, position: Position) -> None:
        """The stream's view of one position (the REST read stays the truth)."""

    def recover(self, reason: str) -> None:
        """A private message was lost (a sequence gap): re-read orders, fills and positions over REST
        in the background."""


class VenueStreams(Protocol):
    """A venue's sockets: their names, and running one until it ends (return) or fails (raise)."""

    def names(self) -> list[str]: ...

    async def run(self, name: str, ready: StreamReady) -> None:
        """Connect, subscribe, call `ready()` once live, then parse frames into the sink."""


async def text_frames(ws: aiohttp.ClientWebSocketResponse, venue: str) -> AsyncIterator[str]:
    """The text frames of a socket until it ends, which raises ConnectionLost (a socket never ends
    quietly: the supervisor reconnects and reconciles). Pings are aiohttp's to answer (autoping)."""
    async for msg in ws:
        if msg.type is aiohttp.WSMsgType.TEXT:
            yield msg.data
        elif msg.type is aiohttp.WSMsgType.ERROR:
            raise ConnectionLost(f"stream error: {ws.exception()!r}", venue=venue)
    raise ConnectionLost(f"stream closed (code {ws.close_code})", venue=venue)
