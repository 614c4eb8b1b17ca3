"""The connector's HTTP session as venue code sees it: every REST request waits for the pacer first.

A request signed with a timestamp or a time-window nonce (Aster, Backpack) must wait *before* it is
signed, or the signature may be stale by the time it is sent: such venue code calls `pace()` first,
signs, and passes the returned cost as `prepaid=` to the request, which then goes straight out.

Wrapping the request path (rather than waiting inside aiohttp's `on_request_start` trace hook)
keeps the pacing wait out of the request's timeout: aiohttp starts a request's clock before its
trace hooks run, so a long wait for room in a window would turn into a timeout, and a timeout is an
ambiguous outcome.

The same wrapper reports every exchange to `on_exchange` (the connector's transcript): when it left
(after any pacing wait), method, URL, the answer's status (None when there was none), the
exception's name, and the request's weight; and it gives the pacer the venue's own usage counts
from each answer's headers. aiohttp's trace hooks would see the same moments, at a cost on every
request (a parameter object per hook, an awaited signal per stage) that this does not pay.

WebSocket upgrades pass through unpaced (venues limit them separately from REST weight), and are
reported like requests: status 101 once upgraded.

With a `recorder` (`xtb.drift.recorder`, on in conformance runs and `xtb run`), every answer's body
is read here once (aiohttp keeps it, so the venue code's own read gets the same bytes) and every
text frame of a socket opened here is handed to it as it is received (`RecordingWebSocket`, the
session's `ws_response_class`): one place for every venue, nothing to do when it is off.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
from yarl import URL

from xtb import safejson
from xtb.clock import SYSTEM_CLOCK, Clock
from xtb.connectors.pacing import Cost, Pacer

if TYPE_CHECKING:
    from xtb.drift.recorder import ShapeRecorder

WS_UPGRADED = 101


class OnExchange(Protocol):
    def __call__(self, started: float, method: str, url: str, status: int | None, error: str, weight: int) -> None:
        """One request answered (`status`) or failed (`error`, the exception's type name)."""


def _unrecorded(started: float, method: str, url: str, status: int | None, error: str, weight: int) -> None:
    return None


class PacedSession:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        pacer: Pacer,
        *,
        clock: Clock = SYSTEM_CLOCK,
        on_exchange: OnExchange = _unrecorded,
        recorder: ShapeRecorder | None = None,
    ) -> None:
        self._session = session
        self.pacer = pacer
        self.clock = clock
        self.on_exchange = on_exchange
        self.recorder = recorder

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session underneath (a request sent on it directly is neither paced nor weighed)."""
        return self._session

    @property
    def closed(self) -> bool:
        return self._session.closed

    async def pace(self, method: str, url: str | URL, params: Mapping[str, Any] | None = None) -> Cost:
        """Wait for room for this request and book it; pass the result as `prepaid=` to `request`."""
        cost = self.pacer.cost(method, target_url(url, params))
        await self.pacer.acquire(cost)
        return cost

    def request(self, method: str, url: str | URL, *, prepaid: Cost | None = None, **kwargs: Any) -> PacedRequest:
        return PacedRequest(self, method, url, kwargs, prepaid)

    def get(self, url: str | URL, **kwargs: Any) -> PacedRequest:
        return self.request("GET", url, **kwargs)

    def post(self, url: str | URL, **kwargs: Any) -> PacedRequest:
        return self.request("POST", url, **kwargs)

    def put(self, url: str | URL, **kwargs: Any) -> PacedRequest:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str | URL, **kwargs: Any) -> PacedRequest:
        return self.request("DELETE", url, **kwargs)

    def ws_connect(self, url: str | URL, **kwargs: Any) -> Connecting:
        """`async with session.ws_connect(...) as ws` or `ws = await session.ws_connect(...)`."""
        return Connecting(self._ws_connect(url, kwargs))

    async def _ws_connect(self, url: str | URL, kwargs: dict[str, Any]) -> aiohttp.ClientWebSocketResponse:
        started = self.clock.monotonic()
        try:
            ws = await self._session.ws_connect(url, **kwargs)
        except aiohttp.WSServerHandshakeError as exc:  # answered, but not with an upgrade
            self.on_exchange(started, "GET", str(URL(url)), exc.status, "", 0)
            raise
        except BaseException as exc:
            self.on_exchange(started, "GET", str(URL(url)), None, type(exc).__name__, 0)
            raise
        self.on_exchange(started, "GET", str(URL(url)), WS_UPGRADED, "", 0)
        if self.recorder is not None and isinstance(ws, RecordingWebSocket):
            ws.shape_recorder = self.recorder
        return ws


class RecordingWebSocket(aiohttp.ClientWebSocketResponse):
    """The connector session's socket class: hands each text frame to its recorder, if any, as it
    is received (`async for`, `receive_str` and `receive` all pass through `receive`)."""

    shape_recorder: ShapeRecorder | None = None

    async def receive(self, timeout: float | None = None) -> Any:
        msg = await super().receive(timeout)
        if self.shape_recorder is not None and msg.type is aiohttp.WSMsgType.TEXT:
            self.shape_recorder.frame(msg.data)
        return msg


def target_url(url: str | URL, params: Mapping[str, Any] | None) -> URL:
    """The URL a request goes to, its `params` included (what the venue weighs it by)."""
    target = url if isinstance(url, URL) else URL(url)
    if params:
        target = target.extend_query({k: str(v) for k, v in params.items()})
    return target


class Connecting:
    """A socket being opened: awaitable, or an async context manager that closes it on exit."""

    def __init__(self, opening: Coroutine[Any, Any, aiohttp.ClientWebSocketResponse]) -> None:
        self._opening = opening
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    def __await__(self) -> Generator[Any, None, aiohttp.ClientWebSocketResponse]:
        return self._opening.__await__()

    async def __aenter__(self) -> aiohttp.ClientWebSocketResponse:
        self._ws = await self._opening
        return self._ws

    async def __aexit__(self, *exc: object) -> None:
        assert self._ws is not None
        await self._ws.close()


class PacedRequest:
    """`async with session.get(...) as resp` or `await session.get(...)`, as with aiohttp."""

    def __init__(
        self,
        paced: PacedSession,
        method: str,
        url: str | URL,
        kwargs: dict[str, Any],
        prepaid: Cost | None = None,
    ) -> None:
        self._paced = paced
        self._method = method.upper()
        self._url = url
        self._kwargs = kwargs
        self._prepaid = prepaid
        self._response: aiohttp.ClientResponse | None = None

    async def _send(self) -> aiohttp.ClientResponse:
        paced, pacer = self._paced, self._paced.pacer
        cost = self._prepaid
        if cost is None:
            cost = pacer.cost(self._method, target_url(self._url, self._kwargs.get("params")))
            await pacer.acquire(cost)
        started = paced.clock.monotonic()
        try:
            response = await paced.session.request(self._method, self._url, **self._kwargs)
        except BaseException as exc:
            url = str(target_url(self._url, self._kwargs.get("params")))
            paced.on_exchange(started, self._method, url, None, type(exc).__name__, cost.weight)
            raise
        pacer.observe(response.headers)
        paced.on_exchange(started, self._method, str(response.url), response.status, "", cost.weight)
        if paced.recorder is not None:
            await _record_answer(paced.recorder, self._method, response, self._kwargs)
        return response

    def __await__(self) -> Generator[Any, None, aiohttp.ClientResponse]:
        return self._send().__await__()

    async def __aenter__(self) -> aiohttp.ClientResponse:
        self._response = await self._send()
        return await self._response.__aenter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._response is not None
        await self._response.__aexit__(exc_type, exc, tb)


async def _record_answer(
    recorder: ShapeRecorder, method: str, response: aiohttp.ClientResponse, kwargs: dict[str, Any]
) -> None:
    """Read the answer once for the recorder; a body that cannot be read is left for the venue
    code, whose own read meets the same error."""
    try:
        body = await response.read()
    except Exception:
        recorder.skipped["body not read"] += 1
        return
    recorder.rest(method, str(response.url), _request_body(kwargs), body)


def _request_body(kwargs: dict[str, Any]) -> Any:
    """The request's JSON body (a `json=` value, or `data=` that parses as JSON, or a form's
    fields), which names some endpoints ("POST /info type=meta"); None otherwise."""
    if kwargs.get("json") is not None:
        return kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, str | bytes | bytearray):
        try:
            return safejson.loads(data)
        except ValueError:
            return None
    return data if isinstance(data, Mapping) else None
