"""What a venue does where venues differ: the venue file's `capabilities:`, typed.

Why: capabilities used to be a free-form mapping (only `post_only_cross` was checked), so a typo
read as "not declared" and scenario code compared strings. Now each key is declared here with its
values; an unknown key is refused when the file loads. Two kinds:

- behaviours a scenario expects (`post_only_cross`): the scenario reads the typed value;
- features a venue may lack (`reduce_only`, `query_by_client_id`, true unless the file says
  false): the catalog names which scenarios need which (`xtb.catalog.NEEDS`), and the conformance
  plugin skips those on a venue that lacks one, with the reason. A skip is never a pass, and a
  skipped baseline scenario leaves the venue INCOMPLETE.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Literal

from xtb.schema import SchemaModel, StrictBool


class PostOnlyCross(enum.StrEnum):
    """What the venue does with a post-only order that would take liquidity."""

    REJECT = "reject"  # refused at submit: no order (PostOnlyWouldCross)
    CANCEL = "cancel"  # accepted, then ended without a fill (FAILED or CANCELLED per its status mapping)


class Capabilities(SchemaModel):
    post_only_cross: PostOnlyCross = PostOnlyCross.REJECT
    # a reduce-only order larger than the position: refused (GRVT 2402), or capped at the position
    # with the rest expired (Aster, Backpack); shown for the reader, the scenario accepts either
    reduce_only_oversize: Literal["reject", "accept_and_expire"] | None = None
    # the connector trades an account in hedge (dual-side) position mode; no connector does yet
    hedge_mode: StrictBool = False
    reduce_only: StrictBool = True  # reduce-only orders exist on the venue
    query_by_client_id: StrictBool = True  # an order can be read back by its client order id

    def lacking(self, needs: Iterable[str]) -> list[str]:
        """The features among `needs` (names of boolean capabilities) this venue does not have."""
        return [name for name in needs if getattr(self, name) is not True]
