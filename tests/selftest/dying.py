"""A connector whose process dies in the middle of a scenario, once (the marker file named by
XTB_DIE_ONCE records that it happened): a parallel run must report the scenario as lost, never as
passed, and must not lose the other results of the worker that died."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from xtb.connectors.backpack import BackpackConnector
from xtb.orders.tracker import OrderTracker


def _die_once() -> None:
    marker = Path(os.environ["XTB_DIE_ONCE"])
    if not marker.exists():
        marker.write_text("the worker died here once\n")
        os._exit(70)  # no cleanup, no report: what a segfault in a native signer looks like


class BackpackDiesOnce(BackpackConnector):
    async def submit_limit_order(self, *args: Any, **kwargs: Any) -> OrderTracker:
        _die_once()
        return await super().submit_limit_order(*args, **kwargs)
