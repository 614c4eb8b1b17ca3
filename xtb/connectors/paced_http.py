"""The connector's HTTP session as venue code sees it: every REST request waits for the pacer first.

A request signed with a timestamp or a time-window nonce (Aster, Backpack) must wait *before* it is
signed, or the signature may be stale by the time it is sent: such venue code calls `pace()` first,
signs, and passes the returned cost as `prepaid=` to the request, which then goes straight out.

Wrapping the request path (rather than waiting inside aiohttp's `on_request_start` trace hook)
keeps the pacing wait out of the request's timeout: aiohttp starts a request's clock before its
trace hooks run, so a long wait for room in a window would turn into a timeout, and a timeout is an
ambiguous outcome. The request's `Cost` travels to the trace hooks as the `trace_request_ctx`, so
the transcript records the weight of each request.

WebSocket upgrades pass through unpaced: venues limit them separately from REST weight.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from types import TracebackType
from typing import Any

import aiohttp
from yarl import URL

from xtb.connectors.pacing import Cost, Pacer


class PacedSession:
    def __init__(self, session: aiohttp.ClientSession, pacer: Pacer) -> None:
        self._session = session
        self.pacer = pacer

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
        return PacedRequest(self._session, self.pacer, method, url, kwargs, prepaid)

    def get(self, url: str | URL, **kwargs: Any) -> PacedRequest:
        return self.request("GET", url, **kwargs)

    def post(self, url: str | URL, **kwargs: Any) -> PacedRequest:
        return self.request("POST", url, **kwargs)

    def put(self, url: str | URL, **kwargs: Any) -> PacedRequest:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str | URL, **kwargs: Any) -> PacedRequest:
        return self.request("DELETE", url, **kwargs)

    def ws_connect(self, url: str | URL, **kwargs: Any) -> Any:
        return self._session.ws_connect(url, **kwargs)


def target_url(url: str | URL, params: Mapping[str, Any] | None) -> URL:
    """The URL a request goes to, its `params` included (what the venue weighs it by)."""
    target = url if isinstance(url, URL) else URL(url)
    if params:
        target = target.extend_query({k: str(v) for k, v in params.items()})
    return target


class PacedRequest:
    """`async with session.get(...) as resp` or `await session.get(...)`, as with aiohttp."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        pacer: Pacer,
        method: str,
        url: str | URL,
        kwargs: dict[str, Any],
        prepaid: Cost | None = None,
    ) -> None:
        self._session = session
        self._pacer = pacer
        self._method = method.upper()
        self._url = url
        self._kwargs = kwargs
        self._prepaid = prepaid
        self._response: aiohttp.ClientResponse | None = None

    async def _send(self) -> aiohttp.ClientResponse:
        if "trace_request_ctx" in self._kwargs:
            raise TypeError("the paced session sets trace_request_ctx itself (the request's cost)")
        cost = self._prepaid
        if cost is None:
            cost = self._pacer.cost(self._method, target_url(self._url, self._kwargs.get("params")))
            await self._pacer.acquire(cost)
        return await self._session.request(self._method, self._url, trace_request_ctx=cost, **self._kwargs)

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
