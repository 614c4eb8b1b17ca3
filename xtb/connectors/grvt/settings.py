"""What a GRVT venue file's `extra:` may hold (light: no SDK import, so a venue file is checked when
it loads).

Bounds are the venue's: `v1.book.d` streams at 50 / 100 / 500 / 1000 ms (spec §5.3), an order's
signature may expire at most 30 days ahead (2008, §2.7), a sub-account id is a uint64.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from xtb.connectors.extra import VenueExtra
from xtb.connectors.grvt.limits import DEFAULT_REQUESTS_PER_SECOND

MAX_ORDER_TTL_S = 30 * 86_400


class GrvtExtra(VenueExtra):
    book_rate_ms: Literal[50, 100, 500, 1000] = 50  # the v1.book.d selector's rate
    order_ttl_s: float = Field(86_400.0, gt=0, le=MAX_ORDER_TTL_S)  # an order signature's lifetime
    post_only_verdict_s: float = Field(2.0, ge=0)  # how long a post-only submit waits for the stream's verdict
    # the pace (see limits.py): a whole number, never a bool or a float
    requests_per_second: int = Field(DEFAULT_REQUESTS_PER_SECOND, ge=1, strict=True)
    chain_id: int | None = Field(None, ge=1)  # None: by environment (mainnet 325, else 326)
    sub_account_id: int | None = Field(None, ge=1, le=2**64 - 1)  # None: from the login answer
