"""The Aster simulator answers in the shapes of the spec's documented answers (issue #21).

fixtures/reference_shapes.json is fixtures/spec_endpoints.json's examples, key lists and exact answers
as a shape file (source "reference"), keyed as the recorder keys a real run (each V3 path and its V1
paths, each market stream's event, each user-data event), so `xtb drift` can hold it against any
recorded run. The simulator is driven through the same operations as the spec-coverage test (its
recipes, imported), and every difference that would break a client must be listed below with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.aster.conftest import ETH, Client, receive_until, request_reply, start_aster
from tests.aster.test_aster_sim_spec_coverage import (
    EXAMPLES,
    QUIET,
    RECIPES,
    SPEC,
    V3_ONLY_KEYS,
    Caller,
    call_main_wallet,
    stream_name,
)
from tests.drift.reference import (
    ANY,
    check_checked_in,
    compared_keys,
    loose,
    loosen_placeholders,
    reference_file,
    sample_file,
    unexplained,
)
from tests.waiting import TIMEOUT
from xtb.drift.keys import frame_key, rest_key
from xtb.drift.shape_file import ShapeFile

HERE = Path(__file__).parent
REFERENCE = HERE / "fixtures" / "reference_shapes.json"
# user-data events the run cannot make (test_aster_sim_spec_coverage says why), and QUIET's streams
NOT_MADE = ("listenKeyExpired", "MARGIN_CALL", "announcement")

# (key, path, kind) → why the simulator differs from the documented answer on purpose
DOCUMENTED_DIFFERENCES: dict[tuple[str, str, str], str] = {}
# kind → why every difference of that kind is expected
DOCUMENTED_KINDS: dict[str, str] = {}


# ------------------------------------------------------------------------------- the reference


def documented(shape: dict[str, Any], v1: bool) -> Any:
    """The answer a fixture shape documents; keys without an example are placeholders of any value."""
    if "exact" in shape:
        return shape["exact"]
    if "unsupported" in shape:
        return shape["unsupported"]
    if "example" in shape:
        example = loosen_placeholders(EXAMPLES[shape["example"]])
        dropped = set(shape.get("without", ())) | (set(V3_ONLY_KEYS) if v1 else set())
        return {k: v for k, v in example.items() if k not in dropped} if isinstance(example, dict) else example
    kind = shape.get("type", "any")
    if "keys" not in shape and "items" not in shape and "nested" not in shape:
        return loose(kind)
    item: Any = {key: ANY for key in shape.get("keys", ())}
    for key, part in shape.get("nested", {}).items():
        item[key] = documented(part, v1)
    if "items" in shape:
        item = documented(shape["items"], v1)
    return [item] if kind == "array" else item


def stream_frame(stream: dict[str, Any]) -> Any:
    frame: dict[str, Any] = {key: ANY for key in stream["keys"]}
    frame["e"] = stream["event"]
    for key, keys in stream.get("nested", {}).items():
        frame[key] = {k: ANY for k in keys}
    return [frame] if stream.get("array") else frame


def user_event(name: str, event: dict[str, Any]) -> Any:
    if "example" in event:
        return loosen_placeholders(EXAMPLES[event["example"]])
    frame: dict[str, Any] = {key: ANY for key in event["keys"]}
    frame["e"] = name
    for key, keys in event.get("nested", {}).items():
        frame[key] = {k: ANY for k in keys}
    return frame


def reference_samples() -> Iterator[tuple[str, Any]]:
    """Every documented answer and frame of the fixture, keyed as a recorder keys it."""
    for endpoint in SPEC["rest"]:
        for path in [endpoint["path"], *(endpoint["v1"] or [])]:
            yield rest_key(endpoint["method"], path), documented(endpoint["response"], "/v3/" not in path)
    for stream in SPEC["streams"]:
        frame = stream_frame(stream)
        yield frame_key(frame) or "?", frame
    for name, event in SPEC["user_stream"]["events"].items():
        frame = user_event(name, event)
        yield frame_key(frame) or "?", frame


def build_reference() -> ShapeFile:
    return reference_file("aster", reference_samples(), "the spec's documented answers (spec_endpoints.json)")


def test_the_checked_in_reference_is_the_fixtures() -> None:
    check_checked_in(REFERENCE, build_reference())


# ------------------------------------------------------------------------------- the simulator


class fresh:
    """A simulator and a caller for one operation, stopped after it."""

    async def __aenter__(self) -> Caller:
        self.sim = await start_aster()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        return Caller(Client(self.http, self.sim), self.sim)

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()
        await self.sim.stop()


async def rest_samples() -> list[tuple[str, Any]]:
    samples = []
    for endpoint in SPEC["rest"]:
        method = endpoint["method"]
        for path in [endpoint["path"], *(endpoint["v1"] or [])]:
            async with fresh() as c:
                if endpoint["security"] == "MAIN_WALLET":
                    status, body, _ = await call_main_wallet(c, method, path)
                else:
                    pairs = await RECIPES[(method, path.split("/", 3)[3])](c)
                    status, body, _ = await c.client.call(method, path, pairs, auth=c.auth(path, endpoint["security"]))
                assert status in (200, 400), (method, path, status, body)
                samples.append((rest_key(method, path), body))
    return samples


async def stream_samples() -> list[tuple[str, Any]]:
    samples = []
    for stream in SPEC["streams"]:
        if stream["event"] in QUIET:
            continue
        async with fresh() as c:
            async with c.client.http.ws_connect(c.sim.urls["ws"] + "/ws") as ws:
                frame = {"method": "SUBSCRIBE", "params": [stream_name(stream["stream"])], "id": 1}
                assert await request_reply(ws, frame) == {"result": None, "id": 1}
                c.sim.control.take(ETH, "sell")
                frame, _ = await receive_until(ws, lambda f: isinstance(f, list) or "e" in f, timeout=8.0)
                samples.append((frame_key(frame) or "?", frame))
    return samples


async def user_samples() -> list[tuple[str, Any]]:
    """ORDER_TRADE_UPDATE on placing, ACCOUNT_UPDATE on a fill, ACCOUNT_CONFIG_UPDATE on a leverage change."""
    frames = []
    async with fresh() as c:
        client = c.client
        status, key, _ = await client.call("POST", "/fapi/v3/listenKey")
        assert status == 200, key
        async with client.http.ws_connect(c.sim.urls["ws"] + "/ws/" + key["listenKey"]) as ws:
            assert (await client.call("POST", "/fapi/v3/order", client.order("2990.00")))[0] == 200
            frames.append((await receive_until(ws, lambda f: f.get("e") == "ORDER_TRADE_UPDATE"))[0])
            market = [("symbol", ETH), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.010")]
            assert (await client.call("POST", "/fapi/v3/order", market))[0] == 200
            frames.append((await receive_until(ws, lambda f: f.get("e") == "ACCOUNT_UPDATE"))[0])
            assert (await client.call("POST", "/fapi/v3/leverage", [("symbol", ETH), ("leverage", "7")]))[0] == 200
            frames.append((await receive_until(ws, lambda f: f.get("e") == "ACCOUNT_CONFIG_UPDATE"))[0])
    return [(frame_key(f) or "?", f) for f in frames]


_SIMULATOR: list[list[tuple[str, Any]]] = []


async def simulator_answers() -> list[tuple[str, Any]]:
    """The simulator's answers, gathered once for the module's tests."""
    if not _SIMULATOR:
        _SIMULATOR.append(await rest_samples() + await stream_samples() + await user_samples())
    return _SIMULATOR[0]


def differences(answers: list[tuple[str, Any]]) -> list[str]:
    reference = ShapeFile.read(REFERENCE)
    simulator = sample_file("aster", answers)
    unmade = {frame_key({"e": name}) for name in (*NOT_MADE, *QUIET)}
    missing = set(reference.shapes) - compared_keys(reference, simulator) - unmade
    assert not missing, f"documented keys not exercised: {sorted(missing)}"
    return unexplained(reference, simulator, DOCUMENTED_DIFFERENCES, DOCUMENTED_KINDS)


@pytest.mark.xfail(
    strict=True,
    reason="work in progress (issue #21): 106 breaking differences not yet listed with reasons — the spec's "
    "single examples carry one enum value (a MARKET order, NEW, LONG, isolated) the run's recipes do not "
    "make, the fixture's partial key lists (account, accountWithJoinMargin) read as 'never sends' the keys "
    "the simulator adds, ACCOUNT_UPDATE bc/iw integer strings, builder addresses shortened in the example",
)
async def test_the_simulator_answers_in_the_documented_shapes() -> None:
    problems = differences(await simulator_answers())
    assert not problems, "\n".join(problems)


async def test_a_renamed_field_is_reported() -> None:
    """The check can fail: the simulator's answers with `clientOrderId` renamed show as a breaking difference."""
    answers = json.loads(json.dumps(await simulator_answers(), default=str))
    renamed = json.loads(json.dumps(answers).replace('"clientOrderId"', '"clientOrderID"'))
    problems = differences([(key, value) for key, value in renamed])
    assert any("clientOrderID" in p and "missing-field" in p for p in problems), problems
