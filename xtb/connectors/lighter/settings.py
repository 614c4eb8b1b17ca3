"""`LighterExtra`: what a Lighter venue file's `extra:` may hold, typed (see xtb/connectors/extra.py).

Light on purpose (pydantic only, no SDK): a venue file is checked against it when it loads.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from xtb.connectors.extra import VenueExtra

RateTier = Literal["standard", "premium", "plus", "builder"]  # limits.TIER_LIMITS, spec §7
TOKEN_TTL_MAX_S = 8 * 3600  # the venue refuses auth tokens that live longer (spec §2.5)
IDLE_CLOSE_S = 120  # the venue closes a socket quiet for two minutes (spec §5.1)


class LighterExtra(VenueExtra):
    chain_id: int | None = Field(None, gt=0)
    """The chain id to sign for; unset: inferred from the REST host (mainnet 304, testnet 300)."""
    market_slippage: Decimal = Field(Decimal("0.05"), ge=0, lt=1)
    """How far past the far touch a market order's protection price may go (0.05: 5 %)."""
    confirm_timeout: float = Field(3.0, ge=0)
    """Seconds a submit waits for the stream's first view of the order before asking REST."""
    auth_ttl: int = Field(3600, ge=1, le=TOKEN_TTL_MAX_S)
    """Seconds an auth token lives; the account socket reconnects with a new one before it ends."""
    ws_keepalive: float = Field(20.0, gt=0, lt=IDLE_CLOSE_S)
    """Seconds between the application pings that keep a socket from being closed as idle."""
    skip_nonce: bool = False
    """Sign with the skip-nonce attribute (any larger nonce will do): processes sharing a key."""
    rate_tier: RateTier | None = None
    """The account's request tier; unset: the tier `accountLimits` reports."""
    account_index: int | None = Field(None, gt=0)
    """The account; usually under `identifiers:` (which wins), as it identifies the account."""
    api_key_index: int | None = Field(None, ge=0, le=254)
    """The API key's index; unset: looked up by the key's public key (255 means "all keys")."""

    @field_validator("rate_tier", mode="before")
    @classmethod
    def _tier_name(cls, value: object) -> object:
        """A tier as the venue writes it ("Premium") is the same tier."""
        return value.strip().lower() if isinstance(value, str) else value
