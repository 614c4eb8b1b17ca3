"""The HTTP server under a front-end: aiohttp's, with its last-resort error pages in the venue's shape.

Why: a request aiohttp's HTTP parser cannot read (a request line or header beyond its limit, bytes
that are not HTTP, a broken chunked body) never reaches an application or its middleware; the
connection's `handle_error` answers it with a plain-text page. A simulator must answer even those
the venue's way, so `VenueRunner` serves each connection with a protocol whose `handle_error` asks
the front-end for the venue's answer instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from xtb.sim.refusals import Limits, Refusal

log = logging.getLogger(__name__)

Answer = Callable[[web.BaseRequest, Refusal, str], web.StreamResponse]
"""The front-end's answer for a refusal of a request (here: one that did not parse)."""


class VenueRunner(web.AppRunner):
    """An AppRunner whose parser accepts lines up to `limits.parser` (so the front-end sees, and
    refuses in the venue's shape, URLs and headers beyond its own limits) and whose connections
    answer unparseable requests with `answer`."""

    def __init__(self, app: web.Application, answer: Answer, limits: Limits, **kwargs: Any) -> None:
        self._protocol_kwargs: dict[str, Any] = {
            "access_log_class": web.AccessLogger,
            "access_log": kwargs.pop("access_log", None),
            "max_line_size": limits.parser,
            "max_field_size": limits.parser,
        }
        super().__init__(app, **kwargs, **self._protocol_kwargs)
        self._answer = answer

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()  # the application's startup, router freeze, handler
        return _Server(server, self._answer, self._protocol_kwargs)


class _Server(web.Server):
    """aiohttp's server for one application, making `_Protocol` connections."""

    def __init__(self, inner: web.Server, answer: Answer, protocol_kwargs: dict[str, Any]) -> None:
        super().__init__(
            inner.request_handler,
            request_factory=inner.request_factory,
            handler_cancellation=inner.handler_cancellation,
            **protocol_kwargs,
        )
        self._venue_answer = answer
        self._venue_loop = asyncio.get_running_loop()
        self._venue_kwargs = protocol_kwargs

    def __call__(self) -> _Protocol:
        return _Protocol(self, self._venue_answer, loop=self._venue_loop, **self._venue_kwargs)


class _Protocol(web.RequestHandler):
    __slots__ = ("_venue_answer",)

    def __init__(self, manager: web.Server, answer: Answer, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._venue_answer = answer

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """The venue's answer to a request that did not parse (or, never expected, one whose
        handling escaped every middleware); the connection is closed after it, as aiohttp does."""
        if request.writer.output_size > 0:  # part of a response went out: nothing can follow it
            raise ConnectionError("a response was already sent; cannot send the error")
        kind = Refusal.for_status(status)
        if kind is Refusal.INTERNAL:
            log.error("request failed outside the application status=%s", status, exc_info=exc)
        else:
            log.info("refused an unparseable request status=%s reason=%s", status, message or exc)
        detail = "internal error" if kind is Refusal.INTERNAL else f"malformed HTTP request: {_reason(message, exc)}"
        try:
            response = self._venue_answer(request, kind, detail)
        except Exception:
            log.exception("the venue's answer to an unparseable request failed")
            response = super().handle_error(request, status, exc, message)
        response.force_close()
        return response


def _reason(message: str | None, exc: BaseException | None) -> str:
    text = message or (type(exc).__name__ if exc is not None else "bad request")
    first = text.strip().splitlines()[0] if text.strip() else "bad request"
    return first[:200]
