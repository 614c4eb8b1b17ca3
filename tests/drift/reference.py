"""Reference shapes: a venue's documented answers (its spec fixture) as a checked-in ShapeFile with
source "reference", and the check that its simulator answers in those shapes.

Each venue's test turns its own fixture into samples (key, value) — keyed with xtb.drift.keys exactly
as the recorder keys the same answer — and runs its simulator through the same operations. What this
module adds is shared: documented values that stand for "some value" (the spec's `…` placeholders,
key lists without types) become leaves that any value of that kind matches, the checked-in file must be
what the fixture gives today, and the breaking differences must be exactly the ones a venue lists with
a reason (a listed one that no longer occurs fails too, so the list stays true).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xtb.drift import compare as drift_compare
from xtb.drift.compare import Difference
from xtb.drift.shape_file import ShapeFile

REWRITE = "XTB_WRITE_REFERENCE_SHAPES"  # set to 1 to rewrite the checked-in files from the fixtures


@dataclass(frozen=True)
class Loose:
    """A documented value the spec gives only as a key (or a `…` placeholder): `kind` is the JSON type
    the spec states ("string", "number", "integer", "boolean", "object", "array") or "any"."""

    kind: str = "any"


ANY = Loose()
STRING = Loose("string")

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


CONTAINERS = ("any", "object", "array")
# how a loose leaf is written in the checked-in file, by kind (a text token for a string)
WRITTEN: dict[str, Any] = {"string": "LOOSE", "number": 0, "integer": 0, "boolean": True, "object": {}, "array": []}
# other values of the same kind: where the files differ, only the value's format (or token) is loose
OTHERS: dict[str, tuple[Any, ...]] = {"string": ("0x0a", "OTHER", "1.5"), "number": (0.5,), "integer": (1,)}


def written(leaf: Loose) -> Any:
    return WRITTEN.get(leaf.kind, "LOOSE")


def other_of_same_kind(index: int) -> Callable[[Loose], Any]:
    def stand_in(leaf: Loose) -> Any:
        others = OTHERS.get(leaf.kind, ())
        return others[index] if index < len(others) else written(leaf)

    return stand_in


def another_kind(leaf: Loose) -> Any:
    return 7 if leaf.kind in CONTAINERS else written(leaf)


def ground(value: Any, stand_in: Callable[[Loose], Any] = written) -> Any:
    """The value with every `Loose` leaf replaced by its stand-in."""
    if isinstance(value, Loose):
        return stand_in(value)
    if isinstance(value, dict):
        return {k: ground(v, stand_in) for k, v in value.items()}
    if isinstance(value, list):
        return [ground(v, stand_in) for v in value]
    return value


def reference_file(
    venue: str, samples: Iterable[tuple[str, Any]], note: str, stand_in: Callable[[Loose], Any] = written
) -> ShapeFile:
    """The reference ShapeFile of these documented samples, each `Loose` leaf written as its stand-in."""
    today = datetime.now(UTC).date().isoformat()
    shapes = ShapeFile(venue=venue, source="reference", recorded_at=today, environment=note, shapes={})
    for key, value in samples:
        shapes.add(key, ground(value, stand_in))
    return shapes


@dataclass(frozen=True)
class LooseLeaves:
    """Where the documentation gives no value, in compare's own notation, found by building the
    reference with other stand-ins and comparing it with itself: `formats` (key, path, kind) differ only
    in the format of a value of the stated type; under `anything` (key, path) any value is documented."""

    formats: frozenset[tuple[str, str, str]]
    anything: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, venue: str, samples: list[tuple[str, Any]]) -> LooseLeaves:
        base = reference_file(venue, samples, "")
        same_kind = [
            d
            for index in range(max(len(o) for o in OTHERS.values()))
            for d in drift_compare.compare(base, reference_file(venue, samples, "", other_of_same_kind(index)))
        ]
        any_kind = drift_compare.compare(base, reference_file(venue, samples, "", another_kind))
        return cls(frozenset((d.key, d.path, d.kind) for d in same_kind), frozenset((d.key, d.path) for d in any_kind))

    def covers(self, d: Difference) -> bool:
        if (d.key, d.path, d.kind) in self.formats:
            return True
        return any(key == d.key and _under(d.path, path) for key, path in self.anything)


NO_LOOSE = LooseLeaves(frozenset(), frozenset())


def _under(path: str, loose: str) -> bool:
    return path == loose or (path.startswith(loose) and not path[len(loose)].isalnum())


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
    reference: ShapeFile, simulator: ShapeFile, documented: Listed, loose: LooseLeaves = NO_LOOSE
) -> list[str]:
    """Every breaking difference not in `documented`, and every documented one that no longer occurs.
    A difference at or under a `loose` leaf is none: the documentation gives no value there."""
    found = [d for d in drift_compare.breaking(drift_compare.compare(reference, simulator)) if not loose.covers(d)]
    seen = {(d.key, d.path, d.kind) for d in found}
    problems = [describe(d) for d in found if (d.key, d.path, d.kind) not in documented]
    problems += [
        f"listed but no longer found: {k} {p} {kind} ({why})"
        for (k, p, kind), why in documented.items()
        if (k, p, kind) not in seen
    ]
    return problems


def describe(difference: Difference) -> str:
    d = difference
    return f"{d.key} {d.path} [{d.kind}] {d.detail} — {d.verdict}: {d.rule}"


def compared_keys(reference: ShapeFile, simulator: ShapeFile) -> set[str]:
    return set(reference.shapes) & set(simulator.shapes)
