"""Hypothesis strategies for hostile requests against a simulator's routes.

What a fuzzer found killing or confusing the simulators, generalised: deep nesting, numbers past
any integer type (5,000 digits is past Python's own int-from-text limit), wrong JSON types where a
venue expects a string, lone surrogates (`"\\ud800"`), NaN and Infinity, undecodable bytes in
bodies, headers and paths, bodies that are not what their content type says, dot segments, random
methods, over-long URLs, headers and bodies, and bytes that are not HTTP at all. Requests start
from the venue's own routes, field names and valid-looking payloads (a `Profile`), so most of them
get past routing and into the venue's validation, where the crashes were.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from tests.sim.hostile_http import HostileRequest
from xtb.sim.frontend import FrontEnd


class Raw(str):
    """JSON text `dump` writes verbatim: the tokens json.dumps will not write (NaN, a 5,000-digit
    number, a lone surrogate escape, 100,000 brackets)."""

    __slots__ = ()


HUGE = "9" * 5000
DEEP = 100_000


def nested(depth: int) -> Raw:
    return Raw("[" * depth + "]" * depth)


RAW_TOKENS = (
    Raw(HUGE), Raw("-" + HUGE), Raw("1." + "0" * 5000), Raw("1e999999"), Raw("NaN"), Raw("Infinity"),
    Raw("-Infinity"), Raw('"\\ud800"'), Raw('"x\\udfffy"'), Raw('"a\\u0000b"'), nested(65), nested(1000),
    nested(DEEP), Raw('{"a":' * 70 + "1" + "}" * 70),
)  # fmt: skip
TEXTS = (
    "", " ", "0", "-0", "-1", "1.5", "1e5", "1E+400", "1e-400", "0x1F", "0b1", "1_000", " 7", "7 ", "NaN", "nan",
    "Infinity", "-inf", HUGE, "-" + HUGE, "1." + "0" * 5000, "0." + "0" * 5000 + "1", "18446744073709551616",
    "9223372036854775808", "-9223372036854775809", "4294967296", "\u00b2", "\u0661\u0662", "true", "True",
    "null", "[]", "{}", "\x00", "\u202e", "\ud800", "x\udfff", "é", "😀", "a" * 10_000, "{" * 70,
)  # fmt: skip


WRONG_TYPES: tuple[Any, ...] = (
    [], {}, [[]], ["GTC"], {"a": 1}, True, False, None, 0, -1, 1.5, 1e308, Raw(HUGE),
    2**32, 2**63, 2**64, 2**256, -(2**63) - 1, str(2**32), str(2**64), "0x" + "f" * 65,
)  # fmt: skip
"""Values of every JSON type where a venue expects another (`side: []` crashed a simulator), and
integers just past the widths venues sign and store (uint32, int64, uint64, uint256)."""


def dump(value: Any) -> str:
    """JSON text of `value`, with `Raw` leaves written verbatim and lone surrogates escaped."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dump(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)  # ensure_ascii: a lone surrogate becomes its \\udXXX escape


def json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.characters(categories=["Cs"]).map(lambda c: "x" + c),  # lone surrogates
        st.sampled_from(TEXTS),
        st.sampled_from(RAW_TOKENS),
    )
    return st.recursive(
        leaves,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
        max_leaves=10,
    )


@dataclass(frozen=True)
class Profile:
    """What a hostile request starts from: the venue's routes as (site, method, path), the names
    of the fields it reads (query, form and JSON keys), the headers it reads, valid-looking JSON
    objects to mutate, and the body limit (a request one byte over it is among the bodies)."""

    routes: tuple[tuple[str, str, str], ...]
    params: tuple[str, ...]
    headers: tuple[str, ...] = ()
    templates: tuple[Mapping[str, Any], ...] = ()
    body_limit: int = 1024 * 1024
    signs: bool = False
    targets: tuple[Target, ...] = ()  # what `payloads` aims at
    content_type: bytes = b"application/json"

    @classmethod
    def of(cls, frontend: FrontEnd, **kwargs: Any) -> Profile:
        """The REST routes the front-end serves (sockets are fuzzed by their own tests)."""
        routes = tuple((r.site, r.method, r.path) for r in frontend.routes if not r.websocket)
        return cls(routes=routes, body_limit=frontend.request_limits.body, **kwargs)


@dataclass(frozen=True)
class Target:
    """A route that takes a payload, with valid-looking payloads for it: a JSON body (`batch`: a
    list of them); or, with `form_field`, that JSON as one field of a form (`form_extra` the other
    fields); or, with `as_query`, the template's fields as query parameters. Without templates the
    payload is hostile query parameters."""

    site: str
    method: str
    path: str
    templates: tuple[Mapping[str, Any], ...] = ()
    batch: bool = False
    form_field: str | None = None
    form_extra: tuple[tuple[str, str], ...] = ()
    as_query: bool = False

    def encode(self, document: Any) -> tuple[str, bytes | None, bytes | None]:
        """(query, body, content type) carrying a (mutated) template."""
        if self.as_query:
            return _pairs_text(document), None, None
        text = dump(document)
        if self.form_field is None:
            return "", text.encode("utf-8", "surrogatepass"), None
        pairs = [*self.form_extra, (self.form_field, text)]
        return "", _pairs_text(dict(pairs)).encode(), b"application/x-www-form-urlencoded"


