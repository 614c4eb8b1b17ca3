"""What a Backpack venue file's `extra:` may hold (light: imported when a venue file loads)."""

from __future__ import annotations

from xtb.connectors.extra import VenueExtra

DEFAULT_WINDOW_MS = 5000
"""How long after its timestamp a signed request stays valid: the venue's own default (spec §2.2)."""


class BackpackExtra(VenueExtra):
    """`window_ms`: the `X-Window` of every signed request and private subscription. The venue
    refuses one over 60 000 with "Invalid X-Window header" (an AuthError at start), so the bound is
    the venue's to state, in its own words."""

    window_ms: int = DEFAULT_WINDOW_MS
