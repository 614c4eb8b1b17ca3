"""The one way an answer or a frame is named in a shape file, so the recorder, the reference shapes
and `xtb drift` agree on what to compare with what.

A key names the endpoint or channel, never the request: query strings are dropped, and ids, account
numbers and per-symbol names become "{}" (they would split one channel into many, and some are account
identifiers that must not reach a shape file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from xtb.drift import formats as f

HOLE = "{}"

_PLACEHOLDER = re.compile(r"\{[^}]*\}|<[^>]*>|:[A-Za-z_]\w*")
_HEX_ID = re.compile(r"(0[xX])?[0-9a-fA-F]{16,}")


def is_id(segment: str) -> bool:
    """A path or channel segment that names one thing: all digits, long hex, a uuid, a 0x-address."""
    if segment.isdigit():
        return True
    if _HEX_ID.fullmatch(segment) and any(c.isdigit() for c in segment):
        return True
    kind = f.string_format(segment)
    return kind in (f.UUID, f.ADDRESS) or (kind == f.HEX and segment[:2].lower() == "0x")


def _secret_or_id(word: str) -> bool:
    """A part of a name that is not a word (an id, a listen key, an account number): never kept."""
    return bool(word) and word != HOLE and (is_id(word) or not f.is_token(word.lstrip("!")))


def _path_segment(segment: str) -> str:
    return HOLE if _PLACEHOLDER.fullmatch(segment) or _secret_or_id(segment) else segment


def rest_key(method: str, url_or_path: str, body: Any = None) -> str:
    """ "GET /api/v1/order", "POST /info type=meta", "POST /exchange action=order",
    "POST /api/v1/sendTx tx_type=14": the method, the path with ids folded, and for the venues that
    send many operations to one path (Hyperliquid, Lighter) the operation named in the body."""
    parts = urlsplit(url_or_path)
    path = parts.path if (parts.scheme or parts.netloc) else url_or_path.split("?", 1)[0].split("#", 1)[0]
    segments = [_path_segment(s) for s in path.split("/") if s]
    key = f"{method.upper()} /{'/'.join(segments)}"
    operation = _operation(body)
    return f"{key} {operation}" if operation else key


def _operation(body: Any) -> str | None:
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = dict(parse_qsl(body))
    if not isinstance(body, Mapping):
        return None
    action = body.get("action")
    candidates = [
        ("type", body.get("type")),
        ("action", action.get("type") if isinstance(action, Mapping) else None),
        ("tx_type", body.get("tx_type")),
    ]
    for name, value in candidates:
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return f"{name}={value}"
        if isinstance(value, str):
            return f"{name}={value if f.is_token(value) else HOLE}"
    return None


_NAME_FIELDS = ("e", "type", "channel", "stream", "method")


def frame_key(frame: Any) -> str | None:
    """The name of a stream frame: the first present of data.e, e, type, channel, stream, method (a
    string each), with ids and per-symbol parts folded ("ethusdt@depth" → "{}@depth",
    "depth.SOL_USDC" → "depth.{}", "account_all_orders:7" → "account_all_orders:{}"). A list of
    frames (a venue's array stream) is named by its first frame, with "[]". None for a frame that
    names nothing (a bare reply to a request)."""
    if isinstance(frame, list | tuple):
        inner = frame_key(frame[0]) if frame else None
        return f"{inner}[]" if inner else None
    if not isinstance(frame, Mapping):
        return None
    data = frame.get("data")
    if isinstance(data, Mapping) and isinstance(data.get("e"), str) and data["e"]:
        return channel_name(data["e"])
    for field in _NAME_FIELDS:
        value = frame.get(field)
        if isinstance(value, str) and value:
            return channel_name(value)
    return None


_SEPARATORS = re.compile(r"([.:@/])")


def channel_name(name: str) -> str:
    """A stream or channel name with ids and symbols folded. In a Binance-style name ("btcusdt@depth5")
    the part before the first "@" is the symbol; in a dotted or colon name the first part is the
    channel and a later part that is an id or a symbol is folded. A part that is not a word (a listen
    key, an account number) is folded wherever it is."""
    pieces = _SEPARATORS.split(name)
    words = pieces[0::2]
    if "@" in pieces and words[0] and not words[0].startswith("!"):
        words[0] = HOLE
    for i, word in enumerate(words):
        if i == 0 and len(words) > 1:
            words[0] = HOLE if _secret_or_id(word) else word
            continue
        if _PLACEHOLDER.fullmatch(word) or _secret_or_id(word) or (len(words) > 1 and f.is_symbol(word)):
            words[i] = HOLE
    pieces[0::2] = words
    return "".join(pieces)
