"""Deliberately broken Aster connectors: the venue's own ways to get a position or a status wrong.

Each is a bug a tired engineer writes against Aster's payloads (spec §4.4: positionRisk's signed
`positionAmt` and `notional`, the account's per-symbol `initialMargin` that also holds the resting
orders' margin; §5.3 ACCOUNT_UPDATE's signed `pa`; §6.1 statuses, EXPIRED among them). The self-test
runs the conformance catalog with each one on the Aster simulator and expects the scenario named in
EXPECTED_FAILURES to fail.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tests.selftest.venues import read_status_as_open
from xtb.connectors.aster import AsterConnector, mapping
from xtb.model import Position


class WrongPositionField(AsterConnector):
    """Sizes the REST position from the margin the symbol holds instead of reading `positionAmt`:
    the account's `positions[].initialMargin` × `leverage` / positionRisk's `markPrice`, signed like
    `positionAmt` (the position's value at the mark, as a margin screen shows it). `initialMargin`
    is the position's margin plus the symbol's resting orders' (`positionInitialMargin` +
    `openOrderInitialMargin`), so the size is right only while no order rests: a short with orders
    resting on both sides reads as a larger short. (positionRisk itself has no field of that kind:
    its signed `notional` is `positionAmt` × `markPrice`.)"""

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        params = {"symbol": symbol} if symbol else None
        risk = await self.rest.request("GET", "positionRisk", params, security="USER_DATA")
        account = await self.rest.request("GET", "account", security="USER_DATA")
        marks = {row["symbol"]: Decimal(str(row["markPrice"])) for row in risk}
        margins = {
            row["symbol"]: Decimal(str(row["initialMargin"])) * Decimal(str(row["leverage"]))
            for row in account["positions"]
            if row["positionSide"] == "BOTH"
        }
        positions = []
        for position in mapping.parse_position_risk(risk):
            if position.size:
                market = self._markets.get(position.symbol)
                size = margins[position.symbol] / marks[position.symbol]
                size = size.quantize(market.step_size) if market is not None else size
                position = replace(position, size=size.copy_sign(position.size))
            positions.append(position)
        return positions


UNHANDLED_STATUS = "EXPIRED"


class UnknownStatusIsOpen(AsterConnector):
    """Its status table lacks `EXPIRED` (the venue ending an order on its own: an oversize
    reduce-only capped at the position, IOC/FOK remainders, self-trade prevention) and maps a
    status it does not know to OPEN instead of raising: the expired order is believed to rest."""

    async def start(self) -> None:
        read_status_as_open(mapping, UNHANDLED_STATUS)
        await super().start()


# The scenario that must fail for each variant.
EXPECTED_FAILURES: dict[str, str] = {
    "WrongPositionField": "position_with_resting_orders",
    "UnknownStatusIsOpen": "reduce_only_oversize",
}
