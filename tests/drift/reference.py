"""Reference shapes: a venue's documented answers (its spec fixture) as a checked-in ShapeFile with
source "reference", and the check that its simulator answers in those shapes.

Each venue's test turns its own fixture into samples (key, value) — keyed with xtb.drift.keys exactly
as the recorder keys the same answer — and runs its simulator through the same operations. What this
module adds is shared: documented values that stand for "some value" (the spec's `…` placeholders,
key lists without types) become placeholders (the shapes' "any" kind) that any value of that type
matches, the checked-in file must be what the fixture gives today, and the breaking differences must be
exactly the ones a venue lists with a reason (a listed one that no longer occurs fails too, so the list
stays true).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xtb.drift import compare as drift_compare
from xtb.drift.compare import Difference
from xtb.drift.shape_file import ShapeFile
from xtb.drift.shapes import Placeholder

REWRITE = "XTB_WRITE_REFERENCE_SHAPES"  # set to 1 to rewrite the checked-in files from the fixtures


# the JSON types a spec names, as the shape kinds a value of that type takes
KINDS_OF_TYPE: dict[str, tuple[str, ...] | None] = {
    "any": None,
    "string": ("string",),
    "number": ("float", "integer"),
    "integer": ("integer",),
    "boolean": ("boolean",),
    "object": ("map", "object"),
    "array": ("array",),
}


def loose(kind: str = "any") -> Placeholder:
    """A documented value the spec gives only as a key, or as a `…` placeholder: any value of the JSON
    type it states ("string", "number", "integer", "boolean", "object", "array", or "any")."""
    return Placeholder(KINDS_OF_TYPE[kind])


ANY = loose()
STRING = loose("string")

_PLACEHOLDER = re.compile(r"…|<[^<>]*>|\.\.\.")


def is_placeholder(text: str) -> bool:
    """A documented string that stands for a value rather than showing one ("…", "0x5f1b…e2", "0x<master>")."""
    return bool(_PLACEHOLDER.search(text))


def loosen_placeholders(value: Any) -> Any:
    """The value with every placeholder string made a loose string."""
    if isinstance(value, dict):
        return {k: loosen_placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [loosen_placeholders(v) for v in value]
    if isinstance(value, str) and is_placeholder(value):
        return STRING
    return value


def reference_file(venue: str, samples: Iterable[tuple[str, Any]], note: str) -> ShapeFile:
    """The reference ShapeFile of these documented samples; a placeholder is the "any" kind, which
    `xtb drift` matches with any value of its type, so a recorded run compared by hand shows no false
    difference there."""
    today = datetime.now(UTC).date().isoformat()
    shapes = ShapeFile(venue=venue, source="reference", recorded_at=today, environment=note, shapes={})
    for key, value in samples:
        shapes.add(key, value)
    return shapes


def _comparable(data: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in data.items() if k != "recorded_at"}, sort_keys=True, indent=1)


def check_checked_in(path: Path, built: ShapeFile) -> None:
    """Fail when the checked-in file is not what the fixture gives (rewrite it with XTB_WRITE_REFERENCE_SHAPES=1)."""
    if os.environ.get(REWRITE) == "1":
        built.write(path)
    assert path.exists(), f"{path} is missing: write it with {REWRITE}=1 and check it in"
    checked_in = json.loads(path.read_text())
    assert _comparable(checked_in) == _comparable(built.to_json()), (
        f"{path} is stale: it is not what the spec fixture gives. Regenerate it "
        f"({REWRITE}=1 pytest {path.parent.parent}/test_*_reference_shapes.py) and review the diff."
    )


def sample_file(venue: str, samples: Iterable[tuple[str, Any]]) -> ShapeFile:
    """The simulator's answers as a ShapeFile (what the recorder would write on a simulator run)."""
    today = datetime.now(UTC).date().isoformat()
    shapes = ShapeFile(venue=venue, source="simulator", recorded_at=today, environment="simulator", shapes={})
    for key, value in samples:
        shapes.add(key, value)
    return shapes


Listed = Mapping[tuple[str, str, str], str]  # (key, path, kind) → why the difference is expected


def unexplained(
    reference: ShapeFile, simulator: ShapeFile, documented: Listed, by_kind: Mapping[str, str] | None = None
) -> list[str]:
    """Every breaking difference not in `documented` (key, path, kind) nor of a kind in `by_kind` (kind →
    why every difference of that kind is expected, e.g. padding where the venue's number style makes
    it depend on the example's values), and every listed one that no longer occurs."""
    by_kind = by_kind or {}
    found = drift_compare.breaking(drift_compare.compare(reference, simulator))
    seen = {(d.key, d.path, d.kind) for d in found}
    problems = [describe(d) for d in found if (d.key, d.path, d.kind) not in documented and d.kind not in by_kind]
    problems += [
        f"listed but no longer found: {k} {p} {kind} ({why})"
        for (k, p, kind), why in documented.items()
        if (k, p, kind) not in seen
    ]
    problems += [
        f"kind listed but no longer found: {kind} ({why})"
        for kind, why in by_kind.items()
        if kind not in {d.kind for d in found}
    ]
    return problems


def describe(difference: Difference) -> str:
    d = difference
    return f"{d.key} {d.path} [{d.kind}] {d.detail} — {d.verdict}: {d.rule}"


def compared_keys(reference: ShapeFile, simulator: ShapeFile) -> set[str]:
    return set(reference.shapes) & set(simulator.shapes)


def undocumented_differences(
    reference_path: Path,
    venue: str,
    answers: Iterable[tuple[str, Any]],
    documented: Mapping[tuple[str, str, str], str],
    kinds: Mapping[str, str],
    not_made: Iterable[str] = (),
) -> list[str]:
    """What a venue's reference test fails on: every documented key must have been exercised (but the
    `not_made` ones the run cannot produce), and every breaking difference must be listed, and every
    listed one must still occur."""
    reference = ShapeFile.read(reference_path)
    simulator = sample_file(venue, answers)
    missing = set(reference.shapes) - compared_keys(reference, simulator) - set(not_made)
    assert not missing, f"documented keys not exercised: {sorted(missing)}"
    return unexplained(reference, simulator, documented, kinds)
