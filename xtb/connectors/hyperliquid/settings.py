"""What hyperliquid's venue file may say under `extra:`, typed (checked when the file loads).

Light on purpose: the venue file is checked before any connector is built, so this module imports
no SDK and not the connector (docs/connectors.md section 2.1, `extra_type`). Add a field per setting
the connector reads; `venues/hyperliquid.yaml` sets them under `extra:`.
"""

from __future__ import annotations

from pydantic import Field

from xtb.connectors.extra import VenueExtra


class HyperliquidExtra(VenueExtra):
    #: our pings on the sockets, in seconds: below the venue's idle timeout (streams.py)
    ws_heartbeat_s: float = Field(default=30, gt=0)
