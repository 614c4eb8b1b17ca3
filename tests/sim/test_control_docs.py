"""The control API describes itself: `GET /_sim` (and `GET /_sim/`) lists and
`GET /_sim/openapi.json` documents exactly the routes the simulator serves, their query and body
fields as the handlers accept them, the shape of every answer, the fault fields and the settings
with their shapes, in a structurally sound OpenAPI 3.1 document."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from decimal import ROUND_CEILING
from typing import Any

import aiohttp
import pytest

from tests.sim.json_schema import problems
from tests.sim.plain_venue import PlainVenue
from xtb.clock import SYSTEM_CLOCK
from xtb.model import Side
from xtb.sim.control_spec import CONTROL_ROUTES, REST_ACTIONS, STREAM_ACTIONS
from xtb.sim.engine import Engine
from xtb.sim.faults import RestAction, RestFault, StreamAction, StreamFault
from xtb.sim.frontend import FrontEnd
from xtb.sim.grvt import GrvtFrontEnd
from xtb.sim.registry import default_registry
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


ALIASES = {(route.method, "/_sim" + alias) for route in CONTROL_ROUTES for alias in route.aliases}


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
    assert {(r["method"], r["path"]) for r in index["routes"]} == served_routes(sim) - ALIASES
    assert all(r["summary"] for r in index["routes"])
    links = [r["href"] for r in index["routes"] if "href" in r]
    assert len(links) >= 10 and sim.urls["control"] + "/truth" in links
    for link in links:
        assert (await get(http, link))[0] == 200, link
    assert index["openapi"] == sim.urls["control"] + "/openapi.json"


async def test_get_sim_with_a_trailing_slash_is_the_same_index(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    assert ALIASES == {("GET", "/_sim/")}
    without, with_slash = await get(http, sim.urls["control"]), await get(http, sim.urls["control"] + "/")
    assert with_slash == without and without[0] == 200


async def test_the_openapi_document_covers_exactly_the_served_routes(
    sim: SimHandle, http: aiohttp.ClientSession
) -> None:
    status, document = await get(http, sim.urls["control"] + "/openapi.json")
    assert status == 200
    assert documented_routes(document) | ALIASES == served_routes(sim)
    assert len(documented_routes(document)) == 30  # 28 commands and reads, the index and this document


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


async def test_settings_keys_and_shapes_are_the_served_ones(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    _, document = await get(http, sim.urls["control"] + "/openapi.json")
    schema = document["components"]["schemas"]["Settings"]["properties"]
    _, settings = await get(http, sim.urls["control"] + "/settings")
    assert set(schema) == set(settings)
    own = {name: value for name, value in settings.items() if name != "market"}
    for name, value in own.items():  # the current value is one the body schema takes, and PUT takes it
        assert problems(document, schema[name], value) == [], name
    async with http.put(sim.urls["control"] + "/settings", json=own) as resp:
        assert resp.status == 200 and await resp.json() == settings
    expected_own = {"grvt": {"rate_limit"}, "plain": set()}[sim.frontend.name]
    assert set(schema) - {"market", "margin", "mutations"} == expected_own
    for market in settings["market"].values():
        assert set(schema["market"]["properties"]) == set(market) == {
            "tick_rate", "taker_rate", "volatility_ticks", "fill_after"
        }  # fmt: skip


@pytest.mark.parametrize("venue", default_registry().names())
def test_every_venue_describes_the_shape_of_each_of_its_own_settings(venue: str) -> None:
    frontend = default_registry().create(venue, Engine(SYSTEM_CLOCK))
    assert set(frontend.settings_schema()) == set(frontend.current_settings())


async def test_every_answer_is_the_shape_the_document_gives(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    """Each route once, with valid input and something to show (an account, fills, a resting order,
    a fault, a logged request), and its 200 body held to the document's schema for it."""
    _, document = await get(http, sim.urls["control"] + "/openapi.json")
    symbol = sim.markets.symbols[0]
    info = sim.engine.market(symbol).info
    account = sim.frontend.test_account
    top = sim.engine.top_of_book(symbol)
    assert top.bid is not None
    below = top.bid - 10 * info.tick_size
    size = max(info.min_size, info.min_notional / below)
    size = (size / info.step_size).to_integral_value(ROUND_CEILING) * info.step_size
    taker = sim.engine.submit(account, symbol, Side.SELL, size, price=top.bid)  # a fill for this account
    resting = sim.engine.submit(account, symbol, Side.BUY, size, price=below, client_id="doc-1")
    assert taker.filled and resting.is_open
    async with http.get(sim.urls["rest"] + "/no-such-route"):
        pass  # one venue request in the log
    calls: list[tuple[str, str, dict[str, str] | None, Any]] = [
        ("GET", "", None, None),
        ("GET", "/openapi.json", None, None),
        ("GET", "/accounts", None, None),
        ("POST", "/accounts", None, {"account_id": "doc-carol", "collateral": "100"}),
        ("POST", f"/accounts/{account}/fund", None, {"amount": "5"}),
        ("GET", "/markets", None, None),
        ("GET", f"/markets/{symbol}/book", {"depth": "3"}, None),
        ("POST", f"/markets/{symbol}/freeze", None, None),
        ("POST", f"/markets/{symbol}/unfreeze", None, None),
        ("POST", f"/markets/{symbol}/take", None, {"side": "sell", "fraction": "0.5"}),
        ("POST", f"/markets/{symbol}/move", None, {"ticks": 1}),
        ("POST", f"/markets/{symbol}/mid", None, {"price": str(top.bid)}),
        ("GET", "/orders", {"account": str(account)}, None),
        ("GET", "/order", {"account": str(account), "client_id": "doc-1"}, None),
        ("GET", "/fills", None, None),
        ("GET", "/positions", None, None),
        ("GET", "/balances", None, None),
        ("GET", "/truth", None, None),
        ("POST", f"/orders/{resting.order_id}/expire", None, {"reason": "self_trade"}),
        ("POST", "/faults", None, {"rest": [{"action": "delay", "path": "/never", "delay": 0.1}]}),
        ("PUT", "/faults", None, {"stream": [{"action": "drop", "channel": "never", "count": None}]}),
        ("GET", "/faults", None, None),
        ("POST", "/faults/release", None, None),
        ("DELETE", "/faults", None, None),
        ("GET", "/requests", None, None),
        ("DELETE", "/requests", None, None),
        ("GET", "/streams", None, None),
        ("GET", "/settings", None, None),
        ("PUT", "/settings", None, {"market": {"taker_rate": 0.5}}),
        ("POST", "/reset", None, None),
    ]
    socket = next(r for r in sim.frontend.routes if r.websocket)
    answered: set[tuple[str, str]] = set()
    async with http.ws_connect(sim.frontend.base_url(socket.site, "ws") + socket.path):  # one open stream
        for method, path, query, body in calls:
            async with http.request(method, sim.urls["control"] + path, params=query, json=body) as resp:
                answer = await resp.json()
            assert resp.status == 200, (method, path, answer)
            route = next(r for r in CONTROL_ROUTES if r.method == method and _matches(r.path, path))
            operation = document["paths"]["/_sim" + route.path][method.lower()]
            schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert problems(document, schema, answer) == [], (method, path)
            if isinstance(answer, list):
                assert answer, (method, path)  # an empty list would hold its items to nothing
            answered.add((method, route.path))
    assert answered == {(r.method, r.path) for r in CONTROL_ROUTES}


def _matches(template: str, path: str) -> bool:
    return re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) is not None
