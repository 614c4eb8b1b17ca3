"""The GRVT simulator answers in the shapes of the spec's documented answers (issue #21).

fixtures/reference_shapes.json is fixtures/spec_endpoints.json's routes and streams as a shape file
(source "reference"), keyed as the recorder keys a real run: a route's documented example
(payloads.json) where it has one, else its wrapper (§4.0: `result`, `result`+`next`, `results`, ...)
around the keys the spec lists — a key list says which keys an answer has at least, so it is a partial
object whose values may be anything. Each stream is its subscribe reply (§5.2) and its data frame (§5.4's
frame around the keys the spec lists). The simulator is driven through the same operations as the
spec-coverage test (its recipes, imported), and every difference that would break a client must be
listed below with its reason.

Routes the fixture marks `disabled` are not in the reference: the spec gives no shape for them, and
the simulator answers them as a switched-off endpoint (1009/503), which says nothing of the venue's
answer. `v1.transfer` has its subscribe reply only: the spec lists none of its keys and the simulator
never feeds it (the fixture says why).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp

from tests.drift.reference import (
    ANY,
    STRING,
    check_checked_in,
    loose,
    loosen_placeholders,
    reference_file,
    undocumented_differences,
)
from tests.grvt.conftest import BTC, PAYLOADS, Client, receive_until, rpc, start_grvt
from tests.grvt.test_grvt_sim_spec_coverage import (
    SPEC,
    call,
    engine_account,
    request_body,
    set_off,
    trade,
    ws_url,
)
from tests.waiting import TIMEOUT
from xtb.connectors.grvt import sdk
from xtb.drift.keys import frame_key, rest_key
from xtb.drift.shape_file import ShapeFile
from xtb.drift.shapes import PartialObject
from xtb.sim.server import SimHandle

HERE = Path(__file__).parent
REFERENCE = HERE / "fixtures" / "reference_shapes.json"
SUBSCRIBE = "subscribe"  # the key of a subscribe reply (§5.2: it names no stream at its top level)


def _always_sent() -> dict[tuple[str, str, str], str]:
    """The ticker fields the spec makes optional that the simulator sends in every answer of the run."""
    why = (
        "§4.4: 'Every field in the result is optional' (and §5.3: a delta ticker omits an unchanged field); "
        "the simulator sends each field it has a value for, and in this run (a priced market, the first frame "
        "of each stream) it has one for every field"
    )
    out = {}
    for entry in SPEC["rest"] + SPEC["streams"]:
        if entry.get("fields_optional"):
            key = entry["stream"] if "stream" in entry else rest_key(entry["method"], entry["path"])
            where = "feed" if "stream" in entry else "result"
            for name in entry.get("fields") or entry["item_fields"]:
                if name != "instrument":  # the one key every ticker names
                    out[(key, f"{where}.{name}", "optional-field")] = why
    return out


# (key, path, kind) → why the simulator differs from the documented answer on purpose
DOCUMENTED_DIFFERENCES: dict[tuple[str, str, str], str] = {**_always_sent()}
# kind → why every difference of that kind is expected
DOCUMENTED_KINDS: dict[str, str] = {}


# ------------------------------------------------------------------------------- the reference


def listed(keys: list[str], optional: bool) -> list[Any]:
    """The object a key list documents: at least these keys, any values. When the spec makes every key
    but `instrument` optional (§4.4 `fields_optional`), also the object with `instrument` alone, so the
    merged reference marks the others optional."""
    full = PartialObject({key: ANY for key in keys})
    return [full, PartialObject({"instrument": ANY})] if optional else [full]


def content(entry: Mapping[str, Any]) -> list[Any]:
    """What the route's wrapper holds: the object of `fields`, or the list of `item_fields` objects."""
    optional = bool(entry.get("fields_optional"))
    if "fields" in entry:
        return listed(entry["fields"], optional)
    if "item_fields" in entry:
        return [[item] for item in listed(entry["item_fields"], optional)]
    return [ANY]


def wrapped(shape: str, inner: Any) -> Any:
    """§4.0's wrapper of a success body around its content."""
    if shape in ("login", "object"):
        return inner
    if shape in ("result", "result_list"):
        return {"result": inner}
    if shape == "history":
        return {"result": inner, "next": STRING}  # an opaque cursor
    if shape == "results":
        return {"results": inner}
    if shape == "result_tier":
        return {"result": inner, "tier": loose("object")}  # §4.9: "tier":{…}
    raise AssertionError(f"unknown wrapper {shape!r}")


def documented_route(entry: Mapping[str, Any]) -> list[Any]:
    """The answers the spec documents for one route (none for a route the simulator has switched off)."""
    shape = entry["shape"]
    if shape == "disabled":
        return []
    if shape == "success":
        return [{"success": True}]
    if shape == "sub_account_ids":
        return [{"sub_account_ids": ["8289849667772468"]}]  # §4.9 get_sub_accounts, the spec's example
    if "example" in entry:
        example = loosen_placeholders(PAYLOADS[entry["example"]])
        how = entry.get("example_is")
        return [{"result": example} if how == "result" else {"result": [example]} if how == "result item" else example]
    return [wrapped(shape, inner) for inner in content(entry)]


