"""No request kills the Backpack simulator and every malformed one gets Backpack's own answer (§7.2):
JSON `{code, message}` or the documented plain-text pages, never a 5xx. Property tests over hostile
REST requests (signed ones too, so the payload checks behind the signature are reached) and stream
frames, then the reproductions the fuzzing found."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import pytest
from nacl.signing import SigningKey

from tests.backpack.conftest import SOL, Client
from tests.sim.fuzz_backpack import BACKPACK
from tests.sim.hostile_data import DEEP, HUGE
from tests.sim.hostile_harness import judge
from tests.sim.hostile_http import HostileRequest, exchange
from tests.sim.hostile_properties import payload_property, rest_property, stream_property
from tests.sim.venue_errors import backpack_rest
from xtb.sim.backpack.auth import INSTRUCTIONS, parse_json, signing_string
from xtb.sim.server import SimHandle


def test_hostile_requests_get_backpack_answers() -> None:
    rest_property(BACKPACK)


@pytest.mark.parametrize("group", BACKPACK.groups)
def test_signed_hostile_payloads_get_backpack_answers(group: str) -> None:
    payload_property(BACKPACK, group)


def test_hostile_stream_frames_get_backpack_errors() -> None:
    stream_property(BACKPACK)


# ------------------------------------------------------------------------------------ reproductions


async def send(sim: SimHandle, request: HostileRequest) -> Any:
    answer = await exchange(sim.frontend.host, sim.frontend.ports["main"], request)
    assert judge(request, answer, backpack_rest).ok, answer.describe()
    return answer


def signed(client: Client, method: str, path: str, raw_body: bytes) -> HostileRequest:
    """A request whose raw body is signed as the venue reads it (numbers keep their text)."""
    timestamp = client.now_ms()
    message = signing_string(INSTRUCTIONS[(method, path)], [], parse_json(raw_body), timestamp, 5000)
    key = SigningKey(base64.b64decode(client.handle.account["api_secret"]))
    headers = (
        ("Content-Type", b"application/json"),
        ("X-API-Key", client.handle.account["api_key"].encode()),
        ("X-Signature", base64.b64encode(key.sign(message.encode("utf-8", "surrogatepass")).signature)),
        ("X-Timestamp", str(timestamp).encode()),
    )
    return HostileRequest(method, path, headers=headers, body=raw_body)


async def test_deep_nesting_before_the_signature_check_is_a_payload_error(sim: SimHandle, client: Client) -> None:
    headers = (("X-API-Key", b"k"), ("X-Signature", b"s"), ("X-Timestamp", b"1"))
    answer = await send(sim, HostileRequest("POST", "/api/v1/order", headers=headers, body=b"[" * DEEP + b"]" * DEEP))
    assert answer.status == 400 and answer.text.startswith("parse request payload error: "), answer.describe()


async def test_a_lone_surrogate_is_a_payload_error(sim: SimHandle, client: Client) -> None:
    body = b'{"symbol":"SOL_USDC_PERP","side":"Bid","orderType":"Limit","price":"140","quantity":"1","x":"\\ud800"}'
    headers = (("X-API-Key", sim.account["api_key"].encode()), ("X-Signature", b"s"), ("X-Timestamp", b"1"))
    answer = await send(sim, HostileRequest("POST", "/api/v1/order", headers=headers, body=body))
    assert answer.status == 400 and answer.text.startswith("parse request payload error: "), answer.describe()


async def test_a_signed_side_that_is_a_list_is_a_field_error(sim: SimHandle, client: Client) -> None:
    body = b'{"symbol":"SOL_USDC_PERP","side":[],"orderType":"Limit","price":"140","quantity":"1"}'
    answer = await send(sim, signed(client, "POST", "/api/v1/order", body))
    assert answer.status == 400 and '"Side": Expect a valid enumeration value.' in answer.text, answer.describe()


async def test_a_5000_digit_order_id_is_simply_not_found(sim: SimHandle, client: Client) -> None:
    status, body, _ = await client.call("GET", "/api/v1/order", params={"symbol": SOL, "orderId": HUGE})
    assert (status, body) == (404, {"code": "RESOURCE_NOT_FOUND", "message": "Not Found"})
    body = f'{{"symbol":"{SOL}","orderId":"{HUGE}"}}'.encode()
    answer = await send(sim, signed(client, "DELETE", "/api/v1/order", body))
    assert answer.status == 404 and answer.json()["code"] == "RESOURCE_NOT_FOUND", answer.describe()
    body = f'{{"symbol":"{SOL}","clientId":{HUGE}}}'.encode()
    answer = await send(sim, signed(client, "DELETE", "/api/v1/order", body))
    assert answer.status == 400 and "integer(uint32)" in answer.text, answer.describe()
    status, body, _ = await client.call("GET", "/wapi/v1/history/orders", params={"limit": HUGE})
    assert status == 400 and body.startswith("failed to parse parameter `limit`"), body


async def test_unknown_routes_and_wrong_methods_are_the_plain_404(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    for method, path in (("GET", "/api/v1/nope"), ("PUT", "/api/v1/order"), ("POST", "/api/v1/markets")):
        async with http.request(method, sim.urls["rest"] + path) as resp:
            assert (resp.status, resp.content_type, await resp.text()) == (404, "text/plain", "not found")
    answer = await exchange(sim.frontend.host, sim.frontend.ports["main"], HostileRequest("GET", "/_sim/../api"))
    assert answer.status == 404 and set(answer.json()) == {"error"}, answer.describe()  # the control API's shape


async def test_decimals_beyond_the_venues_type_are_field_errors(sim: SimHandle, client: Client) -> None:
    for quantity in ("1e29", "1" + "0" * 29, HUGE, "0." + "0" * 28 + "1", "1e999999"):
        status, body, _ = await client.call("POST", "/api/v1/order", body=client.order("140.00", quantity))
        assert status == 400 and '"Decimal"' in body, (quantity, body)
    body = {"symbol": SOL, "side": "Bid", "orderType": "Market", "quoteQuantity": "79228162514264337593543950335"}
    status, placed, _ = await client.call("POST", "/api/v1/order", body=body)
    assert status in (200, 400), placed  # the largest decimal the venue holds: an answer, not a crash
    sim.control.fund(sim.frontend.test_account, "1" + "0" * 30)  # margin for 1e28 × 140 at 10 %: 1.4e29
    status, placed, _ = await client.call("POST", "/api/v1/order", body=client.order("140.00", "1e28", clientId=9))
    assert status == 200, placed  # rests, funded; its stream update formats
    assert (await client.call("DELETE", "/api/v1/order", body={"symbol": SOL, "clientId": 9}))[0] == 200


async def test_oversized_and_unparseable_requests_get_the_generic_json_error(sim: SimHandle) -> None:
    for request in (
        HostileRequest("GET", "/" + "a" * 9000),
        HostileRequest("GET", "/" + "a" * 70_000),
        HostileRequest("POST", "/api/v1/order", body=b"[" * (sim.frontend.request_limits.body + 1)),
        HostileRequest("GET", "/api/v1/markets", headers=(("X-API-Key", b"\xff\xfe"),)),
        HostileRequest("", "", raw=b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
    ):
        answer = await send(sim, request)
        assert answer.status == 400 and answer.json()["code"] == "INVALID_CLIENT_REQUEST", answer.describe()
