"""Small shared connector parts: StartedOnly, the venue clock offset, typed `extra:` settings."""

from __future__ import annotations

import asyncio
import time
from typing import Literal

import pytest
from pydantic import Field

from xtb.connectors.extra import VenueExtra
from xtb.connectors.started_only import StartedOnly
from xtb.connectors.venue_clock import offset_ms
from xtb.errors import ConfigError, ConnectionLost


class Part:
    """What a connector's REST client is: set in `_on_start`, read afterwards."""


class Holder:
    venue = "demo"
    rest = StartedOnly[Part]()


def test_a_started_only_part_refuses_to_be_read_before_it_is_set() -> None:
    holder = Holder()
    assert not Holder.rest.ready(holder)
    with pytest.raises(ConnectionLost, match="demo: connector is not started"):
        _ = holder.rest
    part = Part()
    holder.rest = part
    assert holder.rest is part and Holder.rest.ready(holder)
    holder.rest = None  # stopped
    with pytest.raises(ConnectionLost):
        _ = holder.rest
    assert isinstance(Holder.rest, StartedOnly)  # the class attribute is the descriptor itself


def test_the_offset_is_taken_around_the_request_after_pacing() -> None:
    order: list[str] = []

    async def pace() -> str:
        order.append("pace")
        return "cost"

    async def ask(cost: str) -> int:
        order.append(f"ask:{cost}")
        return int(time.time() * 1000) + 60_000  # the venue's clock runs a minute ahead

    measured = asyncio.run(offset_ms(pace, ask))
    assert order == ["pace", "ask:cost"]
    assert 59_000 < measured < 61_000


class DemoExtra(VenueExtra):
    window_ms: int = Field(5000, gt=0)
    auth: Literal["v3", "v1"] = "v3"


def test_typed_extra_defaults_and_values() -> None:
    assert DemoExtra.parse(None, "v.yaml") == DemoExtra(window_ms=5000, auth="v3")
    assert DemoExtra.parse({"window_ms": 60000, "auth": "v1"}, "v.yaml").window_ms == 60000


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"window": 1}, "v.yaml: extra.window: unknown key; allowed: auth, window_ms"),
        ({"window_ms": "soon"}, "v.yaml: extra.window_ms: Input should be a valid integer"),
        ({"window_ms": 0}, "v.yaml: extra.window_ms: Input should be greater than 0"),
        ({"auth": "v2"}, "v.yaml: extra.auth: Input should be 'v3' or 'v1'"),
        (["window_ms"], "v.yaml: extra must be a mapping, not list"),
    ],
)
def test_typed_extra_names_the_file_and_key(raw: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        DemoExtra.parse(raw, "v.yaml")  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


def test_typed_extra_never_echoes_a_value() -> None:
    with pytest.raises(ConfigError) as caught:
        DemoExtra.parse({"window_ms": "sk-very-secret-value"}, "v.yaml")
    assert "sk-very-secret-value" not in str(caught.value)
