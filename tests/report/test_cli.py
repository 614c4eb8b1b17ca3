from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "xtb.report", *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_regenerates_both_files_from_json(tmp_path: Path, document: dict) -> None:
    results = tmp_path / "conformance.json"
    results.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "out"
    proc = run(str(results), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(out / "conformance.md"), str(out / "conformance.html")]
    assert "| **lighter** | ✅ | ❌ | — | ✅ | ⏭ | ✅ | ⏭ |" in (out / "conformance.md").read_text(encoding="utf-8")
    assert (out / "conformance.html").read_text(encoding="utf-8").count("<svg") == 3


def test_writes_beside_the_json_by_default(tmp_path: Path, document: dict) -> None:
    results = tmp_path / "conformance.json"
    results.write_text(json.dumps(document), encoding="utf-8")
    proc = run(str(results))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conformance.html", "conformance.json", "conformance.md"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("malformed", r"results[1] (backpack/post_top_of_book).outcome: unknown outcome 'xfail'"),
        ("{not json", "not valid JSON"),
        ("[]", "document: expected a JSON object"),
        (None, "no such file"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path, document: dict, content: str | None, expected: str
) -> None:
    results = tmp_path / "conformance.json"
    if content == "malformed":
        document["results"][1]["outcome"] = "xfail"
        results.write_text(json.dumps(document), encoding="utf-8")
    elif content is not None:
        results.write_text(content, encoding="utf-8")
    proc = run(str(results), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert proc.stderr.startswith("python -m xtb.report: ") and "Traceback" not in proc.stderr
    assert proc.stdout == "" and not (tmp_path / "out").exists()
