"""The Hyperliquid simulator (issue #20): the venue's protocol on xtb's shared engine.

`frontend.py` is the wiring (one port: `POST /info`, `POST /exchange`, WS `/ws`); `settings.py` the
markets (a universe whose index is the asset id) and every UNCONFIRMED switch of spec §10. An
`/exchange` body is read by `canonical.py` (the venue's typed structs and the canonical form it
hashes) and `auth.py` (§2.5 in order: nonce window, recovery, `signers`, `nonces`, expiry), then
charged by `limits.py` and run by `actions.py` / `orders.py`; `/info` is `info.py`. What the venue
remembers beside the engine is `state.py`, fed by `events.py`; the answer shapes are `payloads.py`,
the margin arithmetic `margin.py`.
"""

from xtb.sim.hyperliquid.frontend import HyperliquidFrontEnd
from xtb.sim.hyperliquid.settings import HyperliquidSimSettings

__all__ = ["HyperliquidFrontEnd", "HyperliquidSimSettings"]
