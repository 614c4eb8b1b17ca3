"""What Aster's venue file may say under `extra:`, typed (checked when the file loads, see extra.py).

Light on purpose: the venue file is checked before any connector is built, so this module imports
neither the signing libraries nor the connector.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from xtb.connectors.extra import VenueExtra


class AsterExtra(VenueExtra):
    #: V3 wallet signatures (the default), or the legacy V1 API key + HMAC (no new V1 keys since 2026-03-25)
    auth: Literal["v3", "v1"] = "v3"
    #: the V3 EIP-712 domain's chain; unset: 1666 on mainnet, 714 on the testnet and the simulator
    chain_id: int | None = Field(default=None, gt=0)
    #: listen-key renewal; the venue expires a key 60 min after its last renewal (spec §4.5)
    keepalive_s: float = Field(default=1800, gt=0, lt=3600)
    #: the diff-depth stream's aggregation (`<symbol>@depth@<speed>`, spec §5.2)
    depth_speed: Literal["100ms", "250ms", "500ms"] = "100ms"
    #: our pings on both sockets; the venue drops a socket after 15 min without a pong (spec §5.1)
    ws_heartbeat_s: float = Field(default=30, gt=0)
    #: V1 `recvWindow` in ms; unset: not sent (the venue's default 5000); the venue takes at most 60000
    recv_window: int | None = Field(default=None, gt=0, le=60_000)

    @field_validator("auth", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        """`V3` and `v3` alike, as the connector always read it."""
        return value.lower() if isinstance(value, str) else value
