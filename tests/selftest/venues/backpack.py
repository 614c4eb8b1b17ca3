"""Deliberately broken Backpack connectors: the venue's own ways to get a position or a status wrong.

Each is a bug a tired engineer writes against Backpack's payloads (spec §4.13 positions: signed
`netQuantity` beside `netExposureQuantity`, which counts the worst case of the open orders; §5.5 the
stream's signed `q` beside its exposure `Q`; §6.3 statuses). The self-test runs the conformance
catalog with each one on the Backpack simulator and expects the scenario named in
EXPECTED_FAILURES to fail.
"""

from __future__ import annotations

from tests.selftest.venues import read_status_as_open
from xtb.connectors.backpack import BackpackConnector, endpoints, mapping
from xtb.model import Position


class WrongPositionField(BackpackConnector):
    """Reads the REST position from `netExposureQuantity` instead of `netQuantity`: both are the
    signed net size while no order rests, but the exposure adds the worst case of the open orders
    (a short with a resting sell reads as a larger short)."""

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        params = {"symbol": symbol} if symbol else None
        rows = await self.rest.request(endpoints.POSITIONS, params=params)
        return [
            mapping.parse_position({**r, "netQuantity": mapping.field(r, "netExposureQuantity", "position")})
            for r in mapping.rows(rows, "positions")
        ]


class UnknownStatusIsOpen(BackpackConnector):
    """Maps a status it does not handle (Expired) to OPEN instead of raising: a reduce-only order
    the venue expired (ReduceOnlyNotReduced) is believed to rest."""

    async def start(self) -> None:
        read_status_as_open(mapping, "Expired")
        await super().start()


# The scenario that must fail for each variant.
EXPECTED_FAILURES: dict[str, str] = {
    "WrongPositionField": "position_with_resting_orders",
    "UnknownStatusIsOpen": "reduce_only_without_position",
}
