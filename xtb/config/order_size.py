"""A venue file's `order_size:` block: how big the scenarios' orders are, and the cap on real money."""

from __future__ import annotations

from decimal import Decimal

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from xtb.schema import PositiveDecimal


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class OrderSizeConfig:
    min_size_multiple: PositiveDecimal = Decimal(1)  # order size = the venue's minimum at the touch × this
    max_notional: PositiveDecimal | None = None  # refuse to trade above this notional (quote currency)
