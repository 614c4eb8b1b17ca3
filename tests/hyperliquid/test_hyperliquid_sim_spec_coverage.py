"""Every `/info` type, `/exchange` action and WebSocket subscription the Hyperliquid spec lists
(fixtures/spec_endpoints.json, copied from the spec) is served by the simulator, answering with the
key names and JSON types of the spec's examples (nested), or with the exact answer the spec states.
What the simulator leaves unserved on purpose is in the fixture with its reason and its exact answer,
and is checked to answer that. A test id names the type, action or channel, so removing one from the
simulator fails the test that names it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from eth_account import Account

from tests.hyperliquid.sim_client import BTC, ETH, Client, frontend, order, session, start_hl
from tests.hyperliquid.sim_ws_harness import receive_until
from xtb.sim.server import SimHandle

SPEC = json.loads((Path(__file__).parent / "fixtures" / "spec_endpoints.json").read_text())
EXAMPLES: dict[str, Any] = SPEC["examples"]
CLOID = "0x0000000000000000000000000000abcd"  # the spec's examples' cloid
BUILDER = "0x" + "be" * 20
D = Decimal


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_hl()
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with session() as http:
        yield http


@pytest.fixture
def client(http: aiohttp.ClientSession, sim: SimHandle) -> Client:
    return Client(http, sim)


# ----------------------------------------------------------------------------------- shapes


def json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def unlike(body: Any, example: Any, where: str, nullable: frozenset[str] = frozenset()) -> list[str]:
    """How `body` differs from `example` in key names and JSON types (`null` allowed for the keys the
    spec marks `|null`). A list is compared by its first item, unless the example's items differ in
    kind (a tuple such as `[ms, "value"]`): then item by item."""
    if body is None and where.rsplit(".", 1)[-1] in nullable:
        return []
    if json_kind(body) != json_kind(example):
        return [f"{where}: {json_kind(body)} {body!r:.80} where the spec has {json_kind(example)}"]
    problems: list[str] = []
    if isinstance(example, dict):
        for key, value in example.items():
            at = f"{where}.{key}"
            problems += [f"{at}: missing"] if key not in body else unlike(body[key], value, at, nullable)
    elif isinstance(example, list) and example:
        if not body:
            return [f"{where}: empty, so its items cannot be compared with the spec's"]
        if len({json_kind(item) for item in example}) > 1:
            if len(body) != len(example):
                return [f"{where}: {len(body)} items where the spec's tuple has {len(example)}"]
            for index, (item, expected) in enumerate(zip(body, example, strict=True)):
                problems += unlike(item, expected, f"{where}[{index}]", nullable)
        else:
            problems += unlike(body[0], example[0], f"{where}[0]", nullable)
    return problems


def shape_problems(body: Any, shape: dict[str, Any], where: str, fill: Callable[[Any], Any]) -> list[str]:
    """What in `body` breaks the fixture's `shape`: exact, example (with its nullable keys), type,
    keys, absent, nested, items (every item), tuple (item by item), keys_if_any."""
    if "exact" in shape:
        expected = fill(shape["exact"])
        return [] if body == expected else [f"{where}: {body!r:.200} where the spec has {expected!r}"]
    problems: list[str] = []
    if "example" in shape:
        problems += unlike(body, EXAMPLES[shape["example"]], where, frozenset(shape.get("nullable", ())))
    kind = shape.get("type")
    if kind is not None and json_kind(body) != kind:
        return [*problems, f"{where}: {json_kind(body)} where the spec has {kind}"]
    if isinstance(body, dict):
        problems += [f"{where}.{key}: missing" for key in shape.get("keys", ()) if key not in body]
        absent = [key for key in shape.get("absent", ()) if key in body]
        problems += [f"{where}.{key}: present, the spec has it absent" for key in absent]
        for key, part in shape.get("nested", {}).items():
            problems += shape_problems(body.get(key), part, f"{where}.{key}", fill)
    if isinstance(body, list):
        if "items" in shape and not body:
            problems.append(f"{where}: empty, so its items cannot be compared with the spec's")
        for index, item in enumerate(body):
            if "items" in shape:
                problems += shape_problems(item, shape["items"], f"{where}[{index}]", fill)
            missing = [k for k in shape.get("keys_if_any", ()) if not isinstance(item, dict) or k not in item]
            problems += [f"{where}[{index}].{key}: missing" for key in missing]
        for index, part in enumerate(shape.get("tuple", ())):
            at = f"{where}[{index}]"
            problems += shape_problems(body[index], part, at, fill) if index < len(body) else [f"{at}: missing"]
    return problems


# ---------------------------------------------------------------------------------- recipes


class Caller:
    """The test account (signing with its agent, or its master for user-signed actions), the
    simulator, and the values the fixture's `{placeholders}` stand for."""

    def __init__(self, client: Client, sim: SimHandle) -> None:
        self.client = client
        self.sim = sim
        self.agent = frontend(sim).signers.agents_of(client.user)["xtb-sim"]
        self.values: dict[str, Any] = {"user": client.user, "agent": self.agent, "cloid": CLOID, "builder": BUILDER}

    def fill(self, template: Any) -> Any:
        """The template with `"{name}"` strings replaced (whole strings keep the value's type)."""
        if isinstance(template, dict):
            return {k: self.fill(v) for k, v in template.items()}
        if isinstance(template, list):
            return [self.fill(v) for v in template]
        if isinstance(template, str):
            for name, value in self.values.items():
                if template == "{" + name + "}":
                    return value
                template = template.replace("{" + name + "}", str(value))
        return template

    def now_ms(self) -> int:
        return int(self.sim.engine.clock.time() * 1000)

    async def rest(self, cloid: str | None = None) -> int:
        """An ETH post-only buy well under the bid; its oid."""
        (status,) = await self.client.place(order(ETH, True, "3400", "0.01", "Alo", cloid=cloid))
        oid: int = status["resting"]["oid"]
        self.values["oid"] = oid
        return oid

    async def take(self, asset: int, is_buy: bool, cloid: str | None = None) -> None:
        """A marketable IOC of 0.001 BTC (about $60) against the synthetic book."""
        assert asset == BTC
        px = "66000" if is_buy else "54000"
        (status,) = await self.client.place(order(asset, is_buy, px, "0.001", "Ioc", cloid=cloid))
        assert "filled" in status, status

    async def isolated_long(self) -> None:
        await self.client.ok({"type": "updateLeverage", "asset": BTC, "isCross": False, "leverage": 10})
        await self.take(BTC, True)

    def user_signed(self, kind: str, **fields: Any) -> dict[str, Any]:
        nonce = self.client.nonce()
        action = {"type": kind, "signatureChainId": "0x66eee", "hyperliquidChain": "Testnet", **fields, "nonce": nonce}
        return action


