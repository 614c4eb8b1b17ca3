"""Each venue's own broken connectors (the bugs its mapping could have), with `EXPECTED_FAILURES`."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from xtb.model import OrderState


def read_status_as_open(mapping: ModuleType, status: str) -> None:
    """The bug `UnknownStatusIsOpen` lives in a venue's status table: `mapping.order_state` reads
    `status`, which it does not handle, as OPEN instead of raising. Patched in place, once: the
    self-test runs each broken connector in its own process."""
    original = mapping.order_state
    if getattr(original, "lenient", False):
        return

    def lenient(venue_status: Any, *args: Any, **kwargs: Any) -> OrderState:
        return OrderState.OPEN if venue_status == status else original(venue_status, *args, **kwargs)

    lenient.lenient = True  # type: ignore[attr-defined]
    mapping.order_state = lenient
