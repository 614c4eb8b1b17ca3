"""The Aster simulator answers in the shapes of the spec's documented answers (issue #21).

fixtures/reference_shapes.json is fixtures/spec_endpoints.json's examples, key lists and exact answers
as a shape file (source "reference"), keyed as the recorder keys a real run (each V3 path and its V1
paths, each market stream's event, each user-data event), so `xtb drift` can hold it against any
recorded run. The simulator is driven through the same operations as the spec-coverage test (its
recipes, imported), and every difference that would break a client must be listed below with its reason
(section numbers are shared/venues/aster.md's, the spec the fixture was copied from).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

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
    STRING,
    check_checked_in,
    describe,
    loose,
    loosen_placeholders,
    reference_file,
    sample_file,
    undocumented_differences,
)
from tests.waiting import TIMEOUT
from xtb.drift import compare as drift_compare
from xtb.drift.keys import frame_key, rest_key
from xtb.drift.shape_file import ShapeFile
from xtb.drift.shapes import PartialObject

HERE = Path(__file__).parent
REFERENCE = HERE / "fixtures" / "reference_shapes.json"
# user-data events the run cannot make (test_aster_sim_spec_coverage says why), and QUIET's streams
NOT_MADE = ("listenKeyExpired", "MARGIN_CALL", "announcement")

# documented answers whose key lists name only some keys (at least these): path → where the spec says so
PARTIAL_KEY_LISTS: dict[str, str] = {
    "/fapi/v3/accountWithJoinMargin": (
        "§4.4 introduces the account's keys with 'Contains:', names the totals only as '`total*` fields' "
        "and ends the assets[] list with '…'"
    ),
}
# documented example values the spec prints shortened ("0x6b5B…"): the fixture keeps them without the
# '…', so they read as short hex; example → its keys that stand for any string
SHORTENED: dict[str, tuple[str, ...]] = {"builder": ("userAddress", "builderAddress")}

V1_V3 = ("/fapi/v1/", "/fapi/v3/")


def _each(paths: tuple[str, ...], fields: tuple[str, ...], kind: str, why: str) -> dict[tuple[str, str, str], str]:
    """One listed difference per (V1 and V3 key, field): `paths` are "METHOD name" with the family left out."""
    listed = {}
    for method_name in paths:
        method, name = method_name.split(" ")
        for family in V1_V3:
            for field in fields:
                listed[(f"{method} {family}{name}", field, kind)] = why
    return listed


_TYPES = ("type", "origType")
_ITEM_TYPES = ("[].type", "[].origType")
_ONE_ORDER_TYPE = (
    "the spec's order example is a MARKET order: one value of the order type enum (§4.3 'Mandatory params "
    "by type' lists LIMIT, MARKET, STOP/TAKE_PROFIT, the *_MARKET stops and TRAILING_STOP_MARKET; §3 "
    "orderTypes); the coverage test's recipes place LIMIT orders"
)
_NEVER_MARKET = (
    "the fixture reuses the placement example (a MARKET order) for this answer, but a MARKET order fills "
    "what it can and the remainder is EXPIRED at once (§6.2 MARKET): it is never open, so never cancelled "
    "or listed as open; the simulator's answer is the LIMIT order the recipe placed"
)
_CANCELED = (
    "§4.3 'Other order endpoints': DELETE answers the 'order object with \"status\":\"CANCELED\"'; the "
    "fixture reuses the placement example, whose status is NEW"
)

# (key, path, kind) → why the simulator differs from the documented answer on purpose
DOCUMENTED_DIFFERENCES: dict[tuple[str, str, str], str] = {
    **_each(("POST order", "GET order"), _TYPES, "enum", _ONE_ORDER_TYPE),
    **_each(("POST batchOrders", "GET allOrders"), _ITEM_TYPES, "enum", _ONE_ORDER_TYPE),
    **_each(("DELETE order", "GET openOrder"), _TYPES, "enum", _NEVER_MARKET),
    **_each(("DELETE batchOrders", "GET openOrders"), _ITEM_TYPES, "enum", _NEVER_MARKET),
    **_each(
        ("PUT order",),
        _TYPES,
        "enum",
        "the fixture reuses the placement example (a MARKET order) for the modify answer, but §4.3 PUT "
        "/fapi/v3/order modifies 'LIMIT only'",
    ),
    **_each(("DELETE order",), ("status",), "enum", _CANCELED),
    **_each(("DELETE batchOrders",), ("[].status",), "enum", _CANCELED),
    ("ACCOUNT_UPDATE", "a.P[].mt", "enum"): (
        'one value of the margin type (§4.4 positionRisk: marginType "cross"|"isolated"); the run trades '
        "in cross margin, the simulator's default, so mt is 'cross'"
    ),
    ("ACCOUNT_UPDATE", "a.P[].ps", "enum"): (
        "one value of the position side (§4.3 positionSide: BOTH in one-way mode, LONG/SHORT in hedge "
        "mode); the run is in one-way mode, so ps is 'BOTH'"
    ),
    ("GET /fapi/v3/builder", "[].builderName", "enum"): (
        "not an enum: the name the account gave the builder when approving it (§4.8 approveBuilder param "
        "builderName); the example's is 'ivan3', the coverage test's recipe approves 'sim-test'"
    ),
}
# kind → why every difference of that kind is expected (none)
DOCUMENTED_KINDS: dict[str, str] = {}


# ------------------------------------------------------------------------------- the reference


def documented(shape: dict[str, Any], v1: bool, partial: bool = False) -> Any:
    """The answer a fixture shape documents; keys without an example are placeholders of any value, and
    a `partial` key list (PARTIAL_KEY_LISTS) is an object with at least these keys, nested ones too."""
    if "exact" in shape:
        return shape["exact"]
    if "unsupported" in shape:
        return shape["unsupported"]
    if "example" in shape:
        example = loosen_placeholders(EXAMPLES[shape["example"]])
        if not isinstance(example, dict):
            return example
        dropped = set(shape.get("without", ())) | (set(V3_ONLY_KEYS) if v1 else set())
        shortened = SHORTENED.get(shape["example"], ())
        fields = {k: (STRING if k in shortened else v) for k, v in example.items() if k not in dropped}
        return PartialObject(fields) if partial else fields
    kind = shape.get("type", "any")
    if "keys" not in shape and "items" not in shape and "nested" not in shape:
        return loose(kind)
    item: Any = {key: ANY for key in shape.get("keys", ())}
    for key, part in shape.get("nested", {}).items():
        item[key] = documented(part, v1, partial)
    if "items" in shape:
        item = documented(shape["items"], v1, partial)
    elif partial:
        item = PartialObject(item)
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
        partial = endpoint["path"] in PARTIAL_KEY_LISTS
        for path in [endpoint["path"], *(endpoint["v1"] or [])]:
            yield rest_key(endpoint["method"], path), documented(endpoint["response"], "/v3/" not in path, partial)
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
    unmade = {frame_key({"e": name}) for name in (*NOT_MADE, *QUIET)}
    return undocumented_differences(REFERENCE, "aster", answers, DOCUMENTED_DIFFERENCES, DOCUMENTED_KINDS, unmade)


def unsent(answers: list[tuple[str, Any]]) -> list[str]:
    """Every key the documentation names that the simulator never sends. `xtb drift` calls such a key
    harmless (a client written against the simulator does not read it), but a connector is written
    from the same documentation, and inside a partial key list (PARTIAL_KEY_LISTS) it is the only sign
    of a renamed key: the new name is a key the list does not name, which is no drift."""
    found = drift_compare.compare(ShapeFile.read(REFERENCE), sample_file("aster", answers))
    return [describe(d) for d in found if d.kind == "extra-field"]


def renamed(answers: list[tuple[str, Any]], old: str, new: str) -> list[tuple[str, Any]]:
    """The answers with every key `old` called `new` (values untouched: Decimals stay numbers)."""

    def rename(value: Any) -> Any:
        if isinstance(value, dict):
            return {(new if k == old else k): rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        return value

    return [(key, rename(value)) for key, value in answers]


async def test_the_simulator_answers_in_the_documented_shapes() -> None:
    problems = differences(await simulator_answers())
    assert not problems, "\n".join(problems)


async def test_the_simulator_sends_every_documented_key() -> None:
    assert not unsent(await simulator_answers())


async def test_a_renamed_field_is_reported() -> None:
    """The check can fail: the simulator's answers with `clientOrderId` renamed show as a breaking
    difference, and nothing else does."""
    problems = differences(renamed(await simulator_answers(), "clientOrderId", "clientOrderID"))
    assert problems and all("clientOrderID" in p and "missing-field" in p for p in problems), problems


async def test_a_renamed_field_in_a_partial_key_list_is_reported() -> None:
    """An account asset's `walletBalance` renamed is no breaking difference (the new name is a key the
    partial list does not name), but the documented key the simulator stops sending is reported."""
    answers = renamed(await simulator_answers(), "walletBalance", "walletBal")
    assert not differences(answers)
    problems = unsent(answers)
    assert problems and all("assets[].walletBalance" in p for p in problems), problems
