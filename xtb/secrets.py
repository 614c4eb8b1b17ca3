"""Secrets that cannot leak by accident.

A `Secret` shows `***` in repr, str and format, refuses to be pickled, and registers its value so
that `redact()` (used by every xtb exception and by a log-record factory) can strip it from text
that was built the hard way, e.g. a venue error that echoes a header back.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, NoReturn

MASK = "***"
_MIN_REDACTABLE = 6  # shorter values would mask ordinary words; refuse them as secrets instead

_lock = threading.Lock()
_values: set[str] = set()


class Secret:
    __slots__ = ("_value", "name")

    def __init__(self, value: str, name: str = "secret") -> None:
        if not isinstance(value, str) or not value:
            raise ValueError(f"secret {name!r} must be a non-empty string")
        if len(value) < _MIN_REDACTABLE:
            raise ValueError(f"secret {name!r} is too short to be a real credential")
        self._value = value
        self.name = name
        with _lock:
            _values.add(value)

    def reveal(self) -> str:
        """The raw value, for signing. Never log or format the result."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.name}={MASK})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self.name))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


def redact(text: str) -> str:
    """Replace every registered secret value in `text` with the mask."""
    if not _values:
        return text
    with _lock:
        values = sorted(_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


def _redact_arg(arg: Any) -> Any:
    return redact(arg) if isinstance(arg, str) else arg


_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    if not _values:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call: let logging report it as usual
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    return record


def install_log_redaction() -> None:
    """Make every log record, from any logger, pass through `redact()`. Idempotent."""
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)


install_log_redaction()
