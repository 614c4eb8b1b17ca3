"""What hyperliquid's venue file may say under `extra:`, typed (checked when the file loads).

Light on purpose: the venue file is checked before any connector is built, so this module imports
no signing library and not the connector (docs/connectors.md section 2.1, `extra_type`). Only what
the connector reads.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from xtb.connectors.extra import VenueExtra


class HyperliquidExtra(VenueExtra):
    #: REST weight per minute per IP (spec §8: 1200; WS posts share it). The pacer uses 90 % of it.
    weight_per_minute: int = Field(default=1200, gt=0)
    #: the application ping `{"method":"ping"}`; the venue closes a socket idle for 60 s (spec §5.1, SDK: 50 s).
    #: A ping unanswered for this long again means the socket is dead: it is closed and reconnected.
    ping_interval_s: float = Field(default=50, gt=0, lt=60)
    #: a market order is an IOC limit at most this fraction beyond the best opposite price (SDK: 5 % off the mid)
    market_slippage: Decimal = Field(default=Decimal("0.05"), gt=0, lt=Decimal("0.8"))
