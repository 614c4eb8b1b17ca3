"""Deliberately broken Lighter connectors: the venue's own ways to get a position or a status wrong.

Each is a bug a tired engineer writes against Lighter's payloads (spec §4 Position: `position` is
the absolute size and `sign` the direction; §6 statuses). The self-test runs the conformance catalog
with each one on the Lighter simulator and expects the scenario named in EXPECTED_FAILURES to fail.
"""

from __future__ import annotations

from tests.selftest.venues import read_status_as_open
from xtb.connectors.lighter import LighterConnector, mapping
from xtb.model import Position, Source


class WrongPositionField(LighterConnector):
    """Reads the REST position from `position_value` (the position's notional at the mark price,
    |size| × mark, in USDC) instead of `position` (its size in the base asset), sign applied.
    Lighter's Position carries no field that equals the size only while no order rests, so the
    realistic wrong field is the exposure one: "value" read as "how much"."""

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        account = await self._account()
        rows = mapping.rows(account.get("positions"), "positions")
        positions = [mapping.parse_position({**p, "position": p["position_value"]}, Source.REST) for p in rows]
        return [p for p in positions if symbol is None or p.symbol == symbol]


UNHANDLED_STATUS = "canceled-reduce-only"


class UnknownStatusIsOpen(LighterConnector):
    """Its status table lacks `canceled-reduce-only` and maps a status it does not know to OPEN
    instead of raising: a reduce-only order the venue refused is believed to rest."""

    async def start(self) -> None:
        read_status_as_open(mapping, UNHANDLED_STATUS)
        await super().start()


# The scenario that must fail for each variant.
EXPECTED_FAILURES: dict[str, str] = {
    "WrongPositionField": "position_with_resting_orders",
    "UnknownStatusIsOpen": "reduce_only_without_position",
}
