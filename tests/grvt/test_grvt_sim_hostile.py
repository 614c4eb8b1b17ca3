"""No request kills the GRVT simulator and every malformed one gets GRVT's own answer (§7): `{code,
message, status}`, `{c, m, s}` on lite routes, `{status, message}` on the edge's logins, never a
5xx. Property tests over hostile REST requests on all three hosts, hostile payloads with a session
and stream frames, then the reproductions the fuzzing found."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.grvt.conftest import BTC, Client
from tests.sim.fuzz_grvt import GRVT
from tests.sim.hostile_data import DEEP, HUGE
from tests.sim.hostile_harness import judge
from tests.sim.hostile_http import HostileRequest, exchange
from tests.sim.hostile_properties import payload_property, rest_property, stream_property
from tests.sim.venue_errors import grvt_rest
from xtb.sim.server import SimHandle


def test_hostile_requests_get_grvt_answers() -> None:
    rest_property(GRVT)


@pytest.mark.parametrize("group", GRVT.groups)
def test_hostile_payloads_get_grvt_answers(group: str) -> None:
    payload_property(GRVT, group)


def test_hostile_stream_frames_get_grvt_errors() -> None:
    stream_property(GRVT)


# ------------------------------------------------------------------------------------ reproductions


def error(status: int, body: object, code: int) -> None:
    assert isinstance(body, dict) and (status, body.get("code"), body.get("status")) == (status, code, status), body


async def test_100000_deep_bodies_are_malformed_on_every_host(sim: SimHandle) -> None:
    deep = b"[" * DEEP + b"]" * DEEP
    for site, path in (("market_data", "/full/v1/instrument"), ("main", "/full/v1/create_order"),
                       ("edge", "/auth/api_key/login"), ("market_data", "/lite/v1/book")):  # fmt: skip
        request = HostileRequest("POST", path, headers=(("Content-Type", b"application/json"),), body=deep, site=site)
        answer = await exchange(sim.frontend.host, sim.frontend.ports[site], request)
        assert answer.status in (400, 401) and judge(request, answer, grvt_rest).ok, answer.describe()


async def test_a_list_time_in_force_is_malformed(client: Client) -> None:
    body = client.order("59000")
    body["order"]["time_in_force"] = []
    status, answer = await client.create(body)
    error(status, answer, 1003)
    assert answer["message"].endswith("time_in_force"), answer


async def test_5000_digit_ids_are_malformed(client: Client) -> None:
    for route, body in (
        ("order", {"sub_account_id": HUGE, "order_id": "0x01"}),
        ("open_orders", {"sub_account_id": HUGE}),
        ("cancel_order", {"sub_account_id": client.sub, "client_order_id": HUGE}),
    ):
        status, answer = await client.call(route, body)
        assert status == 400 and answer["code"] in (1003, 3021), (route, answer)
    order = client.order("59000")
    order["order"]["metadata"]["client_order_id"] = HUGE
    status, answer = await client.create(order)
    error(status, answer, 1003)
    order = client.order("59000")
    order["order"]["signature"]["nonce"] = HUGE
    status, answer = await client.create(order)
    error(status, answer, 1003)
    order = client.order("59000")
    order["order"]["legs"][0]["size"] = "1e999999"
    status, answer = await client.create(order)
    error(status, answer, 1003)


async def test_5000_digit_ids_on_the_stream_are_refused(sim: SimHandle, client: Client) -> None:
    _, _, _ = await client.login()
    async with client.http.ws_connect(sim.urls["ws"], headers=client.headers) as ws:
        await ws.send_str(json.dumps({"jsonrpc": "2.0", "method": "subscribe", "id": 1,
                                      "params": {"stream": "v1.order", "selectors": [HUGE]}}))  # fmt: skip
        reply = await ws.receive_json(timeout=5)
        assert reply["error"]["code"] == 3020 and reply["id"] == 1, reply
    async with client.http.ws_connect(sim.urls["ws_market_data"]) as ws:
        selectors = [f"{BTC}@{HUGE}-10"]
        await ws.send_str(json.dumps({"jsonrpc": "2.0", "method": "subscribe", "id": 2,
                                      "params": {"stream": "v1.book.s", "selectors": selectors}}))  # fmt: skip
        reply = await ws.receive_json(timeout=5)
        assert reply["error"]["code"] == 3030 and reply["id"] == 2, reply


async def test_unknown_routes_and_wrong_methods_are_1004(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    for url in (sim.urls["trades"] + "/full/v1/nope", sim.urls["market_data"] + "/full/v1/create_order"):
        async with http.post(url, json={}) as resp:
            assert (resp.status, await resp.json()) == (404, {"code": 1004, "message": "Data Not Found", "status": 404})
    async with http.get(sim.urls["trades"] + "/full/v1/create_order") as resp:
        assert (resp.status, (await resp.json())["code"]) == (404, 1004)
    async with http.get(sim.urls["market_data"] + "/lite/v1/book") as resp:
        assert (resp.status, await resp.json()) == (404, {"c": 1004, "m": "Data Not Found", "s": 404})
    async with http.get(sim.urls["edge"] + "/auth/api_key/login") as resp:
        assert (resp.status, await resp.json()) == (404, {"status": 404, "message": "Data Not Found"})
    answer = await exchange(sim.frontend.host, sim.frontend.ports["main"], HostileRequest("GET", "/_sim/../api"))
    assert answer.status == 404 and set(answer.json()) == {"error"}, answer.describe()  # the control API's shape


async def test_wallet_login_fields_out_of_their_types_are_malformed(
    sim: SimHandle, http: aiohttp.ClientSession
) -> None:
    now = sim.frontend.now_ns()  # type: ignore[attr-defined]
    good = {"signer": "0x" + "1" * 40, "r": "0x01", "s": "0x02", "v": 27, "expiration": str(now + 10**9), "nonce": 1}
    for field, value in (
        ("nonce", -1),
        ("nonce", 2**32),
        ("nonce", 1e308),
        ("nonce", HUGE),
        ("signer", "0x"),
        ("signer", 27.5),
        ("signer", "0x-" + "1" * 39),
        ("r", "0x" + "f" * 5000),
        ("expiration", []),
    ):
        signature = {**good, field: value}
        body = {"address": "0x" + "1" * 40, "signature": signature}
        async with http.post(sim.urls["edge"] + "/auth/wallet/login", json=body) as resp:
            answer = await resp.json()
            assert (resp.status, answer) == (400, {"status": 400, "message": "malformed signature"}), (field, answer)
