"""Run the conformance suite in a child pytest process, as a user would, and read what it wrote.

A child process keeps a deliberately broken connector, a bad venue file or a signal away from the
test process; the verdict is read from the files the child wrote and from its exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def suite_command(report_dir: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "conformance",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--report-dir",
        str(report_dir),
        *args,
    ]


def suite_env(env: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}


def run_suite(report_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 240) -> Run:
    proc = subprocess.run(
        suite_command(report_dir, *args),
        cwd=ROOT,
        env=suite_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr, report_dir)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def tail(self, chars: int = 3000) -> str:
        return f"exit {self.code}\n{self.stdout[-chars:]}\n{self.stderr[-chars:]}"

    def document(self) -> dict[str, Any]:
        path = self.report_dir / "conformance.json"
        assert path.exists(), f"no report written:\n{self.tail()}"
        return json.loads(path.read_text())

    def outcomes(self, venue: str | None = None) -> dict[str, str]:
        return {
            r["scenario"] if venue else f"{r['venue']}/{r['scenario']}": r["outcome"]
            for r in self.document()["results"]
            if venue is None or r["venue"] == venue
        }

    def verdict(self, venue: str | None = None) -> str:
        verdict = self.document()["verdict"]
        return verdict["verdict"] if venue is None else verdict["venues"][venue]["verdict"]