Recipe = Callable[[Caller], Awaitable[Any]]


async def nothing(c: Caller) -> None:
    return None


async def resting_cloid(c: Caller) -> None:
    await c.rest(CLOID)


async def filled_cloid(c: Caller) -> None:
    await c.take(BTC, True, CLOID)


async def short_btc(c: Caller) -> None:
    await c.take(BTC, False)


async def trade(c: Caller) -> None:
    c.sim.control.take("BTC", "sell")


async def approved_builder(c: Caller) -> None:
    action = c.user_signed("approveBuilderFee", maxFeeRate="0.001%", builder=BUILDER)
    assert await c.client.ok(action, key="master_private_key", nonce=action["nonce"]) == {"type": "default"}


async def update_leverage(c: Caller) -> dict[str, Any]:
    return {"type": "updateLeverage", "asset": BTC, "isCross": True, "leverage": 10}


async def action_after_trigger(c: Caller) -> None:
    await c.client.ok(await update_leverage(c))


INFO_RECIPES: dict[str, Recipe] = {
    "none": nothing,
    "resting_cloid": resting_cloid,
    "filled_cloid": filled_cloid,
    "short_btc": short_btc,
    "trade": trade,
    "approved_builder": approved_builder,
}
TRIGGERS: dict[str, Recipe] = {**INFO_RECIPES, "book_change": trade, "update_leverage": action_after_trigger}


