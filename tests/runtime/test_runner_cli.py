"""`xtb run` end to end, as a subprocess against the built-in Backpack simulator: a pass exits 0 with a
report, a check that cannot pass exits 1 with the reason, a bad file exits 2 naming the key, and
SIGINT mid-run leaves no open order and no position (asked of the simulator, not of the runner)."""

from __future__ import annotations

import json
import signal
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.runtime.processes import ROOT, RunnerProcess, standalone_simulator
from xtb.report import parse_report
from xtb.report.verdict import Verdict, judge
from xtb.sim.control_client import SimControlClient

SYMBOL = "SOL_USDC_PERP"
SECRET_VAR = "XTB_TEST_SIM_SECRET"


@pytest.fixture(scope="module")
def sim() -> Iterator[dict[str, Any]]:
    with standalone_simulator("backpack") as described:
        yield described


@pytest.fixture
async def control(sim: dict[str, Any]) -> AsyncIterator[SimControlClient]:
    client = SimControlClient(sim["control"], account="test-account")
    await client.call("POST", "/reset")  # every test starts from a fresh engine, same credentials
    try:
        yield client
    finally:
        await client.close()


def local_config(tmp_path: Path, sim: dict[str, Any], **tracking: Any) -> Path:
    """A run against the standalone simulator, as a local testnet; the market is still unless the
    test moves it, so the entry rests until the test fills it."""
    doc = {
        "general": {"report": str(tmp_path / "report.json"), "timeout": 60, "stop_timeout": 20},
        "connectors": {
            "backpack": {
                "venue_file": str(ROOT / "venues" / "backpack.yaml"),
                "settings": {
                    "environment": "testnet",
                    "hosts": {"rest": sim["rest"], "ws": sim["ws"]},
                    "credentials": {"api_secret": SECRET_VAR},
                    "order_size": {"min_size_multiple": 10},
                },
            }
        },
        "strategy": {
            "name": "connector_smoke_test",
            "connectors": {"backpack": {"interval": 30, "timeout": 15, "cancel_wait": 2, "settle_time": 2, **tracking}},
        },
    }
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


async def start_local(tmp_path: Path, sim: dict[str, Any]) -> RunnerProcess:
    return await RunnerProcess.start(
        str(local_config(tmp_path, sim)), "--debug", **{SECRET_VAR: sim["account"]["api_secret"]}
    )


async def exposure(control: SimControlClient) -> tuple[list[Any], dict[str, Decimal]]:
    truth = await control.truth()
    positions = {p["market"]: Decimal(p["size"]) for p in truth["positions"] if Decimal(p["size"]) != 0}
    return truth["orders"], positions


async def fraction_filling_half_of_ours(control: SimControlClient) -> str:
    """The share of the best bid level to take so that the orders queued ahead of ours fill, and
    about half of ours (the synthetic maker was there first)."""
    (ours,) = (await control.truth())["orders"]
    level = Decimal((await control.book(SYMBOL))["bids"][0]["size"])
    assert Decimal(ours["price"]) == Decimal((await control.book(SYMBOL))["bids"][0]["price"])
    return str((level - Decimal(ours["size"]) / 2) / level)


async def test_a_passing_run_exits_0_with_a_report(tmp_path: Path) -> None:
    report = tmp_path / "smoke.json"
    runner = await RunnerProcess.start("examples/smoke_sim.yaml", "--report", str(report))
    code = await runner.finish()
    assert code == 0, runner.stdout + runner.stderr
    await runner.wait_for_line(r"^simulator backpack: rest http://127\.0\.0\.1:\d+")
    await runner.wait_for_line(r"^backpack\s+PASS in [\d.]+s — buy [\d.]+ SOL_USDC_PERP filled in \d+ attempt")
    await runner.wait_for_line(r"^backpack\s+backpack\s+SOL_USDC_PERP(\s+[\d.]+s){5}\s+-\s+[\d.]+s\s+PASS$")
    await runner.wait_for_line(rf"^PASS \(exit 0\); report: {report}$")
    document = json.loads(report.read_text())
    assert document["run"]["exit_code"] == 0 and document["run"]["outcome"] == "passed"
    (result,) = document["results"]
    assert result["outcome"] == "passed"
    assert [s["name"] for s in result["steps"]] == ["ready", "entry", "cross_check", "flatten", "zero_exposure"]
    assert {o["state"] for o in result["orders"]} <= {"filled", "cancelled"}
    assert parse_report(document).results[0].attempt_count  # python -m xtb.report renders it


