"""The GRVT simulator's builder chain (§4.10: minting a key for a builder's signer, the trades-host
authorisation, order-time builder checks, builder fills) and its account routes (§4.7, §4.9)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eth_account import Account

from tests.grvt.conftest import BTC, Client, fe
from xtb.sim.grvt import eip712
from xtb.sim.grvt.settings import EXAMPLE_BUILDER
from xtb.sim.server import SimHandle

BUILDER_KEY = "0x" + "6" * 64


def signed(primary: str, message: dict[str, Any], key: str) -> dict[str, Any]:
    sig = eip712.sign(eip712.typed_message(primary, message, 326), key)
    return {**sig, "nonce": message["nonce"], "expiration": str(message["expiration"]), "chain_id": "326"}


async def test_builder_key_minting_authorisation_and_builder_orders(sim: SimHandle, client: Client) -> None:
    main, wallet = sim.account["account_id"], sim.account["wallet_private_key"]
    builder_signer = str(Account.from_key(BUILDER_KEY).address).lower()
    expiration = fe(sim).now_ns() + 7 * 86_400 * 10**9
    message = {"accountID": main, "signer": builder_signer, "permissions": "Trade",
               "builderAccountID": EXAMPLE_BUILDER, "maxFutureFeeRate": 100, "maxSpotFeeRate": 10, "nonce": 5,
               "expiration": expiration}  # fmt: skip
    body = {"main_account_id": main, "builder_account_id": EXAMPLE_BUILDER, "max_futures_fee_rate": "0.01",
            "max_spot_fee_rate": "0.001", "signature": signed("AddAccountSignerWithBuilder", message, wallet),
            "builder_api_key_label": "routing", "builder_api_key_signer": builder_signer,
            "builder_api_key_permissions": "Trade"}  # fmt: skip
    async with client.http.post(client.urls["edge"] + "/auth/builder/authorize", json=body) as resp:
        minted = await resp.json()
    assert resp.status == 200 and minted["api_key"]
    builder = Client(client.http, sim, {**sim.account, "api_key": minted["api_key"], "private_key": BUILDER_KEY})
    assert (await builder.login())[0] == 200  # the minted key trades the user's sub-account
    unsigned_fee = builder.order("59000")
    unsigned_fee["order"].update({"builder": EXAMPLE_BUILDER, "builder_fee": "0.01"})
    status, answer = await builder.create(unsigned_fee)
    assert (status, answer["code"]) == (403, 2002)  # signed as a plain Order: the builder fee is not covered
    status, answer = await builder.create(builder_order(builder, EXAMPLE_BUILDER, "0.01"))
    assert status == 200 and answer["result"]["builder"] == EXAMPLE_BUILDER
    status, answer = await client.call("get_authorized_builders")
    assert answer["results"][0]["max_futures_fee_rate"] == "0.01"


async def test_trades_host_authorisation_and_order_time_builder_checks(sim: SimHandle, client: Client) -> None:
    main, wallet = sim.account["account_id"], sim.account["wallet_private_key"]
    expiration = fe(sim).now_ns() + 86_400 * 10**9
    message = {"mainAccountID": main, "builderAccountID": EXAMPLE_BUILDER, "maxFutureFeeRate": 10,
               "maxSpotFeeRate": 1, "nonce": 9, "expiration": expiration}  # fmt: skip
    body = {"main_account_id": main, "builder_account_id": EXAMPLE_BUILDER, "max_futures_fee_rate": "0.001",
            "max_spot_fee_rate": "0.0001", "signature": signed("AuthorizeBuilder", message, wallet)}  # fmt: skip
    status, answer = await client.call("authorize_builder", body)
    assert (status, answer) == (200, {"result": {"ack": True, "tx_id": "0"}})
    for fee, code in (("0.002", 7500), ("-0.001", 7501)):
        status, answer = await client.create(builder_order(client, EXAMPLE_BUILDER, fee))
        assert (status, answer["code"]) == (400, code)
    unknown = "0x" + "7" * 40
    assert (await client.create(builder_order(client, unknown, "0.001")))[1]["code"] == 7502
    other = sim.account["account_id"]  # a registered main account exists as a builder, but was not authorised
    assert (await client.create(builder_order(client, other, "0.001")))[1]["code"] == 7504
    top = sim.engine.top_of_book(BTC)
    status, answer = await client.create(builder_order(client, EXAMPLE_BUILDER, "0.001", str(top.ask)))
    assert status == 200 and answer["result"]["builder_fee"] == "0.001"
    status, answer = await client.call("fill_history", {"sub_account_id": client.sub})
    (fill,) = answer["result"]
    assert (fill["builder"], fill["builder_fee_rate"]) == (EXAMPLE_BUILDER, "0.001")


def builder_order(client: Client, builder: str, fee: str, price: str = "59000") -> dict[str, Any]:
    """An order with a builder fee, signed as `OrderWithBuilderFee` by the simulator's own structs
    (grvt-pysdk 0.2.1 cannot sign builder orders)."""
    body = client.order(price, tif="IMMEDIATE_OR_CANCEL" if price != "59000" else "GOOD_TILL_TIME")
    order = body["order"]
    leg = order["legs"][0]
    market = fe(client.handle).market_defs[leg["instrument"]]
    scaled_fee = max(0, eip712.truncate_scaled(eip712.Decimal(fee), eip712.BUILDER_FEE_DECIMALS))
    primary, message = eip712.order_message(
        sub_account_id=int(order["sub_account_id"]), is_market=False,
        time_in_force=eip712.TIME_IN_FORCE[order["time_in_force"]], post_only=False, reduce_only=False,
        legs=[{"assetID": market.asset_id, "contractSize": eip712.truncate_scaled(eip712.Decimal(leg["size"]), 9),
               "limitPrice": eip712.truncate_scaled(eip712.Decimal(leg["limit_price"]), 9),
               "isBuyingContract": leg["is_buying_asset"]}],
        nonce=order["signature"]["nonce"], expiration=int(order["signature"]["expiration"]), builder=builder,
        builder_fee=scaled_fee,
    )  # fmt: skip
    sig = eip712.sign(eip712.typed_message(primary, message, 326), client.creds["private_key"])
    order["signature"].update(sig)
    order.update({"builder": builder, "builder_fee": fee})
    return body


async def test_account_routes(sim: SimHandle, client: Client) -> None:
    sub = {"sub_account_id": client.sub}
    status, answer = await client.call("cancel_on_disconnect", {**sub, "countdown_time": 300_001})
    assert (status, answer["code"]) == (400, 6000)
    assert (await client.call("cancel_on_disconnect", {**sub, "countdown_time": 5000}))[1] == {"result": {"ack": True}}
    assert (await client.call("cancel_on_disconnect", {**sub, "countdown_time": 0}))[1] == {"result": {"ack": True}}
    assert (await client.call("set_initial_leverage", {**sub, "instrument": BTC, "leverage": "5"}))[1] == {
        "success": True
    }
    status, answer = await client.call("get_all_initial_leverage", sub)
    assert {r["instrument"]: r["leverage"] for r in answer["results"]}[BTC] == "5.0"
    status, answer = await client.call("aggregated_account_summary")
    assert answer["result"]["main_account_id"] == sim.account["account_id"]
    status, answer = await client.call("account_history", sub)
    assert status == 200 and answer["next"] == "" and answer["result"][0]["sub_account_id"] == client.sub


async def test_a_shorts_size_and_notional_are_negative(sim: SimHandle, client: Client) -> None:
    """`Positions.size` and `notional` are "negative for short" (grvt-pysdk's schema); the notional
    is the size at the mark price (the book's mid)."""
    assert (await client.create(client.order(None, buy=False, tif="IMMEDIATE_OR_CANCEL")))[0] == 200
    (truth,) = sim.control.positions(sim.frontend.test_account)
    top = sim.engine.top_of_book(BTC)
    assert truth.size == Decimal("-0.01") and top.bid is not None and top.ask is not None
    mark = (top.bid + top.ask) / 2
    status, answer = await client.call("positions", {"sub_account_id": client.sub})
    assert status == 200
    (position,) = answer["result"]
    assert (Decimal(position["size"]), Decimal(position["mark_price"])) == (truth.size, mark)
    assert Decimal(position["notional"]) == truth.size * mark < 0
    status, answer = await client.call("account_summary", {"sub_account_id": client.sub})
    assert status == 200
    assert Decimal(answer["result"]["initial_margin"]) == abs(truth.size * mark) / 10  # margin is never negative
