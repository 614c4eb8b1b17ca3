"""Raw HTTP/1.1 over loopback, for hostile requests an HTTP client library would refuse to send.

Why raw: a client library validates what it sends (methods are tokens, header values are text,
Content-Length matches), so it cannot send the bytes a broken or hostile client does: undecodable
header bytes, over-long request lines, garbage instead of HTTP. Each request goes on its own
connection with `Connection: close`, and the answer is read to the end of the stream.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field, replace
from typing import Any

from xtb.clock import loop_time


@dataclass(frozen=True)
class HostileRequest:
    """One request as it goes on the wire. `path` and `query` are sent as given (already
    percent-encoded, or deliberately not); `signed` asks the venue harness to sign it first."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, bytes], ...] = ()
    body: bytes | None = None
    site: str = "main"
    signed: bool = False
    raw: bytes | None = None  # the whole request instead of the fields above (garbage, not HTTP)

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    def with_headers(self, *headers: tuple[str, bytes]) -> HostileRequest:
        named = {name.lower() for name, _ in headers}
        kept = tuple(h for h in self.headers if h[0].lower() not in named)
        return replace(self, headers=kept + tuple(headers))

    def encode(self, host: str) -> bytes:
        if self.raw is not None:
            return self.raw
        lines = [f"{self.method} {self.target} HTTP/1.1".encode("utf-8", "surrogatepass"), f"Host: {host}".encode()]
        lines += [name.encode("latin-1") + b": " + value for name, value in self.headers]
        if self.body is not None:
            lines.append(f"Content-Length: {len(self.body)}".encode())
        lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n" + (self.body or b"")

    def describe(self, limit: int = 300) -> str:
        """A short form for assertion messages (requests can be megabytes)."""
        if self.raw is not None:
            return f"raw {self.raw[:limit]!r}"
        body = self.body if self.body is None else self.body[:limit]
        return f"{self.method} {self.site}:{self.target[:limit]} headers={self.headers!r:.{limit}} body={body!r}"


@dataclass(frozen=True)
class Answer:
    """What came back: `status` 0 when the connection closed (or timed out) without a response."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def describe(self, limit: int = 300) -> str:
        return f"{self.status} {self.content_type} {self.body[:limit]!r}"


async def exchange(host: str, port: int, request: HostileRequest, timeout: float = 10.0) -> Answer:
    """Send one request on a fresh connection and read the answer to the end of the stream."""
    reader, writer = await asyncio.open_connection(host, port)
    deadline = loop_time() + timeout
    try:
        try:
            writer.write(request.encode(f"{host}:{port}"))
            await asyncio.wait_for(writer.drain(), timeout)
        except ConnectionError:
            pass  # refused before the whole body went out: the answer may still be there
        chunks = []
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - loop_time()))
            except (ConnectionError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass
    return parse(b"".join(chunks))


def parse(raw: bytes) -> Answer:
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/1."):
        return Answer(0)
    status_line, *header_lines = head.split(b"\r\n")
    try:
        status = int(status_line.split(b" ")[1])
    except (IndexError, ValueError):
        return Answer(0)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(rest)
    elif "content-length" in headers:
        body = rest[: int(headers["content-length"])]
    else:
        body = rest
    return Answer(status, headers, body)


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)
