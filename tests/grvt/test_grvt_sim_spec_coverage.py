"""Every REST route and WebSocket stream the GRVT spec names (fixtures/spec_endpoints.json, copied
from the spec) is served by the simulator in the documented shape: the wrapper of §4.0, the keys the
spec lists, the documented examples' key names and JSON types, decimal strings and no floats, ints
only where §3 allows them. Routes the simulator does not model answer exactly as the venue answers
an endpoint it has switched off (1009/503). Each stream is subscribed to and its first data frame
awaited (a trade, a pre-cancel, a deposit or a withdrawal sets off those that only carry events)."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

import pytest

from tests.grvt.conftest import BTC, FIXTURES, PAYLOADS, Client, fe, receive_until, rpc
from tests.grvt.test_grvt_sim_accounts import signed
from xtb.sim.grvt.settings import EXAMPLE_BUILDER
from xtb.sim.server import SimHandle

SPEC = json.loads((FIXTURES / "spec_endpoints.json").read_text())
INT_KEYS = frozenset(SPEC["int_keys"])
ERROR_KEYS = {"code", "message", "status"}


def route_id(entry: Mapping[str, Any]) -> str:
    return f"{entry['method']} {entry['host']} {entry['path']}"


def fill(template: Any, values: Mapping[str, str]) -> Any:
    """The fixture's request with `{sub}`, `{instrument}`... replaced."""
    if isinstance(template, str):
        return values.get(template.strip("{}"), template) if template.startswith("{") else template
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    return template


def kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def assert_like(example: Any, actual: Any, where: str) -> None:
    """`actual` has every key of the documented `example`, each of the same JSON type, recursively."""
    assert kind(actual) == kind(example), f"{where}: {kind(actual)} where the spec shows {kind(example)}"
    if isinstance(example, dict):
        for key, value in example.items():
            assert key in actual, f"{where}: no {key!r} (the spec's example has it)"
            assert_like(value, actual[key], f"{where}.{key}")
    elif isinstance(example, list) and example and actual:
        assert_like(example[0], actual[0], f"{where}[0]")


def assert_wire_types(body: Any, where: str) -> None:
    """§3, §9.11: numbers are decimal strings; JSON ints only for the keys the spec lists; no floats."""
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, int) and not isinstance(value, bool):
                assert key in INT_KEYS, f"{where}.{key} is a JSON int ({value}); the spec sends a string"
            assert_wire_types(value, f"{where}.{key}")
    elif isinstance(body, list):
        for i, value in enumerate(body):
            assert_wire_types(value, f"{where}[{i}]")
    else:
        assert not isinstance(body, float), f"{where} is a JSON float ({body})"


def assert_fields(entry: Mapping[str, Any], obj: Any, fields: list[str], where: str) -> None:
    assert isinstance(obj, dict), f"{where}: {obj!r} is no object"
    if entry.get("fields_optional"):  # §4.4: every ticker field is optional, none undocumented
        assert "instrument" in obj and set(obj) <= set(fields), f"{where}: undocumented {set(obj) - set(fields)}"
    else:
        missing = [f for f in fields if f not in obj]
        assert not missing, f"{where}: missing {missing}"


async def trade(client: Client) -> str:
    """A resting post-only bid (its client id is returned) and a market buy that fills."""
    status, body = await client.create(client.order(None, "0.01", tif="IMMEDIATE_OR_CANCEL"))
    assert status == 200, body
    cid = client.next_cid()
    status, body = await client.create(client.order("59000", post_only=True, cid=cid))
    assert status == 200, body
    return cid