async def order_cloid(c: Caller) -> dict[str, Any]:
    return {"type": "order", "orders": [order(ETH, True, "3400", "0.01", "Alo", cloid=CLOID)], "grouping": "na"}


async def cancel(c: Caller) -> dict[str, Any]:
    return {"type": "cancel", "cancels": [{"a": ETH, "o": await c.rest()}]}


async def cancel_by_cloid(c: Caller) -> dict[str, Any]:
    await c.rest(CLOID)
    return {"type": "cancelByCloid", "cancels": [{"asset": ETH, "cloid": CLOID}]}


async def modify(c: Caller) -> dict[str, Any]:
    return {"type": "modify", "oid": await c.rest(), "order": order(ETH, True, "3390", "0.01", "Alo")}


async def batch_modify(c: Caller) -> dict[str, Any]:
    oid = await c.rest()
    return {"type": "batchModify", "modifies": [{"oid": oid, "order": order(ETH, True, "3390", "0.01", "Alo")}]}


async def schedule_cancel(c: Caller) -> dict[str, Any]:
    return {"type": "scheduleCancel", "time": c.now_ms() + 60_000}


async def update_isolated_margin(c: Caller) -> dict[str, Any]:
    await c.isolated_long()
    return {"type": "updateIsolatedMargin", "asset": BTC, "isBuy": True, "ntli": 1_000_000}


async def top_up_isolated_only_margin(c: Caller) -> dict[str, Any]:
    await c.isolated_long()
    return {"type": "topUpIsolatedOnlyMargin", "asset": BTC, "leverage": "5"}


async def approve_agent(c: Caller) -> dict[str, Any]:
    fresh = Account.from_key("0x" + "11" * 32).address.lower()
    return c.user_signed("approveAgent", agentAddress=fresh, agentName="bot1")


async def approve_builder_fee(c: Caller) -> dict[str, Any]:
    return c.user_signed("approveBuilderFee", maxFeeRate="0.001%", builder=BUILDER)


async def noop(c: Caller) -> dict[str, Any]:
    return {"type": "noop"}


async def cancel_missing(c: Caller) -> dict[str, Any]:
    return {"type": "cancel", "cancels": [{"a": ETH, "o": 1}]}


async def modify_cancelled(c: Caller) -> dict[str, Any]:
    oid = await c.rest()
    await c.client.ok({"type": "cancel", "cancels": [{"a": ETH, "o": oid}]})
    return {"type": "modify", "oid": oid, "order": order(ETH, True, "3390", "0.01", "Alo")}


async def isolated_margin_on_cross(c: Caller) -> dict[str, Any]:
    await c.take(BTC, True)
    return {"type": "updateIsolatedMargin", "asset": BTC, "isBuy": True, "ntli": 1_000_000}


async def top_up_on_cross(c: Caller) -> dict[str, Any]:
    await c.take(BTC, True)
    return {"type": "topUpIsolatedOnlyMargin", "asset": BTC, "leverage": "5"}


async def builder_fee_by_agent(c: Caller) -> dict[str, Any]:
    return await approve_builder_fee(c)


async def switch_with_position(c: Caller) -> dict[str, Any]:
    await c.take(BTC, True)
    return {"type": "updateLeverage", "asset": BTC, "isCross": False, "leverage": 10}


