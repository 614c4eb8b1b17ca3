"""The Lighter simulator answers in the shapes of the spec's documented answers (issue #21).

fixtures/reference_shapes.json is fixtures/spec_endpoints.json as a shape file (source "reference"):
each REST endpoint's documented key fields with their JSON types, each channel's first frame
(`subscribed/<name>`, spec §5.1) with its payload keys, the replies to the socket requests, and the
spec's own examples where the fixture names one (payloads.json), all keyed as the recorder keys a real
run so `xtb drift` can hold it against any recorded run. The simulator is driven through the same
operations as the spec-coverage test (its scene and request recipes, imported), and every difference
that would break a client must be listed below with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

from tests.drift.reference import (
    STRING,
    check_checked_in,
    loosen_placeholders,
    reference_file,
    undocumented_differences,
)
from tests.lighter.conftest import PAYLOADS, receive, receive_until, start_lighter
from tests.lighter.test_lighter_sim_spec_coverage import (
    REFUSED_STREAMS,
    SPEC,
    Scene,
    answers,
    entry_name,
    filled_bid,
    requests,
    subscription,
)
from tests.waiting import TIMEOUT
from xtb.drift.keys import frame_key, rest_key
from xtb.drift.shape_file import ShapeFile
from xtb.drift.shapes import PartialObject, Placeholder

HERE = Path(__file__).parent
REFERENCE = HERE / "fixtures" / "reference_shapes.json"
# the fixture's JSON type names as shape kinds ("a|b": either)
KINDS = {
    "int": ("integer",),
    "number": ("float", "integer"),
    "string": ("string",),
    "bool": ("boolean",),
    "list": ("array",),
    "object": ("map", "object"),
    "null": ("null",),
}
# the `type` of each socket request's reply (spec §5.1: ping ↔ `{"type":"pong"}`; §5.2: a sendtx reply
# carries its request's type)
TX_CREATE_ORDER = 14  # the transaction the coverage recipes send (spec §2.2)
REPLY_TYPES = {"ping": "pong", "jsonapi/sendtx": "jsonapi/sendtx", "jsonapi/sendtxbatch": "jsonapi/sendtxbatch"}

# the items of a documented list that the spec shows by example (§4 object shapes; payloads.json)
ITEMS = {
    ("/api/v1/accountActiveOrders", "orders"): "order_partially_filled",
    ("/api/v1/accountInactiveOrders", "orders"): "order_partially_filled",
    ("/api/v1/accountOrders", "orders"): "order_partially_filled",
    ("/api/v1/recentTrades", "trades"): "trade_maker_bid",
    ("/api/v1/trades", "trades"): "trade_maker_bid",
    ("/api/v1/orderBookDetails", "order_book_details"): "order_book_detail_eth",
}
# examples that show only some of their object's keys: §4 lists ~40 keys of a perp order_book_details
# row, and a Trade's `taker_/maker_position_size_before`, `…_entry_quote_before`,
# `…_initial_margin_fraction_before`, `…_position_sign_changed` that its example leaves out
PARTIAL_EXAMPLES = ("order_book_detail_eth", "trade_maker_bid")

# (key, path, kind) → why the simulator differs from the documented answer on purpose
_ZERO_HASH = (
    "the spec's example trade carries an all-zero tx_hash (80 '0's), which reads as an integer string; "
    "§4 documents a tx hash as `<80 hex>` (sendTx), and the simulator's hashes are such hex"
)
DOCUMENTED_DIFFERENCES: dict[tuple[str, str, str], str] = {
    ("GET /api/v1/recentTrades", "trades[].tx_hash", "format"): _ZERO_HASH,
    ("GET /api/v1/trades", "trades[].tx_hash", "format"): _ZERO_HASH,
    ("GET /api/v1/accountInactiveOrders", "orders[].status", "enum"): (
        "the spec's one example order is `open` (one value of the status enum, §6 'Statuses'); an "
        "inactive order is never open (§6: `filled` and `canceled-*` are terminal, `open` is resting)"
    ),
}
# kind → why every difference of that kind is expected
DOCUMENTED_KINDS: dict[str, str] = {}


# ------------------------------------------------------------------------------- the reference


def typed(kinds: str) -> Placeholder:
    """A key the fixture lists with its JSON type and no value: any value of that type."""
    return Placeholder(tuple(sorted({k for kind in kinds.split("|") for k in KINDS[kind]})))


def key_fields(listed: dict[str, str]) -> PartialObject:
    """A REST answer's documented keys: spec §4's table gives the "key fields" of each response, not
    every field (its object shapes list many more), so a key it does not name is no drift."""
    return PartialObject({key: typed(kinds) for key, kinds in listed.items()})


def tx_key(entry: dict[str, Any]) -> str:
    """sendTx is keyed by the transaction it carries (as the recorder keys it); the documented answer
    is the answer to any transaction, the run's is a CreateOrder's."""
    body = {"tx_type": str(TX_CREATE_ORDER)} if entry["path"] == "/api/v1/sendTx" else None
    return rest_key(entry["method"], entry["path"], body)


def rest_answer(entry: dict[str, Any]) -> Any:
    if "example" in entry:
        return loosen_placeholders(PAYLOADS[entry["example"]])
    answer = key_fields(entry["response"])
    items = {key: [item_example(name)] for (path, key), name in ITEMS.items() if path == entry["path"]}
    return PartialObject({**answer.fields, **items})


def item_example(name: str) -> Any:
    """A list item the spec shows by example; an example that shows only some of the object's keys
    (§4's object shapes list the rest) is a partial object."""
    example = loosen_placeholders(PAYLOADS[name])
    return PartialObject(example) if name in PARTIAL_EXAMPLES else example


def stream_name(entry: dict[str, Any]) -> str:
    """ "order_book/{m}" → "order_book" (the name in the first frame's `type`, spec §5.1)."""
    return str(entry["subscribe"]).split("/", 1)[0]


def first_frame(entry: dict[str, Any]) -> Any:
    """A channel's first frame: `type:"subscribed/<name>"`, its `channel`, and the payload keys §5.3
    lists; a channel the docs give no keys for ("per docs") is a partial object of those two."""
    if "example" in entry:
        return loosen_placeholders(PAYLOADS[entry["example"]])
    frame = {"type": f"subscribed/{stream_name(entry)}", "channel": STRING}
    frame.update({key: typed(kinds) for key, kinds in entry["payload"].items()})
    return frame if entry["payload"] else PartialObject(frame)


def reply(request: dict[str, Any]) -> dict[str, Any]:
    return {**{key: typed(kinds) for key, kinds in request["reply"].items()}, "type": REPLY_TYPES[request["type"]]}


def reference_samples() -> Iterator[tuple[str, Any]]:
    """Every documented answer and frame of the fixture, keyed as a recorder keys it."""
    for entry in SPEC["rest"]:
        yield tx_key(entry), rest_answer(entry)
    connected = {**PAYLOADS["connected"], "session_id": STRING}  # §5.1: `{"session_id":"<id>",…}`
    yield frame_key(connected) or "?", connected
    for entry in SPEC["streams"]:
        frame = first_frame(entry)
        yield frame_key(frame.fields if isinstance(frame, PartialObject) else frame) or "?", frame
    for request in SPEC["ws_requests"]:
        answer = reply(request)
        yield frame_key(answer) or "?", answer


def build_reference() -> ShapeFile:
    return reference_file("lighter", reference_samples(), "the spec's documented answers (spec_endpoints.json)")


def test_the_checked_in_reference_is_the_fixtures() -> None:
    check_checked_in(REFERENCE, build_reference())


# ------------------------------------------------------------------------------- the simulator


async def rest_samples(scene: Scene) -> list[tuple[str, Any]]:
    """Each documented endpoint, called as the coverage test calls it (with the token where it may
    be needed), after the test account's filled bid."""
    recipes = requests(scene)
    samples = []
    for entry in SPEC["rest"]:
        token = scene.token if entry["auth"] in ("private", "varies") else None
        status, body = await scene.call(entry, recipes[entry_name(entry)](), token=token)
        assert status == 200, (entry_name(entry), status, body)
        scene.found.update({k: body[k] for k in ("token_id",) if k in body})
        samples.append((tx_key(entry), body))
    return samples


async def stream_samples(scene: Scene) -> list[tuple[str, Any]]:
    """The connect frame and each documented channel's first frame."""
    samples = []
    async with scene.http.ws_connect(scene.sim.urls["ws"]) as ws:
        connected = await receive(ws)
        samples.append((frame_key(connected) or "?", connected))
        for entry in SPEC["streams"]:
            if entry["subscribe"] in REFUSED_STREAMS:
                continue
            request = subscription(entry["subscribe"])
            frame: dict[str, Any] = {"type": "subscribe", "channel": request}
            if entry["auth"] == "yes":
                frame["auth"] = scene.token
            await ws.send_json(frame)
            first, _ = await receive_until(ws, answers(subscription(entry["channel"])))
            assert "error" not in first, (request, first)
            samples.append((frame_key(first) or "?", first))
    return samples


async def request_samples(scene: Scene) -> list[tuple[str, Any]]:
    """The replies to the documented socket requests (a ping, a CreateOrder alone and in a batch)."""
    frames = [
        {"type": "ping"},
        {"type": "jsonapi/sendtx", "data": {"id": "7", "tx_type": 14, "tx_info": json.loads(scene.signed_order(810))}},
        {
            "type": "jsonapi/sendtxbatch",
            "data": {"id": "8", "tx_types": "[14]", "tx_infos": json.dumps([scene.signed_order(811)])},
        },
    ]
    samples = []
    async with scene.http.ws_connect(scene.sim.urls["ws"]) as ws:
        await receive(ws)
        for frame in frames:
            await ws.send_json(frame)
            answer = await receive(ws)
            samples.append((frame_key(answer) or "?", answer))
    return samples


_SIMULATOR: list[list[tuple[str, Any]]] = []


async def simulator_answers() -> list[tuple[str, Any]]:
    """The simulator's answers, gathered once for the module's tests."""
    if not _SIMULATOR:
        sim = await start_lighter()
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
                scene = await filled_bid(sim, http)
                found = await rest_samples(scene) + await stream_samples(scene) + await request_samples(scene)
        finally:
            await sim.stop()
        _SIMULATOR.append(found)
    return _SIMULATOR[0]


def differences(answers: list[tuple[str, Any]]) -> list[str]:
    return undocumented_differences(REFERENCE, "lighter", answers, DOCUMENTED_DIFFERENCES, DOCUMENTED_KINDS)


async def test_the_simulator_answers_in_the_documented_shapes() -> None:
    problems = differences(await simulator_answers())
    assert not problems, "\n".join(problems)


async def test_a_renamed_field_is_reported() -> None:
    """The check can fail: the simulator's answers with `tx_hash` renamed show as a breaking difference."""
    renamed = json.loads(json.dumps(await simulator_answers()).replace('"tx_hash"', '"txHash"'))
    problems = differences([(key, value) for key, value in renamed])
    assert any("txHash" in p and "missing-field" in p for p in problems), problems
