"""What a string looks like, without keeping it: the formats of xtb/drift/shapes.py.

A shape file must stay free of secrets and account identifiers, so a string is reduced to its format
(decimal, integer-string, hex, address, uuid, iso-time, text) and only a short word-like token is ever
kept as an enum value. The token test is deliberately strict: a random API key of 24 letters and
digits is not a token.
"""

from __future__ import annotations

import re

DECIMAL = "decimal"
INTEGER_STRING = "integer-string"
HEX = "hex"
ADDRESS = "address"
UUID = "uuid"
ISO_TIME = "iso-time"
TEXT = "text"

_DECIMAL = re.compile(r"[+-]?(\d+\.\d+|\d+(\.\d+)?[eE][+-]?\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_HEX_0X = re.compile(r"0[xX][0-9a-fA-F]+")
_BARE_HEX = re.compile(r"[0-9a-fA-F]{16,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?",
)
_TOKEN = re.compile(r"[A-Za-z0-9_\-. ]{1,32}")
_PART = re.compile(r"[A-Za-z]*\d{0,6}[A-Za-z]*")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SYMBOL = re.compile(r"[A-Z0-9]+(?:[_\-/][A-Za-z0-9]+)*")

TOKEN_LIMIT = 24  # distinct enum values kept before an enum is "open"


def string_format(text: str) -> str:
    """The format of one string: the first that fits, most specific first."""
    if _INTEGER.fullmatch(text):
        return INTEGER_STRING
    if _DECIMAL.fullmatch(text):
        return DECIMAL
    if _HEX_0X.fullmatch(text):
        return ADDRESS if len(text) == 42 else HEX
    if _UUID.fullmatch(text):
        return UUID
    if _ISO_TIME.fullmatch(text):
        return ISO_TIME
    if _BARE_HEX.fullmatch(text) and any(c.isdigit() for c in text):
        return HEX
    return TEXT


def is_padded(decimal_text: str) -> bool:
    """A decimal string whose fraction ends in a zero after another digit ("1.50", "2.00"): a venue that
    pads to its tick. A lone ".0" ("30135.0") is no evidence: venues that write as few decimals as they
    can still mark an integral value that way (Hyperliquid)."""
    mantissa = re.split("[eE]", decimal_text)[0]
    fraction = mantissa.partition(".")[2]
    return len(fraction) >= 2 and fraction.endswith("0")


def fraction_digits(decimal_text: str) -> int:
    """How many digits follow the point ("1.50" → 2, "7" → 0): kept as a [min, max] range, so a
    shape tells a venue that writes a fixed number of decimals from one that writes as few as it can."""
    mantissa = re.split("[eE]", decimal_text)[0]
    return len(mantissa.partition(".")[2])


def looks_random(word: str) -> bool:
    """True for a run of letters and digits that reads like a key or an id rather than a word: digits
    in more than one place, or case runs that camelCase does not make (short lower-case runs and
    capitals in groups, as in "vmPUZEmvSDVNHkHlWFsO")."""
    for part in re.split(r"[_\-. ]", word):
        if not _PART.fullmatch(part):
            return True
        runs = [m.group() for m in re.finditer(r"[a-z]+|[A-Z]+", part)]
        odd = sum(1 for i, run in enumerate(runs) if i > 0 and run.islower() and len(run) <= 2)
        odd += sum(1 for run in runs[:-1] if run.isupper() and len(run) >= 2)
        if odd >= 3:
            return True
    return False


def is_token(text: str) -> bool:
    """An enum token: short, made of letters, digits, _ - . and space, not all digits, not hex, and
    word-like. Only these are ever kept in a shape."""
    if not _TOKEN.fullmatch(text) or not any(c.isalpha() for c in text):
        return False
    if re.fullmatch(r"[0-9a-fA-F]{8,}", text) and any(c.isdigit() for c in text):
        return False
    return not looks_random(text)


def is_field_name(key: str) -> bool:
    """A key that can name a field: an identifier that reads like a word, not an id or a key."""
    return bool(_IDENTIFIER.fullmatch(key)) and not looks_random(key)


def is_symbol(key: str) -> bool:
    """A market or asset name used as a key: upper case with at least two capitals ("BTC",
    "SOL_USDC_PERP", "BTC_USDT_Perp", "1000PEPE")."""
    return bool(_SYMBOL.fullmatch(key)) and sum(c.isupper() for c in key) >= 2


def key_format(key: str) -> str:
    """The format of a map's key: integer, hex, address, uuid, or symbol for anything else."""
    kind = string_format(key)
    if kind == INTEGER_STRING:
        return "integer"
    if kind in (HEX, ADDRESS, UUID):
        return kind
    return "symbol"


# a format the left one covers: a client that parses decimals reads an integer string
COVERS: dict[str, set[str]] = {DECIMAL: {INTEGER_STRING}, HEX: {ADDRESS}, "float": {"integer"}}


def covered(seen: set[str], available: set[str]) -> set[str]:
    """The formats (or kinds) of `seen` that nothing in `available` handles."""
    handled = set(available)
    for name in available:
        handled |= COVERS.get(name, set())
    return seen - handled