ACTION_RECIPES: dict[str, Callable[[Caller], Awaitable[dict[str, Any]]]] = {
    "order_cloid": order_cloid,
    "cancel": cancel,
    "cancel_by_cloid": cancel_by_cloid,
    "modify": modify,
    "batch_modify": batch_modify,
    "schedule_cancel": schedule_cancel,
    "update_leverage": update_leverage,
    "update_isolated_margin": update_isolated_margin,
    "top_up_isolated_only_margin": top_up_isolated_only_margin,
    "approve_agent": approve_agent,
    "approve_builder_fee": approve_builder_fee,
    "noop": noop,
    "cancel_missing": cancel_missing,
    "modify_cancelled": modify_cancelled,
    "isolated_margin_on_cross": isolated_margin_on_cross,
    "top_up_on_cross": top_up_on_cross,
    "builder_fee_by_agent": builder_fee_by_agent,
    "switch_with_position": switch_with_position,
}
MASTER_SIGNED = ("approve_agent", "approve_builder_fee")  # user-signed: the master's key (§2.4)


async def send(c: Caller, recipe: str) -> tuple[int, Any]:
    action = await ACTION_RECIPES[recipe](c)
    kwargs: dict[str, Any] = {"nonce": action["nonce"]} if "nonce" in action else {}
    if recipe in MASTER_SIGNED:
        kwargs["key"] = "master_private_key"
    return await c.client.exchange(action, **kwargs)


# ------------------------------------------------------------------------------------- REST


def info_id(entry: dict[str, Any]) -> str:
    return str(entry.get("id", entry["type"]))