def subscribe_reply(stream: str) -> Any:
    """§5.2's reply, for this stream; the selectors are the request's (any string)."""
    reply = json.loads(json.dumps(PAYLOADS["subscribe_reply"]))
    reply["result"].update(stream=stream, subs=[STRING])
    return reply


def data_frames(entry: Mapping[str, Any]) -> list[Any]:
    """§5.4's frame around the stream's documented feed (the book frame's own feed for the book streams)."""
    if "item_fields" not in entry:
        return []
    frame = loosen_placeholders(PAYLOADS["book_frame"])
    frame.update(stream=entry["stream"], selector=STRING)
    if entry["stream"].startswith("v1.book."):
        return [frame]
    return [{**frame, "feed": feed} for feed in listed(entry["item_fields"], bool(entry.get("fields_optional")))]


def reference_samples() -> Iterator[tuple[str, Any]]:
    """Every documented answer and frame of the fixture, keyed as a recorder keys it."""
    for entry in SPEC["rest"]:
        for answer in documented_route(entry):
            yield rest_key(entry["method"], entry["path"]), answer
    for entry in SPEC["streams"]:
        yield SUBSCRIBE, subscribe_reply(entry["stream"])
        for frame in data_frames(entry):
            yield frame_key(frame) or "?", frame


def build_reference() -> ShapeFile:
    return reference_file("grvt", reference_samples(), "the spec's documented answers (spec_endpoints.json)")


def test_the_checked_in_reference_is_the_fixtures() -> None:
    check_checked_in(REFERENCE, build_reference())


# ------------------------------------------------------------------------------- the simulator


class fresh:
    """A simulator and a logged-in client for one operation, stopped after it."""

    async def __aenter__(self) -> tuple[Client, SimHandle]:
        self.sim = await start_grvt()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        self.client = Client(self.http, self.sim, self.sim.account)
        status, body, _ = await self.client.login()
        assert status == 200, body
        return self.client, self.sim

    async def __aexit__(self, *exc: object) -> None:
        sdk.release(self.client.env)
        await self.http.close()
        await self.sim.stop()


async def rest_samples() -> list[tuple[str, Any]]:
    """Each documented route on a fresh simulator, prepared as the coverage test prepares it."""
    samples = []
    for entry in SPEC["rest"]:
        if entry["shape"] == "disabled":
            continue
        async with fresh() as (client, sim):
            cid = await trade(client)
            sim.control.fund(engine_account(sim, client), -1)  # a withdrawal, for the withdrawal history
            if entry["path"].endswith("/get_authorized_builders"):
                route = {**entry, "path": "/full/v1/authorize_builder"}
                grant = await request_body({"body": "authorize_builder"}, client, sim, cid)
                status, body = await call(client, route, grant)
                assert status == 200, body
            status, body = await call(client, entry, await request_body(entry, client, sim, cid))
            assert status == 200, (entry["path"], status, body)
            samples.append((rest_key(entry["method"], entry["path"]), body))
    return samples


async def stream_samples() -> list[tuple[str, Any]]:
    """Each documented stream's subscribe reply and first data frame (set off as the coverage test does)."""
    samples = []
    for entry in SPEC["streams"]:
        async with fresh() as (client, sim):
            values = {"sub": client.sub, "instrument": BTC, "main": sim.account["account_id"]}
            selector = entry["selector"].format(**values)
            headers = client.headers if entry["auth"] == "private" else {}
            async with client.http.ws_connect(ws_url(sim, entry["host"]), headers=headers) as ws:
                reply = await rpc(ws, "subscribe", {"stream": entry["stream"], "selectors": [selector]}, 123)
                samples.append((frame_key(reply) or "?", reply))
                if "trigger" in entry and entry["trigger"] is None:
                    continue
                await set_off(entry.get("trigger"), client, sim)
                frame, _ = await receive_until(ws, data_of(entry["stream"]))
                samples.append((frame_key(frame) or "?", frame))
    return samples


def data_of(stream: str) -> Callable[[Any], bool]:
    """Whether a frame is a data frame of `stream` (not a reply)."""
    return lambda frame: frame.get("stream") == stream and "feed" in frame


_SIMULATOR: list[list[tuple[str, Any]]] = []


async def simulator_answers() -> list[tuple[str, Any]]:
    """The simulator's answers, gathered once for the module's tests."""
    if not _SIMULATOR:
        _SIMULATOR.append(await rest_samples() + await stream_samples())
    return _SIMULATOR[0]


def differences(answers: list[tuple[str, Any]]) -> list[str]:
    return undocumented_differences(REFERENCE, "grvt", answers, DOCUMENTED_DIFFERENCES, DOCUMENTED_KINDS)


async def test_the_simulator_answers_in_the_documented_shapes() -> None:
    problems = differences(await simulator_answers())
    assert not problems, "\n".join(problems)


async def test_a_renamed_field_is_reported() -> None:
    """The check can fail: the simulator's answers with `client_order_id` renamed show as a breaking difference."""
    answers = json.loads(json.dumps(await simulator_answers()))
    renamed = json.loads(json.dumps(answers).replace('"client_order_id"', '"client_order_ID"'))
    problems = differences([(key, value) for key, value in renamed])
    assert any("client_order_ID" in p and "missing-field" in p for p in problems), problems
