"""No request kills the Aster simulator and every malformed one gets Aster's own answer (§7): `{"code":
-NNNN, "msg"}`, never a 5xx. The fuzzing found no 5xx here, only aiohttp's plain-text pages for
unknown routes, wrong methods and oversized requests; the properties keep it that way, then the
reproductions."""

from __future__ import annotations

import aiohttp
import pytest

from tests.aster.conftest import ETH, Client
from tests.sim.fuzz_aster import ASTER
from tests.sim.hostile_data import DEEP, HUGE
from tests.sim.hostile_harness import judge
from tests.sim.hostile_http import HostileRequest, exchange
from tests.sim.hostile_properties import payload_property, rest_property, stream_property
from tests.sim.venue_errors import aster_rest
from xtb.sim.server import SimHandle


def test_hostile_requests_get_aster_answers() -> None:
    rest_property(ASTER)


@pytest.mark.parametrize("group", ASTER.groups)
def test_signed_hostile_parameters_get_aster_answers(group: str) -> None:
    payload_property(ASTER, group)


def test_hostile_stream_frames_get_aster_errors() -> None:
    stream_property(ASTER)


# ------------------------------------------------------------------------------------ reproductions


async def test_unknown_routes_and_wrong_methods_are_json_404s(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    routes = (("GET", "/fapi/v3/nope"), ("GET", "/"), ("PATCH", "/fapi/v3/order"), ("POST", "/fapi/v1/time"))
    for method, path in routes:
        async with http.request(method, sim.urls["rest"] + path) as resp:
            body = await resp.json()
            assert resp.status == 404 and body["code"] == -1000 and set(body) == {"code", "msg"}, body
            assert "X-MBX-USED-WEIGHT-1M" in resp.headers
    answer = await exchange(sim.frontend.host, sim.frontend.ports["main"], HostileRequest("GET", "/_sim/../api"))
    assert answer.status == 404 and set(answer.json()) == {"error"}, answer.describe()  # the control API's shape


async def test_oversized_and_unparseable_requests_are_json_400s(sim: SimHandle) -> None:
    for request in (
        HostileRequest("GET", "/fapi/v3/depth", query="symbol=" + "A" * 9000),
        HostileRequest("GET", "/" + "a" * 70_000),
        HostileRequest("POST", "/fapi/v3/order", body=b"x" * (sim.frontend.request_limits.body + 1)),
        HostileRequest("GET", "/fapi/v3/time", headers=(("X-MBX-APIKEY", b"\xff"),)),
        HostileRequest("", "", raw=b"\xff\xfe\xfd\r\n\r\n"),
        HostileRequest("GET", "/ws"),  # a socket path without the upgrade
    ):
        answer = await exchange(sim.frontend.host, sim.frontend.ports["main"], request)
        assert answer.status == 400 and judge(request, answer, aster_rest).ok, answer.describe()


async def test_hostile_values_are_parameter_errors(client: Client) -> None:
    status, body, _ = await client.call("GET", "/fapi/v3/order", [("symbol", ETH), ("orderId", HUGE)])
    assert (status, body["code"]) == (400, -1100), body
    status, body, _ = await client.call("POST", "/fapi/v3/batchOrders", [("batchOrders", "[" * DEEP + "]" * DEEP)])
    assert status == 400 and body["code"] in (-1130, -1100), body
    ids = [("symbol", ETH), ("orderIdList", f'["{HUGE}"]')]
    status, body, _ = await client.call("DELETE", "/fapi/v3/batchOrders", ids)
    assert (status, body) == (200, [{"code": -1130, "msg": "Data sent for parameter 'orderIdList' is not valid."}])
    status, body, _ = await client.call("GET", "/fapi/v3/depth", [("symbol", ETH), ("limit", HUGE)])
    assert (status, body["code"]) == (400, -1100), body
    window = [("symbol", ETH), ("recvWindow", HUGE)]
    status, body, _ = await client.call("GET", "/fapi/v1/openOrders", window, auth="v1")
    assert (status, body["code"]) == (400, -1130), body  # validly signed, so the window check is reached
