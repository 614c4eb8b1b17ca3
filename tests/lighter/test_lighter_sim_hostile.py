"""No request kills the Lighter simulator and every malformed one gets Lighter's own answer (§7):
`{"code": <int>, "message"}`, never a 5xx. Property tests over hostile REST requests, signed
transactions with hostile fields and stream frames, then the reproductions the fuzzing found."""

from __future__ import annotations

import aiohttp
import pytest

from tests.lighter.conftest import Client
from tests.sim.fuzz_lighter import LIGHTER, token
from tests.sim.hostile_data import DEEP, HUGE
from tests.sim.hostile_harness import judge
from tests.sim.hostile_http import HostileRequest, exchange
from tests.sim.hostile_properties import payload_property, rest_property, stream_property
from tests.sim.venue_errors import lighter_rest
from xtb.sim.server import SimHandle


def test_hostile_requests_get_lighter_answers() -> None:
    rest_property(LIGHTER)


@pytest.mark.parametrize("group", LIGHTER.groups)
def test_signed_hostile_payloads_get_lighter_answers(group: str) -> None:
    payload_property(LIGHTER, group)


def test_hostile_stream_frames_get_lighter_errors() -> None:
    stream_property(LIGHTER)


# ------------------------------------------------------------------------------------ reproductions

FORM = (("Content-Type", b"application/x-www-form-urlencoded"),)


async def send(sim: SimHandle, request: HostileRequest) -> dict[str, object]:
    answer = await exchange(sim.frontend.host, sim.frontend.ports["main"], request)
    assert judge(request, answer, lighter_rest).ok, answer.describe()
    body = answer.json()
    assert isinstance(body, dict)
    return {"status": answer.status, **body}


async def test_100000_deep_tx_info_is_invalid_tx_info(sim: SimHandle) -> None:
    body = b"tx_type=14&tx_info=" + b"[" * DEEP + b"]" * DEEP
    answer = await send(sim, HostileRequest("POST", "/api/v1/sendTx", headers=FORM, body=body))
    assert (answer["status"], answer["code"]) == (400, 21501), answer


async def test_a_multipart_content_type_over_a_plain_body_is_a_bad_request(sim: SimHandle) -> None:
    headers = (("Content-Type", b"multipart/form-data; boundary=xx"),)
    answer = await send(sim, HostileRequest("POST", "/api/v1/sendTx", headers=headers, body=b"tx_type=14&tx_info={}"))
    assert (answer["status"], answer["code"]) == (400, 20001), answer


async def test_undecodable_form_bytes_are_a_bad_request(sim: SimHandle) -> None:
    body = b"tx_type=14&tx_info=\xff\xfe"
    answer = await send(sim, HostileRequest("POST", "/api/v1/sendTx", headers=FORM, body=body))
    assert (answer["status"], answer["code"]) == (400, 20001), answer
    multipart = b'--xx\r\nContent-Disposition: form-data; name="tx_info"; filename="f"\r\n\r\n\xff\xfe\r\n--xx--\r\n'
    headers = (("Content-Type", b"multipart/form-data; boundary=xx"),)
    answer = await send(sim, HostileRequest("POST", "/api/v1/sendTx", headers=headers, body=multipart))
    assert (answer["status"], answer["code"]) == (400, 20001), answer


async def test_a_5000_digit_account_index_is_an_invalid_param(sim: SimHandle, client: Client) -> None:
    for path in ("/api/v1/apikeys", "/api/v1/nextNonce", "/api/v1/accountActiveOrders"):
        status, body = await client.get(path, token(sim), account_index=HUGE, api_key_index=4)
        assert (status, body["code"]) == (400, 20001), (path, body)
    status, body = await client.get("/api/v1/account", by="index", value=HUGE)
    assert (status, body["code"]) == (400, 21100), body
    status, body = await client.send_tx(14, f'{{"AccountIndex":{HUGE}}}')
    assert (status, body["code"]) == (400, 21501), body
    status, body = await client.send_tx(14, '{"L2TxAttributes":{"' + HUGE + '":1}}')
    assert (status, body["code"]) == (400, 21501), body
    answer = await send(sim, HostileRequest("POST", "/api/v1/sendTx", headers=FORM, body=f"tx_type={HUGE}".encode()))
    assert (answer["status"], answer["code"]) == (400, 21501), answer
    status, body = await client.get("/api/v1/accountActiveOrders", f"1:{HUGE}:4:00")
    assert status == 400 and "malformed token" in body["message"], body


async def test_unknown_routes_and_wrong_methods_are_29404(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    for method, path in (("GET", "/api/v1/nope"), ("DELETE", "/api/v1/sendTx"), ("POST", "/api/v1/orderBooks")):
        async with http.request(method, sim.urls["rest"] + path) as resp:
            assert (resp.status, await resp.json()) == (404, {"code": 29404, "message": "not found"})
    answer = await exchange(sim.frontend.host, sim.frontend.ports["main"], HostileRequest("GET", "/_sim/../api"))
    assert answer.status == 404 and set(answer.json()) == {"error"}, answer.describe()  # the control API's shape
