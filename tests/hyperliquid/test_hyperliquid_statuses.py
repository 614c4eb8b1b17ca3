"""Every Hyperliquid order status from spec §6.2 mapped to the runtime state its table gives.

The status list is copied from shared/venues/hyperliquid.md §6.2, not from the module under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from xtb.connectors.hyperliquid.statuses import STATUSES, order_state
from xtb.errors import VenueProtocolError
from xtb.model import OrderState

CANCELLED = [
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
]
REJECTED = [
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
]
NONE = Decimal(0)
SOME = Decimal("0.01")


def test_the_module_knows_exactly_the_documented_statuses() -> None:
    assert set(STATUSES) == {"open", "filled", "triggered", *CANCELLED, *REJECTED}


@pytest.mark.parametrize(
    ("status", "filled", "state"),
    [
        ("open", NONE, OrderState.OPEN),
        ("open", SOME, OrderState.PARTIALLY_FILLED),
        ("filled", SOME, OrderState.FILLED),
        ("triggered", NONE, OrderState.OPEN),
    ],
)
def test_live_and_filled(status: str, filled: Decimal, state: OrderState) -> None:
    assert order_state(status, filled) is state


@pytest.mark.parametrize("status", CANCELLED)
@pytest.mark.parametrize("filled", [NONE, SOME])
def test_cancelled_statuses_are_cancelled_whatever_filled(status: str, filled: Decimal) -> None:
    assert order_state(status, filled) is OrderState.CANCELLED


@pytest.mark.parametrize("status", REJECTED)
def test_a_rejection_with_nothing_filled_failed(status: str) -> None:
    assert order_state(status, NONE) is OrderState.FAILED


@pytest.mark.parametrize("status", REJECTED)
def test_a_rejection_after_a_fill_is_cancelled_keeping_the_fill(status: str) -> None:
    assert order_state(status, SOME) is OrderState.CANCELLED


@pytest.mark.parametrize("status", ["newlyInventedCanceled", "Open", "", "waitingForFill", None, 3, {"open": 1}])
def test_an_unknown_status_raises_naming_it(status: object) -> None:
    with pytest.raises(VenueProtocolError, match="unknown order status") as raised:
        order_state(status, NONE)
    assert repr(status) in str(raised.value)
    assert raised.value.venue == "hyperliquid"
