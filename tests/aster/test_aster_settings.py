"""Aster's typed `extra:` settings: what the venue file may say, refused with the key named when it
is wrong, and what the signer is built from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from xtb.connectors.aster import AsterConnector
from xtb.connectors.aster.auth import V1Signer, V3Signer, signer_for
from xtb.connectors.aster.settings import AsterExtra
from xtb.connectors.config import ConnectorConfig
from xtb.errors import AuthError, ConfigError
from xtb.secrets import Secret

VENUE_FILE = Path(__file__).resolve().parents[2] / "venues" / "aster.yaml"
USER = "0x" + "ab" * 20


def connector(**extra: Any) -> AsterConnector:
    return AsterConnector(ConnectorConfig("aster", "http://127.0.0.1:9", "ws://127.0.0.1:9", extra=extra))


def v3_credentials() -> dict[str, Secret]:
    return {"user": Secret(USER, "user"), "signer_private_key": Secret("0x" + os.urandom(32).hex(), "key")}


def test_defaults() -> None:
    settings = connector().settings
    assert (settings.auth, settings.chain_id, settings.keepalive_s, settings.depth_speed) == ("v3", None, 1800, "100ms")
    assert (settings.ws_heartbeat_s, settings.recv_window) == (30, None)


def test_the_venue_files_extra_is_valid() -> None:
    document = yaml.safe_load(VENUE_FILE.read_text())
    assert AsterExtra.parse(document["extra"], "venues/aster.yaml").keepalive_s == 1800
    assert AsterExtra.parse(document["simulator"].get("extra"), "venues/aster.yaml simulator") == AsterExtra()


def test_an_unknown_key_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"aster: extra\.keepalive: unknown key; allowed: auth, chain_id, "):
        connector(keepalive=1800)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("keepalive_s", "soon", "valid number"),
        ("keepalive_s", 3600, "less than 3600"),  # the venue forgets a key 60 min after its renewal
        ("chain_id", "mainnet", "valid integer"),
        ("auth", "v2", "'v3' or 'v1'"),
        ("depth_speed", "1s", "'100ms', '250ms' or '500ms'"),
        ("recv_window", 60_001, "less than or equal to 60000"),
        ("ws_heartbeat_s", 0, "greater than 0"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_key(key: str, value: Any, words: str) -> None:
    with pytest.raises(ConfigError, match=rf"aster: extra\.{key}: .*{words}"):
        connector(**{key: value})


def test_a_refused_value_is_never_shown() -> None:
    pasted = "0x" + os.urandom(32).hex()  # a key pasted into the wrong field
    with pytest.raises(ConfigError, match=r"extra\.chain_id") as caught:
        connector(chain_id=pasted)
    assert pasted not in str(caught.value)


def test_the_auth_mode_is_read_in_any_case() -> None:
    assert connector(auth="V1").settings.auth == "v1"


@pytest.mark.parametrize(
    ("environment", "configured", "chain"), [("mainnet", None, 1666), ("testnet", None, 714), ("mainnet", 714, 714)]
)
def test_the_v3_chain_follows_the_environment_unless_configured(
    environment: str, configured: int | None, chain: int
) -> None:
    signer = signer_for(AsterExtra(chain_id=configured), v3_credentials(), environment)
    assert isinstance(signer, V3Signer) and signer.chain_id == chain


def test_v1_takes_its_keys_and_receive_window() -> None:
    credentials = {"api_key": Secret("k" * 64, "api_key"), "api_secret": Secret("s" * 64, "api_secret")}
    signer = signer_for(AsterExtra(auth="v1", recv_window=5000), credentials, "testnet")
    assert isinstance(signer, V1Signer) and "recvWindow=5000&timestamp=" in signer.signed_text([])


@pytest.mark.parametrize(("auth", "names"), [("v3", "'user' and 'signer_private_key'"), ("v1", "'api_key'")])
def test_missing_credentials_name_what_the_mode_needs(auth: str, names: str) -> None:
    with pytest.raises(AuthError, match=names):
        signer_for(AsterExtra(auth=auth), {}, "testnet")  # type: ignore[arg-type]
