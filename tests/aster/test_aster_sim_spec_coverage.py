"""Every REST endpoint and WebSocket stream the Aster spec lists (fixtures/spec_endpoints.json, copied
from the spec) is served by the simulator, answering with the key names and JSON types of the spec's
examples: each V3 path and each of its V1 paths, each documented error answer, each market stream's
first message and each user-data event. A test id names the endpoint or stream, so removing one from
the simulator fails the test that names it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from eth_account import Account

from tests.aster.conftest import ETH, FIXTURES, Auth, Client, Pairs, main_wallet_text, receive_until, request_reply
from xtb.sim.server import SimHandle

SPEC = json.loads((FIXTURES / "spec_endpoints.json").read_text(), parse_float=Decimal)
EXAMPLES: dict[str, Any] = SPEC["examples"]
V3_ONLY_KEYS = ("newChainData",)  # §4.3: live V3 order replies add it
NOT_SERVED = 404  # the simulator's status for a path or method it does not serve (§7 names none)


def rest_cases() -> list[Any]:
    cases = []
    for endpoint in SPEC["rest"]:
        for path in [endpoint["path"], *(endpoint["v1"] or [])]:
            cases.append(pytest.param(endpoint, path, id=f"{endpoint['method']} {path}"))
    return cases


# ----------------------------------------------------------------------------------- shapes


def json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def unlike(body: Any, example: Any, where: str) -> list[str]:
    """How `body` differs from `example` in key names and JSON types (lists: by their first item)."""
    if json_kind(body) != json_kind(example):
        return [f"{where}: {json_kind(body)} {body!r:.80} where the spec has {json_kind(example)}"]
    problems: list[str] = []
    if isinstance(example, dict):
        for key, value in example.items():
            problems += [f"{where}.{key}: missing"] if key not in body else unlike(body[key], value, f"{where}.{key}")
    elif isinstance(example, list) and example:
        if not body:
            return [f"{where}: empty, so its items cannot be compared with the spec's"]
        problems += unlike(body[0], example[0], f"{where}[0]")
    return problems


def shape_problems(body: Any, shape: dict[str, Any], where: str, *, v1: bool) -> list[str]:
    """What in `body` breaks the fixture's `shape` (exact body, type, keys, nested parts, example)."""
    if "exact" in shape or "unsupported" in shape:
        expected = shape.get("exact", shape.get("unsupported"))
        return [] if body == expected else [f"{where}: {body!r} where the spec has {expected!r}"]
    problems: list[str] = []
    kind = shape.get("type")
    if kind is not None and json_kind(body) != kind:
        return [f"{where}: {json_kind(body)} where the spec has {kind}"]
    if "example" in shape:
        example = EXAMPLES[shape["example"]]
        dropped = set(shape.get("without", ())) | (set(V3_ONLY_KEYS) if v1 else set())
        if isinstance(example, dict):
            example = {k: v for k, v in example.items() if k not in dropped}
        problems += unlike(body, example, where)
    items = [body] if kind == "object" else body if kind == "array" else []
    if kind == "array" and ("keys" in shape or "items" in shape) and not body:
        problems.append(f"{where}: empty, so its items cannot be compared with the spec's")
    for index, item in enumerate(items):
        at = f"{where}[{index}]" if kind == "array" else where
        problems += [f"{at}.{key}: missing" for key in shape.get("keys", ()) if key not in item]
        if "items" in shape:
            problems += shape_problems(item, shape["items"], at, v1=v1)
        for key, part in shape.get("nested", {}).items():
            problems += shape_problems(item.get(key), part, f"{at}.{key}", v1=v1)
    return problems


# ---------------------------------------------------------------------------------- requests


