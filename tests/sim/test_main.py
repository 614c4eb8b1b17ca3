"""`python -m xtb.sim` as a user runs it: one JSON line per venue, a working venue behind it, a clean
exit on SIGINT / SIGTERM, and exit 2 with a message when there is nothing (or no such thing) to run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.sim.plain_venue import SYMBOL, PlainVenue
from xtb.clock import SYSTEM_CLOCK
from xtb.sim.__main__ import main
from xtb.sim.engine import Engine
from xtb.sim.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "tests.sim.plain_venue:register"
TIMEOUT = 15.0


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XTB_SIM_PLUGINS", "XTB_DEBUG")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return {**env, **extra}


@pytest.fixture
async def simulator() -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "xtb.sim", "plain", "--plugin", PLUGIN, "--seed", "7",
        cwd=ROOT, env=environment(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_runs_a_venue_prints_where_and_stops_on_a_signal(
    simulator: asyncio.subprocess.Process, sig: signal.Signals
) -> None:
    assert simulator.stdout is not None and simulator.stderr is not None
    line = await asyncio.wait_for(simulator.stdout.readline(), TIMEOUT)
    info = json.loads(line)
    assert list(info) == ["venue", "rest", "ws", "control", "account"]
    assert info["venue"] == "plain"
    assert info["ws"] == info["rest"].replace("http://", "ws://") + "/ws"
    assert info["control"] == info["rest"] + "/_sim"
    expected = PlainVenue(Engine(SYSTEM_CLOCK), seed=7).issue_credentials(PlainVenue.test_account)
    assert info["account"] == expected  # fixed by the seed

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
        async with http.get(f"{info['rest']}/book", params={"symbol": SYMBOL}) as resp:
            assert resp.status == 200
            book = await resp.json()
        assert book["bids"] and book["asks"]
        async with http.get(f"{info['control']}/balances", params={"account": "test-account"}) as resp:
            assert (await resp.json())[0]["cash"] == "1000000"

    simulator.send_signal(sig)
    assert await asyncio.wait_for(simulator.wait(), TIMEOUT) == 0
    assert await simulator.stdout.read() == b""  # exactly one line per venue
    assert b"Traceback" not in await simulator.stderr.read()


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xtb.sim", *args],
        cwd=ROOT, env=environment(**env), capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip


def test_unknown_venue_exits_2_naming_the_known_ones() -> None:
    done = run_cli("nope", XTB_SIM_PLUGINS=PLUGIN)
    assert done.returncode == 2
    assert "'nope'" in done.stderr and "plain" in done.stderr
    assert done.stdout == ""


def test_no_registered_venue_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([], registry=Registry()) == 2
    captured = capsys.readouterr()
    assert "no simulators are registered" in captured.err and captured.out == ""


def test_a_plugin_that_does_not_load_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--plugin", "tests.sim.no_such_module:register"], registry=Registry()) == 2
    assert "cannot load plugin 'tests.sim.no_such_module:register'" in capsys.readouterr().err
