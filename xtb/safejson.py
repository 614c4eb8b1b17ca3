"""JSON from the network, parsed with bounds: every place that reads a venue, a client or the control
API parses through `loads` here.

Why: CPython's json parser recurses once per nesting level and trusts the interpreter's recursion
limit to stop it before the C stack runs out. Some dependencies raise that limit (py_ecc sets
100,000 at import), after which a body of 100,000 nested brackets crashes the process with a
segfault instead of an exception. `xtb/__init__.py` pins the limit back; this module bounds what a
document may be, so a hostile or broken payload is one clear `UntrustedJson` error:

- at most `MAX_BYTES` of text (the simulators also refuse larger bodies before reading them);
- at most `MAX_DEPTH` levels of nesting (real venue payloads use fewer than ten);
- valid UTF-8, no NaN / Infinity (they are not JSON, and no venue sends them), no float past
  its range and no integer past Python's digit limit.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64
MAX_BYTES = 4 * 1024 * 1024

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class UntrustedJson(json.JSONDecodeError):
    """A document refused before or while parsing: too big, too deep, not UTF-8, or not JSON.
    A `json.JSONDecodeError` (so a `ValueError`), so existing handlers keep catching it."""

    def __init__(self, message: str, doc: str = "", pos: int = 0) -> None:
        super().__init__(message, doc, pos)
        self.msg = message

    def __str__(self) -> str:
        return self.msg

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.msg, self.doc, self.pos))


def _no_constant(name: str) -> Any:
    raise UntrustedJson(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    """A JSON number as a float, refusing one past float's range (`1e999` would read as inf)."""
    value = float(text)
    if not math.isfinite(value):
        raise UntrustedJson(f"number {text[:40]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    """A JSON integer; one longer than Python converts (4,300 digits) is refused, not a bare ValueError."""
    try:
        return int(text)
    except ValueError:
        raise UntrustedJson(f"integer of {len(text)} digits is too long") from None


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES, **kw: Any) -> Any:
    """`json.loads` with a size bound, a depth bound and strict constants; `kw` as json.loads
    (`parse_float=Decimal`, ...)."""
    if len(data) > max_bytes:
        raise UntrustedJson(f"JSON document of {len(data)} bytes is larger than {max_bytes}")
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UntrustedJson(f"JSON document is not UTF-8: {exc.reason} at byte {exc.start}") from None
    check_depth(data, max_depth)
    kw.setdefault("parse_constant", _no_constant)
    kw.setdefault("parse_float", _finite_float)
    kw.setdefault("parse_int", _bounded_int)
    try:
        return json.loads(data, **kw)
    except RecursionError:  # a bound below the interpreter's: never reached with check_depth, kept as a net
        raise UntrustedJson(f"JSON document nests deeper than {max_depth} levels") from None


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise UntrustedJson when `text` nests arrays/objects deeper than `max_depth` (outside strings).
    Free for the usual document: one that holds fewer brackets than the bound cannot exceed it."""
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise UntrustedJson(f"JSON document nests deeper than {max_depth} levels", text, match.start())
        elif token in "]}":
            depth -= 1
