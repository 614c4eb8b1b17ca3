"""How to fuzz the GRVT simulator: its three hosts' routes, JSON payloads (a create_order body
signed by grvt-pysdk, then mutated; the signature no longer matches, but the parse and format
checks come first, and they are where the crashes were), a logged-in session for private routes,
its stream, and a signed order that must still place afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.grvt.conftest import BTC, Client, fe, start_grvt
from tests.sim.engine_checks import check_engine
from tests.sim.hostile_data import Target
from tests.sim.hostile_harness import Harness, StreamProbe, VenueFuzz
from tests.sim.hostile_http import Answer, HostileRequest
from tests.sim.venue_errors import grvt_rest, grvt_ws_error
from xtb.connectors.grvt import sdk
from xtb.sim.frontend import MAIN_SITE

PARAMS = (
    "api_key", "builder_account_id", "client_order_id", "countdown_time", "cursor", "depth", "end_time",
    "instrument", "interval", "is_active", "kind", "base", "quote", "leverage", "limit", "main_account_id",
    "max_futures_fee_rate", "max_spot_fee_rate", "order", "order_id", "signature", "start_time", "sub_account_id",
    "time_to_live_ms", "type", "address",
)  # fmt: skip
HEADERS = ("Cookie", "X-Grvt-Account-Id")
SYNC = '{"jsonrpc":"2.0","method":"xtb.sync","params":{},"id":424242}'


def client(h: Harness) -> Client:
    """The test account's client (grvt-pysdk pointed at this simulator), made once per harness."""
    if "client" not in h.state:
        c = Client(h.http, h.handle, h.handle.account)
        h.state["client"] = c
        h.cleanups.append(lambda: sdk.release(c.env))
    return h.state["client"]  # type: ignore[no-any-return]


async def session(h: Harness) -> dict[str, str]:
    c = client(h)
    if not c.headers:
        status, body, _ = await c.login()
        assert status == 200, body
    return c.headers


def targets(h: Harness) -> dict[str, tuple[Target, ...]]:
    c = client(h)
    sub = c.sub
    order = c.order("59000", post_only=True)
    market = {"kind": ["PERPETUAL"], "base": ["BTC"], "quote": ["USDT"]}
    # an expiration the login accepts for the next four minutes, so the checks after it are reached
    soon = fe(h.handle).now_ns() + int(fe(h.handle).settings.wallet_login_window_s - 60) * 10**9
    signature = {"signer": "0x" + "1" * 40, "r": "0x01", "s": "0x02", "v": 27, "expiration": str(soon), "nonce": 1}
    history = {"sub_account_id": sub, "limit": 10, "cursor": "", "start_time": "0", "end_time": "0"}
    ids = ({"sub_account_id": sub, "order_id": "0x01"}, {"sub_account_id": sub, "client_order_id": "7"})

    def trade(route: str, *templates: dict[str, Any]) -> Target:
        return Target(MAIN_SITE, "POST", f"/full/v1/{route}", templates)

    def public(route: str, *templates: dict[str, Any]) -> Target:
        return Target("market_data", "POST", f"/full/v1/{route}", templates)

    return {
        "orders": (trade("create_order", order),),
        "account": (
            trade("cancel_order", *ids),
            trade("order", *ids),
            trade("open_orders", {"sub_account_id": sub, **market}),
            trade("cancel_all_orders", {"sub_account_id": sub, **market}),
            trade("order_history", history), trade("fill_history", history),
            trade("set_initial_leverage", {"sub_account_id": sub, "instrument": BTC, "leverage": "10"}),
            trade("positions", {"sub_account_id": sub, **market}), trade("account_summary", {"sub_account_id": sub}),
            trade("cancel_on_disconnect", {"sub_account_id": sub, "countdown_time": "1000"}),
            trade("authorize_builder", {"main_account_id": c.creds["account_id"], "builder_account_id": "0x" + "1" * 40,
                                        "max_futures_fee_rate": "0.001", "max_spot_fee_rate": "0", "signature": {}}),
        ),
        "public": (
            public("instrument", {"instrument": BTC}), public("book", {"instrument": BTC, "depth": 10}),
            public("kline", {"instrument": BTC, "interval": "CI_1_M", "type": "TRADE", "limit": 10}),
            public("trade_history", {"instrument": BTC, "limit": 10, "cursor": ""}),
            public("instruments", {**market, "is_active": True, "limit": 10}), public("ticker", {"instrument": BTC}),
            public("funding", {"instrument": BTC, "limit": 5}),
        ),
        "edge": (
            Target("edge", "POST", "/auth/api_key/login", ({"api_key": c.creds["api_key"]},)),
            Target("edge", "POST", "/auth/wallet/login", ({"address": "0x" + "1" * 40, "signature": signature},)),
            Target("edge", "POST", "/auth/builder/authorize", ({
                "main_account_id": c.creds["account_id"], "builder_account_id": "0x" + "2" * 40,
                "max_futures_fee_rate": "0.001", "max_spot_fee_rate": "0", "signature": signature},)),
        ),
    }  # fmt: skip


