"""`xtb drift A.json B.json`: the output a person reads and the exit code the nightly job acts on
(0 nothing would break a client, 1 something would, 2 a file is unreadable or invalid)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xtb.cli import main
from xtb.drift.shape_file import ShapeFile

KEY = "GET /api/v1/order"


def write(tmp_path: Path, name: str, source: str, values: list[object], recorded_at: str = "2026-12-07") -> Path:
    shapes = ShapeFile(venue="backpack", source=source, recorded_at=recorded_at, environment="testnet")
    for value in values:
        shapes.add(KEY, value)
    return shapes.write(tmp_path / name)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main(["drift", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_no_drift_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path, "a.json", "venue", [{"price": "1.5", "status": "New"}])
    b = write(tmp_path, "b.json", "simulator", [{"price": "2.5", "status": "New"}])
    code, out, err = run(capsys, a, b)
    assert (code, err) == (0, "")
    assert "No differences." in out


def test_harmless_and_unknown_differences_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path, "a.json", "venue", [{"price": "1.5", "extra": 1}])
    b = write(tmp_path, "b.json", "simulator", [{"price": "2.5"}, {"price": "2.5", "maybe": True}])
    code, out, _ = run(capsys, a, b)
    assert code == 0
    assert "0 would break a client, 1 unknown, 1 harmless" in out


def test_a_breaking_difference_exits_1_and_lists_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path, "a.json", "venue", [{"price": "1.5", "status": "Expired"}])
    b = write(tmp_path, "b.json", "simulator", [{"price": 1.5, "status": "New"}])
    code, out, _ = run(capsys, a, b)
    assert code == 1
    assert f"### `{KEY}`" in out
    assert "| `price` | type: venue: string (decimal); simulator: float | **would break a client** |" in out
    assert "| `status` | enum: only venue: Expired | **would break a client** |" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path, "a.json", "venue", [{"price": "1.5"}])
    b = write(tmp_path, "b.json", "simulator", [{"price": 1.5}])
    code, out, _ = run(capsys, a, b, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["summary"] == {"harmless": 0, "breaking": 1, "unknown": 0}
    assert data["differences"][0]["key"] == KEY
    assert data["differences"][0]["verdict"] == "would break a client"
    assert data["a"]["source"] == "venue" and data["b"]["source"] == "simulator"


def test_baseline_reads_changed_since(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = write(tmp_path, "now.json", "venue", [{"price": "1.5"}])
    then = write(tmp_path, "then.json", "venue", [{"price": "1.5", "fee": "0.1"}], recorded_at="2026-11-30")
    code, out, _ = run(capsys, now, then, "--baseline")
    assert code == 1
    assert out.startswith("## backpack: changed since 2026-11-30\n")
    assert "a client written against the venue on 2026-11-30 may read it; the venue now does not send it" in out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read"),
        ("{not json", "not JSON"),
        ("[]", "a shape file is a JSON object"),
        ('{"venue": "x", "source": "venue", "recorded_at": "2026-12-07"}', "'shapes' must be an object"),
        ('{"venue": "x", "source": "robot", "recorded_at": "2026-12-07", "shapes": {}}', "'source' is 'robot'"),
        ('{"source": "venue", "recorded_at": "2026-12-07", "shapes": {}}', "'venue' must be a non-empty string"),
        (
            '{"venue": "x", "source": "venue", "recorded_at": "d", "shapes": {"GET /x": {"string": {"formats": '
            '["text"], "values": ["vmPUZE6mv9SD5VNHk4HlWFsO"]}}}}',
            "'values' must hold enum tokens only",
        ),
        ('{"venue": "x", "source": "venue", "recorded_at": "d", "shapes": {"GET /x": {"blob": {}}}}', "unknown kind"),
    ],
)
def test_an_invalid_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, problem: str
) -> None:
    good = write(tmp_path, "good.json", "simulator", [{"a": 1}])
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    for argv in ((bad, good), (good, bad)):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert err.startswith(f"xtb drift: {bad}: ") and problem in err, err


def test_a_shape_file_round_trips_and_is_sorted(tmp_path: Path) -> None:
    shapes = ShapeFile(venue="backpack", source="simulator", recorded_at="2026-12-07", environment="simulator")
    shapes.add("b", {"z": 1, "a": [1.5]})
    shapes.add("a", "1.50")
    path = shapes.write(tmp_path / "nested" / "backpack.json")
    assert ShapeFile.read(path) == shapes
    text = path.read_text()
    assert text.index('"a"') < text.index('"b"') and text.endswith("}\n")
    other = ShapeFile(venue="backpack", source="simulator", recorded_at="2026-12-08", shapes={"a": {"null": {}}})
    merged = shapes.merge(other)
    assert merged.recorded_at == "2026-12-08"
    assert set(merged.shapes["a"]) == {"string", "null"}
    assert set(shapes.shapes["a"]) == {"string"}  # merge leaves both files alone