async def request_body(entry: Mapping[str, Any], client: Client, sim: SimHandle, cid: str) -> Any:
    account = sim.account
    values = {"sub": client.sub, "instrument": BTC, "api_key": account["api_key"], "cid": cid,
              "main": account["account_id"]}  # fmt: skip
    body = entry.get("body")
    now = fe(sim).now_ns()
    wallet = account["wallet_private_key"]
    if body == "signed_order":
        return client.order("59000", post_only=True)
    if body == "bulk_orders":
        return {"sub_account_id": client.sub, "orders": [client.order("58900", post_only=True)["order"]],
                "order_i_ds": [], "client_order_i_ds": []}  # fmt: skip
    if body == "wallet_login":
        nonce = random.randrange(2**32)
        message = {"signer": account["account_id"], "nonce": nonce, "expiration": now + 60 * 10**9}
        return {"address": account["account_id"], "signature": signed("WalletLogin", message, wallet)}
    if body in ("authorize_builder", "edge_authorize_builder"):
        rates = {"max_futures_fee_rate": "0.001", "max_spot_fee_rate": "0.0001"}
        common = {"builderAccountID": EXAMPLE_BUILDER, "maxFutureFeeRate": 10, "maxSpotFeeRate": 1, "nonce": 3,
                  "expiration": now + 86_400 * 10**9}  # fmt: skip
        out = {"main_account_id": account["account_id"], "builder_account_id": EXAMPLE_BUILDER, **rates}
        if body == "authorize_builder":
            message = {"mainAccountID": account["account_id"], **common}
            return {**out, "signature": signed("AuthorizeBuilder", message, wallet)}
        signer = "0x" + "42" * 20
        message = {"accountID": account["account_id"], "signer": signer, "permissions": "Trade", **common}
        return {**out, "signature": signed("AddAccountSignerWithBuilder", message, wallet),
                "builder_api_key_label": "coverage", "builder_api_key_signer": signer,
                "builder_api_key_permissions": "Trade"}  # fmt: skip
    return fill(body if body is not None else {}, values)


async def call(client: Client, entry: Mapping[str, Any], body: Any) -> tuple[int, Any]:
    host = {"edge": "edge", "market_data": "market_data", "trades": "trades"}[entry["host"]]
    url = client.urls[host] + entry["path"]
    headers = {"Content-Type": "application/json", **client.headers}
    data = None if entry["method"] == "GET" else json.dumps(body)
    async with client.http.request(entry["method"], url, data=data, headers=headers) as resp:
        assert resp.content_type == "application/json", f"{route_id(entry)}: {resp.status} {await resp.text()}"
        return resp.status, await resp.json()


@pytest.mark.parametrize("entry", SPEC["rest"], ids=route_id)
async def test_every_spec_route_answers_in_its_documented_shape(
    sim: SimHandle, client: Client, entry: Mapping[str, Any]
) -> None:
    where = route_id(entry)
    cid = await trade(client)
    sim.control.fund(engine_account(sim, client), -1)  # a withdrawal, for the withdrawal history
    if entry["path"].endswith("/get_authorized_builders"):
        status, answer = await call(
            client,
            {**entry, "path": "/full/v1/authorize_builder"},
            await request_body({"body": "authorize_builder"}, client, sim, cid),
        )
        assert status == 200, answer
    status, body = await call(client, entry, await request_body(entry, client, sim, cid))
    shape = entry["shape"]
    if shape == "disabled":
        assert (status, set(body), body["code"]) == (503, ERROR_KEYS, 1009), f"{where}: {status} {body}"
        return
    assert status == 200, f"{where} is not served as the spec lists it: {status} {body}"
    assert_wire_types(body, where)
    if shape in ("login", "object"):
        result = body
    elif shape == "sub_account_ids":
        assert set(body) == {"sub_account_ids"} and body["sub_account_ids"] == [client.sub], f"{where}: {body}"
        return
    elif shape == "success":
        assert body == {"success": True}, f"{where}: {body}"
        return
    else:
        wrapper = {"result": {"result"}, "result_list": {"result"}, "history": {"result", "next"},
                   "results": {"results"}, "result_tier": {"result", "tier"}}[shape]  # fmt: skip
        assert set(body) == wrapper, f"{where}: top-level keys {set(body)}, the spec's are {wrapper}"
        result = body["results" if shape == "results" else "result"]
        if shape == "history":
            assert isinstance(body["next"], str), f"{where}: next {body['next']!r}"
    example = entry.get("example")
    if example is not None:
        documented = PAYLOADS[example]
        if entry.get("example_is") == "result":
            documented = {"result": documented}
        elif entry.get("example_is") == "result item":
            documented = {"result": [documented]}
        assert_like(documented, body if shape != "login" else result, where)
    if "fields" in entry:
        assert_fields(entry, result, entry["fields"], where)
    if "item_fields" in entry:
        assert isinstance(result, list), f"{where}: {result!r} is no list"
        assert bool(result) != ("empty_because" in entry), f"{where}: {result!r}; the fixture expects it " + (
            "empty: " + entry["empty_because"] if "empty_because" in entry else "to list what the test did"
        )
        for i, item in enumerate(result):
            assert_fields(entry, item, entry["item_fields"], f"{where}[{i}]")


def engine_account(sim: SimHandle, client: Client) -> Any:
    account = fe(sim).accounts.by_sub_account(client.sub)
    assert account is not None
    return account


def ws_url(sim: SimHandle, host: str) -> str:
    return sim.urls["ws_market_data" if host == "market_data" else "ws_trades"]


