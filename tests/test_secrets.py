"""Secrets never leak through repr, format, pickling, exceptions or logs; debug logging really prints."""

from __future__ import annotations

import copy
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from xtb.connectors.config import ConnectorConfig
from xtb.errors import AuthError, ConfigError, ConnectorError, VenueRejected, XtbError
from xtb.logs import debug_requested
from xtb.secrets import Secret

REPO_ROOT = Path(__file__).resolve().parent.parent

# Distinct values per test, so that one test's registration cannot make another pass by accident.
API_SECRET = "sk-live-7f3a9c2e41d8b6"


def config(**kw: object) -> ConnectorConfig:
    values: dict[str, object] = {"venue": "backpack", "rest_url": "http://127.0.0.1:1", "ws_url": "ws://127.0.0.1:1"}
    values.update(kw)
    return ConnectorConfig(**values)  # type: ignore[arg-type]


# -- Secret -------------------------------------------------------------------------------------


def test_secret_never_shows_its_value() -> None:
    s = Secret(API_SECRET, "api_secret")
    renderings = [
        repr(s),
        str(s),
        f"{s}",
        f"{s!r}",
        f"{s!s}",
        f"{s:>40}",
        format(s, ""),
        "%s" % s,  # noqa: UP031
        "%r" % s,  # noqa: UP031
        "{}".format(s),  # noqa: UP032
        repr([s]),
        repr({"k": s}),
    ]
    for text in renderings:
        assert API_SECRET not in text
        assert "***" in text
    assert "api_secret" in repr(s)


def test_secret_reveal_returns_the_value() -> None:
    assert Secret("another-value-123", "k").reveal() == "another-value-123"


def test_secret_equality_compares_values() -> None:
    assert Secret("value-aaaaaa", "a") == Secret("value-aaaaaa", "b")
    assert Secret("value-aaaaaa", "a") != Secret("value-bbbbbb", "a")


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_secret_cannot_be_pickled(protocol: int) -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret("pickle-me-not-42", "k"), protocol=protocol)


def test_secret_cannot_be_deep_copied_through_pickle_machinery() -> None:
    with pytest.raises(TypeError):
        copy.deepcopy({"k": Secret("copy-me-not-42", "k")})


@pytest.mark.parametrize("value", ["", "abc", "12345"], ids=["empty", "3-chars", "5-chars"])
def test_too_short_secret_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        Secret(value, "api_key")


def test_non_string_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        Secret(123456789, "api_key")  # type: ignore[arg-type]


# -- ConnectorConfig ----------------------------------------------------------------------------


def test_connector_config_repr_hides_credentials() -> None:
    value = "cfg-secret-0a1b2c3d4e"
    cfg = config(credentials={"api_secret": Secret(value, "api_secret")})
    assert value not in repr(cfg)
    assert value not in str(cfg)
    assert "api_secret" in repr(cfg)
    assert cfg.credential("api_secret").reveal() == value


def test_connector_config_rejects_plain_string_credential() -> None:
    value = "plain-text-secret-99"
    with pytest.raises(ConfigError) as info:
        config(credentials={"api_secret": value})
    assert "api_secret" in str(info.value)
    assert value not in str(info.value)


def test_mainnet_needs_explicit_opt_in() -> None:
    with pytest.raises(ConfigError, match="mainnet"):
        config(environment="mainnet")
    assert config(environment="mainnet", allow_mainnet=True).environment == "mainnet"


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="staging"):
        config(environment="staging")


def test_missing_credential_is_named() -> None:
    cfg = config(credentials={"api_key": Secret("key-value-123456", "api_key")})
    with pytest.raises(ConfigError) as info:
        cfg.credential("api_secret")
    assert "'api_secret'" in str(info.value)
    assert "backpack" in str(info.value)


# -- exceptions ---------------------------------------------------------------------------------


