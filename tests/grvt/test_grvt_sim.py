"""The GRVT simulator's REST over loopback, checked against the venue spec: the logins (§2.2-§2.3),
sessions (§2.4), EIP-712 verification in the spec's order with its codes (§2.7) on the spec's own
vectors, the §4.6 refusals, the acknowledgement and query shapes, lite routes and error bodies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

from tests.grvt.conftest import BTC, PAYLOADS, TIMEOUT, VECTORS, Client, FixedClock, fe
from xtb.sim.grvt import eip712
from xtb.sim.grvt.auth import Grant, address_of
from xtb.sim.grvt.errors import CATALOGUE
from xtb.sim.server import SimHandle

ROOT = Path(__file__).resolve().parents[2]
V1, V2, V3, V4 = VECTORS["V1"], VECTORS["V2"], VECTORS["V3"], VECTORS["V4"]
VECTOR_ACCOUNT = "spec-vectors"
ERROR_KEYS = {"code", "message", "status"}


def vector_account(sim: SimHandle, http: aiohttp.ClientSession) -> Client:
    """An account whose main wallet and signer is the spec's vector key, on V1's sub-account."""
    sim.control.create_account(VECTOR_ACCOUNT, "1000000")
    creds = fe(sim).register(VECTOR_ACCOUNT, {
        "api_key": "spec-vector-api-key", "private_key": VECTORS["key"], "signer": VECTORS["address"],
        "sub_account_id": V1["sub_account_id"], "account_id": VECTORS["address"].lower(),
        "wallet_private_key": VECTORS["key"],
    })  # fmt: skip
    return Client(http, sim, creds)


def v1_body(**changes: Any) -> dict[str, Any]:
    order = {
        "sub_account_id": V1["sub_account_id"], "is_market": False, "time_in_force": V1["time_in_force"],
        "post_only": False, "reduce_only": False,
        "legs": [{"instrument": V1["instrument"], "size": V1["size"], "limit_price": V1["limit_price"],
                  "is_buying_asset": V1["is_buying_asset"]}],
        "signature": {"signer": VECTORS["address"], "r": V1["r"], "s": V1["s"], "v": V1["v"],
                      "expiration": V1["expiration"], "nonce": V1["nonce"]},
        "metadata": {"client_order_id": "9223372036854775809"},
    }  # fmt: skip
    order.update(changes)
    return {"order": order}


def error(status: int, body: Any, code: int) -> None:
    """A REST error: exactly {code, message, status} (the raw SDK builds its error from these keys),
    with the HTTP status in the body."""
    assert set(body) == ERROR_KEYS and body["code"] == code and body["status"] == status, (status, body)
    assert body["message"] == CATALOGUE[code][0] and status == CATALOGUE[code][1]


# -------------------------------------------------------------------------------- logins


async def test_api_key_login_sets_one_cookie_and_the_account_header(sim: SimHandle, client: Client) -> None:
    status, body, headers = await client.login()
    assert status == 200 and len(headers.getall("Set-Cookie")) == 1
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("gravity=") and cookie.endswith("; Path=/; HttpOnly; Secure") and "Max-Age" not in cookie
    assert cookie.split("; ")[1].startswith("Expires=") and cookie.split("; ")[1].endswith(" GMT")
    main = sim.account["account_id"]
    assert "X-Grvt-Account-Id" in headers.keys() and headers["X-Grvt-Account-Id"] == main
    assert body == {"status": "success", "location": "", "funding_account_address": main,
                    "sub_account_id": sim.account["sub_account_id"]}  # fmt: skip
    assert set(PAYLOADS["api_key_login_answer"]) == set(body)


async def test_bad_api_key_is_a_401_in_the_edge_shape(client: Client) -> None:
    client.creds["api_key"] = "nobody-has-this-key"
    status, body, headers = await client.login()
    assert (status, body) == (401, {"status": 401, "message": "invalid api key"})
    assert "Set-Cookie" not in headers


async def test_private_calls_need_both_cookie_and_account_header(sim: SimHandle, client: Client) -> None:
    body = {"sub_account_id": client.sub}
    assert (await client.call("positions", body))[0] == 200
    cookie, account = client.headers["Cookie"], client.headers["X-Grvt-Account-Id"]
    for headers, status, code in (
        ({}, 401, 1000),
        ({"Cookie": cookie}, 401, 1000),  # the missing header: the most common 401
        ({"X-Grvt-Account-Id": account}, 401, 1000),
        ({"Cookie": "gravity=forged", "X-Grvt-Account-Id": account}, 401, 1000),
        ({"Cookie": cookie, "X-Grvt-Account-Id": "0x" + "1" * 40}, 403, 1001),
    ):
        got, answer = await client.call("positions", body, headers=headers)
        error(got, answer, code)
        assert got == status
    fe(sim).accounts.expire_all()
    status, answer = await client.call("positions", body)
    error(status, answer, 1000)
    assert (await client.login())[0] == 200 and (await client.call("positions", body))[0] == 200


async def test_another_accounts_sub_account_is_not_authorised(sim: SimHandle, client: Client) -> None:
    other = sim.control.create_account("other", "1000")["credentials"]
    status, body = await client.call("open_orders", {"sub_account_id": other["sub_account_id"]})
    error(status, body, 1001)
    status, body = await client.call("get_sub_accounts")
    assert (status, body) == (200, {"sub_account_ids": [client.sub]})


async def test_wallet_login_with_the_v3_vector_and_its_rules(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    vector_account(sim, http)
    fe(sim).auth_clock = FixedClock(1_700_000_000)  # 240 s before V3's expiration
    url = sim.urls["edge"] + "/auth/wallet/login"
    sig = {"signer": VECTORS["address"], "v": V3["v"], "r": V3["r"], "s": V3["s"], "nonce": V3["nonce"],
           "expiration": V3["expiration"], "chain_id": "326"}  # fmt: skip

    async def login(address: str = VECTORS["address"], **changes: Any) -> tuple[int, Any, Any]:
        async with http.post(url, json={"address": address, "signature": {**sig, **changes}}) as resp:
            return resp.status, await resp.json(), resp.headers

    status, body, headers = await login()
    assert status == 200 and headers["Set-Cookie"].startswith("gravity=")
    assert headers["X-Grvt-Account-Id"] == VECTORS["address"].lower()
    assert body["funding_account_address"] == VECTORS["address"].lower() and body["status"] == "success"
    assert (await login())[:2] == (401, {"status": 401, "message": "signature already used"})
    assert (await login(chainID=326, chain_id=None))[0] == 401  # same nonce, whatever the chain key
    assert (await login(v=29))[:2] == (400, {"status": 400, "message": "invalid signature v"})
    assert (await login(address=VECTORS["address"][2:] + "00"))[0] == 400
    assert (await login(nonce=V3["nonce"] + 1))[:2] == (401, {"status": 401, "message": "invalid signature"})
    fe(sim).auth_clock = FixedClock(1_700_000_240)
    assert (await login())[:2] == (401, {"status": 401, "message": "signature expired"})
    fe(sim).auth_clock = FixedClock(1_699_999_900)  # 340 s ahead: beyond the 5 minute window
    assert (await login())[:2] == (
        400,
        {"status": 400, "message": "signature expiration exceeds maximum allowed window"},
    )


async def test_wallet_login_with_an_api_key_signer_is_not_registered(
    sim: SimHandle, http: aiohttp.ClientSession
) -> None:
    signer_key = sim.account["private_key"]
    now_ns = fe(sim).now_ns()
    signer = sim.account["signer"].lower()
    message = {"signer": signer, "nonce": 7, "expiration": now_ns + 60 * 10**9}
    signed = eip712.sign(eip712.typed_message("WalletLogin", message, 326), signer_key)
    body = {"address": signer, "signature": {**signed, "nonce": 7, "expiration": str(message["expiration"])}}
    async with http.post(sim.urls["edge"] + "/auth/wallet/login", json=body) as resp:
        assert (resp.status, await resp.json()) == (401, PAYLOADS["wallet_login_error"])


# ------------------------------------------------------------------------ order signatures


async def test_the_v1_vector_is_accepted_and_acknowledged_pending(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    vec = vector_account(sim, http)
    fe(sim).auth_clock = FixedClock(1_730_800_000)  # within 30 days before V1's expiration
    assert (await vec.login())[0] == 200
    status, body = await vec.create(v1_body())
    assert status == 200, body
    ack = body["result"]
    assert ack["order_id"] == "0x00" and ack["state"]["status"] == "PENDING"
    assert (ack["signature"]["chain_id"], ack["builder"], ack["builder_fee"]) == ("0", "0x00", "0.0")
    assert ack["legs"] == [{"instrument": BTC, "size": "1.013", "limit_price": "68900.5", "is_buying_asset": False}]
    assert set(ack["metadata"]) == {"client_order_id", "create_time", "trigger", "broker", "is_position_transfer",
                                    "allow_crossing"}  # fmt: skip
    assert set(ack) == set(PAYLOADS["create_order_ack"]["result"])
    status, body = await vec.call(
        "order", {"sub_account_id": V1["sub_account_id"], "client_order_id": "9223372036854775809"}
    )
    real = body["result"]
    assert status == 200 and real["state"]["status"] == "OPEN" and len(real["order_id"]) == 34
    # the same signed payload again is a duplicate: acknowledged, nothing created (§2.7.8)
    status, body = await vec.create(v1_body(metadata={"client_order_id": "9223372036854775810"}))
    assert status == 200 and body["result"]["order_id"] == "0x00"
    assert len(sim.control.open_orders(VECTOR_ACCOUNT)) == 1


async def test_v2_builder_order_after_the_v4_authorisation(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    vec = vector_account(sim, http)
    fe(sim).auth_clock = FixedClock(1_700_000_000)
    authorize = {
        "main_account_id": VECTORS["address"], "builder_account_id": V4["builder_account_id"],
        "max_futures_fee_rate": V4["max_futures_fee_rate_percent"],
        "max_spot_fee_rate": V4["max_spot_fee_rate_percent"],
        "signature": {"signer": VECTORS["address"], "r": V4["r"], "s": V4["s"], "v": V4["v"],
                      "expiration": V4["expiration"], "nonce": V4["nonce"], "chain_id": "326"},
    }  # fmt: skip
    async with http.post(sim.urls["edge"] + "/auth/builder/authorize", json=authorize) as resp:
        assert (resp.status, await resp.json()) == (200, {"status": "success"})
    async with http.post(sim.urls["edge"] + "/auth/builder/authorize", json=authorize) as resp:
        assert (resp.status, (await resp.json())["code"]) == (400, 7503)
    fe(sim).auth_clock = FixedClock(1_730_800_000)
    assert (await vec.login())[0] == 200
    status, body = await vec.call("get_authorized_builders")
    assert body == {"results": [{"builder_account_id": V4["builder_account_id"], "max_futures_fee_rate": "0.001",
                                 "max_spot_fee_rate": "0.0001"}]}  # fmt: skip
    v2_sig = {"signer": VECTORS["address"], "r": V2["r"], "s": V2["s"], "v": V2["v"], "expiration": V1["expiration"],
              "nonce": V1["nonce"]}  # fmt: skip
    status, body = await vec.create(v1_body(signature=v2_sig, builder=V2["builder"], builder_fee="0.0011"))
    error(status, body, 2002)  # one unit more builder fee: another message
    status, body = await vec.create(v1_body(signature=v2_sig))
    error(status, body, 2002)  # the builder signature verified as a plain Order
    status, body = await vec.create(v1_body(signature=v2_sig, builder=V2["builder"], builder_fee=V2["builder_fee"]))
    assert status == 200 and body["result"]["builder"] == V2["builder"] and body["result"]["builder_fee"] == "0.001"


async def test_verification_order_and_codes(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    vec = vector_account(sim, http)
    fe(sim).auth_clock = FixedClock(1_730_800_000)
    assert (await vec.login())[0] == 200
    sig = v1_body()["order"]["signature"]
    cases: list[tuple[dict[str, Any], int]] = [
        ({"signature": {**sig, "chain_id": "325"}}, 1012),
        ({"signature": {**sig, "v": 29}}, 2005),
        ({"signature": {**sig, "r": sig["r"][:-2]}}, 2006),
        ({"signature": {**sig, "s": "0x" + "f" * 64}}, 2007),
        ({"signature": {**sig, "nonce": V1["nonce"] + 1}}, 2002),
        ({"legs": [{**v1_body()["order"]["legs"][0], "size": "1.014"}]}, 2002),
        ({"legs": [{**v1_body()["order"]["legs"][0], "instrument": "DOGE_USDT_Perp"}]}, 2061),
        ({"legs": []}, 2040),
    ]
    for changes, code in cases:
        status, body = await vec.create(v1_body(**changes))
        error(status, body, code)
    # truncation: a digit beyond base_decimals is dropped, so the signature still verifies, and then
    # the size is refused as too granular
    status, body = await vec.create(v1_body(legs=[{**v1_body()["order"]["legs"][0], "size": "1.0130000009"}]))
    error(status, body, 2065)
    fe(sim).auth_clock = FixedClock(1_730_800_480)
    assert (await vec.login())[0] == 200
    error(*(await vec.create(v1_body())), 2001)
    fe(sim).auth_clock = FixedClock(1_730_800_479 - 31 * 86_400)
    assert (await vec.login())[0] == 200
    error(*(await vec.create(v1_body())), 2008)


async def test_authorisation_codes(sim: SimHandle, client: Client) -> None:
    outsider = "0x" + "2" * 64
    error(*(await client.create(client.order("59000", key=outsider))), 2000)
    other = sim.control.create_account("other", "1000")["credentials"]
    foreign = client.order("59000", key=other["private_key"], sub=other["sub_account_id"])
    error(*(await client.create(foreign)), 2003)
    reader, expired, granted = ("0x" + digit * 64 for digit in "345")
    fe(sim).accounts.grant(client.sub, address_of(reader), Grant(frozenset({"Read"})))
    error(*(await client.create(client.order("59000", key=reader))), 1400)
    fe(sim).accounts.grant(client.sub, address_of(expired), Grant(expires_ns=1))
    error(*(await client.create(client.order("59000", key=expired))), 2004)
    fe(sim).accounts.grant(client.sub, address_of(granted))
    assert (await client.create(client.order("59000", key=granted)))[0] == 200


# ------------------------------------------------------------------------- §4.6 refusals


async def test_business_refusals(sim: SimHandle, client: Client) -> None:
    top = sim.engine.top_of_book(BTC)
    assert top.bid is not None
    live = client.order(str(top.bid - 10))
    assert (await client.create(live))[0] == 200
    cid = live["order"]["metadata"]["client_order_id"]
    cases: list[tuple[dict[str, Any], int]] = [
        (client.order("59000", cid=cid), 2012),
        (client.order("59000", tif="ALL_OR_NONE"), 2030),
        (client.order("59000", tif="IMMEDIATE_OR_CANCEL", post_only=True), 2032),
        (client.order("59000", size="0.0001"), 2062),
        (client.order("59000.05"), 2064),
        (client.order("59000", size="0.0015"), 2065),
        (client.order("59000", size="0.001"), 2066),
        (client.order(None, buy=False, reduce_only=True, tif="IMMEDIATE_OR_CANCEL"), 2400),
        (client.order("59000", size="1001"), 2081),
    ]
    for body, code in cases:
        error(*(await client.create(body)), code)
    missing_cid = client.order("59000")
    del missing_cid["order"]["metadata"]["client_order_id"]
    error(*(await client.create(missing_cid)), 2011)  # signature checks pass first: metadata is unsigned
    with_id = client.order("59000")
    with_id["order"]["order_id"] = "0x1234"
    error(*(await client.create(with_id)), 2010)
    market_with_price = client.order("59000")
    market_with_price["order"]["is_market"] = True
    error(*(await client.create(market_with_price)), 2002)  # is_market is signed: the payload changed
    status, body = await client.create(None, raw=b"{not json")
    error(status, body, 1003)
    assert len(sim.control.open_orders(sim.frontend.test_account)) == 1


async def test_order_field_variants_are_accepted(sim: SimHandle, client: Client) -> None:
    body = client.order(None, tif="IMMEDIATE_OR_CANCEL", cid=str(2**64 - 1))
    order = body["order"]
    order["legs"][0]["limit_price"] = "0E-9"
    order["legs"][0]["size"] = "0.010000000"
    order["signature"].pop("chain_id")
    order["builder"] = "0x" + "0" * 40
    order["unknown_key"] = {"nested": True}
    status, answer = await client.create(body)
    assert status == 200, answer
    assert answer["result"]["legs"][0]["size"] == "0.01" and answer["result"]["legs"][0]["limit_price"] == "0.0"
    cid = str(2**64 - 1)
    status, answer = await client.call("order", {"sub_account_id": client.sub, "client_order_id": cid})
    assert status == 200 and answer["result"]["state"]["status"] == "FILLED"
    assert answer["result"]["metadata"]["client_order_id"] == cid


# ----------------------------------------------------------------------- cancels, queries


async def test_cancel_acks_at_once_and_queries_follow(sim: SimHandle, client: Client) -> None:
    top = sim.engine.top_of_book(BTC)
    assert top.bid is not None
    body = client.order(str(top.bid - 5), post_only=True)
    cid = body["order"]["metadata"]["client_order_id"]
    assert (await client.create(body))[0] == 200
    status, answer = await client.call("open_orders", {"sub_account_id": client.sub, "kind": ["PERPETUAL"]})
    (listed,) = answer["result"]
    order_id = listed["order_id"]
    status, answer = await client.call("cancel_order", {"sub_account_id": client.sub, "order_id": order_id})
    assert (status, answer) == (200, PAYLOADS["cancel_ack"])
    status, answer = await client.call("order", {"sub_account_id": client.sub, "client_order_id": cid})
    assert (
        answer["result"]["state"]["status"] == "CANCELLED"
        and answer["result"]["state"]["reject_reason"] == "CLIENT_CANCEL"
    )
    assert (await client.call("cancel_order", {"sub_account_id": client.sub, "order_id": order_id}))[1] == PAYLOADS[
        "cancel_ack"
    ]
    error(*(await client.call("order", {"sub_account_id": client.sub, "order_id": "0x" + "9" * 32})), 1004)
    error(*(await client.call("cancel_order", {"sub_account_id": client.sub})), 3021)
    status, answer = await client.call("order_history", {"sub_account_id": client.sub})
    assert [o["order_id"] for o in answer["result"]] == [order_id] and answer["next"] == ""
    status, answer = await client.call("fill_history", {"sub_account_id": client.sub, "instrument": BTC})
    assert answer == {"result": [], "next": ""}


async def test_cancel_all_and_positions(sim: SimHandle, client: Client) -> None:
    top = sim.engine.top_of_book(BTC)
    assert top.bid is not None and top.ask is not None
    for offset in (5, 6):
        assert (await client.create(client.order(str(top.bid - offset), post_only=True)))[0] == 200
    status, answer = await client.call("cancel_all_orders", {"sub_account_id": client.sub, "base": ["BTC"]})
    assert (status, answer) == (200, PAYLOADS["cancel_ack"])
    assert sim.control.open_orders(sim.frontend.test_account) == []
    status, answer = await client.call("order_history", {"sub_account_id": client.sub, "limit": 1})
    assert answer["result"][0]["state"]["reject_reason"] == "CLIENT_BULK_CANCEL" and answer["next"] == "1"
    assert (await client.create(client.order(None, tif="IMMEDIATE_OR_CANCEL")))[0] == 200
    status, answer = await client.call("positions", {"sub_account_id": client.sub})
    (position,) = answer["result"]
    assert (position["instrument"], position["size"], position["entry_price"]) == (BTC, "0.01", str(top.ask))
    status, answer = await client.call("account_summary", {"sub_account_id": client.sub})
    summary = answer["result"]
    assert summary["spot_balances"][0]["currency"] == "USDT" and len(summary["positions"]) == 1
    status, answer = await client.call("fill_history", {"sub_account_id": client.sub})
    (fill,) = answer["result"]
    assert (fill["is_taker"], fill["fee_rate"], fill["size"]) == (True, "0.045", "0.01")
    assert fill["trade_id"].endswith("-1") and fill["client_order_id"].isdigit()


# ----------------------------------------------------------------------------- public, lite


async def test_public_routes(sim: SimHandle, client: Client) -> None:
    async with client.http.get(sim.urls["market_data"] + "/time") as resp:
        assert isinstance((await resp.json())["server_time"], int)
    status, body = await client.call("instrument", {"instrument": BTC}, host="market_data")
    assert status == 200 and set(body["result"]) == set(PAYLOADS["instrument"])
    assert body["result"]["instrument_hash"] == "0x030501" and body["result"]["min_notional"] == "100.0"
    error(*(await client.call("instrument", {"instrument": "NOPE"}, host="market_data")), 3000)
    error(*(await client.call("book", {"instrument": BTC, "depth": 7}, host="market_data")), 3031)
    status, body = await client.call(
        "book", {"instrument": BTC, "depth": 10, "aggregate": 1, "": 0}, host="market_data"
    )
    bids, asks = body["result"]["bids"], body["result"]["asks"]
    assert [Decimal(b["price"]) for b in bids] == sorted((Decimal(b["price"]) for b in bids), reverse=True)
    assert [Decimal(a["price"]) for a in asks] == sorted(Decimal(a["price"]) for a in asks)
    assert isinstance(bids[0]["num_orders"], int)
    status, body = await client.call("trade_history", {"instrument": BTC, "sub_account_id": "1"}, host="market_data")
    assert status == 200 and body["next"] == ""
    status, body = await client.call("mini", {"instrument": BTC}, host="market_data", headers={})
    assert status == 200 and body["result"]["best_bid_price"] == str(sim.engine.top_of_book(BTC).bid)


async def test_lite_routes_use_short_keys(sim: SimHandle, client: Client) -> None:
    status, body = await client.call("instrument", {"i": BTC}, host="market_data", lite=True)
    assert status == 200 and body["r"]["i"] == BTC and body["r"]["ih"] == "0x030501" and body["r"]["bd"] == 9
    status, body = await client.call("instrument", {"i": "NOPE"}, host="market_data", lite=True)
    assert (status, set(body)) == (400, {"c", "m", "s"}) and body["c"] == 3000
    full = client.order(None, tif="IMMEDIATE_OR_CANCEL")["order"]
    leg, sig = full["legs"][0], full["signature"]
    lite = {"o": {
        "sa": full["sub_account_id"], "im": True, "ti": full["time_in_force"], "po": False, "ro": False,
        "l": [{"i": leg["instrument"], "s": leg["size"], "lp": leg["limit_price"], "ib": leg["is_buying_asset"]}],
        "s": {"s": sig["signer"], "r": sig["r"], "s1": sig["s"], "v": sig["v"], "e": sig["expiration"],
              "n": sig["nonce"]},
        "m": {"co": full["metadata"]["client_order_id"]},
    }}  # fmt: skip
    status, body = await client.create(lite, lite=True)
    assert status == 200, body
    assert body["r"]["oi"] == "0x00" and body["r"]["s1"]["s"] == "PENDING" and body["r"]["l"][0]["s"] == "0.01"


def test_command_line_prints_every_host_and_a_funded_account() -> None:
    """`python -m xtb.sim grvt` prints its line; the account it names logs in."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xtb.sim", "grvt", "--seed", "3"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["venue"] == "grvt"
        assert {"rest", "ws", "control", "edge", "trades", "market_data", "ws_trades", "ws_market_data"} <= set(info)
        assert info["ws"].endswith("/ws/full") and info["rest"] == info["trades"]
        assert {"api_key", "private_key", "sub_account_id", "account_id"} <= set(info["account"])
        import urllib.request

        request = urllib.request.Request(
            info["edge"] + "/auth/api_key/login", data=json.dumps({"api_key": info["account"]["api_key"]}).encode()
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT) as resp:
            assert resp.status == 200 and resp.headers["X-Grvt-Account-Id"] == info["account"]["account_id"]
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)


async def test_one_taker_across_two_of_our_orders_gives_two_trade_ids(sim: SimHandle, client: Client) -> None:
    """A taker of no GRVT account (the market's) that fills two of our orders makes two trades:
    "<execution>-1" and "-2", as the stream and `fill_history` show them (never one id twice)."""
    top = sim.engine.top_of_book(BTC)
    assert top.bid is not None and top.ask is not None and top.ask - top.bid > Decimal("0.1")
    price = str(top.bid + Decimal("0.1"))  # a new best bid of our own two orders
    for _ in range(2):
        assert (await client.create(client.order(price, post_only=True)))[0] == 200
    assert sim.control.take(BTC, "buy", "1") == Decimal("0.02")
    status, answer = await client.call("fill_history", {"sub_account_id": client.sub})
    assert status == 200
    ids = sorted(f["trade_id"] for f in answer["result"])
    assert len(ids) == 2 and ids[0].rsplit("-", 1) == [ids[1].rsplit("-", 1)[0], "1"] and ids[1].endswith("-2")
