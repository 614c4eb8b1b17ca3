"""Debug logging that actually shows up.

`general.debug: true` or `XTB_DEBUG=1` must make every order transition visible. Setting a logger
level is not enough when no handler accepts DEBUG (Python's last-resort handler prints WARNING and
up only), so debug mode adds a stderr handler to the `xtb` logger when nothing else would print.
"""

from __future__ import annotations

import logging
import os
import sys

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_TRUTHY = {"1", "true", "yes", "on"}


def debug_requested(flag: bool = False) -> bool:
    return flag or os.environ.get("XTB_DEBUG", "").strip().lower() in _TRUTHY


def _debug_reaches_a_handler(logger: logging.Logger) -> bool:
    current: logging.Logger | None = logger
    while current is not None:
        if any(h.level <= logging.DEBUG for h in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False


def enable_debug_logging() -> None:
    """Turn on DEBUG for `xtb.*` and make sure the lines reach a handler. Idempotent."""
    logger = logging.getLogger("xtb")
    logger.setLevel(logging.DEBUG)
    if not _debug_reaches_a_handler(logger):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
