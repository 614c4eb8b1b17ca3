"""The control surface, in-process and over HTTP under /_sim: reset, accounts, funding, moving the
market, truth reads, faults, the request log, and refusals that name the problem and change nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.sim.plain_venue import KEY_HEADER, SYMBOL, PlainVenue
from xtb.clock import SYSTEM_CLOCK
from xtb.model import Side, TimeInForce
from xtb.sim.control import ControlError
from xtb.sim.engine import Engine
from xtb.sim.faults import RestAction, RestFault
from xtb.sim.request_log import RequestRecord
from xtb.sim.server import SimHandle, start_simulator

TEST_ACCOUNT = PlainVenue.test_account


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_simulator("plain", PlainVenue, seed=3, run_markets=False)
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        yield session


# ------------------------------------------------------------------------------------- in-process


async def test_start_creates_a_funded_test_account_and_a_quoted_market(sim: SimHandle) -> None:
    assert sim.account == sim.frontend.credentials[TEST_ACCOUNT]
    assert sim.engine.balance(TEST_ACCOUNT).cash == PlainVenue.test_collateral
    top = sim.engine.top_of_book(SYMBOL)
    assert top.bid is not None and top.ask is not None and top.bid < Decimal("50000") <= top.ask


def test_credentials_depend_only_on_the_seed_and_the_account() -> None:
    def creds(seed: int, account: str) -> dict[str, Any]:
        return PlainVenue(Engine(SYSTEM_CLOCK), seed=seed).issue_credentials(account)

    assert creds(7, "a") == creds(7, "a")
    assert creds(7, "a")["key"] != creds(8, "a")["key"]
    assert creds(7, "a")["key"] != creds(7, "b")["key"]


async def test_accounts_are_created_and_funded(sim: SimHandle) -> None:
    control = sim.control
    created = control.create_account("carol", "500")
    assert created["credentials"] == sim.frontend.credentials["carol"]
    assert created["balance"].cash == Decimal("500")
    assert control.fund("carol", "250").cash == Decimal("750")
    assert control.fund("carol", -50).cash == Decimal("700")
    with pytest.raises(ControlError, match="exceeds cash"):
        control.fund("carol", "-1000")
    with pytest.raises(ControlError, match="already exists"):
        control.create_account("carol", "1")
    with pytest.raises(ControlError, match="float"):
        control.fund("carol", 1.5)
    assert control.balances("carol")[0].cash == Decimal("700")


async def test_market_is_set_moved_frozen_and_taken(sim: SimHandle) -> None:
    control = sim.control
    assert control.set_mid(SYMBOL, "51000") == Decimal("51000")
    assert sim.engine.top_of_book(SYMBOL).bid == Decimal("50999.9")
    assert control.move_touch(SYMBOL, 5) == Decimal("51000.5")
    assert sim.engine.top_of_book(SYMBOL).ask == Decimal("51000.6")

    control.freeze(SYMBOL)
    before = sim.engine.book(SYMBOL)
    for _ in range(20):
        sim.markets.get(SYMBOL).step()
    assert sim.engine.book(SYMBOL) == before  # a frozen market holds still
    control.unfreeze(SYMBOL)
    assert not sim.markets.get(SYMBOL).frozen

    taken = control.take(SYMBOL, "sell", "0.5")
    assert taken == Decimal("0.5")
    taker = sim.markets.get(SYMBOL).taker_account
    assert [(f.side, f.size) for f in control.fills(taker)] == [(Side.BUY, Decimal("0.5"))]
    with pytest.raises(ControlError, match="no synthetic market"):
        control.freeze("ETH-PERP")


async def test_truth_reads_orders_fills_positions_and_balances(sim: SimHandle) -> None:
    control = sim.control
    engine = sim.engine
    ask = engine.top_of_book(SYMBOL).ask
    engine.submit(TEST_ACCOUNT, SYMBOL, Side.BUY, "0.2", price=ask, time_in_force=TimeInForce.IOC, client_id="t1")
    engine.submit(TEST_ACCOUNT, SYMBOL, Side.BUY, "0.1", price="40000", client_id="t2")
    assert [o.client_id for o in control.open_orders(TEST_ACCOUNT)] == ["t2"]
    assert control.order(account_id=TEST_ACCOUNT, client_id="t1").filled == Decimal("0.2")
    truth = control.truth(TEST_ACCOUNT)
    assert [f.size for f in truth["fills"]] == [Decimal("0.2")]
    assert [(p.market, p.size) for p in truth["positions"]] == [(SYMBOL, Decimal("0.2"))]
    assert truth["balances"][0].account_id == TEST_ACCOUNT
    assert truth["markets"][0]["top"]["ask"] is not None
    everyone = control.positions()
    assert sum(p.size for p in everyone) == 0  # the market maker holds the other side
    with pytest.raises(ControlError, match="unknown account"):
        control.truth("ghost")


async def test_an_order_is_expired_as_the_venue_would_end_it(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    engine = sim.engine
    view = engine.submit(TEST_ACCOUNT, SYMBOL, Side.BUY, "0.1", price="40000", client_id="e1")
    base = sim.urls["control"]
    async with http.post(f"{base}/orders/{view.order_id}/expire", json={"reason": "self_trade"}) as resp:
        body = await resp.json()
    assert resp.status == 200 and (body["status"], body["reason"]) == ("expired", "self_trade")
    assert sim.control.open_orders(TEST_ACCOUNT) == []
    async with http.post(f"{base}/orders/{view.order_id}/expire", json={}) as resp:
        refused = await resp.json()
    assert resp.status == 400 and "is expired" in refused["error"]
    async with http.post(f"{base}/orders/{view.order_id}/expire", json={"reason": "user_cancel"}) as resp:
        refused = await resp.json()
    assert resp.status == 400 and "reason must be one of" in refused["error"]


async def test_reset_starts_over_with_the_same_test_credentials(sim: SimHandle) -> None:
    control = sim.control
    control.create_account("carol", "10")
    control.set_mid(SYMBOL, "60000")
    sim.engine.submit(TEST_ACCOUNT, SYMBOL, Side.BUY, "0.1", price="40000")
    control.add_faults({"rest": [{"action": "delay", "delay": 0.1}]})
    sim.frontend.request_log.append(RequestRecord(0.0, "main", "GET", "/book", "public", None, 200, 0.001))
    credentials = dict(sim.account)

    accounts = await control.reset()

    assert accounts == {TEST_ACCOUNT: credentials}
    assert "carol" not in sim.engine.accounts() and "carol" not in sim.frontend.credentials
    assert control.open_orders(TEST_ACCOUNT) == []
    assert sim.engine.balance(TEST_ACCOUNT).cash == PlainVenue.test_collateral
    assert control.faults() == {"rest": [], "stream": [], "applied": []}
    assert control.request_log() == []
    assert sim.markets.get(SYMBOL).mid == Decimal("50000")


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ([], "must be an object"),
        ({"restt": []}, "unknown fault group"),
        ({"rest": {}}, "must be a list"),
        ({"rest": [{"status": 429}]}, "needs an 'action'"),
        ({"rest": [{"action": "explode"}]}, "action must be one of"),
        ({"rest": [{"action": "status", "status": 200}]}, "4xx/5xx"),
        ({"rest": [{"action": "status", "status": "429"}]}, "status has the wrong type"),
        ({"rest": [{"action": "delay", "delay": 0.1}, {"action": "delay", "delay": -1}]}, r"rest\[1\]"),
        ({"stream": [{"action": "drop", "path": "/x"}]}, "unknown field 'path'"),
        ({"stream": [{"action": "drop", "count": 0}]}, "at least 1"),
        ({"stream": [{"action": "drop", "count": True}]}, "wrong type"),
    ],
)
async def test_bad_faults_are_refused_whole(sim: SimHandle, spec: Any, problem: str) -> None:
    with pytest.raises(ControlError, match=problem):
        sim.control.add_faults(spec)
    assert sim.frontend.faults.rest == [] and sim.frontend.faults.stream == []


async def test_faults_are_added_replaced_and_cleared(sim: SimHandle) -> None:
    control = sim.control
    control.add_faults({"rest": [{"action": "delay", "delay": 0.1}]})
    control.add_faults({"stream": [{"action": "drop"}]})
    assert len(control.faults()["rest"]) == 1 and len(control.faults()["stream"]) == 1
    control.add_faults({"rest": [{"action": "status", "status": 500}]}, replace=True)
    assert [f.action for f in control.faults()["rest"]] == [RestAction.STATUS] and control.faults()["stream"] == []
    control.clear_faults()
    assert control.faults()["rest"] == []


# ------------------------------------------------------------------------------------------- HTTP


async def call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
    async with http.request(method, url, json=body, **kwargs) as resp:
        data = await resp.json()
        assert resp.status == 200, data
        return data


async def test_http_control_walkthrough(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    ctl = sim.urls["control"]
    rest = sim.urls["rest"]
    created = await call(http, "POST", f"{ctl}/accounts", {"account_id": "carol", "collateral": "1000"})
    assert created["balance"]["cash"] == "1000" and created["credentials"]["key"]
    assert (await call(http, "POST", f"{ctl}/accounts/carol/fund", {"amount": "0.5"}))["cash"] == "1000.5"
    listed = {a["account_id"]: a for a in await call(http, "GET", f"{ctl}/accounts")}
    assert listed[TEST_ACCOUNT]["credentials"] == sim.account

    assert await call(http, "POST", f"{ctl}/markets/{SYMBOL}/mid", {"price": "52000"}) == {"mid": "52000.0"}
    assert await call(http, "POST", f"{ctl}/markets/{SYMBOL}/move", {"ticks": -10}) == {"mid": "51999.0"}
    await call(http, "POST", f"{ctl}/markets/{SYMBOL}/freeze")
    (market,) = await call(http, "GET", f"{ctl}/markets")
    assert market["frozen"] is True and market["mid"] == "51999.0" and market["top"]["bid"] == "51998.9"
    await call(http, "POST", f"{ctl}/markets/{SYMBOL}/unfreeze")
    assert await call(http, "POST", f"{ctl}/markets/{SYMBOL}/take", {"side": "buy", "fraction": "0.25"}) == {
        "taken": "0.250"
    }
    book = await call(http, "GET", f"{ctl}/markets/{SYMBOL}/book", params={"depth": "1"})
    assert len(book["bids"]) == 1 and book["bids"][0]["size"] == "0.750"

    key = {KEY_HEADER: sim.account["key"]}
    placed = await call(
        http, "POST", f"{rest}/order", {"symbol": SYMBOL, "side": "buy", "size": "0.1", "price": "40000"}, headers=key
    )
    orders = await call(http, "GET", f"{ctl}/orders", params={"account": TEST_ACCOUNT})
    assert [o["order_id"] for o in orders] == [placed["order_id"]] and orders[0]["size"] == "0.100"
    assert (await call(http, "GET", f"{ctl}/order", params={"order_id": str(placed["order_id"])}))["status"] == "new"
    truth = await call(http, "GET", f"{ctl}/truth", params={"account": TEST_ACCOUNT})
    assert set(truth) == {"orders", "fills", "positions", "balances", "markets"}
    assert truth["balances"] == [
        {"account_id": TEST_ACCOUNT, "cash": "1000000", "deposits": "1000000", "realized_pnl": "0", "fees_paid": "0"}
    ]
    taker_fills = await call(http, "GET", f"{ctl}/fills", params={"account": "synthetic-mm-taker"})
    assert [f["size"] for f in taker_fills] == ["0.250"]
    assert await call(http, "GET", f"{ctl}/positions", params={"account": TEST_ACCOUNT}) == []

    faults = await call(http, "POST", f"{ctl}/faults", {"rest": [{"action": "status", "status": 429, "path": "/book"}]})
    assert faults["rest"][0]["status"] == 429
    async with http.get(f"{rest}/book") as resp:
        assert resp.status == 429
    assert (await call(http, "GET", f"{ctl}/faults"))["applied"] == ["rest status GET /book"]
    log = await call(http, "GET", f"{ctl}/requests", params={"limit": "1"})
    assert [(r["method"], r["path"], r["status"], r["fault"]) for r in log] == [("GET", "/book", 429, "status")]
    assert (await call(http, "DELETE", f"{ctl}/faults"))["rest"] == []

    reset = await call(http, "POST", f"{ctl}/reset")
    assert reset == {"accounts": {TEST_ACCOUNT: sim.account}}
    assert await call(http, "GET", f"{ctl}/orders", params={"account": TEST_ACCOUNT}) == []
    assert await call(http, "GET", f"{ctl}/requests") == []


async def test_http_streams_lists_open_sockets(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(sim.urls["ws"], headers={KEY_HEADER: sim.account["key"]}) as ws:
        await ws.send_json({"op": "subscribe", "channel": "orders"})
        assert (await ws.receive_json(timeout=3))["op"] == "subscribed"
        (stream,) = await call(http, "GET", f"{sim.urls['control']}/streams")
        assert stream["account"] == TEST_ACCOUNT and stream["channels"] == [f"orders:{TEST_ACCOUNT}"]


BAD_REQUESTS = [
    ("POST", "/accounts", {"account_id": TEST_ACCOUNT}, "already exists"),
    ("POST", "/accounts", {"collateral": "1"}, "needs 'account_id'"),
    ("POST", "/accounts", {"account_id": "x", "collateral": 1.5}, "float"),
    ("POST", "/accounts", {"account_id": "x", "colateral": "1"}, "unknown field"),
    ("POST", "/accounts/nobody/fund", {"amount": "5"}, "unknown account"),
    ("POST", f"/accounts/{TEST_ACCOUNT}/fund", {"amount": "-99999999"}, "exceeds cash"),
    ("POST", f"/accounts/{TEST_ACCOUNT}/fund", {"amount": "lots"}, "not a decimal"),
    ("POST", "/markets/ETH-PERP/mid", {"price": "1"}, "no synthetic market"),
    ("POST", f"/markets/{SYMBOL}/mid", {"price": "-1"}, "positive"),
    ("POST", f"/markets/{SYMBOL}/move", {"ticks": "3"}, "integer"),
    ("POST", f"/markets/{SYMBOL}/move", {"ticks": -600000}, "no positive best bid"),
    ("POST", f"/markets/{SYMBOL}/take", {"side": "up"}, "side must be one of"),
    ("POST", f"/markets/{SYMBOL}/take", {"side": "buy", "fraction": "2"}, "fraction"),
    ("POST", "/faults", {"rest": [{"action": "status", "status": 200}]}, "4xx/5xx"),
    ("POST", "/faults", {"rest": [{"action": "delay", "delay": 0.1}, {"action": "nope"}]}, r"rest\[1\]"),
    ("PUT", "/faults", {"stream": [{"action": "close", "kind": 5}]}, "wrong type"),
    ("POST", "/faults", "not json", "not valid JSON"),
    ("GET", "/orders?account=ghost", None, "unknown account"),
    ("GET", "/orders?acount=x", None, "unknown query parameter"),
    ("GET", "/order?order_id=abc", None, "integer"),
    ("GET", "/order?order_id=999999", None, "no order"),
    ("GET", "/fills?market=ETH-PERP", None, "unknown market"),
    ("GET", "/requests?limit=0", None, "at least 1"),
    ("GET", f"/markets/{SYMBOL}/book?depth=x", None, "integer"),
]


async def snapshot(http: aiohttp.ClientSession, ctl: str) -> list[Any]:
    return [await call(http, "GET", f"{ctl}/{what}") for what in ("truth", "accounts", "markets", "faults", "requests")]


@pytest.mark.parametrize(("method", "path", "body", "problem"), BAD_REQUESTS)
async def test_bad_http_requests_get_400_and_change_nothing(
    sim: SimHandle, http: aiohttp.ClientSession, method: str, path: str, body: Any, problem: str
) -> None:
    ctl = sim.urls["control"]
    sim.frontend.faults.add(RestFault(RestAction.DELAY, path="/never"))
    before = await snapshot(http, ctl)
    kwargs: dict[str, Any] = {"data": body} if isinstance(body, str) else {"json": body}
    async with http.request(method, f"{ctl}{path}", **kwargs) as resp:
        assert resp.status == 400
        error = (await resp.json())["error"]
    assert re.search(problem, error), error
    assert await snapshot(http, ctl) == before


async def test_unknown_control_route_is_json_404(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sim.urls['control']}/nothing-here") as resp:
        assert resp.status == 404
        assert "Not Found" in (await resp.json())["error"]
