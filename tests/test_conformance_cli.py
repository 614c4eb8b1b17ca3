"""The conformance suite's command line: bad input stops the run before any order, naming the problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None, tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "conformance",
            "-q",
            "-p",
            "no:cacheprovider",
            "--report-dir",
            str(tmp),
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--venue-config", "venues/backpack.yaml"], {}, "pass --allow-mainnet"),
        (
            ["--venue-config", "venues/backpack.yaml", "--allow-mainnet"],
            {"BACKPACK_API_SECRET": ""},
            "BACKPACK_API_SECRET",
        ),
        (["--venue-config", "venues/missing.yaml"], {}, "venues/missing.yaml: no such venue file"),
        (
            ["--venue-config", "venues/backpack.yaml", "--sim", "--venue-connector", "nonsense"],
            {},
            "VENUE=module:Class",
        ),
    ],
    ids=["mainnet-needs-opt-in", "missing-credential", "missing-file", "bad-override"],
)
def test_bad_input_stops_before_any_order(tmp_path: Path, args: list[str], env: dict[str, str], message: str) -> None:
    proc = run(*args, env=env, tmp=tmp_path)
    assert proc.returncode != 0
    assert message in proc.stderr + proc.stdout
    assert not (tmp_path / "conformance.json").exists()


def test_bad_yaml_names_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "venues" / "backpack.yaml").read_text().replace("symbol: SOL_USDC_PERP\n", "", 1))
    proc = run("--venue-config", str(bad), "--sim", tmp=tmp_path)
    assert proc.returncode != 0
    assert f"{bad}: missing required key 'symbol'" in proc.stderr + proc.stdout
