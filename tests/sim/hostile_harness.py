"""A running simulator for synchronous hypothesis tests, and the verdict on each hostile answer.

Why synchronous: hypothesis drives a plain function once per example. The harness owns an event
loop (an `asyncio.Runner`) that runs the simulator and the client together whenever the test sends
something, so one simulator serves every example of a test (starting one per example would cost
more than the examples) and the same harness serves bench/hostile_sims.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

import aiohttp

from tests.sim.hostile_data import Profile, Target
from tests.sim.hostile_http import Answer, HostileRequest, exchange
from tests.sim.venue_errors import RestCheck, control_rest
from xtb.sim.frontend import MAIN_SITE
from xtb.sim.refusals import CONTROL_PREFIX
from xtb.sim.server import SimHandle

T = TypeVar("T")
Sign = Callable[["Harness", HostileRequest], Coroutine[Any, Any, HostileRequest]]
WS_CLOSE_REASONS = {1003, 1007, 1008, 1009}  # unsupported data, invalid payload, policy, too big


@dataclass(frozen=True)
class Verdict:
    """`kind` is "ok", "5xx", "off-shape", "no-answer" or "crash"; `detail` says what was wrong."""

    kind: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class Harness:
    """`start` makes the simulator (inside the harness's loop); `sign` turns a request marked
    `signed` into one the venue authenticates (or leaves it as it is)."""

    def __init__(self, start: Callable[[], Coroutine[Any, Any, SimHandle]], sign: Sign | None = None) -> None:
        self._start = start
        self._sign = sign
        self._runner: asyncio.Runner | None = None
        self._handle: SimHandle | None = None
        self._http: aiohttp.ClientSession | None = None
        self.state: dict[str, Any] = {}  # the venue's own (a logged-in client)
        self.cleanups: list[Callable[[], None]] = []  # run at exit, newest first

    def __enter__(self) -> Harness:
        self._runner = asyncio.Runner()
        try:
            self._handle = self.run(self._start())
            self._http = self.run(_session())
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is None:
            return
        if self._http is not None:
            self.run(self._http.close())
        if self._handle is not None:
            self.run(self._handle.stop())
        for cleanup in reversed(self.cleanups):
            cleanup()
        self._runner.close()
        self._runner = None

    @property
    def handle(self) -> SimHandle:
        assert self._handle is not None, "the harness is not running"
        return self._handle

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "the harness is not running"
        return self._http

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._runner is not None, "the harness is not running"
        return self._runner.run(coro)

    def send(self, request: HostileRequest) -> Answer:
        return self.run(self.asend(request))

    async def asend(self, request: HostileRequest) -> Answer:
        if request.signed and self._sign is not None:
            request = await self._sign(self, request)
        frontend = self.handle.frontend
        return await exchange(frontend.host, frontend.ports[request.site], request)


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))


def is_control(request: HostileRequest) -> bool:
    """A request to the control API: under its prefix on the main site (a CONNECT request names
    an authority, not a path)."""
    path = unquote(request.path)
    control = path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
    return request.raw is None and request.method != "CONNECT" and request.site == MAIN_SITE and control


SwitchedOff = Callable[[HostileRequest, Answer], bool]
"""Is this answer the venue's documented "endpoint switched off" answer, on a route it switches off?"""


def judge(
    request: HostileRequest, answer: Answer, shape: RestCheck, switched_off: SwitchedOff | None = None
) -> Verdict:
    """Every request gets an answer below 500, and every refusal is in the venue's shape (the
    control API's under its prefix). HEAD answers carry no body to judge. The one 5xx allowed is a
    venue's documented answer for an endpoint it has switched off (`switched_off`): its own shape
    on a route the simulator does not model, not a crash."""
    if answer.status == 0:
        return Verdict("no-answer", f"no answer to {request.describe()}")
    if switched_off is not None and switched_off(request, answer):
        return Verdict("ok")
    if answer.status >= 500:
        return Verdict("5xx", f"{answer.describe()} to {request.describe()}")
    if answer.status >= 400 and request.method != "HEAD":
        problem = (control_rest if is_control(request) else shape)(request, answer)
        if problem is not None and is_control(request) and answer.status == 400 and shape(request, answer) is None:
            problem = None  # refused by the HTTP parser, before any path was known: the venue answers
        if problem is not None:
            return Verdict("off-shape", f"{problem}: {answer.describe()} to {request.describe()}")
    return Verdict("ok")


# ------------------------------------------------------------------------------------------ streams


@dataclass(frozen=True)
class StreamProbe:
    """How to talk to one venue socket: its URL, a frame whose reply (`is_sync_reply`) proves
    every earlier frame was handled, and the venue's error-frame check (True: well-formed error,
    False: an error of the wrong shape, None: not an error)."""

    url: str
    sync_frame: str
    is_sync_reply: Callable[[Any], bool]
    error_check: Callable[[Any], bool | None]
    headers: dict[str, str] | None = None
    silent: Callable[[bytes], bool] = lambda payload: False  # frames the venue documents as unanswered


async def probe_stream(http: aiohttp.ClientSession, probe: StreamProbe, frame: str | bytes, text: bool) -> Verdict:
    """Send one hostile frame on a fresh socket, then the sync frame. The hostile frame is answered
    by well-formed venue frames only; a frame that is no JSON object gets an error frame or a close
    with a reason. "crash" when the socket died without a close reason."""
    payload = frame.encode("utf-8", "surrogatepass") if isinstance(frame, str) else frame
    malformed = not _is_json_object(payload) and not probe.silent(payload)  # binary frames are read as text
    async with http.ws_connect(probe.url, headers=probe.headers, max_msg_size=0, autoping=True) as ws:
        await ws.send_frame(payload, aiohttp.WSMsgType.TEXT if text else aiohttp.WSMsgType.BINARY)
        try:
            await ws.send_str(probe.sync_frame)
        except ConnectionError:
            pass  # the hostile frame closed the socket already
        errors = 0
        while True:
            try:
                msg = await ws.receive(timeout=5)
            except TimeoutError:
                return Verdict("no-answer", f"no sync reply after {payload[:200]!r}")
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                code = ws.close_code
                if code in WS_CLOSE_REASONS and malformed:
                    return Verdict("ok")
                return Verdict("crash", f"socket closed ({code}) after {payload[:200]!r}")
            if msg.type is aiohttp.WSMsgType.ERROR:
                return Verdict("crash", f"socket error {msg.data!r} after {payload[:200]!r}")
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            try:
                reply = json.loads(msg.data)
            except ValueError:
                return Verdict("off-shape", f"a frame that is not JSON: {msg.data[:200]!r}")
            if probe.is_sync_reply(reply):
                if malformed and not errors:
                    return Verdict("off-shape", f"no error frame answered {payload[:200]!r}")
                return Verdict("ok")
            shaped = probe.error_check(reply)
            if shaped is False:
                return Verdict("off-shape", f"error frame of the wrong shape {msg.data[:200]!r}")
            errors += shaped is True


def _is_json_object(payload: bytes) -> bool:
    try:
        return isinstance(json.loads(payload), dict)
    except (ValueError, RecursionError):
        return False


# ------------------------------------------------------------------------------------------ venues


@dataclass(frozen=True)
class VenueFuzz:
    """How to fuzz one venue: start its simulator, sign a request, judge its REST answers, aim
    payloads at its routes (`targets`: named groups, built inside the running harness), reach its
    socket, and prove afterwards that it still serves a valid signed request."""

    name: str
    start: Callable[[], Coroutine[Any, Any, SimHandle]]
    shape: RestCheck
    params: tuple[str, ...]
    headers: tuple[str, ...]
    targets: Callable[[Harness], dict[str, tuple[Target, ...]]]
    probe: Callable[[Harness], Coroutine[Any, Any, StreamProbe]]
    ws_templates: tuple[dict[str, Any], ...]
    still_serves: Callable[[Harness], Coroutine[Any, Any, None]]
    sign: Sign | None = None
    switched_off: SwitchedOff | None = None  # the venue's documented answers of a switched-off route
    content_type: bytes = b"application/json"
    groups: tuple[str, ...] = ()  # the names `targets` returns, for the tests' parameters

    def harness(self) -> Harness:
        return Harness(self.start, self.sign)

    def profile(self, h: Harness, group: str | None = None) -> Profile:
        groups = self.targets(h)
        targets = groups[group] if group is not None else tuple(t for ts in groups.values() for t in ts)
        templates = tuple(tpl for t in targets for tpl in t.templates)
        return Profile.of(
            h.handle.frontend, params=self.params, headers=self.headers, templates=templates,
            signs=self.sign is not None, targets=targets, content_type=self.content_type,
        )  # fmt: skip
