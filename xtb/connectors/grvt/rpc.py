"""One GRVT JSON-RPC socket (`/ws/full`, spec §5.2-§5.4) as the streams read it: requests with ids
(replies matched by id, never by `method`, which the venue echoes as "subscribe" even for an
unsubscribe), and data frames checked against their `(stream, selector)` sequence: snapshots "0",
then each delta exactly one more; a repeat is a duplicate, a jump a gap."""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from xtb.connectors.parsing import PayloadReader, clip
from xtb.connectors.streams import text_frames
from xtb.errors import VenueProtocolError

VENUE = "grvt"
_read = PayloadReader(VENUE)


class Seq(enum.Enum):
    SNAPSHOT = "snapshot"
    NEXT = "next"
    DUPLICATE = "duplicate"
    GAP = "gap"


class RpcSocket:
    """The venue's socket reader: JSON-RPC requests out, parsed frames and their sequence in."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self.pending: dict[int, tuple[str, str, list[str]]] = {}  # id → (method, stream, selectors)
        self._last: dict[tuple[str, str], int] = {}

    async def request(self, method: str, stream: str, selectors: list[str]) -> int:
        rid = next(self._ids)
        self.pending[rid] = (method, stream, list(selectors))
        params = {"stream": stream, "selectors": selectors}
        await self.ws.send_str(json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": rid}))
        return rid

    async def subscribe(self, stream: str, selectors: list[str]) -> int:
        for selector in selectors:
            self._last[(stream, selector)] = 0  # deltas start at 1 after the snapshots ("0")
        return await self.request("subscribe", stream, selectors)

    async def resubscribe(self, stream: str, selector: str) -> None:
        """After a gap: drop the selector and take it again, which starts a new snapshot."""
        await self.request("unsubscribe", stream, [selector])
        await self.subscribe(stream, [selector])

    def reply(self, frame: Mapping[str, Any]) -> tuple[str, str, list[str]] | None:
        """The request a reply answers (and forgets it); None for a frame that answers nothing."""
        rid = frame.get("id")
        if not isinstance(rid, int) or rid not in self.pending:
            return None
        return self.pending.pop(rid)

    def sequence(self, frame: Mapping[str, Any]) -> tuple[Seq, int]:
        key = (str(frame.get("stream")), str(frame.get("selector")))
        number = frame.get("sequence_number")
        try:
            seq = _read.integer(number, "sequence_number", minimum=0, strings=True)
        except VenueProtocolError:
            raise VenueProtocolError(
                f"data frame without a sequence number: {clip(dict(frame), 300)}", venue=VENUE
            ) from None
        if seq == 0:
            self._last[key] = 0
            return Seq.SNAPSHOT, 0
        last = self._last.get(key, 0)
        if seq <= last:
            return Seq.DUPLICATE, seq
        self._last[key] = seq
        return (Seq.NEXT if seq == last + 1 else Seq.GAP), seq

    async def frames(self) -> AsyncIterator[dict[str, Any]]:
        """Parsed text frames until the socket ends (then ConnectionLost)."""
        async for text in text_frames(self.ws, VENUE):
            frame = _read.json(text, "stream frame")
            if isinstance(frame, dict):
                yield frame
