"""A venue file's `extra:` is checked when the file loads, against the settings type its connector
declares (`load_extra_type`): alone, and with `simulator.extra` merged over it. Here through a
connector of the tests' own (`module:Class`, its `extra_type`); the shipped venues' through theirs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from pydantic import Field

from tests.fake_venue import FakeConnector
from xtb.config.venue_file import load_venue_config, parse_venue_config
from xtb.connectors import load_extra_type
from xtb.connectors.extra import VenueExtra
from xtb.errors import ConfigError
from xtb.runtime.config import parse_run_config

ROOT = Path(__file__).resolve().parents[1]


class DemoExtra(VenueExtra):
    window_ms: int = Field(5000, gt=0)
    auth: Literal["v3", "v1"] = "v3"


class DemoExtraConnector(FakeConnector):
    extra_type: ClassVar[type[VenueExtra] | None] = DemoExtra


CONNECTOR = f"{__name__}:DemoExtraConnector"


def doc(extra: Any = None, sim_extra: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "venue": "demo",
        "connector": CONNECTOR,
        "hosts": {"rest": "https://demo.invalid", "ws": "wss://demo.invalid"},
        "symbol": "BTC-PERP",
        "credentials": {},
        "simulator": {"venue": "demo"},
    }
    if extra is not None:
        out["extra"] = extra
    if sim_extra is not None:
        out["simulator"]["extra"] = sim_extra
    return out


def test_good_extra_and_its_simulator_merge_load() -> None:
    config = parse_venue_config(doc({"window_ms": 60000}, {"auth": "v1"}), "demo.yaml")
    assert config.extra == {"window_ms": 60000}
    assert config.for_simulator().extra == {"window_ms": 60000, "auth": "v1"}


@pytest.mark.parametrize(
    ("extra", "sim_extra", "message"),
    [
        ({"window": 1}, None, "demo.yaml: extra.window: unknown key; allowed: auth, window_ms"),
        ({"window_ms": 0}, None, "demo.yaml: extra.window_ms: Input should be greater than 0"),
        (None, {"auth": "v2"}, "demo.yaml: simulator.extra.auth: Input should be 'v3' or 'v1'"),
        ({"window_ms": 1}, {"windw_ms": 1}, "demo.yaml: simulator.extra.windw_ms: unknown key; allowed: auth,"),
    ],
)
def test_bad_extra_is_refused_when_the_file_loads(extra: Any, sim_extra: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_venue_config(doc(extra, sim_extra), "demo.yaml")
    assert str(caught.value).startswith(message)


def test_a_refused_extra_value_is_never_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_venue_config(doc({"window_ms": "sk-very-secret-value"}), "demo.yaml")
    assert "sk-very-secret-value" not in str(caught.value) and "extra.window_ms" in str(caught.value)


def test_a_run_files_inline_extra_is_checked_naming_the_run_file_and_connector() -> None:
    raw = {
        "connectors": {"demo": {"settings": {**doc(), "extra": {"window": 1}}}},
        "strategy": {"name": "connector_smoke_test", "connectors": ["demo"]},
    }
    with pytest.raises(ConfigError) as caught:
        parse_run_config(raw, "run.yaml")
    assert str(caught.value).startswith("run.yaml: connectors.demo: extra.window: unknown key; allowed: auth")


@pytest.mark.parametrize("path", sorted((ROOT / "venues").glob("*.yaml")), ids=lambda p: p.stem)
def test_each_shipped_venue_declares_typed_extra_that_its_file_satisfies(path: Path) -> None:
    config = load_venue_config(path)  # checks `extra` and `extra` + `simulator.extra` on the way
    extra_type = load_extra_type(config.connector)
    assert extra_type is not None, f"{config.connector} declares no typed extra settings"
    extra_type.parse(config.for_simulator().extra, str(path))
