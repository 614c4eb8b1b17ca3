"""What clients send, read with bounds: JSON documents, form bodies and text, for every simulator.

Why: every simulator parses untrusted bytes (REST bodies, JSON held in query or form fields, WS
frames, the control API). `xtb.safejson.loads` bounds a document's size and depth (a 100,000-deep
array used to crash the process); on top of it a simulator refuses strings holding lone surrogates
(`"\\ud800"` is valid JSON escape syntax but no UTF-8 text: the first `.encode()` of it, in a
signature check or a response, would fail far from the parse). A form body with undecodable bytes
or a multipart content type over a body that is not multipart is refused as `Refused(BAD_REQUEST)`,
which the front-end answers in the venue's shape unless the venue handler catches it first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiDict

from xtb import safejson
from xtb.safejson import UntrustedJson
from xtb.sim.refusals import Refusal, Refused

__all__ = ["UntrustedJson", "integer", "loads", "read_form", "read_json", "text_of"]

MAX_DIGITS = 20
"""Decimal digits of the longest integer any venue takes (uint64 has 20); Python refuses to convert
strings above 4300 digits with a ValueError, and converting long ones costs quadratic time."""


def loads(data: str | bytes | bytearray, **json_kwargs: Any) -> Any:
    """`safejson.loads` (keeping `json_kwargs` such as `parse_float=Decimal`), refusing strings
    that are not encodable text. Raises UntrustedJson, a ValueError, for every refusal."""
    value = safejson.loads(data, **json_kwargs)
    _check_text(value)
    return value


async def read_json(request: web.Request, *, empty: Any = None, **json_kwargs: Any) -> Any:
    """The request body as JSON (`empty` when it is blank). UntrustedJson when it is not JSON."""
    raw = await request.read()
    if not raw.strip():
        return empty
    return loads(raw, **json_kwargs)


async def read_form(request: web.Request) -> Mapping[str, str]:
    """A form body (urlencoded or multipart) as text fields; file parts are read as UTF-8 text.
    Refused(BAD_REQUEST) when the body does not parse as its content type says or is not UTF-8."""
    try:
        form = await request.post()
        fields: MultiDict[str] = MultiDict()
        for key, value in form.items():
            fields.add(key, text_of(value))
    except web.HTTPException:
        raise  # too large: the front-end answers it
    except (ValueError, AssertionError, LookupError) as exc:
        # UnicodeDecodeError is a ValueError; aiohttp's multipart reader asserts on some broken parts;
        # an unknown charset is a LookupError
        raise Refused(Refusal.BAD_REQUEST, f"malformed form body: {type(exc).__name__}") from None
    return fields


def text_of(value: Any) -> str:
    """A form field as text: multipart parts may arrive as file fields."""
    if isinstance(value, str):
        _check_str(value)
        return value
    file = getattr(value, "file", None)
    if file is not None:
        return file.read().decode("utf-8")  # UnicodeDecodeError: refused by read_form
    return str(value)


def integer(text: str, *, signed: bool = False, max_digits: int = MAX_DIGITS) -> int | None:
    """The int a decimal string spells (ASCII digits, a leading "-" when `signed`, at most
    `max_digits` of them), else None: a caller answers None with its venue's parameter error."""
    body = text[1:] if signed and text.startswith("-") else text
    if not body or len(body) > max_digits or not body.isascii() or not body.isdigit():
        return None
    return int(text)


def _check_text(value: Any) -> None:
    """Refuse a lone surrogate anywhere in a parsed document (keys included)."""
    if isinstance(value, str):
        _check_str(value)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_str(key)
            _check_text(item)


def _check_str(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UntrustedJson(f"string holds a lone surrogate at {exc.start}") from None
