"""The shapes a run heard from each venue (`xtb.drift`): recorded by every scenario's connector,
written to `<report-dir>/venue-shapes/VENUE.json` at the end, and compared with `--drift-baseline`.

One recorder per venue per process: every scenario's connector adds to it (`attach`). A parallel
worker sends its (scrubbed) files to the controller with its selection (`worker_output`); the
controller merges them (`merge_output`) exactly as it merges result rows, and writes one file per
venue. Drift never changes the verdict: it is about the simulator, not the connector; the nightly
job fails on it through `xtb drift`'s exit code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xtb.connectors.base import BaseConnector
from xtb.connectors.config import ConnectorConfig
from xtb.drift.recorder import ShapeRecorder
from xtb.drift.shape_file import ShapeFile
from xtb.report.model import VenueShapes

log = logging.getLogger(__name__)

SHAPES_DIR = "venue-shapes"
VENUE_SOURCE, SIMULATOR_SOURCE = "venue", "simulator"


def attach(
    recorders: dict[str, ShapeRecorder], connector: BaseConnector, config: ConnectorConfig, *, on_simulator: bool
) -> None:
    """Record what this connector hears into its venue's recorder (made at first use)."""
    recorder = recorders.get(config.venue)
    if recorder is None:
        source = SIMULATOR_SOURCE if on_simulator else VENUE_SOURCE
        recorder = recorders[config.venue] = ShapeRecorder(config.venue, source, config.environment)
    recorder.hide(config.identifiers.values())
    connector.shape_recorder = recorder


def worker_output(recorders: Mapping[str, ShapeRecorder]) -> dict[str, Any]:
    """A worker's files, scrubbed, as plain JSON for its `workeroutput`."""
    return {
        venue: {"file": r.scrubbed().to_json(), "skipped": sum(r.skipped.values())} for venue, r in recorders.items()
    }


def merge_output(into: dict[str, tuple[ShapeFile, int]], output: object) -> None:
    """Add one worker's files (`worker_output`) to the controller's."""
    if not isinstance(output, dict):
        return
    for venue, part in output.items():
        try:
            file, skipped = ShapeFile.from_json(part["file"]), int(part["skipped"])
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("venue shapes from a worker refused venue=%s error=%s", venue, exc)
            continue
        if venue in into:
            held, count = into[venue]
            file, skipped = held.merge(file), count + skipped
        into[venue] = (file, skipped)


def local_files(recorders: Mapping[str, ShapeRecorder]) -> dict[str, tuple[ShapeFile, int]]:
    """A serial run's files, scrubbed."""
    return {venue: (r.scrubbed(), sum(r.skipped.values())) for venue, r in recorders.items()}


def write(
    files: Mapping[str, tuple[ShapeFile, int]], report_dir: Path, baseline: Path | None
) -> dict[str, VenueShapes]:
    """Write each venue's file and, with a baseline, compare against it: what the report says of them."""
    out: dict[str, VenueShapes] = {}
    for venue, (file, skipped) in sorted(files.items()):
        path = Path(report_dir) / SHAPES_DIR / f"{venue}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        file.write(path)
        shown = f"{SHAPES_DIR}/{venue}.json"
        drift = _drift(file, baseline, venue)
        out[venue] = VenueShapes(file=shown, source=file.source, keys=len(file.shapes), skipped=skipped, **drift)
    return out


def baseline_file(baseline: Path, venue: str) -> Path | None:
    """The baseline for one venue: the file itself, or `VENUE.json` in a directory (None if absent)."""
    if baseline.is_dir():
        candidate = baseline / f"{venue}.json"
        return candidate if candidate.is_file() else None
    return baseline if baseline.is_file() else None


def _drift(file: ShapeFile, baseline: Path | None, venue: str) -> dict[str, Any]:
    if baseline is None:
        return {}
    path = baseline_file(baseline, venue)
    if path is None:
        return {"drift_baseline": str(baseline), "drift": f"No baseline for {venue} in `{baseline}`."}
    try:
        base = ShapeFile.read(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"drift_baseline": str(path), "drift": f"The baseline `{path}` could not be read: {exc}"}
    if base.venue != file.venue:
        return {"drift_baseline": str(path), "drift": f"The baseline `{path}` is {base.venue}'s, not {venue}'s."}
    from xtb.drift import compare  # only a run with a baseline compares

    venue_side, sim_side = (file, base) if file.source == VENUE_SOURCE else (base, file)
    differences = compare.compare(venue_side, sim_side)
    return {
        "drift_baseline": str(path),
        "drift": compare.render_markdown(differences, venue_side, sim_side),
        "differences": len(differences),
        "breaking": len(compare.breaking(differences)),
    }
