"""What Hyperliquid's socket says about an order between its status changes, and about positions.

`orderUpdates` sends one entry per status change and nothing when an order fills in part (§5.4,
§10 item 12), and no channel the connector reads carries positions. The fills on `userFills` carry
both: the order (`oid`) and the size they filled, and the coin's position before them
(`startPosition`). So the stream's view of a partly filled order is its last `orderUpdates` entry
moved by the fills the socket delivered after it, and the stream's position is the newest fill's
`startPosition` moved by that fill — both the venue's own figures, read off its socket.

Each fill counts once (by trade id): the `userFills` snapshot sent after every (re)subscribe
repeats fills already seen. A position never steps back to an older fill's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from xtb.model import Fill, OrderSnapshot, OrderState, Position

LIVE = (OrderState.OPEN, OrderState.PARTIALLY_FILLED)


@dataclass
class _Seen:
    snapshot: OrderSnapshot  # the last orderUpdates entry, or that entry moved by later fills
    counted: set[str] = field(default_factory=set)  # trade ids already in `snapshot.filled`


class StreamViews:
    def __init__(self) -> None:
        self._orders: dict[str, _Seen] = {}
        self._positions: dict[str, tuple[float, int]] = {}  # coin → fill_order of the fill shown

    def on_order(self, snapshot: OrderSnapshot) -> None:
        """An `orderUpdates` entry: the order's filled size as of its status change."""
        if snapshot.venue_id is None:
            return
        if snapshot.state in LIVE:
            self._orders[snapshot.venue_id] = _Seen(snapshot)
        else:
            self._orders.pop(snapshot.venue_id, None)

    def on_fill(self, fill: Fill) -> OrderSnapshot | None:
        """The order's stream view after this fill, when the fill leaves it partly filled (a fill
        that completes it is followed by the venue's own `filled` entry); None otherwise."""
        seen = self._orders.get(fill.venue_id or "")
        if seen is None or fill.trade_id in seen.counted:
            return None
        before = seen.snapshot
        if before.venue_ts is not None and fill.venue_ts is not None and fill.venue_ts < before.venue_ts:
            return None  # older than the entry, so already in its size
        seen.counted.add(fill.trade_id)
        filled = before.filled + fill.size
        if before.size is None or filled >= before.size:
            return None
        seen.snapshot = replace(
            before,
            state=OrderState.PARTIALLY_FILLED,
            filled=filled,
            avg_fill_price=None,  # the socket may not have shown every fill of the order
            venue_status="open",
            reason="",
            venue_ts=fill.venue_ts,
            raw={},
        )
        return seen.snapshot

    def on_position(self, position: Position, trade_id: str) -> Position | None:
        """The position after a fill, unless a newer fill already showed one."""
        key = fill_order(position.venue_ts, trade_id)
        shown = self._positions.get(position.symbol)
        if shown is not None and key <= shown:
            return None
        self._positions[position.symbol] = key
        return position


def fill_order(venue_ts: float | None, trade_id: str) -> tuple[float, int]:
    """Where a fill stands among the account's fills: by time, then by trade id (numeric: tids grow
    within a block)."""
    return venue_ts or 0.0, int(trade_id) if trade_id.isdigit() else 0
