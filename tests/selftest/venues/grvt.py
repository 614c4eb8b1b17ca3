"""Deliberately broken GRVT connectors: the venue's own ways to get a position or a status wrong.

Each is a bug a tired engineer writes against GRVT's payloads (spec §4.9 Positions: `size` signed,
negative for a short; `notional` the position's value at the mark price, also negative for a short,
per the venue's schema; §6 statuses PENDING / OPEN / FILLED / CANCELLED / REJECTED). The self-test
runs the conformance catalog with each one on the GRVT simulator and expects the scenario named in
EXPECTED_FAILURES to fail.
"""

from __future__ import annotations

from tests.selftest.venues import read_status_as_open
from xtb.connectors.grvt import GrvtConnector, endpoints, mapping
from xtb.model import Position, Source


class WrongPositionField(GrvtConnector):
    """Reads the REST position from `notional` (the position's value at the mark price, in USDT)
    instead of `size` (its amount in the base asset): "value" read as "how much", the sign kept.
    GRVT's Positions carries no field that equals the size only while no order rests, and the
    tempting `notional / price` is no bug here: over `mark_price` it is the size exactly (notional
    is signed, size × mark), over `entry_price` it is off only while the mark is away from the
    entry, which the market decides, so a self-test could not count on catching it."""

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        answer = await self.rest.call(endpoints.POSITIONS, self._account_body(symbol))
        rows = mapping.result(answer, "positions", list)
        positions = [mapping.parse_position({**row, "size": row.get("notional")}, Source.REST) for row in rows]
        return [p for p in positions if symbol is None or p.symbol == symbol]


UNHANDLED_STATUS = "REJECTED"


class UnknownStatusIsOpen(GrvtConnector):
    """Its status table lacks `REJECTED` (the asynchronous refusal after the PENDING acknowledgement)
    and maps a status it does not know to OPEN instead of raising: a post-only order the venue
    refused for crossing (FAIL_POST_ONLY) is believed to rest."""

    async def start(self) -> None:
        read_status_as_open(mapping, UNHANDLED_STATUS)
        await super().start()


# The scenario that must fail for each variant.
EXPECTED_FAILURES: dict[str, str] = {
    "WrongPositionField": "position_with_resting_orders",
    "UnknownStatusIsOpen": "post_only_would_cross",
}
