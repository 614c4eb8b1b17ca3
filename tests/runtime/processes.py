"""The runner and a standalone simulator as the user runs them: separate processes, read line by line.

Waits are on output lines and process exits, each with a deadline; nothing sleeps and hopes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xtb.change_signal import Changed

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 20.0


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XTB_DEBUG", "XTB_CONFIG", "XTB_SIM_PLUGINS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return {**env, **extra}


class RunnerProcess:
    """`python -m xtb run ...` with its stdout and stderr collected as lines while it runs."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._changed = Changed()
        assert proc.stdout is not None and proc.stderr is not None
        self._pumps = [
            asyncio.ensure_future(self._pump(proc.stdout, "stdout")),
            asyncio.ensure_future(self._pump(proc.stderr, "stderr")),
        ]

    @classmethod
    async def start(cls, *args: str, **env: str) -> RunnerProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "xtb", "run", *args,
            cwd=ROOT, env=environment(**env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(proc)

    async def _pump(self, stream: asyncio.StreamReader, name: str) -> None:
        while line := await stream.readline():
            self.lines[name].append(line.decode(errors="replace").rstrip("\n"))
            self._changed.notify()
        self._changed.notify()

    @property
    def stdout(self) -> str:
        return "\n".join(self.lines["stdout"])

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines["stderr"])

    async def wait_for_line(self, pattern: str, stream: str = "stdout", timeout: float = TIMEOUT) -> str:
        """The first line of `stream` matching the regex; fails (with the output so far) at the deadline
        or if the process ends without printing it."""
        regex = re.compile(pattern)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    seen = self._changed.version
                    for line in self.lines[stream]:
                        if regex.search(line):
                            return line
                    if all(p.done() for p in self._pumps):
                        break
                    await self._changed.wait(seen)
        except TimeoutError:
            pass
        raise AssertionError(f"no {stream} line matching {pattern!r}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}")

    def send_signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    async def finish(self, timeout: float = TIMEOUT) -> int:
        """Wait for the exit (and all its output); kills it at the deadline and fails."""
        try:
            async with asyncio.timeout(timeout):
                code = await self.proc.wait()
                await asyncio.gather(*self._pumps)
        except TimeoutError:
            self.kill()
            raise AssertionError(f"the runner did not exit within {timeout}s\nstdout:\n{self.stdout}") from None
        return code

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


@contextmanager
def standalone_simulator(venue: str = "backpack", seed: int = 3) -> Iterator[dict[str, Any]]:
    """`python -m xtb.sim VENUE` in its own process: it outlives the runner, so its control API can
    tell what a run left behind. Yields the JSON line it prints (URLs and the test account)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "xtb.sim", venue, "--seed", str(seed)],
        cwd=ROOT, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once serving; the test's timeout guards a hang
        if not line:
            raise RuntimeError(f"python -m xtb.sim {venue} exited with {proc.wait()} before serving")
        yield json.loads(line)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
