"""README's 'Use the simulators as a local testnet' runs as written: the simulator started by its
first line, every curl line, and the ccxt script, against a free port instead of 8700."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADING = "## Use the simulators as a local testnet"
README_URL = "http://127.0.0.1:8700"
TIMEOUT = 30.0


def section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(HEADING)
    return text[start : text.index("\n## ", start + 1)]


def block(kind: str) -> str:
    return section().split(f"```{kind}\n", 1)[1].split("```", 1)[0]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XTB_SIM_PLUGINS", "XTB_DEBUG")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return env


@pytest.fixture
async def simulator() -> AsyncIterator[str]:
    """The README's first line (a free port instead of 8700), running; yields its base URL."""
    start = block("bash").splitlines()[0].split("#", 1)[0].strip()
    assert start == "python -m xtb.sim backpack --port 8700 &"
    args = [*start.removesuffix("&").split()[1:-1], "0"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, env=environment(), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        info = json.loads(await asyncio.wait_for(proc.stdout.readline(), TIMEOUT))
        yield info["rest"]
    finally:
        proc.terminate()
        await proc.wait()


async def run(command: str, cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_shell(
        command, cwd=cwd, env=environment(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_the_readme_testnet_walkthrough_runs_as_written(simulator: str, tmp_path: Path) -> None:
    (tmp_path / "place_order.py").write_text(block("python").replace(README_URL, simulator))
    lines = [line.replace(README_URL, simulator) for line in block("bash").splitlines()[1:]]
    outputs = []
    for line in lines:
        command = line.replace("python ", f"{sys.executable} ", 1) if line.startswith("python ") else line
        status, out, err = await run(command, tmp_path)
        assert status == 0, (line, err)
        outputs.append(out)
    index, created, funded, mid, frozen, script, orders, faults = outputs
    assert json.loads(index)["openapi"] == simulator + "/_sim/openapi.json"
    assert set(json.loads(created)["credentials"]) == {"api_key", "api_secret"}
    assert json.loads(funded)["cash"] == "15000"
    assert json.loads(mid) == {"mid": "150.00"}
    assert json.loads(frozen) == {"frozen": True}
    assert script == "order: open\n"
    (order,) = json.loads(orders)
    assert (order["side"], order["price"], order["size"]) == ("buy", "149.00", "0.50")
    assert order["time_in_force"] == "post_only" and order["status"] == "new"
    assert [(f["action"], f["status"], f["path"]) for f in json.loads(faults)["rest"]] == [
        ("status", 503, "/api/v1/order")
    ]
    # what the README says comes next: the script run again meets the injected 503
    status, _, err = await run(f"{sys.executable} place_order.py", tmp_path)
    assert status != 0 and "Unknown error, please check your request or try again later." in err
