"""No request kills the Hyperliquid simulator and every refused one gets the venue's answer (§4.1,
§10.7): plain text on 4xx (or `null` on 429), never a JSON object and never a 5xx. Property tests over
hostile REST requests and signed hostile actions, then reproductions. (The socket's fuzzing comes with
the WebSocket side.)"""

from __future__ import annotations

import pytest

from tests.hyperliquid.sim_client import start_hl
from tests.sim.fuzz_hyperliquid import HYPERLIQUID
from tests.sim.hostile_data import DEEP
from tests.sim.hostile_harness import judge
from tests.sim.hostile_http import HostileRequest, exchange
from tests.sim.hostile_properties import payload_property, rest_property
from tests.sim.venue_errors import hyperliquid_rest

JSON = (("Content-Type", b"application/json"),)


def test_hostile_requests_get_hyperliquid_answers() -> None:
    rest_property(HYPERLIQUID)


@pytest.mark.parametrize("group", HYPERLIQUID.groups)
def test_signed_hostile_payloads_get_hyperliquid_answers(group: str) -> None:
    payload_property(HYPERLIQUID, group)


@pytest.mark.parametrize(
    "body,status",
    [
        (b"[" * DEEP + b"]" * DEEP, 400),
        (b'{"type": "meta"', 400),
        (b"\xff\xfe", 400),
        (b'{"action": {"type": "order"}, "nonce": 1e400, "signature": {}}', 422),
        (
            b'{"action": {"type": "noop"}, "nonce": 18446744073709551616, "signature": {"r": "0x1", "s": "0x1"}}',
            422,
        ),
        (b'{"action": {"type": "noop"}, "nonce": NaN, "signature": {}}', 422),
    ],
)
async def test_reproductions(body: bytes, status: int) -> None:
    handle = await start_hl()
    try:
        for path in ("/info", "/exchange"):
            request = HostileRequest("POST", path, headers=JSON, body=body)
            answer = await exchange(handle.frontend.host, handle.frontend.ports["main"], request)
            assert judge(request, answer, hyperliquid_rest).ok, answer.describe()
            assert answer.status in (status, 422), answer.describe()
    finally:
        await handle.stop()