def test_xtb_error_redacts_secret_values() -> None:
    value = "exc-secret-5e6f7a8b9c"
    Secret(value, "api_secret")
    exc = XtbError(f"signature {value} refused")
    assert str(exc) == "signature *** refused"
    assert repr(exc) == "XtbError('signature *** refused')"
    two_args = XtbError(f"key {value}", 42)
    assert two_args.args == ("key ***", 42)
    assert value not in str(two_args)


@pytest.mark.parametrize("cls", [ConnectorError, AuthError, VenueRejected])
def test_connector_errors_redact_secret_values(cls: type[ConnectorError]) -> None:
    value = "conn-secret-1122334455"
    Secret(value, "api_secret")
    exc = cls(f'venue echoed header X-API-KEY: "{value}"', venue="grvt")
    assert str(exc) == 'grvt: venue echoed header X-API-KEY: "***"'
    assert value not in repr(exc)
    assert exc.venue == "grvt"


def test_venue_rejected_reason_is_redacted_too() -> None:
    value = "reason-secret-66778899"
    Secret(value, "api_secret")
    exc = VenueRejected(f"bad signature for key {value}", venue="grvt")
    assert value not in exc.reason


def test_config_error_redacts_secret_values() -> None:
    value = "cfgerr-secret-a1b2c3"
    Secret(value, "k")
    assert value not in str(ConfigError(f"bad value {value} in venues/grvt.yaml"))


# -- logging ------------------------------------------------------------------------------------


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    value = "log-secret-deadbeef42"
    Secret(value, "api_secret")
    logger = logging.getLogger("xtb.test")
    caplog.set_level(logging.DEBUG, logger="xtb.test")

    logger.debug("signing with %s", value)
    logger.debug(f"header {value} sent")
    logger.debug("payload %r", {"secret": value})

    assert len(caplog.records) == 3
    assert value not in caplog.text
    assert [r.getMessage() for r in caplog.records] == [
        "signing with ***",
        "header *** sent",
        "payload {'secret': '***'}",
    ]


def test_logged_exception_text_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    value = "trace-secret-c0ffee99"
    Secret(value, "api_secret")
    logger = logging.getLogger("xtb.test")
    caplog.set_level(logging.DEBUG, logger="xtb.test")

    try:
        raise ValueError(f"venue said: bad key {value}")  # a foreign exception, not redacted itself
    except ValueError:
        logger.debug("request failed", exc_info=True)

    assert len(caplog.records) == 1
    assert value not in caplog.text
    assert "ValueError: venue said: bad key ***" in caplog.text
    formatted = logging.Formatter().format(caplog.records[0])
    assert value not in formatted
    assert "Traceback" in formatted


# -- debug logging really prints ----------------------------------------------------------------

DEBUG_SCRIPT = """
import logging
from xtb import logs
if logs.debug_requested():
    logs.enable_debug_logging()
    logs.enable_debug_logging()  # idempotent: still one line per record
logging.getLogger("xtb.x").debug("order transition c1 open -> filled")
"""


def run_debug_script(xtb_debug: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XTB_DEBUG", "PYTHONPATH")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    if xtb_debug is not None:
        env["XTB_DEBUG"] = xtb_debug
    return subprocess.run(
        [sys.executable, "-c", DEBUG_SCRIPT], env=env, capture_output=True, text=True, timeout=30, check=False
    )


def test_xtb_debug_makes_debug_lines_appear_on_stderr() -> None:
    result = run_debug_script("1")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "order transition c1 open -> filled" in line]
    assert len(lines) == 1
    assert "DEBUG" in lines[0] and "xtb.x" in lines[0]
    assert result.stdout == ""


def test_without_xtb_debug_nothing_is_printed() -> None:
    result = run_debug_script(None)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == ""


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "TRUE", " On "])
def test_debug_requested_truthy(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("XTB_DEBUG", value)
    assert debug_requested() is True


@pytest.mark.parametrize("value", ["0", "", "false", "no", "off", "2"])
def test_debug_requested_falsy(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("XTB_DEBUG", value)
    assert debug_requested() is False


def test_debug_requested_unset_and_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XTB_DEBUG", raising=False)
    assert debug_requested() is False
    assert debug_requested(True) is True
