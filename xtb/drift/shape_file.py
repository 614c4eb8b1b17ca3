"""One run's shapes: reports/venue-shapes/VENUE.json.

A ShapeFile says whose answers it holds (the venue, a simulator, or the documented reference), when and
where they were recorded, and a Shape per key (xtb/drift/keys.py). It is written sorted and indented
so that a checked-in reference or a kept baseline diffs line by line.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xtb.drift.shapes import Shape, infer, merge, validate

FORMAT = "xtb-venue-shapes"
VERSION = 1
SOURCES = ("venue", "simulator", "reference")


class ShapeFileError(ValueError):
    """A shape file that cannot be read or is not a shape file; the message names the file."""


def today() -> str:
    return datetime.now(UTC).date().isoformat()


@dataclass
class ShapeFile:
    venue: str
    source: str  # "venue" | "simulator" | "reference"
    recorded_at: str = field(default_factory=today)  # ISO date
    environment: str = ""  # "testnet", "mainnet", "simulator", "documentation"
    shapes: dict[str, Shape] = field(default_factory=dict)

    def add(self, key: str, value: Any) -> None:
        """Fold one answer or frame into the shape of its key."""
        shape = infer(value)
        self.shapes[key] = merge(self.shapes[key], shape) if key in self.shapes else shape

    def merge(self, other: ShapeFile) -> ShapeFile:
        """Both runs' shapes in one file (e.g. parallel workers of one run); the later date wins."""
        shapes = copy.deepcopy(self.shapes)
        for key, shape in other.shapes.items():
            shapes[key] = merge(shapes[key], shape) if key in shapes else copy.deepcopy(shape)
        return ShapeFile(
            venue=self.venue,
            source=self.source,
            recorded_at=max(self.recorded_at, other.recorded_at),
            environment=self.environment or other.environment,
            shapes=shapes,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "venue": self.venue,
            "source": self.source,
            "recorded_at": self.recorded_at,
            "environment": self.environment,
            "shapes": {key: self.shapes[key] for key in sorted(self.shapes)},
        }

    @classmethod
    def from_json(cls, data: Any) -> ShapeFile:
        """Raise ShapeFileError saying what is wrong when `data` is not a shape file."""
        if not isinstance(data, dict):
            raise ShapeFileError(f"a shape file is a JSON object, got {type(data).__name__}")
        if data.get("format", FORMAT) != FORMAT:
            raise ShapeFileError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        if data.get("version", VERSION) != VERSION:
            raise ShapeFileError(f"version {data.get('version')!r} is not supported (this xtb reads {VERSION})")
        for name in ("venue", "source", "recorded_at"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise ShapeFileError(f"'{name}' must be a non-empty string")
        if data["source"] not in SOURCES:
            raise ShapeFileError(f"'source' is {data['source']!r}, expected one of {', '.join(SOURCES)}")
        shapes = data.get("shapes")
        if not isinstance(shapes, dict):
            raise ShapeFileError("'shapes' must be an object of key → shape")
        for key, shape in shapes.items():
            try:
                validate(shape, f"shapes[{key!r}]")
            except ValueError as exc:
                raise ShapeFileError(str(exc)) from None
        return cls(
            venue=data["venue"],
            source=data["source"],
            recorded_at=data["recorded_at"],
            environment=str(data.get("environment") or ""),
            shapes=dict(shapes),
        )

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.dumps(), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | Path) -> ShapeFile:
        """Raise ShapeFileError naming the file and the problem when it cannot be used."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ShapeFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ShapeFileError(f"{path}: not JSON: {exc}") from None
        try:
            return cls.from_json(data)
        except ShapeFileError as exc:
            raise ShapeFileError(f"{path}: {exc}") from None
