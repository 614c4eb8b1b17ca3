"""GRVT's request limits (spec §7): "tiered per account", exceeding them answers 1006 / HTTP 429, and
the numbers are UNCONFIRMED — the venue's help page names tiers without figures the spec could pin.

Until they are confirmed the connector paces by a conservative default of its own choosing: 10
requests a second per account, every request counted alike (9 a second with the safety margin). A
one-second window also keeps bursts small, which a per-second venue limit would punish first. The
setting `extra.requests_per_second` replaces it once the account's tier is known.
"""

from __future__ import annotations

from xtb.connectors.pacing import Limit, RateCard

DEFAULT_REQUESTS_PER_SECOND = 10  # our choice, not a published figure (see above)


def rate_card(requests_per_second: int = DEFAULT_REQUESTS_PER_SECOND) -> RateCard:
    return RateCard((Limit("weight", requests_per_second, 1, "account"),))
