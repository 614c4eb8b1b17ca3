"""`xtb run examples/smoke_hyperliquid_sim.yaml`: the runner starts Hyperliquid's simulator and the
connector smoke test passes on it — entry at the touch, the REST/WS cross-check, the flatten, zero
exposure — with a report that says so."""

from __future__ import annotations

import json
from pathlib import Path

from tests.runtime.processes import RunnerProcess


async def test_the_hyperliquid_example_passes_on_the_simulator(tmp_path: Path) -> None:
    report = tmp_path / "smoke.json"
    runner = await RunnerProcess.start("examples/smoke_hyperliquid_sim.yaml", "--report", str(report))
    code = await runner.finish()
    assert code == 0, runner.stdout + runner.stderr
    await runner.wait_for_line(r"^simulator hyperliquid: rest http://127\.0\.0\.1:\d+")
    await runner.wait_for_line(r"^hyperliquid\s+PASS in [\d.]+s — buy [\d.]+ ETH filled in \d+ attempt")
    document = json.loads(report.read_text())
    assert document["run"]["exit_code"] == 0 and document["run"]["outcome"] == "passed"
    (result,) = document["results"]
    assert result["outcome"] == "passed"
    assert [s["name"] for s in result["steps"]] == ["ready", "entry", "cross_check", "flatten", "zero_exposure"]
    assert {o["state"] for o in result["orders"]} <= {"filled", "cancelled"}
