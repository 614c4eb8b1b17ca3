"""The control API describes itself: `GET /_sim` lists and `GET /_sim/openapi.json` documents
exactly the routes the simulator serves, their query and body fields as the handlers accept them,
the fault fields and the settings keys, in a structurally sound OpenAPI 3.1 document."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from tests.sim.plain_venue import PlainVenue
from xtb.sim.control_spec import REST_ACTIONS, STREAM_ACTIONS
from xtb.sim.faults import RestAction, RestFault, StreamAction, StreamFault
from xtb.sim.frontend import FrontEnd
from xtb.sim.grvt import GrvtFrontEnd
from xtb.sim.server import SimHandle, start_simulator

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(params=[PlainVenue, GrvtFrontEnd], ids=["plain", "grvt"])
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[SimHandle]:
    factory: Callable[..., FrontEnd] = request.param
    handle = await start_simulator(request.param.__name__.lower(), factory, run_markets=False)
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def get(http: aiohttp.ClientSession, url: str, **params: str) -> tuple[int, Any]:
    async with http.get(url, params=params or None) as resp:
        return resp.status, await resp.json(content_type=None)


def served_routes(handle: SimHandle) -> set[tuple[str, str]]:
    """(method, /_sim path) of every route the control application registers."""
    app = handle.control.http_app()
    return {(r.method, "/_sim" + r.resource.canonical) for r in app.router.routes() if r.resource is not None}


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), path, op) for path, item in document["paths"].items() for m, op in item.items()]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        node = document
        for part in parts:
            node = node[part]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [*([node["$ref"]] if "$ref" in node else []), *(r for v in node.values() for r in refs(v))]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def allowed_in(error: str) -> list[str]:
    """The field names a refusal lists after 'allowed: '."""
    return ast.literal_eval(error.split("allowed: ", 1)[1])


async def test_get_sim_is_an_index_of_every_served_route(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    status, index = await get(http, sim.urls["control"])
    assert status == 200
    assert {(r["method"], r["path"]) for r in index["routes"]} == served_routes(sim)
    assert all(r["summary"] for r in index["routes"])
    links = [r["href"] for r in index["routes"] if "href" in r]
    assert len(links) >= 10 and sim.urls["control"] + "/truth" in links
    for link in links:
        assert (await get(http, link))[0] == 200, link
    assert index["openapi"] == sim.urls["control"] + "/openapi.json"


async def test_the_openapi_document_covers_exactly_the_served_routes(
    sim: SimHandle, http: aiohttp.ClientSession
) -> None:
    status, document = await get(http, sim.urls["control"] + "/openapi.json")
    assert status == 200
    assert documented_routes(document) == served_routes(sim)
    assert len(served_routes(sim)) == 30  # 28 commands and reads, the index and this document


async def test_the_openapi_document_is_structurally_sound(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    _, document = await get(http, sim.urls["control"] + "/openapi.json")
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": sim.urls["rest"]}]
    for ref in refs(document):
        assert ref.startswith("#/components/"), ref
        resolve(document, {"$ref": ref})  # a KeyError names a dangling reference
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    for method, path, op in operations(document):
        assert method.lower() in METHODS and path.startswith("/_sim")
        assert op["summary"] and op["responses"]["200"]["description"]
        error = resolve(document, op["responses"]["400"])["content"]["application/json"]["schema"]
        assert resolve(document, error)["required"] == ["error"]
        params = op.get("parameters", [])
        assert len({(p["name"], p["in"]) for p in params}) == len(params)
        in_path = {p["name"] for p in params if p["in"] == "path"}
        assert in_path == set(re.findall(r"\{([^}]+)\}", path)), (method, path)
        assert all(p["required"] for p in params if p["in"] == "path")
        assert all(p["in"] in ("path", "query") and "schema" in p for p in params)
        if "requestBody" in op:
            schema = resolve(document, op["requestBody"]["content"]["application/json"]["schema"])
            assert schema["type"] == "object" and set(schema.get("required", [])) <= set(schema["properties"])


async def test_documented_fields_are_the_ones_the_handlers_accept(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    """A field that is not documented is refused with the list of allowed ones: the same list."""
    _, document = await get(http, sim.urls["control"] + "/openapi.json")
    checked = 0
    for method, path, op in operations(document):
        url = sim.urls["rest"] + path.format(symbol="BTC-PERP", account="x", order_id="1")
        query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        if query:
            async with http.request(method, url, params={"undocumented": "1"}) as resp:
                body = await resp.json()
            assert resp.status == 400, (method, path, body)
            assert sorted(allowed_in(body["error"])) == sorted(query), (method, path)
            checked += 1
        if "requestBody" in op and "$ref" not in op["requestBody"]["content"]["application/json"]["schema"]:
            fields = op["requestBody"]["content"]["application/json"]["schema"]["properties"]
            async with http.request(method, url, json={"undocumented": 1}) as resp:
                body = await resp.json()
            assert resp.status == 400 and sorted(allowed_in(body["error"])) == sorted(fields), (method, path)
            checked += 1
    assert checked == 18  # 8 routes with query parameters, 10 with a body of their own


async def test_fault_fields_and_actions_are_documented(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    _, document = await get(http, sim.urls["control"] + "/openapi.json")
    faults = document["components"]["schemas"]["Faults"]["properties"]
    for group, cls, actions in (("rest", RestFault, RestAction), ("stream", StreamFault, StreamAction)):
        entry = faults[group]["items"]["properties"]
        assert set(entry) == {f.name for f in dataclasses.fields(cls)}, group
        assert entry["action"]["enum"] == [a.value for a in actions]
    assert set(REST_ACTIONS) == set(RestAction) and set(STREAM_ACTIONS) == set(StreamAction)
    fault = {"action": "delay", "path": "/x", "method": "GET", "count": None, "status": 500, "retry_after": 1.5,
             "delay": 0.5, "reason": "invalid_size"}  # fmt: skip
    assert set(fault) == set(faults["rest"]["items"]["properties"])
    async with http.post(sim.urls["control"] + "/faults", json={"rest": [fault]}) as resp:
        assert resp.status == 200, await resp.text()
        (planned,) = (await resp.json())["rest"]
    assert planned == fault


async def test_settings_keys_are_the_served_ones(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    _, document = await get(http, sim.urls["control"] + "/openapi.json")
    schema = document["components"]["schemas"]["Settings"]["properties"]
    _, settings = await get(http, sim.urls["control"] + "/settings")
    assert set(schema) == set(settings)
    expected_own = {"grvt": {"rate_limit"}, "plain": set()}[sim.frontend.name]
    assert set(schema) - {"market"} == expected_own
    for market in settings["market"].values():
        assert set(schema["market"]["properties"]) == set(market) == {
            "tick_rate", "taker_rate", "volatility_ticks", "fill_after"
        }  # fmt: skip