@pytest.mark.parametrize("entry", SPEC["info"], ids=info_id)
async def test_info_type_answers_like_the_spec(entry: dict[str, Any], client: Client, sim: SimHandle) -> None:
    c = Caller(client, sim)
    await INFO_RECIPES[entry["recipe"]](c)
    payload = {"type": entry["type"], **c.fill(entry["params"])}
    status, body = await client.info(payload)
    assert status == 200, f"{info_id(entry)}: not served (HTTP {status} {body!r:.100})"
    if "empty_because" in entry:
        assert body == [], f"{info_id(entry)}: {entry['empty_because']}, yet it answered {body!r:.100}"
    problems = shape_problems(body, entry["response"], info_id(entry), c.fill)
    if "periods" in entry:
        names = [row[0] for row in body if isinstance(row, list) and row]
        if names != entry["periods"]:
            problems.append(f"portfolio periods {names}, the docs have {entry['periods']}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("entry", SPEC["actions"], ids=lambda e: e["type"])
async def test_exchange_action_answers_like_the_spec(entry: dict[str, Any], client: Client, sim: SimHandle) -> None:
    c = Caller(client, sim)
    status, body = await send(c, entry["recipe"])
    assert status == 200, f"{entry['type']}: not served (HTTP {status} {body!r:.100})"
    problems = shape_problems(body, entry["response"], entry["type"], c.fill)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("error", SPEC["documented_errors"], ids=lambda e: e["case"])
async def test_documented_error_answers(error: dict[str, Any], client: Client, sim: SimHandle) -> None:
    """The refusals the spec states word for word."""
    c = Caller(client, sim)
    assert await send(c, error["recipe"]) == (200, c.fill(error["body"]))


async def test_isolated_margin_moves_between_cross_and_the_position(client: Client, sim: SimHandle) -> None:
    """§7: `updateIsolatedMargin` moves ntli / 10^6 USDC from the cross balance into the position
    (accountValue unchanged); `topUpIsolatedOnlyMargin` makes the position's leverage the target."""
    c = Caller(client, sim)
    await c.isolated_long()
    before = await client.state()
    await client.ok({"type": "updateIsolatedMargin", "asset": BTC, "isBuy": True, "ntli": 2_500_000})
    after = await client.state()

    def figure(state: dict[str, Any], *path: str) -> Decimal:
        value: Any = state
        for key in path:
            value = value[key]
        return D(value)

    position = ("assetPositions",)
    moved = D("2.5")
    used = [figure(s[position[0]][0], "position", "marginUsed") for s in (before, after)]
    assert used[1] - used[0] == moved
    cross = [figure(s, "crossMarginSummary", "accountValue") for s in (before, after)]
    assert cross[0] - cross[1] == moved
    assert figure(after, "marginSummary", "accountValue") == figure(before, "marginSummary", "accountValue")
    await client.ok({"type": "topUpIsolatedOnlyMargin", "asset": BTC, "leverage": "5"})
    topped = (await client.state())["assetPositions"][0]["position"]
    assert D(topped["marginUsed"]) == D(topped["positionValue"]) / 5


async def test_a_builder_fee_needs_its_approval_under_strict_builder(client: Client, sim: SimHandle) -> None:
    """§4.3.1: an order's builder fee (tenths of a bp) needs a prior approveBuilderFee at least as
    high, else `Builder fee has not been approved.` (enforced under `strict_builder`, §10.21)."""
    frontend(sim).settings = dataclasses.replace(frontend(sim).settings, strict_builder=True)
    c = Caller(client, sim)

    def with_fee(tenths: int) -> dict[str, Any]:
        wire = order(ETH, True, "3400", "0.01", "Alo")
        return {"type": "order", "orders": [wire], "grouping": "na", "builder": {"b": BUILDER, "f": tenths}}

    assert await client.err(with_fee(1)) == "Builder fee has not been approved."
    await approved_builder(c)  # "0.001%": 1 tenth of a bp
    assert "resting" in (await client.ok(with_fee(1)))["data"]["statuses"][0]
    assert await client.err(with_fee(2)) == "Builder fee has not been approved."


async def test_the_fixture_lists_every_type_action_and_channel_once() -> None:
    """The checked-in lists are the spec's: 26 info types (§4.2), 12 actions (§4.3), 12 channels (§5.3)."""
    info_types = {e["type"] for e in SPEC["info"]}
    assert len(info_types) == 26
    assert all(e["recipe"] in INFO_RECIPES for e in SPEC["info"])
    actions = [e["type"] for e in SPEC["actions"]]
    assert len(actions) == len(set(actions)) == 12
    assert all(e["recipe"] in ACTION_RECIPES for e in [*SPEC["actions"], *SPEC["documented_errors"]])
    channels = [e["type"] for e in SPEC["channels"]]
    assert len(channels) == len(set(channels)) == 12
    assert all(e.get("trigger") in (None, *TRIGGERS) and e.get("before") in (None, *TRIGGERS) for e in SPEC["channels"])


# ---------------------------------------------------------------------------------- streams


async def subscribe(ws: aiohttp.ClientWebSocketResponse, subscription: dict[str, Any]) -> tuple[str, Any]:
    """Send a subscribe (as this text) and return it with the first answer that is no data frame."""
    text = json.dumps({"method": "subscribe", "subscription": subscription})
    await ws.send_str(text)
    answer, _ = await receive_until(ws, lambda f: f.get("channel") in ("subscriptionResponse", "error"))
    return text, answer


@pytest.mark.parametrize("channel", SPEC["channels"], ids=lambda e: e["type"])
async def test_channel_acks_and_sends_its_documented_message(
    channel: dict[str, Any], client: Client, sim: SimHandle, http: aiohttp.ClientSession
) -> None:
    c = Caller(client, sim)
    name = channel["channel"]
    if channel.get("before"):
        await TRIGGERS[channel["before"]](c)
    async with http.ws_connect(sim.urls["ws"]) as ws:
        _, ack = await subscribe(ws, c.fill(channel["subscription"]))
        echo = {"method": "subscribe", "subscription": c.fill(channel["ack"])}
        expected_ack = {"channel": "subscriptionResponse", "data": echo}
        assert ack == expected_ack, f"{channel['type']}: not served ({ack})"
        if channel["snapshot"] is not None:
            frame, _ = await receive_until(ws, lambda f: f.get("channel") == name)
            problems = shape_problems(frame["data"], channel["snapshot"], f"{name} snapshot", c.fill)
            assert not problems, "\n".join(problems)
        if channel["trigger"] is not None:
            await TRIGGERS[channel["trigger"]](c)
            frame, _ = await receive_until(ws, lambda f: f.get("channel") == name)
            problems = shape_problems(frame["data"], channel["live"], f"{name} after {channel['trigger']}", c.fill)
            assert not problems, "\n".join(problems)
        else:
            assert channel.get("note") or channel.get("live_gap"), "a channel without a trigger says why"


# ------------------------------------------------------------------------ deliberately unserved


@pytest.mark.parametrize("gap", SPEC["not_served"]["channels"], ids=lambda g: g["type"])
async def test_out_of_scope_channel_gets_the_documented_refusal(
    gap: dict[str, Any], client: Client, sim: SimHandle, http: aiohttp.ClientSession
) -> None:
    c = Caller(client, sim)
    async with http.ws_connect(sim.urls["ws"]) as ws:
        text, answer = await subscribe(ws, c.fill(gap["subscription"]))
    c.values["frame"] = text
    assert answer == c.fill(gap["answer"]), gap["reason"]


def unserved_action(c: Caller, kind: str) -> tuple[dict[str, Any], str]:
    """A plausible body for an action the simulator does not serve, and the key that signs it."""
    if kind in ("usdSend", "withdraw3"):
        return c.user_signed(kind, destination=BUILDER, amount="1", time=0), "master_private_key"
    if kind == "spotSend":
        return c.user_signed(kind, destination=BUILDER, token="USDC", amount="1", time=0), "master_private_key"
    bodies: dict[str, dict[str, Any]] = {
        "twapOrder": {"twap": {"a": ETH, "b": True, "s": "0.1", "r": False, "m": 10, "t": False}},
        "twapCancel": {"a": ETH, "t": 1},
        "createSubAccount": {"name": "sub"},
        "subAccountTransfer": {"subAccountUser": BUILDER, "isDeposit": True, "usd": 1_000_000},
        "vaultTransfer": {"vaultAddress": BUILDER, "isDeposit": True, "usd": 1_000_000},
        "setReferrer": {"code": "SIM"},
        "reserveRequestWeight": {"weight": 1},
    }
    return {"type": kind, **bodies[kind]}, "agent_private_key"


@pytest.mark.parametrize("gap", SPEC["not_served"]["actions"], ids=lambda g: g["type"])
async def test_unserved_action_gets_the_documented_refusal(gap: dict[str, Any], client: Client, sim: SimHandle) -> None:
    c = Caller(client, sim)
    action, key = unserved_action(c, gap["type"])
    if "nonce" in action:
        action["time"] = action.pop("nonce")
    status, body = await client.exchange(action, key=key)
    assert (status, body) == (gap["answer"]["status"], gap["answer"]["text"]), gap["reason"]


@pytest.mark.parametrize("gap", SPEC["not_served"]["switched_off"], ids=lambda g: g["info"]["type"])
async def test_switched_off_type_gets_the_documented_refusal(
    gap: dict[str, Any], client: Client, sim: SimHandle, http: aiohttp.ClientSession
) -> None:
    c = Caller(client, sim)
    async with http.put(sim.urls["control"] + "/settings", json=gap["setting"]) as response:
        assert response.status == 200, await response.text()
    assert await client.info(c.fill(gap["info"])) == (gap["info_answer"]["status"], gap["info_answer"]["text"])
    async with http.ws_connect(sim.urls["ws"]) as ws:
        text, answer = await subscribe(ws, c.fill(gap["subscription"]))
    c.values["frame"] = text
    assert answer == c.fill(gap["ws_answer"]), gap["reason"]