async def sign(h: Harness, request: HostileRequest) -> HostileRequest:
    """Requests to the trades host carry the test account's session."""
    if request.site != MAIN_SITE:
        return request
    headers = await session(h)
    return request.with_headers(*((name, value.encode()) for name, value in headers.items()))


async def probe(h: Harness) -> StreamProbe:
    return StreamProbe(
        h.handle.urls["ws_market_data"], SYNC, lambda f: isinstance(f, dict) and f.get("id") == 424242, grvt_ws_error,
        silent=lambda payload: payload.strip().strip(b'"') == b"ping",  # the web client's keep-alive, unanswered
    )  # fmt: skip


async def still_serves(h: Harness) -> None:
    """A signed post-only bid still rests and still cancels."""
    c = client(h)
    await session(h)
    top = h.handle.engine.top_of_book(BTC)
    assert top.bid is not None
    body = c.order(str(top.bid - 5), post_only=True)
    status, answer = await c.create(body)
    assert status == 200, answer
    cid = body["order"]["metadata"]["client_order_id"]
    status, answer = await c.call("cancel_order", {"sub_account_id": c.sub, "client_order_id": cid})
    assert status == 200, answer
    status, answer = await c.call("order", {"sub_account_id": c.sub, "client_order_id": cid})
    assert status == 200 and answer["result"]["state"]["status"] == "CANCELLED", answer
    check_engine(h.handle.engine)


SUBSCRIBES = (
    {"jsonrpc": "2.0", "method": "subscribe", "params": {"stream": "v1.book.s", "selectors": [f"{BTC}@500-10"]},
     "id": 1},
    {"jsonrpc": "2.0", "method": "subscribe", "params": {"stream": "v1.candle", "selectors": [f"{BTC}@CI_1_M-TRADE"]},
     "id": 2},
    {"jsonrpc": "2.0", "method": "v1/book", "params": {"instrument": BTC, "depth": 10}, "id": 3},
)  # fmt: skip
SPEC = json.loads((Path(__file__).parents[1] / "grvt" / "fixtures" / "spec_endpoints.json").read_text())
SWITCHED_OFF = frozenset(
    path.replace("/full/", form) for r in SPEC["rest"] if r["shape"] == "disabled" for path in [r["path"]]
    for form in ("/full/", "/lite/")
)  # fmt: skip


def switched_off(request: HostileRequest, answer: Answer) -> bool:
    """GRVT answers 1009/503 for an endpoint it has switched off (spec §7); the simulator does so
    for the routes it does not model, listed as "disabled" in the spec fixture. A /lite/ route answers
    in the lite form, its keys shortened (`c` for `code`)."""
    if answer.status != 503 or request.path.split("?")[0] not in SWITCHED_OFF:
        return False
    try:
        body = json.loads(answer.body)
    except ValueError:
        return False
    code_key = "c" if request.path.startswith("/lite/") else "code"
    return isinstance(body, dict) and body.get(code_key) == 1009


GRVT = VenueFuzz(
    name="grvt", start=start_grvt, shape=grvt_rest, params=PARAMS, headers=HEADERS, targets=targets, probe=probe,
    ws_templates=SUBSCRIBES, still_serves=still_serves, sign=sign, groups=("orders", "account", "public", "edge"),
    switched_off=switched_off,
)  # fmt: skip
