"""The Lighter connector's `extra:` settings are typed: the defaults it always had, a tier written
as the venue writes it, and a wrong value or an unknown key refused at construction, naming the key."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, get_args

import pytest

from xtb.connectors import load_extra_type
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.lighter import LighterConnector
from xtb.connectors.lighter.limits import TIER_LIMITS
from xtb.connectors.lighter.settings import LighterExtra, RateTier
from xtb.errors import ConfigError


def connector(**extra: Any) -> LighterConnector:
    return LighterConnector(ConnectorConfig("lighter", "http://127.0.0.1:9", "ws://127.0.0.1:9", extra=extra))


def test_the_venue_file_is_checked_against_lighter_extra() -> None:
    assert load_extra_type("lighter") is LighterExtra


def test_defaults() -> None:
    settings = connector().settings
    assert (settings.market_slippage, settings.confirm_timeout, settings.auth_ttl, settings.ws_keepalive) == (
        Decimal("0.05"),
        3.0,
        3600,
        20.0,
    )
    assert (settings.skip_nonce, settings.rate_tier, settings.chain_id) == (False, None, None)
    assert (settings.account_index, settings.api_key_index) == (None, None)


def test_values_are_typed() -> None:
    settings = connector(market_slippage="0.001", auth_ttl="600", rate_tier=" Premium", chain_id=300).settings
    assert (settings.market_slippage, settings.auth_ttl, settings.rate_tier, settings.chain_id) == (
        Decimal("0.001"),
        600,
        "premium",
        300,
    )


def test_the_tiers_are_the_rate_cards_tiers() -> None:
    assert set(get_args(RateTier)) == set(TIER_LIMITS)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"auth_ttl": "an hour"}, "lighter: extra.auth_ttl: Input should be a valid integer"),
        ({"auth_ttl": 9 * 3600}, "lighter: extra.auth_ttl: Input should be less than or equal to 28800"),
        ({"ws_keepalive": 120}, "lighter: extra.ws_keepalive: Input should be less than 120"),
        ({"market_slippage": "5%"}, "lighter: extra.market_slippage: Input should be a valid decimal"),
        ({"skip_nonce": "sometimes"}, "lighter: extra.skip_nonce: Input should be a valid boolean"),
        ({"rate_tier": "gold"}, "lighter: extra.rate_tier: Input should be 'standard', 'premium', 'plus' or 'builder'"),
        ({"api_key_index": 255}, "lighter: extra.api_key_index: Input should be less than or equal to 254"),
        (
            {"market_slipage": "0.01"},
            "lighter: extra.market_slipage: unknown key; allowed: account_index, api_key_index",
        ),
    ],
)
def test_a_wrong_value_or_an_unknown_key_is_refused_naming_the_key(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match=f"^{re.escape(words)}"):
        connector(**extra)
