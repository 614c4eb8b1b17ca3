"""The Backpack simulator answers in the shapes of the spec's documented answers (issue #21).

fixtures/reference_shapes.json is fixtures/spec_endpoints.json's examples as a shape file (source
"reference"), keyed as the recorder keys a real run (each JSON route; each stream by its event, so the
four depth streams are one "depth"), so `xtb drift` can hold it against any recorded run. The fixture's
own rules (its "shape_rules") become shape rules: a null stands for any type, {} for an object whose keys
the spec does not give, `open_keys` for a key list that names only some keys, a `variants` entry is a
second documented row, and a "described" example's text values are placeholders of type string (its
decimal and time strings still say the format). What the recorder never records has no reference: the
text answer `pong`, the empty body of PATCH /api/v1/account, the silent streams, and the refusal frames
(they name no stream).

The simulator is driven through the coverage test's operations (its fixture, request values, stream
triggers, imported) on a fresh simulator per operation, and every difference that would break a client
must be listed below with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

from tests.backpack.conftest import Client, connect, receive_until, signer_for, start_backpack
from tests.backpack.test_backpack_sim_spec_coverage import (
    REST,
    STREAMS,
    _fill,
    _subscribe,
    _trigger,
    stream_name,
    traded,
)
from tests.drift.reference import (
    ANY,
    STRING,
    check_checked_in,
    loose,
    reference_file,
    undocumented_differences,
)
from tests.waiting import TIMEOUT
from xtb.drift import formats
from xtb.drift.keys import frame_key, rest_key
from xtb.drift.shape_file import ShapeFile
from xtb.drift.shapes import PartialObject

HERE = Path(__file__).parent
REFERENCE = HERE / "fixtures" / "reference_shapes.json"

ORDER_KEYS = ("GET /api/v1/order", "POST /api/v1/order", "DELETE /api/v1/order")
ORDER_LISTS = ("GET /api/v1/orders", "POST /api/v1/orders", "DELETE /api/v1/orders", "GET /wapi/v1/history/orders")
_ORDERS = [(key, "") for key in ORDER_KEYS] + [(key, "[].") for key in ORDER_LISTS]

_SINGLE_CASE = "the spec's example is one case of an enum: {enum}; {run}"
_ASK = _SINGLE_CASE.format(
    enum="the spec's example order is an Ask, and sides are Bid / Ask (§1 'Sides are always Bid/Ask', §4.5, §5.5 `S`)",
    run="the coverage recipes place bids only (a sell is an Ask: xtb/sim/backpack/payloads.py SIDE_NAMES)",
)

# (key, path, kind) → why the simulator differs from the documented answer on purpose
DOCUMENTED_DIFFERENCES: dict[tuple[str, str, str], str] = {
    **{(key, f"{prefix}side", "enum"): _ASK for key, prefix in _ORDERS},
    ("orderAccepted", "data.S", "enum"): _ASK,
    **{
        (key, f"{prefix}status", "enum"): (
            "§4.7 / §4.8: a cancel answers the order with status Cancelled [OBSERVED]; the fixture reuses §4.5's "
            "placing example, whose status is New (statuses: §1 'Order status enum', §6.1)"
        )
        for key, prefix in (("DELETE /api/v1/order", ""), ("DELETE /api/v1/orders", "[]."))
    },
    ("GET /wapi/v1/history/orders", "[].status", "enum"): _SINGLE_CASE.format(
        enum="the spec's recorded history row is a Cancelled order (statuses: §1 'Order status enum', §6.1)",
        run="the run's history holds a Filled market order and the New resting bid, nothing cancelled",
    ),
    ("balanceUpdate", "data.a", "enum"): (
        "an asset name, not an enum (§5.5: `a` is the asset): the spec's sample account held USDT, the "
        "simulator's collateral is USDC (xtb/sim/backpack/settings.py QUOTE_ASSET); a client looks assets up"
    ),
}
# kind → why every difference of that kind is expected
DOCUMENTED_KINDS: dict[str, str] = {}


# ------------------------------------------------------------------------------- the reference


def documented(example: Any, described: bool) -> Any:
    """A documented example under the fixture's shape_rules: null is any value, {} any object, and in a
    "described" example a text value is any string (its decimal, integer and time strings keep their format)."""
    if example is None:
        return ANY
    if isinstance(example, dict):
        if not example:
            return loose("object")
        return {k: documented(v, described) for k, v in example.items()}
    if isinstance(example, list):
        return [documented(v, described) for v in example]
    if described and isinstance(example, str) and formats.string_format(example) == formats.TEXT:
        return STRING
    return example


def rest_answers(entry: dict[str, Any]) -> list[Any]:
    """The answers one JSON route documents: its example, and each `variants` row as another answer."""
    described = entry["example_kind"] == "described"
    example = documented(entry["example"], described)
    if entry.get("open_keys"):
        example = PartialObject(example)
    answers = [example]
    for shapes in entry.get("variants", {}).values():
        answers += [[documented(variant, described)] for variant in shapes.values()]
    return answers


def reference_samples() -> Iterator[tuple[str, Any]]:
    """Every documented answer and frame of the fixture, keyed as a recorder keys it."""
    for entry in REST:
        key = rest_key(entry["method"], entry["path"])
        if entry["answer"] == "json":
            for answer in rest_answers(entry):
                yield key, answer
        elif entry["answer"] == "text" and entry["text"] == r"^\d{13}$":
            yield key, 1788367430246  # §4.1: the time in ms as bare text, which parses as a JSON integer
    for entry in STREAMS:
        if "silent" not in entry:
            data = documented(entry["example"], entry["example_kind"] == "described")
            data["e"] = entry["example"]["e"]  # the event name is the documented one even in a described example
            frame = {"stream": stream_name(entry), "data": data}
            yield frame_key(frame) or "?", frame


def build_reference() -> ShapeFile:
    return reference_file("backpack", reference_samples(), "the spec's documented answers (spec_endpoints.json)")


def test_the_checked_in_reference_is_the_fixtures() -> None:
    check_checked_in(REFERENCE, build_reference())


# ------------------------------------------------------------------------------- the simulator


class fresh:
    """A simulator and a client for one operation, stopped after it."""

    async def __aenter__(self) -> Client:
        self.sim = await start_backpack()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        return Client(self.http, self.sim, signer_for(self.sim))

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()
        await self.sim.stop()


async def rest_samples() -> list[tuple[str, Any]]:
    """Each documented route called as the coverage test calls it, on an account that traded."""
    samples = []
    for entry in REST:
        if entry["answer"] == "empty" or (entry["answer"] == "text" and entry["text"] == "^pong$"):
            continue  # nothing a recorder records
        async with fresh() as client:
            values = await traded.__wrapped__(client.handle, client)
            status, body, _ = await client.call(
                entry["method"],
                entry["path"],
                params=_fill(entry.get("query"), values),
                body=_fill(entry.get("body"), values),
                signed=entry["auth"] == "signed",
            )
            assert status == entry["status"], (entry["path"], status, body)
            samples.append((rest_key(entry["method"], entry["path"]), body))
    return samples


async def stream_samples() -> list[tuple[str, Any]]:
    """The first frame of each documented stream once its event happened (the coverage test's trigger)."""
    samples = []
    for entry in STREAMS:
        if "silent" in entry:
            continue
        name = stream_name(entry)
        async with fresh() as client:
            async with connect(client.http, client.handle.urls["ws"]) as ws:
                early = await _subscribe(ws, client, name)
                assert not [f for f in early if "error" in f], (name, early)
                await _trigger(client.handle, client, name)
                frame, _ = await receive_until(ws, lambda f, name=name: f.get("stream") == name)
                samples.append((frame_key(frame) or "?", frame))
    return samples


_SIMULATOR: list[list[tuple[str, Any]]] = []


async def simulator_answers() -> list[tuple[str, Any]]:
    """The simulator's answers, gathered once for the module's tests."""
    if not _SIMULATOR:
        _SIMULATOR.append(await rest_samples() + await stream_samples())
    return _SIMULATOR[0]


def differences(answers: list[tuple[str, Any]]) -> list[str]:
    return undocumented_differences(REFERENCE, "backpack", answers, DOCUMENTED_DIFFERENCES, DOCUMENTED_KINDS)


async def test_the_simulator_answers_in_the_documented_shapes() -> None:
    problems = differences(await simulator_answers())
    assert not problems, "\n".join(problems)


async def test_a_renamed_field_is_reported() -> None:
    """The check can fail: the simulator's answers with `executedQuantity` renamed show as a breaking
    difference (a key the documentation never sends)."""
    renamed = json.loads(json.dumps(await simulator_answers()).replace('"executedQuantity"', '"filledQuantity"'))
    problems = differences([(key, value) for key, value in renamed])
    assert any("filledQuantity [missing-field]" in p for p in problems), problems


async def test_a_decimal_string_turned_number_is_reported() -> None:
    """The check can fail on a type too: the depth answer's `lastUpdateId` (a string, §4.3) sent as a number."""
    answers = json.loads(json.dumps(await simulator_answers()))
    for key, value in answers:
        if key == "GET /api/v1/depth":
            value["lastUpdateId"] = int(value["lastUpdateId"])
    problems = differences([(key, value) for key, value in answers])
    assert any(p.startswith("GET /api/v1/depth lastUpdateId [type]") for p in problems), problems