def _pairs_text(fields: Mapping[str, Any]) -> str:
    def text(value: Any) -> str:
        return value if isinstance(value, str) else dump(value)

    return "&".join(
        f"{quote(k, safe='', errors='surrogatepass')}={quote(text(v), safe='', errors='surrogatepass')}"
        for k, v in fields.items()
    )


def hostile_values() -> st.SearchStrategy[Any]:
    """A value for a field: a wrong type or a boundary integer half the time, else hostile text or
    any JSON."""
    wrong = st.sampled_from(WRONG_TYPES)
    return st.one_of(wrong, wrong, st.sampled_from(TEXTS), json_values())


def mutated(templates: Sequence[Mapping[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A template with some fields replaced by hostile values, some dropped, one added, at any
    depth (a signature's nonce as much as an order's side)."""
    if not templates:
        return st.dictionaries(st.text(max_size=8), json_values(), max_size=4)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        return _mutate(draw, draw(st.sampled_from(list(templates))), 0)  # type: ignore[no-any-return]

    return build()


def _mutate(draw: st.DrawFn, value: Any, depth: int) -> Any:
    """Mostly one field changed (so the checks before it pass and the one for it is reached), into
    nested objects three times in four, sometimes more fields, dropped ones and an extra key."""
    if isinstance(value, Mapping) and value:
        out = dict(value)
        count = 1 if draw(st.integers(0, 3)) else draw(st.integers(2, 3))
        for key in draw(st.lists(st.sampled_from(list(value)), min_size=1, max_size=count, unique=True)):
            child = value[key]
            if isinstance(child, Mapping | list) and child and depth < 3 and draw(st.integers(0, 3)):
                out[key] = _mutate(draw, child, depth + 1)
            elif draw(st.integers(0, 7)) == 0:
                del out[key]
            else:
                out[key] = draw(hostile_values())
        if draw(st.integers(0, 7)) == 0:
            out[draw(st.text(max_size=8))] = draw(json_values())
        return out
    if isinstance(value, list) and value:
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], _mutate(draw, value[index], depth + 1), *value[index + 1 :]]
    return draw(hostile_values())


def query_values() -> st.SearchStrategy[str]:
    """Values as they go in a query or form: percent-encoded text, or raw escapes of bytes that
    are not UTF-8 (%FF, an encoded surrogate)."""
    raw = st.sampled_from(["%FF", "%ED%A0%80", "%C3", "%00", "%2F..%2F", "%", "%zz", "a%20b", "+", "&", "="])
    texts = st.one_of(st.sampled_from(TEXTS), st.text(max_size=16), json_values().map(dump))
    return st.one_of(texts.map(lambda t: quote(t, safe="", errors="surrogatepass")), raw)


def encoded_pairs(names: Sequence[str], min_size: int = 0) -> st.SearchStrategy[str]:
    keys = st.one_of(st.sampled_from(list(names) or ["x"]), st.text(max_size=6).map(lambda t: quote(t, safe="")))
    pairs = st.lists(st.tuples(keys, query_values()), min_size=min_size, max_size=5)
    return pairs.map(lambda ps: "&".join(f"{k}={v}" for k, v in ps))


SEGMENT_JUNK = ("%FF", "%ED%A0%80", "%00", "%2F", "%2e%2e", "..", ".", "", "a" * 300, "é", "%E9", ";x=1", "~")


@st.composite
def paths(draw: st.DrawFn, template: str) -> str:
    path = re.sub(r"\{[^}]*\}", lambda _: draw(st.sampled_from(["x", "1", "ETHUSDT", "%FF", "a" * 50])), template)
    how = draw(st.integers(0, 15))
    if how <= 7:
        return path
    if how == 8:
        return path + "/" + draw(st.sampled_from(SEGMENT_JUNK))
    if how == 9:
        head, _, tail = path.rpartition("/")
        return f"{head}/{draw(st.sampled_from(['..', '.', '%2e%2e', '']))}/{tail}"
    if how == 10:
        return "/_sim/../" + path.lstrip("/")
    if how == 11:
        return path.upper() if draw(st.booleans()) else "/" + path
    if how == 12:
        return "/" + "a" * draw(st.sampled_from([8200, 70_000]))  # past the URL limit, past the parser's
    if how == 13:
        return quote(draw(st.text(min_size=1, max_size=20)), safe="/%", errors="surrogatepass")
    if how == 14:
        return draw(st.sampled_from(["*", "http://example.com/", "/%", "/%%", "/\\", "/a b"]))
    return path + draw(st.sampled_from(["%00", "%FF", "/%ED%A0%80", "?", "#frag"]))


METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "CONNECT", "get")
CONTENT_TYPES = (
    b"application/json", b"application/json; charset=utf-8", b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=xx", b"multipart/form-data", b"multipart/form-data; boundary=" + b"b" * 80,
    b"text/plain", b"application/octet-stream", b"\xff\xfe", b"application/json; charset=latin-1",
    b"application/x-www-form-urlencoded; charset=utf-16", b"multipart/mixed; boundary=xx",
)  # fmt: skip
HEADER_VALUES = (
    b"", b"\xff\xfe", b"\xc3\xa9", HUGE.encode(), b"-1", b"0", b"a" * 9000, b"x" * 70_000, b"null", b"[]",
    b"gravity=\xff", b"gravity=" + b"a" * 100, b"Bearer x", b"1:2:3:zz", b"a\x01b",
)  # fmt: skip
GARBAGE = (
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS client hello
    b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\xff\xfe\xfd\r\n\r\n", b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
)  # fmt: skip


def header_sets(names: Sequence[str]) -> st.SearchStrategy[tuple[tuple[str, bytes], ...]]:
    content_type = st.one_of(st.none(), st.sampled_from(CONTENT_TYPES))
    named = st.lists(
        st.tuples(
            st.sampled_from(list(names) or ["X-Test"]),
            st.one_of(st.sampled_from(HEADER_VALUES), st.text(string.printable.strip(), max_size=20).map(str.encode)),
        ),
        max_size=3,
    )

    def combine(ct: bytes | None, rest: list[tuple[str, bytes]]) -> tuple[tuple[str, bytes], ...]:
        return ((("Content-Type", ct),) if ct is not None else ()) + tuple(rest)

    return st.builds(combine, content_type, named)


def bodies(profile: Profile) -> st.SearchStrategy[bytes | None]:
    special = (
        b"", b"\xff\xfe\xfd", b'{"a":"\xff"}', b"[" * DEEP, b"[" * DEEP + b"]" * DEEP, b'"\\ud800"', b'{"x":NaN}',
        b"--xx\r\nContent-Disposition: form-data; name=\"tx_info\"\r\n\r\n\xff\r\n--xx--\r\n",
        b"--xx\r\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\r\n\r\n\xff\xfe\r\n--xx--\r\n",
        b"a=%FF&b=\xff", b"tx_type=14&tx_info=" + b"%5B" * 70_000, b"\x00" * 100,
        b"[" * (profile.body_limit + 1),
    )  # fmt: skip
    documents = st.one_of(
        json_values(),
        mutated(profile.templates),
        st.lists(mutated(profile.templates), min_size=1, max_size=3),
    ).map(lambda v: dump(v).encode("utf-8", "surrogatepass"))
    forms = encoded_pairs(profile.params).map(str.encode)
    return st.one_of(st.none(), documents, forms, st.binary(max_size=64), st.sampled_from(special))


@st.composite
def requests(draw: st.DrawFn, profile: Profile) -> HostileRequest:
    """One hostile request: mostly a known route with hostile parts, sometimes not HTTP at all."""
    if draw(st.integers(0, 39)) == 0:
        return HostileRequest("", "", raw=draw(st.sampled_from(GARBAGE)))
    site, method, template = draw(st.sampled_from(profile.routes))
    if draw(st.integers(0, 3)) == 0:
        method = draw(st.one_of(st.sampled_from(METHODS), st.text(string.ascii_uppercase, min_size=1, max_size=9)))
    return HostileRequest(
        method=method,
        path=draw(paths(template)),
        query=draw(encoded_pairs(profile.params)),
        headers=draw(header_sets(profile.headers)),
        body=draw(bodies(profile)),
        site=site,
        signed=profile.signs and draw(st.booleans()),
    )


def ws_frames(templates: Sequence[Mapping[str, Any]] = ()) -> st.SearchStrategy[str | bytes]:
    """Hostile stream frames: JSON documents (shaped like the venue's frames, then mutated), text
    that is not JSON, binary, and frames past the message limit."""
    documents = st.one_of(json_values(), mutated(templates)).map(dump)
    special = st.sampled_from(
        [nested(DEEP), "[" * DEEP, "", "ping", '"ping"', "\ud800", "{", "null", "1e999999", '{"x":NaN}',
         b"\xff\xfe", b"[" * DEEP, b'{"method":"SUBSCRIBE"}', "a" * 2_000_000]
    )  # fmt: skip
    texts = st.text(max_size=30)
    return st.one_of(documents, special, texts, st.binary(max_size=32))


@st.composite
def payloads(draw: st.DrawFn, profile: Profile) -> HostileRequest:
    """A well-formed request to one of the venue's payload routes whose fields are hostile: a
    template with fields replaced (a batch of them for a batch route), or hostile query
    parameters; marked `signed`, so it reaches the checks behind the venue's authentication."""
    target = draw(st.sampled_from(profile.targets))
    body: bytes | None = None
    query = ""
    content_type: bytes | None = None
    if not target.templates or draw(st.integers(0, 7)) == 0:
        query = draw(encoded_pairs(profile.params, min_size=1))
    else:
        items = mutated(target.templates)
        document = draw(st.lists(items, min_size=1, max_size=3) if target.batch else items)
        query, body, content_type = target.encode(document)
    headers = (("Content-Type", content_type or profile.content_type),) if body is not None else ()
    return HostileRequest(target.method, target.path, query, headers, body, target.site, signed=True)
