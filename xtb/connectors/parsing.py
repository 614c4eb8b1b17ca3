"""Strict readers for venue payloads, shared by every venue's mapping module.

Why: a mapping turns untrusted JSON into the values the runtime acts on (orders, fills, books), so
every reader here answers one of two ways: a value that is what the runtime may rely on, or a
`VenueProtocolError` naming the venue, the field and the value (clipped). Never a default, never
a `TypeError` / `KeyError` / `AttributeError` / `InvalidOperation` from a payload of the wrong
shape, and never a number no venue can mean: NaN, ±Infinity, `1e999` (finite to Decimal; values
stay below the value types' `MAX_MAGNITUDE`, 1e30), a 5,000-digit string, or a sign the field
cannot have (a negative size, a zero price). The value types in `xtb.model` check their own
invariants too (filled ≤ size, ...); `parser` turns their refusal into the venue's protocol error.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ParamSpec, TypeVar

from xtb import safejson
from xtb.errors import AmbiguousOutcome, VenueProtocolError
from xtb.model import MAX_MAGNITUDE, InvalidValue

P = ParamSpec("P")
R = TypeVar("R")

MAX_NUMBER_TEXT = 64
"""Characters of the longest decimal string read (a padded 18-decimal amount is under 40)."""
MAX_DIGITS = 40
"""Significant digits a decimal may carry (venues send at most ~30: a large size at 18 decimals)."""
MIN_EXPONENT = -40
"""The finest place a decimal may use (no venue quotes below 1e-18)."""
MAX_TEXT = 256
"""Characters of the longest text field read (symbols, ids, reasons)."""
INT_MIN, INT_MAX = -(2**63), 2**64 - 1
"""Integers outside int64 / uint64 are no id, nonce or timestamp any venue sends."""
CLIP = 80

_DECIMAL_TEXT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,4})?", re.ASCII)
_INTEGER_TEXT = re.compile(r"-?\d{1,20}", re.ASCII)


class UnreadableAnswer(VenueProtocolError, AmbiguousOutcome):
    """A success answer whose body cannot be read (not JSON, or refused by safejson's bounds). What
    the venue sent is a protocol error; and since it answered success, the request may have been
    applied: like any unknown outcome, a submit or cancel is settled by asking the venue."""


def _finite_float(text: str) -> float:
    """json's float parser, refusing what overflows to ±inf (`1e999`): safejson refuses the NaN /
    Infinity constants but a number literal past float's range still parses as inf."""
    value = float(text)
    if not math.isfinite(value):
        raise safejson.UntrustedJson(f"JSON number {clip(text, 40)} is out of float range")
    return value


def _bounded(json_kwargs: dict[str, Any]) -> dict[str, Any]:
    json_kwargs.setdefault("parse_float", _finite_float)
    return json_kwargs


def clip(value: Any, limit: int = CLIP) -> str:
    """The repr of a payload value for an error message, cut to `limit` characters: a message
    names what was wrong without carrying a 5,000-digit string (or a whole frame) along."""
    try:
        text = repr(value)
    except RecursionError:  # a structure nested past the interpreter's limit
        return f"<{type(value).__name__}, deeply nested>"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class PayloadReader:
    def __init__(self, venue: str) -> None:
        self.venue = venue

    def bad(self, message: str) -> VenueProtocolError:
        return VenueProtocolError(message, venue=self.venue)

    # ------------------------------------------------------------------ documents and shapes

    def json(self, data: str | bytes | bytearray, what: str, **json_kwargs: Any) -> Any:
        """A network JSON document (a REST body, a WS frame) read with `safejson`'s bounds;
        `json_kwargs` as json.loads (`parse_float=Decimal`). A refused or malformed document is
        a VenueProtocolError naming `what` and why."""
        try:
            return safejson.loads(data, **_bounded(json_kwargs))
        except ValueError as exc:  # UntrustedJson and JSONDecodeError are ValueErrors
            raise self.bad(f"{what} is not acceptable JSON: {clip(str(exc), 160)}") from None

    def answer(self, data: str | bytes | bytearray, what: str, **json_kwargs: Any) -> Any:
        """A success (2xx) REST body, read as `json` does; refused as `UnreadableAnswer`."""
        try:
            return safejson.loads(data, **_bounded(json_kwargs))
        except ValueError as exc:
            raise UnreadableAnswer(f"{what} is not acceptable JSON: {clip(str(exc), 160)}", venue=self.venue) from None

    def json_object(self, data: str | bytes | bytearray, what: str, **json_kwargs: Any) -> dict[str, Any]:
        """`json` for a document that must be an object (a WS frame of a venue that sends only
        objects): anything else is a VenueProtocolError."""
        value = self.json(data, what, **json_kwargs)
        if not isinstance(value, dict):
            raise self.bad(f"{what} is not an object: {clip(value)}")
        return value

    def parser(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorate a mapping function: a value type refusing what the payload says (`InvalidValue`,
        e.g. filled above the size) becomes this venue's VenueProtocolError."""

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except InvalidValue as exc:
                raise self.bad(f"{fn.__name__.removeprefix('parse_').replace('_', ' ')}: {exc}") from None

        return wrapper

    def obj(self, value: Any, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.bad(f"{what} is not an object: {clip(value)}")
        return value

    def rows(self, value: Any, what: str) -> list[Any]:
        """A JSON array (None, where a venue omits an empty one, is no rows)."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.bad(f"{what} is not a list: {clip(value)}")
        return value

    def field(self, obj: Any, key: str, what: str = "payload") -> Any:
        if not isinstance(obj, Mapping):
            raise self.bad(f"{what} is not an object: {clip(obj)}")
        try:
            return obj[key]
        except KeyError:
            raise self.bad(f"{what} has no {key!r} (keys: {clip(sorted(map(str, obj))[:30], 300)})") from None

    def get(self, obj: Any, key: str, what: str = "payload", default: Any = None) -> Any:
        """An optional key (`default` when absent) of something that must be an object."""
        if not isinstance(obj, Mapping):
            raise self.bad(f"{what} is not an object: {clip(obj)}")
        return obj.get(key, default)

    # ------------------------------------------------------------------ scalars

    def text(self, value: Any, what: str, *, empty: bool = False) -> str:
        """A string field (a symbol, an asset, a reason): a str, not too long, encodable (no lone
        surrogate, which would fail far away, in a log or a signed request), non-empty unless
        `empty`."""
        if not isinstance(value, str):
            raise self.bad(f"{what} must be a string, got {clip(value)}")
        if len(value) > MAX_TEXT:
            raise self.bad(f"{what} is {len(value)} characters long: {clip(value)}")
        if not value and not empty:
            raise self.bad(f"{what} is empty")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise self.bad(f"{what} is not valid text: {clip(value)}") from None
        return value

    def opt_text(self, value: Any, what: str) -> str:
        """An optional string field: None (or absent) is ""."""
        return "" if value is None else self.text(value, what, empty=True)

    def ident(self, value: Any, what: str) -> str:
        """An id the venue sends as a string or a non-negative JSON integer, as text."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(self.integer(value, what, minimum=0))
        return self.text(value, what)

    def integer(
        self, value: Any, what: str, *, minimum: int = INT_MIN, maximum: int = INT_MAX, strings: bool = False
    ) -> int:
        """A JSON integer (never a bool or a float) within [minimum, maximum]; with `strings`, a
        decimal string of at most 20 ASCII digits is read too (ids and update ids some venues quote)."""
        if isinstance(value, str) and strings and _INTEGER_TEXT.fullmatch(value):
            number = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            raise self.bad(f"{what} must be an integer, got {clip(value)}")
        if not minimum <= number <= maximum:
            raise self.bad(f"{what} is out of range [{minimum}, {maximum}]: {clip(value)}")
        return number

    def flag(self, value: Any, what: str) -> bool:
        if not isinstance(value, bool):
            raise self.bad(f"{what} must be a boolean, got {clip(value)}")
        return value

    def opt_flag(self, value: Any, what: str) -> bool:
        """An optional boolean: None (or absent) is False."""
        return False if value is None else self.flag(value, what)

    def choice(self, value: Any, known: Collection[str], what: str) -> str:
        """An enum-like field (status, side, type, time in force) from the venue's known set."""
        if not isinstance(value, str) or value not in known:
            raise self.bad(f"unknown {what} {clip(value)}")
        return value

    def seconds(self, value: Any, per_second: int, what: str, *, strings: bool = False) -> float | None:
        """A venue timestamp in 1/`per_second` units (1000: ms, 10**6: µs, 10**9: ns) as epoch
        seconds; None when absent."""
        if value is None:
            return None
        return self.integer(value, what, minimum=0, maximum=2**63 - 1, strings=strings) / per_second

    # ------------------------------------------------------------------ decimals

    def dec(self, value: Any, what: str) -> Decimal:
        """A venue decimal: a string (an int, or a Decimal from a JSON number, is tolerated); never a
        float; finite, of sane magnitude and precision."""
        if isinstance(value, str):
            if len(value) > MAX_NUMBER_TEXT or not _DECIMAL_TEXT.fullmatch(value):
                raise self.bad(f"{what} is not a decimal number: {clip(value)}")
        elif isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.bad(f"{what} must be a decimal string, got {clip(value)}")
        elif isinstance(value, int) and abs(value) >= MAX_MAGNITUDE:
            raise self.bad(f"{what} is out of range: {clip(value)}")
        try:
            result = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
            raise self.bad(f"{what} is not a number: {clip(value)}") from None
        if not result.is_finite():
            raise self.bad(f"{what} is not finite: {clip(value)}")
        _sign, digits, exponent = result.as_tuple()
        assert isinstance(exponent, int)
        if len(digits) > MAX_DIGITS or exponent < MIN_EXPONENT or result.copy_abs() >= MAX_MAGNITUDE:
            raise self.bad(f"{what} is out of range: {clip(value)}")
        return result

    def opt_dec(self, value: Any, what: str) -> Decimal | None:
        return None if value is None else self.dec(value, what)

    def positive(self, value: Any, what: str) -> Decimal:
        """A price or an order / fill size: > 0."""
        result = self.dec(value, what)
        if result <= 0:
            raise self.bad(f"{what} must be positive, got {clip(value)}")
        return result

    def non_negative(self, value: Any, what: str) -> Decimal:
        """A cumulative filled size, a level's size (0 deletes it), a held amount: ≥ 0."""
        result = self.dec(value, what)
        if result < 0:
            raise self.bad(f"{what} must not be negative, got {clip(value)}")
        return result

    def opt_positive(self, value: Any, what: str) -> Decimal | None:
        return None if value is None else self.positive(value, what)

    def price_or_none(self, value: Any, what: str) -> Decimal | None:
        """A price where the venue writes "0" (or null) for none (a market order's price, a flat
        position's entry): None then; otherwise > 0."""
        if value is None:
            return None
        result = self.non_negative(value, what)
        return result or None

    # ------------------------------------------------------------------ books

    def level(self, price: Any, size: Any, what: str) -> tuple[Decimal, Decimal]:
        """One book level: a positive price and a size ≥ 0 (a delta's 0 deletes the level)."""
        return self.positive(price, f"{what} price"), self.non_negative(size, f"{what} size")

    def pair_levels(self, raw: Any, what: str) -> tuple[tuple[Decimal, Decimal], ...]:
        """Levels as `[[price, size], ...]` (Backpack, Aster)."""
        if not isinstance(raw, list):
            raise self.bad(f"{what} must be a list of [price, size], got {clip(raw)}")
        out = []
        for entry in raw:
            if not isinstance(entry, list) or len(entry) != 2:
                raise self.bad(f"{what} level must be [price, size], got {clip(entry)}")
            out.append(self.level(entry[0], entry[1], what))
        return tuple(out)

    def object_levels(
        self, raw: Any, what: str, price_key: str = "price", size_key: str = "size"
    ) -> tuple[tuple[Decimal, Decimal], ...]:
        """Levels as `[{"price": ..., "size": ...}, ...]` (Lighter, GRVT)."""
        if not isinstance(raw, list):
            raise self.bad(f"{what} must be a list of levels, got {clip(raw)}")
        return tuple(self.level(self.field(lv, price_key, what), self.field(lv, size_key, what), what) for lv in raw)
