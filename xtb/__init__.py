"""xtb: a trading runtime and connector conformance suite for perpetual-futures venues."""

import sys as _sys

__version__ = "0.1.0"

#: The interpreter's recursion limit while xtb runs. CPython's C code (the json parser among it)
#: relies on this limit to stop before the C stack overflows; py_ecc, which the EIP-712 signing
#: libraries pull in, raises it to 100,000 at import, after which one deeply nested payload
#: segfaults the process. So py_ecc is imported first, here, and the limit put back; its import
#: runs once per process, so nothing raises the limit again. tests/test_safejson.py holds this.
RECURSION_LIMIT = max(1000, min(_sys.getrecursionlimit(), 10_000))


def _pin_recursion_limit() -> None:
    try:
        import py_ecc  # noqa: F401 - imported for its side effect, undone below
    except ImportError:  # pragma: no cover - a dependency of eth-account
        pass
    _sys.setrecursionlimit(RECURSION_LIMIT)


_pin_recursion_limit()