class Caller:
    """One endpoint called the way its family wants: V3 signed by the agent; V1 with the API key
    (MARKET_DATA, USER_STREAM) or key + HMAC (TRADE, USER_DATA); main-wallet actions signed by it."""

    def __init__(self, client: Client, sim: SimHandle) -> None:
        self.client = client
        self.sim = sim

    def auth(self, path: str, security: str) -> Auth:
        if security == "NONE" or (security == "MARKET_DATA" and "/v3/" in path):
            return "none"
        if "/v3/" in path:
            return "v3"
        return "key" if security in ("MARKET_DATA", "USER_STREAM") else "v1"

    async def v3(self, method: str, path: str, pairs: Pairs = ()) -> Any:
        """A setup call that must succeed."""
        status, body, _ = await self.client.call(method, path, pairs)
        assert status == 200, (method, path, body)
        return body

    async def order(self, price: str | None = None, **extra: str) -> dict[str, Any]:
        """A resting buy a tick-grid step under the bid (or `price`)."""
        return await self.v3("POST", "/fapi/v3/order", self.client.order(price or self.resting_price(), **extra))

    def resting_price(self) -> str:
        bid = self.sim.control.book(ETH).bids[0].price
        return str(bid - Decimal("10"))

    async def main_wallet(self, method: str, path: str, action: str, pairs: Pairs) -> tuple[int, Any, Any]:
        creds = self.sim.account
        fields = [
            *pairs,
            ("asterChain", "Testnet"),
            ("user", creds["user"]),
            ("nonce", str(self.client.v3.nonces.next())),
        ]
        text = main_wallet_text(action, fields, creds["user_private_key"])
        return await self.client.raw(method, path, body=text)


Recipe = Callable[[Caller], Awaitable[Pairs]]


async def nothing(c: Caller) -> Pairs:
    return []


async def symbol(c: Caller) -> Pairs:
    return [("symbol", ETH)]


async def depth(c: Caller) -> Pairs:
    return [("symbol", ETH), ("limit", "5")]


async def traded_symbol(c: Caller) -> Pairs:
    """The symbol after a print on the tape, so trade lists and candles have rows."""
    c.sim.control.take(ETH, "sell")
    return [("symbol", ETH)]


async def candles(c: Caller) -> Pairs:
    return [*await traded_symbol(c), ("interval", "1m")]


async def index_candles(c: Caller) -> Pairs:
    c.sim.control.take(ETH, "sell")
    return [("pair", ETH), ("interval", "1m")]


async def new_order(c: Caller) -> Pairs:
    return c.client.order(c.resting_price())


async def modify(c: Caller) -> Pairs:
    placed = await c.order()
    lower = str(Decimal(placed["price"]) - Decimal("1"))
    return [("symbol", ETH), ("orderId", str(placed["orderId"])), ("quantity", "0.020"), ("price", lower)]


async def batch(c: Caller) -> Pairs:
    item = dict(c.client.order(c.resting_price()))
    return [("batchOrders", json.dumps([item]))]


async def resting_order_id(c: Caller) -> Pairs:
    placed = await c.order()
    return [("symbol", ETH), ("orderId", str(placed["orderId"]))]


async def resting_order_list(c: Caller) -> Pairs:
    placed = await c.order()
    return [("symbol", ETH), ("orderIdList", json.dumps([placed["orderId"]]))]


async def with_resting_order(c: Caller) -> Pairs:
    await c.order()
    return [("symbol", ETH)]


