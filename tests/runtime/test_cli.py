"""`xtb run` in process: what it prints and how it exits before (or instead of) trading."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
import yaml

from xtb.cli import main

ROOT = Path(__file__).resolve().parents[2]
SECRET = "c2VjcmV0LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzISE="  # base64 of 32 bytes: a well-formed key


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "xtb run CONFIG" in capsys.readouterr().out


def test_list_shows_strategies_connectors_and_the_files_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--list", str(ROOT / "examples" / "smoke_sim.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        "strategies:",
        "  connector_smoke_test     Per connector, concurrently: tracking-limit entry at the touch, REST/WS "
        "cross-check, flatten, zero exposure.",
    ]
    assert out[2] == "connectors:" and "  backpack                 built-in simulator" in out
    assert "  connector  backpack: backpack simulator SOL_USDC_PERP (built-in simulator)" in out


def test_without_a_config_it_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("XTB_CONFIG", raising=False)
    assert main(["run"]) == 2
    assert capsys.readouterr().err == "xtb run: no configuration: give CONFIG or set XTB_CONFIG\n"


def test_xtb_config_is_the_fallback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("XTB_CONFIG", str(tmp_path / "from-env.yaml"))
    assert main(["run"]) == 2
    assert (
        capsys.readouterr().err == f"xtb run: configuration error: {tmp_path / 'from-env.yaml'}: no such config file\n"
    )


def test_a_missing_credential_variable_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BACKPACK_API_SECRET", raising=False)
    assert main(["run", str(ROOT / "examples" / "smoke_backpack_mainnet.yaml")]) == 2
    captured = capsys.readouterr()
    assert "set the environment variable(s) BACKPACK_API_SECRET for backpack" in captured.err
    assert captured.out == ""


def test_a_venue_that_cannot_be_reached_exits_2_with_a_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("UNREACHABLE_SECRET", SECRET)
    config = tmp_path / "run.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "general": {"report": str(tmp_path / "report.json"), "start_timeout": 5},
                "connectors": {
                    "backpack": {
                        "venue_file": str(ROOT / "venues" / "backpack.yaml"),
                        "settings": {
                            "environment": "testnet",
                            "hosts": {"rest": f"http://127.0.0.1:{port}", "ws": f"ws://127.0.0.1:{port}"},
                            "credentials": {"api_secret": "UNREACHABLE_SECRET"},
                        },
                    }
                },
                "strategy": {"name": "connector_smoke_test", "connectors": ["backpack"]},
            }
        )
    )
    assert main(["run", str(config)]) == 2
    out = capsys.readouterr().out
    assert "ERROR (exit 2); report: " in out and "backpack: could not start: " in out
    run = json.loads((tmp_path / "report.json").read_text())["run"]
    assert run["outcome"] == "error" and run["exit_code"] == 2 and run["reasons"][0].startswith("backpack: could not")


def test_a_pass_whose_report_cannot_be_written_is_not_a_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "report").write_text("a file where the report's folder should be")
    code = main(["run", str(ROOT / "examples" / "smoke_sim.yaml"), "--report", str(tmp_path / "report" / "x.json")])
    assert code == 2
    assert capsys.readouterr().out.splitlines()[-1].startswith("ERROR after PASS (exit 2); could not write the report")


def sim_config(tmp_path: Path, symbol: str) -> Path:
    """examples/smoke_sim.yaml with `settings: {symbol: SYMBOL}` on its simulator entry."""
    doc = yaml.safe_load((ROOT / "examples" / "smoke_sim.yaml").read_text())
    doc["general"]["report"] = str(tmp_path / "report.json")
    doc["connectors"]["backpack"]["venue_file"] = str(ROOT / "venues" / "backpack.yaml")
    doc["connectors"]["backpack"]["settings"] = {"symbol": symbol}
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_a_symbol_override_the_simulator_lists_is_the_symbol_traded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The override used to be dropped silently: the run passed on the venue file's SOL_USDC_PERP."""
    assert main(["run", str(sim_config(tmp_path, "BTC_USDC_PERP"))]) == 0
    out = capsys.readouterr().out
    assert "on backpack (backpack simulator BTC_USDC_PERP)" in out.splitlines()[0]
    assert re.search(r"^backpack\s+PASS in [\d.]+s — buy [\d.]+ BTC_USDC_PERP filled", out, re.M), out
    assert re.search(r"^backpack\s+backpack\s+BTC_USDC_PERP\s", out, re.M), out  # the summary table
    assert "SOL_USDC_PERP" not in out
    document = json.loads((tmp_path / "report.json").read_text())
    assert document["venues"]["backpack"]["symbol"] == "BTC_USDC_PERP"
    (result,) = document["results"]
    assert result["outcome"] == "passed"
    urls = [t["url"] for t in result["transcript"]]
    assert any("symbol=BTC_USDC_PERP" in u for u in urls) and not any("SOL_USDC_PERP" in u for u in urls)


def test_a_symbol_override_the_simulator_does_not_list_exits_2_before_anything_starts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = sim_config(tmp_path, "DOGE_USDC_PERP")
    assert main(["run", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"xtb run: configuration error: {config}: connectors.backpack.settings.symbol: the backpack simulator does "
        "not list 'DOGE_USDC_PERP'; it lists ['SOL_USDC_PERP', 'BTC_USDC_PERP']\n"
    )
    assert captured.out == ""  # no simulator started, no connector built, no order
    assert not (tmp_path / "report.json").exists()
