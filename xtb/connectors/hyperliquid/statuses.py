"""Hyperliquid order statuses (`orderStatus`, `orderUpdates`) → the runtime's OrderState (spec §6.2).

Every documented status is listed by name. The spec calls the set open-ended, but an unlisted status
raises VenueProtocolError naming it instead of being guessed from its suffix: a new status is a venue
change someone must read, and treating it as open would leave a ghost order in the book we track.
The placement answers `"waitingForTrigger"` / `"waitingForFill"` are per-order results of the
`order` action, not statuses, and are read with those results.
"""

from __future__ import annotations

from decimal import Decimal

from xtb.connectors.parsing import clip
from xtb.errors import VenueProtocolError
from xtb.model import OrderState

VENUE = "hyperliquid"

CONDITIONAL_STATUSES = frozenset({"triggered"})
"""A trigger order that fired; it stays live (OPEN) until the order it spawned resolves."""

CANCELLED_STATUSES = frozenset(
    {
        "canceled",
        "marginCanceled",
        "vaultWithdrawalCanceled",
        "openInterestCapCanceled",
        "selfTradeCanceled",
        "reduceOnlyCanceled",
        "siblingFilledCanceled",
        "delistedCanceled",
        "liquidatedCanceled",
        "scheduledCancel",
        "outcomeSettledCanceled",
        "internalCancel",
    }
)
"""Ended after it was accepted: CANCELLED, keeping whatever filled before."""

REJECTED_STATUSES = frozenset(
    {
        "rejected",
        "tickRejected",
        "minTradeNtlRejected",
        "perpMarginRejected",
        "reduceOnlyRejected",
        "badAloPxRejected",
        "iocCancelRejected",
        "badTriggerPxRejected",
        "marketOrderNoLiquidityRejected",
        "positionIncreaseAtOpenInterestCapRejected",
        "positionFlipAtOpenInterestCapRejected",
        "tooAggressiveAtOpenInterestCapRejected",
        "openInterestIncreaseRejected",
        "insufficientSpotBalanceRejected",
        "oracleRejected",
        "perpMaxPositionRejected",
        "tooManyOpenOrdersRejected",
    }
)
"""Refused by the venue: FAILED when nothing filled, CANCELLED when something did."""

STATUSES = CONDITIONAL_STATUSES | CANCELLED_STATUSES | REJECTED_STATUSES | {"open", "filled"}


def order_state(status: object, filled: Decimal) -> OrderState:
    """The runtime state for a venue status; `filled` is `origSz − sz` from the same payload, which
    tells an open order from a partly filled one and a refusal from a cancelled remainder."""
    if not isinstance(status, str) or status not in STATUSES:
        raise VenueProtocolError(f"unknown order status {clip(status)}", venue=VENUE)
    if status == "filled":
        return OrderState.FILLED
    if status == "open":
        return OrderState.PARTIALLY_FILLED if filled > 0 else OrderState.OPEN
    if status in CONDITIONAL_STATUSES:
        return OrderState.OPEN
    if status in CANCELLED_STATUSES:
        return OrderState.CANCELLED
    return OrderState.CANCELLED if filled > 0 else OrderState.FAILED  # REJECTED_STATUSES