async def filled(c: Caller) -> Pairs:
    """A market buy by the test account, so its trades, income and position have rows."""
    await c.v3("POST", "/fapi/v3/order", [("symbol", ETH), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.010")])
    return [("symbol", ETH)]


async def countdown(c: Caller) -> Pairs:
    return [("symbol", ETH), ("countdownTime", "0")]  # 0 switches it off: no timer outlives the test


async def leverage(c: Caller) -> Pairs:
    return [("symbol", ETH), ("leverage", "21")]


async def isolated(c: Caller) -> Pairs:
    return [("symbol", ETH), ("marginType", "ISOLATED")]


async def hedge_mode(c: Caller) -> Pairs:
    return [("dualSidePosition", "true")]


async def multi_assets(c: Caller) -> Pairs:
    return [("multiAssetsMargin", "true")]


async def stp_mode(c: Caller) -> Pairs:
    return [("stpMode", "EXPIRE_MAKER")]


async def position_margin(c: Caller) -> Pairs:
    await c.v3("POST", "/fapi/v3/marginType", await isolated(c))
    return [("symbol", ETH), ("amount", "10"), ("type", "1")]


async def open_listen_key(c: Caller) -> Pairs:
    await c.v3("POST", "/fapi/v3/listenKey")
    return []


async def approved_builder(c: Caller) -> Pairs:
    status, body, _ = await call_main_wallet(c, "POST", "/fapi/v3/approveBuilder")
    assert (status, body) == (200, {"code": 200, "msg": "success"})
    return []


AGENT = Account.from_key("0x" + "11" * 32).address
BUILDER = [("builder", "0xc2af13e1B1de3A015252A115309A0F9DEEDCFa0A"), ("maxFeeRate", "0.001")]
AGENT_GRANTS = [("ipWhitelist", ""), ("canSpotTrade", "false"), ("canPerpTrade", "true"), ("canWithdraw", "false")]

RECIPES: dict[tuple[str, str], Recipe] = {
    ("GET", "ping"): nothing,
    ("GET", "time"): nothing,
    ("GET", "exchangeInfo"): nothing,
    ("GET", "depth"): depth,
    ("GET", "trades"): traded_symbol,
    ("GET", "historicalTrades"): traded_symbol,
    ("GET", "aggTrades"): traded_symbol,
    ("GET", "klines"): candles,
    ("GET", "markPriceKlines"): candles,
    ("GET", "indexPriceKlines"): index_candles,
    ("GET", "premiumIndex"): symbol,
    ("GET", "fundingRate"): symbol,
    ("GET", "fundingInfo"): nothing,
    ("GET", "ticker/24hr"): traded_symbol,
    ("GET", "ticker/bookTicker"): symbol,
    ("GET", "ticker/price"): symbol,
    ("GET", "indexreferences"): symbol,
    ("POST", "order"): new_order,
    ("PUT", "order"): modify,
    ("POST", "batchOrders"): batch,
    ("DELETE", "order"): resting_order_id,
    ("DELETE", "allOpenOrders"): with_resting_order,
    ("DELETE", "batchOrders"): resting_order_list,
    ("POST", "countdownCancelAll"): countdown,
    ("GET", "order"): resting_order_id,
    ("GET", "openOrder"): resting_order_id,
    ("GET", "openOrders"): with_resting_order,
    ("GET", "allOrders"): with_resting_order,
    ("GET", "userTrades"): filled,
    ("GET", "balance"): nothing,
    ("GET", "accountWithJoinMargin"): nothing,
    ("GET", "account"): nothing,
    ("GET", "positionRisk"): nothing,
    ("POST", "leverage"): leverage,
    ("POST", "marginType"): isolated,
    ("POST", "positionSide/dual"): hedge_mode,
    ("GET", "positionSide/dual"): nothing,
    ("POST", "multiAssetsMargin"): multi_assets,
    ("GET", "multiAssetsMargin"): nothing,
    ("POST", "stpMode"): stp_mode,
    ("GET", "stpMode"): nothing,
    ("POST", "positionMargin"): position_margin,
    ("GET", "leverageBracket"): nothing,
    ("GET", "commissionRate"): symbol,
    ("GET", "income"): filled,
    ("GET", "adlQuantile"): nothing,
    ("GET", "forceOrders"): nothing,
    ("GET", "positionMargin/history"): nothing,
    ("POST", "listenKey"): nothing,
    ("PUT", "listenKey"): open_listen_key,
    ("DELETE", "listenKey"): open_listen_key,
    ("POST", "noop"): nothing,
    ("GET", "agent"): nothing,
    ("GET", "builder"): approved_builder,
}


async def call_main_wallet(c: Caller, method: str, path: str) -> tuple[int, Any, Any]:
    """approveAgent / updateAgent / DELETE agent / approveBuilder / updateBuilder / DELETE builder,
    each after what it needs (an agent or a builder to change)."""
    agent = [("agentAddress", AGENT)]
    if path.endswith("approveAgent"):
        pairs = [("agentName", "sim-test"), *agent, ("ipWhitelist", ""), ("expired", "0"), *AGENT_GRANTS[1:]]
        return await c.main_wallet(method, path, "ApproveAgent", pairs)
    if path.endswith("approveBuilder"):
        return await c.main_wallet(method, path, "ApproveBuilder", [*BUILDER, ("builderName", "sim-test")])
    if path.endswith(("updateAgent", "/agent")):
        status, body, _ = await call_main_wallet(c, "POST", "/fapi/v3/approveAgent")
        assert status == 200, body
        if method == "DELETE":
            return await c.main_wallet(method, path, "DelAgent", agent)
        return await c.main_wallet(method, path, "UpdateAgent", [*agent, *AGENT_GRANTS])
    await approved_builder(c)
    if method == "DELETE":
        return await c.main_wallet(method, path, "DelBuilder", BUILDER[:1])
    return await c.main_wallet(method, path, "UpdateBuilder", [BUILDER[0], ("maxFeeRate", "0.0005")])


# ------------------------------------------------------------------------------------- REST


@pytest.mark.parametrize(("endpoint", "path"), rest_cases())
async def test_rest_endpoint_answers_like_the_spec(
    endpoint: dict[str, Any], path: str, client: Client, sim: SimHandle
) -> None:
    method = endpoint["method"]
    caller = Caller(client, sim)
    if endpoint["security"] == "MAIN_WALLET":
        status, body, _ = await call_main_wallet(caller, method, path)
    else:
        name = path.split("/", 3)[3]
        recipe = RECIPES[(method, name)]
        pairs = await recipe(caller)
        status, body, _ = await client.call(method, path, pairs, auth=caller.auth(path, endpoint["security"]))
    where = f"{method} {path}"
    assert status != NOT_SERVED, f"{where}: not served ({body})"
    response = endpoint["response"]
    expected_status = 400 if "unsupported" in response else 200
    assert status == expected_status, f"{where}: HTTP {status} {body}"
    problems = shape_problems(body, response, where, v1="/v3/" not in path)
    assert not problems, "\n".join(problems)


async def test_the_fixture_lists_every_endpoint_once_and_has_a_recipe_for_each() -> None:
    """The checked-in list is the spec's: 59 futures endpoints (§4.2-§4.8), no duplicates."""
    keys = [(e["method"], e["path"]) for e in SPEC["rest"]]
    assert len(keys) == len(set(keys)) == 59
    missing = [
        k
        for e in SPEC["rest"]
        if e["security"] != "MAIN_WALLET"
        for k in [(e["method"], e["path"].split("/", 3)[3])]
        if k not in RECIPES
    ]
    assert not missing


@pytest.mark.parametrize("error", SPEC["documented_errors"], ids=lambda e: f"{e['method']} {e['path']} {e['case']}")
async def test_documented_error_answers(error: dict[str, Any], client: Client) -> None:
    """The answers the spec states word for word."""
    pairs: Pairs = {
        "unknown symbol": [("symbol", "NOPEUSDT")],
        "unknown order": [("symbol", ETH), ("orderId", "17300000999")],
        "neither id": [("symbol", ETH)],
        "no active key": [],
    }[error["case"]]
    auth: Auth = "none" if error["path"].endswith("indexreferences") else "v3"
    status, body, _ = await client.call(error["method"], error["path"], pairs, auth=auth)
    assert (status, body) == (error["status"], error["body"])


# ---------------------------------------------------------------------------------- streams


def stream_name(template: str) -> str:
    """A concrete stream name for a spec template (ETHUSDT, 1m candles, 5 levels at 100 ms)."""
    name = template.replace("<symbol>", ETH.lower()).replace("<interval>", "1m")
    return name.replace("<levels>[@<speed>ms]", "5@100ms").replace("[@<speed>ms]", "@100ms")


QUIET = {"forceOrder": "the simulator has no liquidation engine: nothing to push (the venue pushes only on one)"}


@pytest.mark.parametrize("stream", SPEC["streams"], ids=lambda s: s["stream"])
async def test_stream_subscribes_and_sends_its_first_message(
    stream: dict[str, Any], http: aiohttp.ClientSession, sim: SimHandle
) -> None:
    name = stream_name(stream["stream"])
    async with http.ws_connect(sim.urls["ws"] + "/ws") as ws:
        assert await request_reply(ws, {"method": "SUBSCRIBE", "params": [name], "id": 1}) == {"result": None, "id": 1}
        assert await request_reply(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 2}) == {"result": [name], "id": 2}
        if stream["event"] in QUIET:
            pytest.skip(QUIET[stream["event"]])
        sim.control.take(ETH, "sell")  # a print and a book change: what the event-driven streams wait for
        frame, _ = await receive_until(ws, lambda f: isinstance(f, list) or "e" in f, timeout=8.0)
    rows = frame if stream.get("array") else [frame]
    assert isinstance(frame, list) is bool(stream.get("array")), frame
    assert rows
    shape = {
        "type": "object",
        "keys": stream["keys"],
        "nested": {k: {"type": "object", "keys": v} for k, v in stream.get("nested", {}).items()},
    }
    for row in rows:
        assert row["e"] == stream["event"]
        problems = shape_problems(row, shape, name, v1=False)
        assert not problems, "\n".join(problems)


async def test_user_stream_events(client: Client, http: aiohttp.ClientSession, sim: SimHandle) -> None:
    """The listen-key stream: ORDER_TRADE_UPDATE on placing, ACCOUNT_UPDATE on a fill,
    ACCOUNT_CONFIG_UPDATE on a leverage change, each shaped like the spec's example.
    listenKeyExpired is test_aster_sim_ws's; the simulator makes no MARGIN_CALL (no margin calls)
    and no announcement."""
    events = SPEC["user_stream"]["events"]
    status, key, _ = await client.call("POST", "/fapi/v3/listenKey")
    assert status == 200
    async with http.ws_connect(sim.urls["ws"] + "/ws/" + key["listenKey"]) as ws:
        status, placed, _ = await client.call("POST", "/fapi/v3/order", client.order("2990.00"))
        assert status == 200, placed
        frame, _ = await receive_until(ws, lambda f: f.get("e") == "ORDER_TRADE_UPDATE")
        problems = unlike(frame, EXAMPLES[events["ORDER_TRADE_UPDATE"]["example"]], "ORDER_TRADE_UPDATE")
        assert not problems, problems
        market = [("symbol", ETH), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.010")]
        assert (await client.call("POST", "/fapi/v3/order", market))[0] == 200
        frame, _ = await receive_until(ws, lambda f: f.get("e") == "ACCOUNT_UPDATE")
        problems = unlike(frame, EXAMPLES[events["ACCOUNT_UPDATE"]["example"]], "ACCOUNT_UPDATE")
        assert not problems, problems
        assert (await client.call("POST", "/fapi/v3/leverage", [("symbol", ETH), ("leverage", "7")]))[0] == 200
        frame, _ = await receive_until(ws, lambda f: f.get("e") == "ACCOUNT_CONFIG_UPDATE")
        config = events["ACCOUNT_CONFIG_UPDATE"]
        assert set(config["keys"]) <= set(frame) and set(config["nested"]["ac"]) <= set(frame["ac"])
