"""The Aster simulator's REST as a client sees it: both authentication generations checked the way
the venue checks them, the order rules with the venue's codes, and the shapes of its answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_account import Account

from tests.aster.conftest import ETH, VECTORS, Client, FixedClock, main_wallet_text, start_aster
from xtb.connectors.aster.auth import V3Signer, encode_pairs
from xtb.secrets import Secret
from xtb.sim.server import SimHandle

D = Decimal
ACCOUNT = "test-account"


def code(body: object) -> int | None:
    return body.get("code") if isinstance(body, dict) else None


# --------------------------------------------------------------------------------- V3 auth


async def test_v3_order_in_the_body_or_the_query(client: Client, sim: SimHandle) -> None:
    for in_body in (True, False):
        status, body, headers = await client.call("POST", "/fapi/v3/order", client.order("2990.00"), in_body=in_body)
        assert status == 200, body
        assert body["status"] == "NEW" and body["newChainData"]["hash"].startswith("0x")
        assert headers["X-MBX-ORDER-COUNT-1M"] and "X-MBX-USED-WEIGHT-1M" in headers
    assert len(sim.control.open_orders(ACCOUNT)) == 2


async def test_v3_signature_of_the_decoded_text_is_accepted(client: Client) -> None:
    """The Node demo signs the unencoded string and sends it percent-encoded (§2.2 step 3)."""
    pairs = client.order("2990.00", newClientOrderId="a:b/c")
    msg = "&".join(f"{k}={v}" for k, v in pairs)
    nonce = client.v3.nonces.next()
    msg += f"&nonce={nonce}&user={client.v3.user}&signer={client.v3.signer}"
    sent = encode_pairs([*pairs, ("nonce", str(nonce)), ("user", client.v3.user), ("signer", client.v3.signer)])
    assert sent != msg
    status, body, _ = await client.raw("POST", "/fapi/v3/order", body=f"{sent}&signature=0x{client.v3.sign(msg)}")
    assert status == 200 and body["clientOrderId"] == "a:b/c"


@pytest.mark.parametrize("chain_id", [1666, 56])
async def test_v3_wrong_chain_is_a_bad_signature(client: Client, sim: SimHandle, chain_id: int) -> None:
    creds = sim.account
    wrong = V3Signer(creds["user"], Secret(creds["signer_private_key"], "k"), chain_id)
    status, body, _ = await client.raw("GET", "/fapi/v3/balance", wrong.signed_text([]))
    assert (status, body) == (400, {"code": -1022, "msg": "Signature for this request is not valid."})


async def test_v3_personal_sign_prefix_is_a_bad_signature(client: Client, sim: SimHandle) -> None:
    from eth_account.messages import encode_defunct

    text = encode_pairs(
        [("nonce", str(client.v3.nonces.next())), ("user", client.v3.user), ("signer", client.v3.signer)]
    )
    signed = Account.sign_message(encode_defunct(text=text), sim.account["signer_private_key"])
    _, body, _ = await client.raw("GET", "/fapi/v3/balance", f"{text}&signature={signed.signature.hex()}")
    assert code(body) == -1022


async def test_v3_nonce_replay_stale_and_future(client: Client, sim: SimHandle) -> None:
    signer = client.v3
    text = signer.signed_text([])
    assert (await client.raw("GET", "/fapi/v3/balance", text))[0] == 200
    assert code((await client.raw("GET", "/fapi/v3/balance", text))[1]) == -4225  # replayed
    now = sim.frontend.now_us()
    assert code((await client.raw("GET", "/fapi/v3/balance", signer.signed_text([], now - 11_000_000)))[1]) == -4225
    status, body, _ = await client.raw("GET", "/fapi/v3/balance", signer.signed_text([], now + 11_000_000))
    assert (status, code(body)) == (400, -1021)


async def test_v3_forged_request_does_not_burn_the_nonce(client: Client) -> None:
    nonce = client.v3.nonces.next()
    good = client.v3.signed_text([], nonce)
    forged = good[: good.rindex("=") + 1] + "00" * 65
    assert code((await client.raw("GET", "/fapi/v3/balance", forged))[1]) == -1022
    assert (await client.raw("GET", "/fapi/v3/balance", good))[0] == 200


async def test_v3_missing_signer_and_signature(client: Client) -> None:
    status, body, _ = await client.raw("GET", "/fapi/v3/balance", f"nonce={client.v3.nonces.next()}&signature=00")
    assert (status, body["code"], body["msg"]) == (
        400,
        -1102,
        "Mandatory parameter 'signer' was not sent, was empty/null, or malformed.",
    )
    assert code((await client.raw("GET", "/fapi/v3/balance", "user=0x1"))[1]) == -1102


async def test_v3_unapproved_agent_and_missing_user(client: Client, sim: SimHandle) -> None:
    stranger = Account.create()
    rogue = V3Signer(sim.account["user"], Secret(stranger.key.hex(), "k"), 714)
    assert code((await client.raw("GET", "/fapi/v3/balance", rogue.signed_text([])))[1]) == -1022
    nonce = client.v3.nonces.next()  # the docs' order sample sends no `user`: resolved from the registry
    msg = encode_pairs([("nonce", str(nonce)), ("signer", client.v3.signer)])
    status, _, _ = await client.raw("GET", "/fapi/v3/balance", f"{msg}&signature={client.v3.sign(msg)}")
    assert status == 200


async def test_agent_approval_by_the_main_wallet_then_trading(client: Client, sim: SimHandle) -> None:
    agent = Account.create()
    user = sim.account["user"]
    nonce = client.v3.nonces.next()
    params = [
        ("agentName", "bot"),
        ("agentAddress", agent.address),
        ("ipWhitelist", ""),
        ("expired", "0"),
        ("canSpotTrade", "false"),
        ("canPerpTrade", "true"),
        ("canWithdraw", "false"),
        ("asterChain", "Testnet"),
        ("user", user),
        ("nonce", str(nonce)),
    ]
    text = main_wallet_text("ApproveAgent", params, sim.account["user_private_key"])
    status, body, _ = await client.raw("POST", "/fapi/v3/approveAgent", body=text)
    assert (status, body) == (200, {"code": 200, "msg": "success"})
    bot = V3Signer(user, Secret(agent.key.hex(), "k"), 714)
    status, agents, _ = await client.raw("GET", "/fapi/v3/agent", bot.signed_text([]))
    assert status == 200 and {a["agentAddress"] for a in agents} >= {agent.address}
    order = encode_pairs(client.order("2990.00"))
    status, _, _ = await client.raw(
        "POST", "/fapi/v3/order", body=bot.signed_text([tuple(p.split("=")) for p in order.split("&")])
    )
    assert status == 200
    assert code((await client.raw("POST", "/fapi/v3/approveAgent", body=text))[1]) == -4225  # replayed


async def test_builder_vector_verifies_on_a_clock_at_its_time() -> None:
    vector = VECTORS["management"]
    sim = await start_aster(clock=FixedClock(int(vector["params"][-1][1]) + 1000))
    try:
        async with __import__("aiohttp").ClientSession() as http:
            client = Client(http, sim)
            pairs = [tuple(p) for p in vector["params"]] + [("signatureChainId", "1666")]
            text = encode_pairs(pairs) + f"&signature={vector['signatures']['1666']}"
            assert (await client.raw("POST", "/fapi/v3/approveBuilder", body=text))[:2] == (
                200,
                {"code": 200, "msg": "success"},
            )
            tampered = text.replace("builderName=demo", "builderName=demo2")
            assert code((await client.raw("POST", "/fapi/v3/approveBuilder", body=tampered))[1]) == -1022
    finally:
        await sim.stop()


# --------------------------------------------------------------------------------- V1 auth


async def test_v1_signed_order_and_key_errors(client: Client) -> None:
    status, body, _ = await client.call("POST", "/fapi/v1/order", client.order("2990.00"), auth="v1")
    assert status == 200 and "newChainData" not in body
    assert (await client.call("GET", "/fapi/v2/balance", auth="v1"))[0] == 200
    assert (await client.call("GET", "/fapi/v2/account", auth="v1"))[0] == 200  # the SDK's alias of v4
    status, body, _ = await client.raw("GET", "/fapi/v2/balance", "timestamp=1")
    assert (status, code(body)) == (401, -2014)
    status, body, _ = await client.raw("GET", "/fapi/v2/balance", "timestamp=1", headers={"X-MBX-APIKEY": "a" * 64})
    assert (status, code(body)) == (401, -2015)


async def test_v1_hmac_over_query_then_body_as_received(client: Client, sim: SimHandle) -> None:
    now = sim.frontend.now_ms()
    query = f"symbol={ETH}&side=BUY&type=LIMIT&timeInForce=GTC"
    body = f"quantity=0.010&price=2990.00&recvWindow=5000&timestamp={now}"
    signature = client.v1.sign(query + body)
    headers = client.v1.headers()
    status, answer, _ = await client.raw("POST", "/fapi/v1/order", query, f"{body}&signature={signature}", headers)
    assert status == 200, answer
    wrong = client.v1.sign(query + "&" + body)
    status, answer, _ = await client.raw("POST", "/fapi/v1/order", query, f"{body}&signature={wrong}", headers)
    assert code(answer) == -1022


@pytest.mark.parametrize(
    ("extra", "expected"),
    [("recvWindow=60001&", -1130), ("recvWindow=1000&", -1021), ("", -1102)],
    ids=["window-too-large", "outside-window", "no-timestamp"],
)
async def test_v1_timing(client: Client, sim: SimHandle, extra: str, expected: int) -> None:
    stamp = sim.frontend.now_ms() - 2000
    text = f"{extra}timestamp={stamp}" if expected != -1102 else "symbol=ETHUSDT"
    _, body, _ = await client.raw(
        "GET", "/fapi/v2/balance", f"{text}&signature={client.v1.sign(text)}", headers=client.v1.headers()
    )
    assert code(body) == expected


async def test_v1_listen_key_needs_the_key_only(client: Client) -> None:
    status, body, _ = await client.call("POST", "/fapi/v1/listenKey", auth="key")
    assert status == 200 and len(body["listenKey"]) == 64
    assert (await client.call("PUT", "/fapi/v1/listenKey", [("listenKey", body["listenKey"])], auth="key"))[1] == {}


# ------------------------------------------------------------------------------- order rules


@pytest.mark.parametrize(
    ("price", "quantity", "expected"),
    [
        ("2990.05", "0.010", -4014),  # on precision, off the 0.10 tick
        ("2990.001", "0.010", -1111),
        ("2990.00", "0.0105", -1111),
        ("2990.00", "0.0001", -1111),
        ("2990.00", "0.001", -4164),  # 2.99 USDT < MIN_NOTIONAL 5
        ("0.50", "20", -4013),
        ("3100.00", "0.010", -4016),  # above mark × 1.02
        ("2990.00", "10001", -4005),
    ],
)
async def test_filters(client: Client, price: str, quantity: str, expected: int) -> None:
    status, body, _ = await client.call("POST", "/fapi/v3/order", client.order(price, quantity))
    assert (status, code(body)) == (400, expected), body


async def test_sell_below_the_percent_price_floor(client: Client) -> None:
    _, body, _ = await client.call("POST", "/fapi/v3/order", client.order("2900.00", side="SELL"))
    assert body == {"code": -4024, "msg": "Limit price can't be lower than 2940.00."}


async def test_post_only_crossing_reduce_only_and_client_ids(client: Client, sim: SimHandle) -> None:
    top = sim.engine.top_of_book(ETH)
    crossing = client.order(str(top.ask), timeInForce="GTX")
    crossing = [p for p in crossing if p != ("timeInForce", "GTC")]
    assert (await client.call("POST", "/fapi/v3/order", crossing))[1] == {
        "code": -2021,
        "msg": "Order would immediately trigger.",
    }
    reduce = [("symbol", ETH), ("side", "SELL"), ("type", "MARKET"), ("quantity", "0.010"), ("reduceOnly", "TRUE")]
    assert code((await client.call("POST", "/fapi/v3/order", reduce))[1]) == -2022
    assert (
        code((await client.call("POST", "/fapi/v3/order", client.order("2990.00", newClientOrderId="b d")))[1]) == -4015
    )
    first = client.order("2990.00", newClientOrderId="dup-1")
    assert (await client.call("POST", "/fapi/v3/order", first))[0] == 200
    assert code((await client.call("POST", "/fapi/v3/order", first))[1]) == -2010
    cancel = [("symbol", ETH), ("origClientOrderId", "dup-1")]
    assert (await client.call("DELETE", "/fapi/v3/order", cancel))[1]["status"] == "CANCELED"
    assert (await client.call("POST", "/fapi/v3/order", first))[0] == 200  # reuse after close is allowed


async def test_reduce_only_is_exempt_from_min_notional_and_caps_at_the_position(client: Client, sim: SimHandle) -> None:
    buy = [("symbol", ETH), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.005"), ("newOrderRespType", "RESULT")]
    status, body, _ = await client.call("POST", "/fapi/v3/order", buy)
    assert (status, body["status"], body["executedQty"]) == (200, "FILLED", "0.005")
    close = [
        ("symbol", ETH),
        ("side", "SELL"),
        ("type", "MARKET"),
        ("quantity", "0.010"),
        ("reduceOnly", "true"),
        ("newOrderRespType", "RESULT"),
    ]
    status, body, _ = await client.call("POST", "/fapi/v3/order", close)  # 0.005 × 3000 < 5 USDT, reduce-only
    assert (status, body["status"], body["executedQty"], body["origQty"]) == (200, "EXPIRED", "0.005", "0.010")
    assert sim.engine.position(ACCOUNT, ETH).size == 0


async def test_ack_and_result_answers(client: Client) -> None:
    market = [("symbol", ETH), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.010")]
    _, ack, _ = await client.call("POST", "/fapi/v3/order", market)
    assert (ack["status"], ack["executedQty"], ack["avgPrice"], ack["price"], ack["cumQty"]) == (
        "NEW",
        "0",
        "0.00000",
        "0",
        "0",  # zeros are "0", except avgPrice
    )
    _, result, _ = await client.call("POST", "/fapi/v3/order", [*market, ("newOrderRespType", "RESULT")])
    assert (result["status"], result["executedQty"], result["avgPrice"]) == ("FILLED", "0.010", "3000.10000")
    _, query, _ = await client.call("GET", "/fapi/v3/order", [("symbol", ETH), ("orderId", str(result["orderId"]))])
    assert "cumQty" not in query and query["time"] > 0 and query["cumQuote"] == "30.0010"


async def test_cancel_query_and_cancel_all(client: Client) -> None:
    unknown = [("symbol", ETH), ("orderId", "1")]
    assert (await client.call("DELETE", "/fapi/v3/order", unknown))[1] == {"code": -2011, "msg": "Unknown order sent."}
    assert (await client.call("GET", "/fapi/v3/order", unknown))[1] == {"code": -2013, "msg": "Order does not exist."}
    assert code((await client.call("GET", "/fapi/v3/order", [("symbol", ETH)]))[1]) == -1102
    for price in ("2990.00", "2980.00"):
        await client.call("POST", "/fapi/v3/order", client.order(price))
    assert len((await client.call("GET", "/fapi/v3/openOrders", [("symbol", ETH)]))[1]) == 2
    status, body, _ = await client.call("DELETE", "/fapi/v3/allOpenOrders", [("symbol", ETH)])
    assert (status, body) == (200, {"code": "200", "msg": "The operation of cancel all open order is done."})
    assert (await client.call("GET", "/fapi/v3/openOrders"))[1] == []
    assert len((await client.call("GET", "/fapi/v3/allOrders", [("symbol", ETH)]))[1]) == 2


async def test_batch_orders_with_single_quotes_and_inline_errors(client: Client) -> None:
    batch = (
        "[{'symbol':'ETHUSDT','side':'BUY','type':'LIMIT','timeInForce':'GTC','quantity':'0.010','price':'2990.00'},"
        "{'symbol':'ETHUSDT','side':'BUY','type':'LIMIT','timeInForce':'GTC','quantity':'0.010','price':'2990.05'}]"
    )
    status, body, _ = await client.call("POST", "/fapi/v3/batchOrders", [("batchOrders", batch)])
    assert (
        status == 200
        and body[0]["status"] == "NEW"
        and body[1] == {"code": -4014, "msg": "Price not increased by tick size."}
    )
    ids = f'[{body[0]["orderId"]}, "1"]'
    status, body, _ = await client.call("DELETE", "/fapi/v3/batchOrders", [("symbol", ETH), ("orderIdList", ids)])
    assert body[0]["status"] == "CANCELED" and body[1]["code"] == -2011


# ------------------------------------------------------------------------------- market data


async def test_exchange_info_keeps_the_venue_strings(client: Client) -> None:
    _, info, _ = await client.call("GET", "/fapi/v3/exchangeInfo", auth="none")
    eth = next(s for s in info["symbols"] if s["symbol"] == ETH)
    assert eth["filters"][0]["tickSize"] == "0.10" and eth["pricePrecision"] == 2 and "orderTypes" in eth
    sol = next(s for s in info["symbols"] if s["symbol"] == "SOLUSDT")
    assert sol["filters"][0]["tickSize"] == "0.0100"


async def test_depth_order_limits_and_book_ticker(client: Client, sim: SimHandle) -> None:
    _, depth, _ = await client.call("GET", "/fapi/v3/depth", [("symbol", ETH), ("limit", "5")], auth="none")
    bids, asks = [D(p) for p, _ in depth["bids"]], [D(p) for p, _ in depth["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and depth["lastUpdateId"] > 0
    assert (
        code((await client.call("GET", "/fapi/v3/depth", [("symbol", ETH), ("limit", "7")], auth="none"))[1]) == -4021
    )
    _, ticker, _ = await client.call("GET", "/fapi/v3/ticker/bookTicker", [("symbol", ETH)], auth="none")
    assert (ticker["bidPrice"], ticker["askPrice"]) == ("2999.90", "3000.10")
    assert ticker["lastUpdateId"] == depth["lastUpdateId"]
    _, ticker24, _ = await client.call("GET", "/fapi/v1/ticker/24hr", [("symbol", ETH)], auth="none")
    assert "baseAsset" not in ticker24
    assert code((await client.call("GET", "/fapi/v3/indexreferences", [("symbol", "NOPE")], auth="none"))[1]) == -1000
    for path in ("/fapi/v3/ping", "/api/v3/ping", "/api/v1/time", "/fapi/v1/premiumIndex", "/fapi/v3/fundingInfo"):
        assert (await client.call("GET", path, auth="none"))[0] == 200
    assert (await client.call("GET", "/api/v3/exchangeInfo", auth="none"))[1]["symbols"] == []


async def test_positions_balance_account_and_settings(client: Client) -> None:
    market = [("symbol", ETH), ("side", "SELL"), ("type", "MARKET"), ("quantity", "0.020")]
    await client.call("POST", "/fapi/v3/order", market)
    _, rows, _ = await client.call("GET", "/fapi/v3/positionRisk", [("symbol", ETH)])
    (row,) = rows
    assert (row["positionAmt"], row["marginType"], row["positionSide"]) == ("-0.020", "cross", "BOTH")
    assert D(row["notional"]) < 0
    _, balances, _ = await client.call("GET", "/fapi/v3/balance")
    assert [b["asset"] for b in balances] == ["USDT", "BNB", "USDF"]
    _, account, _ = await client.call("GET", "/fapi/v3/accountWithJoinMargin")
    assert {p["symbol"] for p in account["positions"]} >= {ETH, "BTCUSDT"}
    assert (await client.call("GET", "/fapi/v3/positionSide/dual"))[1] == {"dualSidePosition": False}
    assert code((await client.call("POST", "/fapi/v3/positionSide/dual", [("dualSidePosition", "false")]))[1]) == -4059
    assert (
        code((await client.call("POST", "/fapi/v3/marginType", [("symbol", ETH), ("marginType", "CROSSED")]))[1])
        == -4046
    )
    _, lev, _ = await client.call("POST", "/fapi/v3/leverage", [("symbol", ETH), ("leverage", "21")])
    assert lev == {"leverage": 21, "maxNotionalValue": "10000000", "symbol": ETH}
    assert (await client.call("POST", "/fapi/v3/noop"))[1] == {"code": 200, "msg": "success"}
    assert code((await client.call("GET", "/fapi/v3/adlQuantile"))[1]) == -1020


async def test_resting_orders_move_the_margin_not_the_position(client: Client) -> None:
    """positionRisk's `positionAmt` and `notional` are the position's alone (signed: a short is
    negative); the account's per-symbol `initialMargin` also holds the resting orders' margin (spec
    §4.4; the docs' account example splits it into positionInitialMargin + openOrderInitialMargin)."""
    market = [("symbol", ETH), ("side", "SELL"), ("type", "MARKET"), ("quantity", "0.020")]
    await client.call("POST", "/fapi/v3/order", market)
    await client.call("POST", "/fapi/v3/order", client.order("2990.0", "0.030", "BUY"))
    await client.call("POST", "/fapi/v3/order", client.order("3010.0", "0.040", "SELL"))
    _, (risk,), _ = await client.call("GET", "/fapi/v3/positionRisk", [("symbol", ETH)])
    assert risk["positionAmt"] == "-0.020"
    assert D(risk["notional"]) == D("-0.020") * D(risk["markPrice"])
    _, account, _ = await client.call("GET", "/fapi/v3/accountWithJoinMargin")
    (row,) = [p for p in account["positions"] if p["symbol"] == ETH]
    leverage = D(row["leverage"])
    assert D(row["positionInitialMargin"]) == D("0.020") * D(risk["markPrice"]) / leverage
    assert D(row["openOrderInitialMargin"]) == (D("0.030") * D("2990.0") + D("0.040") * D("3010.0")) / leverage
    assert D(row["initialMargin"]) == D(row["positionInitialMargin"]) + D(row["openOrderInitialMargin"])
    assert row["positionAmt"] == "-0.020"


# --------------------------------------------------------------------------------- failures


async def test_rate_limit_then_ban_with_headers() -> None:
    from xtb.sim.aster.settings import RateLimits

    sim = await start_aster(rate_limits=RateLimits(weight_per_minute=3, bans_after=1, ban_seconds=60))
    try:
        async with __import__("aiohttp").ClientSession() as http:
            client = Client(http, sim)
            for _ in range(3):
                assert (await client.call("GET", "/fapi/v3/ping", auth="none"))[0] == 200
            status, body, headers = await client.call("GET", "/fapi/v3/ping", auth="none")
            assert (status, body["code"], headers["X-MBX-USED-WEIGHT-1M"]) == (429, -1003, "3")
            assert int(headers["Retry-After"]) >= 1
            assert (await client.call("GET", "/fapi/v3/ping", auth="none"))[0] == 429
            assert (await client.call("GET", "/fapi/v3/ping", auth="none"))[0] == 418
    finally:
        await sim.stop()


async def test_venue_faults(client: Client, sim: SimHandle) -> None:
    sim.frontend.venue_faults.error_with_200 = 1
    assert (await client.call("GET", "/fapi/v3/order", [("symbol", ETH), ("orderId", "1")]))[:2] == (
        200,
        {"code": -2013, "msg": "Order does not exist."},
    )
    sim.frontend.venue_faults.order_unknown_503 = 1
    status, body, _ = await client.call("POST", "/fapi/v3/order", client.order("2990.00"))
    assert (status, code(body)) == (503, -1007) and len(sim.control.open_orders(ACCOUNT)) == 1  # placed all the same
    sim.frontend.venue_faults.html_500 = 1
    status, body, _ = await client.call("GET", "/fapi/v3/openOrders")
    assert status == 500 and "something went wrong" in body
