"""The control API under hostile requests: every answer below 500 and in its `{"error": ...}` shape,
and the simulator's engine still adds up afterwards. (Its routes change the simulator on purpose:
faults a request happens to inject are cleared after each one, so they cannot fail the next.)"""

from __future__ import annotations

from hypothesis import given

from tests.sim.engine_checks import check_engine
from tests.sim.hostile_data import Profile, requests
from tests.sim.hostile_harness import Harness, judge
from tests.sim.hostile_http import HostileRequest
from tests.sim.plain_venue import SYMBOL, PlainVenue
from tests.sim.venue_errors import control_rest
from xtb.sim.refusals import CONTROL_PREFIX
from xtb.sim.server import SimHandle, start_simulator

PARAMS = ("account", "market", "order_id", "client_id", "limit", "depth", "account_id", "collateral", "amount",
          "price", "ticks", "side", "fraction", "rest", "stream")  # fmt: skip
TEMPLATES = (
    {"account_id": "fuzz", "collateral": "100"}, {"amount": "10"}, {"price": "50000"}, {"ticks": 1},
    {"side": "buy", "fraction": "0.5"}, {"rest": [{"action": "status", "status": 429, "count": 1}]},
)  # fmt: skip


async def start() -> SimHandle:
    return await start_simulator("plain", PlainVenue, run_markets=False)


def control_routes(handle: SimHandle) -> tuple[tuple[str, str, str], ...]:
    app = handle.control.http_app()
    routes = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else "/"
        routes.append(("main", route.method, CONTROL_PREFIX + path.replace("{symbol}", SYMBOL)))
    return tuple(routes)


def test_hostile_requests_get_control_answers() -> None:
    with Harness(start) as h:
        profile = Profile(control_routes(h.handle), PARAMS, templates=TEMPLATES)

        @given(requests(profile))
        def hostile(request: HostileRequest) -> None:
            verdict = judge(request, h.send(request), control_rest)  # the plain venue's own shape is the same
            h.handle.control.clear_faults()
            assert verdict.ok, verdict.detail

        hostile()
        check_engine(h.handle.engine)
        assert h.send(HostileRequest("GET", CONTROL_PREFIX + "/accounts")).status == 200