async def test_a_flatten_the_venue_refuses_exits_1_with_the_reason(
    tmp_path: Path, sim: dict[str, Any], control: SimControlClient
) -> None:
    await control.freeze(SYMBOL)
    runner = await start_local(tmp_path, sim)
    try:
        await runner.wait_for_line(r"^backpack\s+entry\s+attempt 1: buy [\d.]+ @ [\d.]+ open, filled 0$")
        # from now on the venue refuses every new order: the reduce-only close cannot happen
        await control.add_faults({"rest": [{"action": "reject_order", "count": None, "reason": "refused by test"}]})
        await control.take(SYMBOL, "buy", "1")  # fills the entry
        code = await runner.finish()
    finally:
        runner.kill()
    assert code == 1, runner.stdout + runner.stderr
    line = await runner.wait_for_line(r"^backpack\s+FAIL in")
    assert "flatten: " in line and "venue refused the reduce-only close" in line
    await runner.wait_for_line(r"^backpack(\s+\S+){2}(\s+[\d.]+s){3}\s+FAIL\s+-\s+FAIL\s+[\d.]+s\s+FAIL$")
    await runner.wait_for_line(r"^FAIL \(exit 1\); report: ")
    document = json.loads((tmp_path / "report.json").read_text())
    assert document["run"]["exit_code"] == 1
    (result,) = document["results"]
    assert result["outcome"] == "failed" and "venue refused the reduce-only close" in result["reason"]
    assert "cleanup: " in result["reason"]  # and the cleanup says what is left
    orders, positions = await exposure(control)
    assert not orders and positions[SYMBOL] > 0  # the report is honest: the position is really still there


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_a_signal_mid_run_leaves_no_open_order_and_no_position(
    tmp_path: Path, sim: dict[str, Any], control: SimControlClient, sig: signal.Signals
) -> None:
    await control.freeze(SYMBOL)
    runner = await start_local(tmp_path, sim)
    try:
        await runner.wait_for_line(r"submitting -> open", "stderr")
        await control.take(SYMBOL, "buy", await fraction_filling_half_of_ours(control))
        await runner.wait_for_line(r"open -> partially_filled", "stderr")
        orders, positions = await exposure(control)
        assert len(orders) == 1 and positions[SYMBOL] > 0  # a resting order and a position, mid-run
        runner.send_signal(sig)
        code = await runner.finish()
    finally:
        runner.kill()
    assert code == 128 + sig, runner.stdout + runner.stderr
    await runner.wait_for_line(rf"^{sig.name}: stopping — cancelling this run's orders and flattening$")
    await runner.wait_for_line(rf"^backpack\s+STOPPED in [\d.]+s — interrupted by {sig.name} during entry$")
    assert await exposure(control) == ([], {})
    document = json.loads((tmp_path / "report.json").read_text())
    assert document["run"]["interrupted_by"] == sig.name and document["run"]["exit_code"] == 128 + sig
    steps = {s["name"]: s["outcome"] for s in document["results"][0]["steps"]}
    assert steps == {"ready": "passed", "entry": "interrupted", "cleanup": "passed"}
    assert document["results"][0]["outcome"] == "interrupted" and document["interrupted"] == sig.name
    assert judge(parse_report(document)).verdict is Verdict.INCOMPLETE  # rendered later, it never reads as a pass


async def test_a_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text((ROOT / "examples" / "smoke_sim.yaml").read_text().replace("side: buy", "side: long"))
    runner = await RunnerProcess.start(str(config))
    assert await runner.finish() == 2
    assert runner.lines["stderr"] == [
        f"xtb run: configuration error: {config}: strategy.connectors.backpack.side: Input should be 'buy' or 'sell'"
    ]
    assert runner.stdout == ""


async def test_a_credential_too_short_to_be_one_exits_2_without_showing_it(tmp_path: Path) -> None:
    """It used to crash with an internal error (Secret refused the value); now it names the variable."""
    config = tmp_path / "short.yaml"
    venue = ROOT / "venues" / "aster.yaml"
    config.write_text(
        f"connectors:\n  aster:\n    venue_file: {venue}\n"
        "strategy:\n  name: connector_smoke_test\n  connectors: [aster]\n"
    )
    runner = await RunnerProcess.start(str(config), ASTER_USER="0xab", ASTER_SIGNER_PRIVATE_KEY="0x" + "11" * 32)
    assert await runner.finish() == 2
    (line,) = runner.lines["stderr"]
    assert "credentials.user ($ASTER_USER): secret 'user' is too short" in line and "0xab" not in line
    assert runner.stdout == ""
