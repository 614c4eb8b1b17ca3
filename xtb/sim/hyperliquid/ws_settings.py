"""What the Hyperliquid simulator's socket does where the venue leaves it open (spec §5, §10 item 19).

Every default is the spec's; a test switches one to reach the alternative or to shrink a timer
(an idle close of 0.3 s instead of 60 s) rather than wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class HyperliquidWsSettings:
    # clock: the one beat that drives idle closes, l2Book pushes and allMids (seconds)
    beat_s: float = 0.05
    # §5.1: close a socket this long after its last client frame (None: never), with this code
    idle_timeout_s: float | None = 60.0
    idle_close_code: int = 1000
    # §5.3 cadences and depths
    l2book_interval_s: float = 0.5
    l2book_levels: int = 20
    l2book_fast_levels: int = 5
    all_mids_interval_s: float = 5.0
    active_asset_ctx_interval_s: float = 1.0
    bbo_on_subscribe: bool = True  # UNCONFIRMED: the current bbo right after the ack
    trades_backfill: int = 30
    trade_tape: int = 5000  # recent trades kept per coin (backfill, candles, allMids' last price)
    # §5.1 limits, per IP (the doc's words) or per connection; UNCONFIRMED texts
    limits_per: Literal["ip", "connection"] = "ip"
    max_subscriptions: int = 1000
    max_users: int = 10
    too_many_subscriptions_text: str = "Cannot track more than {limit} total subscriptions."
    too_many_users_text: str = "Cannot track more than {limit} total users."
    # §5.1: an unknown coin gets an error frame; the alternative one capture saw is a silent close
    invalid_subscription_closes: bool = False
    # §5.2: the error payload of a post whose HTTP twin would be a 429 / 5xx
    post_error_text: str = "{status} {phrase}"

    def __post_init__(self) -> None:
        for name in ("beat_s", "l2book_interval_s", "all_mids_interval_s", "active_asset_ctx_interval_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.idle_timeout_s is not None and not self.idle_timeout_s > 0:
            raise ValueError(f"idle_timeout_s must be positive or None, got {self.idle_timeout_s!r}")
        for name in ("l2book_levels", "l2book_fast_levels", "max_subscriptions", "max_users", "trade_tape"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if type(self.trades_backfill) is not int or not 0 <= self.trades_backfill <= self.trade_tape:
            raise ValueError(f"trades_backfill must be an int in [0, trade_tape], got {self.trades_backfill!r}")
        if self.limits_per not in ("ip", "connection"):
            raise ValueError(f"limits_per must be 'ip' or 'connection', got {self.limits_per!r}")
        if not 1000 <= self.idle_close_code <= 4999:
            raise ValueError(f"idle_close_code must be a WebSocket close code, got {self.idle_close_code!r}")
