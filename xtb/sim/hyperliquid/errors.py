"""The venue's refusal of an `/exchange` action: HTTP 200 with `{"status":"err","response":"<text>"}`.

One type for every top-level refusal (§2.5, §8), carrying the venue's exact text, so the front-end can
answer any of them the same way and tests can compare the string a connector will see.
"""

from __future__ import annotations

from typing import Any


class HyperliquidError(Exception):
    """A top-level refusal; `message` is the venue's text, word for word."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"status": "err", "response": self.message}