async def set_off(trigger: str | None, client: Client, sim: SimHandle) -> None:
    """What makes an event-only stream send its first frame."""
    account = engine_account(sim, client)
    if trigger == "trade":
        await trade(client)
    elif trigger == "pre_cancel":
        body = {"sub_account_id": client.sub, "client_order_id": client.next_cid(), "time_to_live_ms": "1000"}
        for _ in range(2):  # the second pre-cancel of one client id is DROPPED_DUPLICATE at once
            status, answer = await client.call("cancel_order", body)
            assert status == 200, answer
    elif trigger == "deposit":
        sim.control.fund(account, 100)
    elif trigger == "withdrawal":
        sim.control.fund(account, -100)


@pytest.mark.parametrize("entry", SPEC["streams"], ids=lambda e: e["stream"])
async def test_every_spec_stream_subscribes_and_sends_its_first_frame(
    sim: SimHandle, client: Client, entry: Mapping[str, Any]
) -> None:
    stream = entry["stream"]
    values = {"sub": client.sub, "instrument": BTC, "main": sim.account["account_id"]}
    selector = entry["selector"].format(**values)
    headers = client.headers if entry["auth"] == "private" else {}
    async with client.http.ws_connect(ws_url(sim, entry["host"]), headers=headers) as ws:
        reply = await rpc(ws, "subscribe", {"stream": stream, "selectors": [selector]}, 7)
        assert "error" not in reply, f"{stream} is not served as the spec lists it: {reply}"
        assert_like(PAYLOADS["subscribe_reply"], reply, stream)
        assert (reply["result"]["stream"], reply["result"]["subs"]) == (stream, [selector])
        if "trigger" in entry and entry["trigger"] is None:
            return  # the fixture says why the simulator never feeds it
        await set_off(entry.get("trigger"), client, sim)
        frame, _ = await receive_until(ws, lambda f: f.get("stream") == stream and "feed" in f)
    assert frame["selector"] == selector, frame
    assert isinstance(frame["sequence_number"], str) and isinstance(frame["prev_sequence_number"], str), frame
    assert_wire_types(frame, stream)
    if "item_fields" in entry:
        assert_fields(entry, frame["feed"], entry["item_fields"], f"{stream}.feed")


def test_every_route_and_stream_of_the_spec_is_listed() -> None:
    """The fixture is the spec's list: a route dropped from it would go untested."""
    paths = {e["path"].rsplit("/", 1)[-1] for e in SPEC["rest"]}
    for route in ("create_order", "cancel_order", "book", "positions", "account_summary", "bulk_orders",
                  "transfer", "withdrawal_history", "margin_rules", "login", "time"):  # fmt: skip
        assert route in paths, route
    assert len(SPEC["rest"]) == 54 and len(SPEC["streams"]) == 16
    assert len({route_id(e) for e in SPEC["rest"]}) == len(SPEC["rest"])


async def test_account_feeds_are_the_sessions_own(sim: SimHandle, client: Client) -> None:
    """`v1.deposit` and its kin carry a main account's money: only its own session may listen."""
    main = sim.account["account_id"]
    async with client.http.ws_connect(ws_url(sim, "trades")) as anonymous:
        reply = await rpc(anonymous, "subscribe", {"stream": "v1.deposit", "selectors": [main]}, 1)
        assert reply["error"]["code"] == 1000, reply
    async with client.http.ws_connect(ws_url(sim, "trades"), headers=client.headers) as ws:
        other = "0x" + "5" * 40
        reply = await rpc(ws, "subscribe", {"stream": "v1.withdrawal", "selectors": [other]}, 2)
        assert reply["error"]["code"] == 1001, reply
        reply = await rpc(ws, "subscribe", {"stream": "v1.transfer", "selectors": [f"{main}-12345"]}, 3)
        assert reply["error"]["code"] == 1001, reply  # a sub-account that is not this main account's
        selector = f"{main.upper().replace('0X', '0x')}-{client.sub}"  # the address in any case
        reply = await rpc(ws, "subscribe", {"stream": "v1.deposit", "selectors": [selector]}, 4)
        assert reply["result"]["subs"] == [selector], reply
        sim.control.fund(engine_account(sim, client), "250.5")
        frame, _ = await receive_until(ws, lambda f: f.get("stream") == "v1.deposit")
    assert (frame["selector"], frame["sequence_number"]) == (selector, "1")
    assert (frame["feed"]["num_tokens"], frame["feed"]["to_account_id"]) == ("250.5", main)
