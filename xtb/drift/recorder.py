"""What a connector heard, as shapes: every REST answer body and every text stream frame, named by
`keys` and folded into one `ShapeFile` per venue as it arrives.

Why here and not in each venue: the shared transport (`PacedSession` for REST, the session's
WebSocket class for frames) hands every answer and frame to the one recorder the connector was given,
so a venue module cannot forget to record, and a connector without a recorder pays one `is None`
check per answer. Only shapes are kept, never the values themselves; what little of a value a shape
may hold (an enum's members) is scrubbed of the run's secrets and account identifiers once more
when the file is written (`scrubbed`).
"""

from __future__ import annotations

import datetime
import json
import logging
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from xtb import safejson
from xtb.drift import keys
from xtb.drift.shape_file import ShapeFile
from xtb.secrets import MASK, redact

log = logging.getLogger(__name__)

NOT_JSON = "not JSON"
UNNAMED = "frame without a name"
_MIN_IDENTIFIER = 6  # shorter values (an account index 3) would mask ordinary text: never a secret on their own


class ShapeRecorder:
    """One venue's shapes for one run. `rest` and `frame` never raise: recording must not change
    what the connector sees."""

    def __init__(self, venue: str, source: str, environment: str, *, recorded_at: str | None = None) -> None:
        self.file = ShapeFile(
            venue=venue,
            source=source,
            recorded_at=recorded_at or datetime.datetime.now(datetime.UTC).date().isoformat(),
            environment=environment,
            shapes={},
        )
        self.recorded = 0
        self.skipped: Counter[str] = Counter()  # why → how many answers or frames were not recorded
        self._identifiers: set[str] = set()

    def hide(self, values: Iterable[object]) -> None:
        """Values that must never appear in the written file (account addresses and indexes, API
        key ids), beside the registered secrets `xtb.secrets.redact` already masks."""
        self._identifiers |= {str(v) for v in values if v is not None and len(str(v)) >= _MIN_IDENTIFIER}

    def rest(self, method: str, url: str, request_body: Any, body: bytes | str) -> None:
        """One REST answer body, keyed by the request that got it."""
        value = _parse(body)
        if value is _NOT_JSON:
            self.skipped[NOT_JSON] += 1
            return
        self._add(keys.rest_key(method, url, request_body), value)

    def frame(self, text: str | bytes) -> None:
        """One text frame of a stream."""
        value = _parse(text)
        if value is _NOT_JSON:
            self.skipped[NOT_JSON] += 1
            return
        key = keys.frame_key(value)
        if key is None:
            self.skipped[UNNAMED] += 1
            return
        self._add(key, value)

    def _add(self, key: str, value: Any) -> None:
        try:
            self.file.add(key, value)
        except Exception:  # a shape bug loses a sample, never the connector's answer
            log.exception("shape recording failed venue=%s key=%s", self.file.venue, key)
            self.skipped["shape error"] += 1
            return
        self.recorded += 1

    def scrubbed(self) -> ShapeFile:
        """The file with every registered secret and hidden identifier masked wherever it appears
        (keys included): what leaves the process, to a file or to the xdist controller."""
        text = redact(json.dumps(self.file.to_json(), sort_keys=True))
        for value in sorted(self._identifiers, key=len, reverse=True):
            text = text.replace(json.dumps(value)[1:-1], MASK)
        return ShapeFile.from_json(json.loads(text))

    def write(self, path: Path) -> Path:
        """Write the scrubbed file."""
        self.scrubbed().write(Path(path))
        return Path(path)


_NOT_JSON = object()


def _parse(data: bytes | str) -> Any:
    if isinstance(data, bytes | bytearray) and not data.strip():
        return _NOT_JSON
    if isinstance(data, str) and not data.strip():
        return _NOT_JSON
    try:
        return safejson.loads(data, parse_float=Decimal)
    except ValueError:
        return _NOT_JSON
