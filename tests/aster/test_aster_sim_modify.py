"""PUT /fapi/v3/order (spec §4.3): a resting LIMIT order gets a new quantity and price and keeps its
id; a change the filters refuse leaves it as it was; the user stream says AMENDMENT (§5.3)."""

from __future__ import annotations

from decimal import Decimal

import aiohttp

from tests.aster.conftest import ETH, Client, receive_until
from xtb.sim.server import SimHandle

D = Decimal
ACCOUNT = "test-account"


async def place(client: Client, price: str, tif: str = "GTC", **extra: str) -> dict:
    pairs = [(k, tif if k == "timeInForce" else v) for k, v in client.order(price, **extra)]
    status, body, _ = await client.call("POST", "/fapi/v3/order", pairs)
    assert status == 200, body
    return body


def modify(order_id: int, quantity: str, price: str) -> list[tuple[str, str]]:
    return [("symbol", ETH), ("orderId", str(order_id)), ("quantity", quantity), ("price", price)]


async def test_modify_keeps_the_id_and_moves_the_order(
    client: Client, sim: SimHandle, http: aiohttp.ClientSession
) -> None:
    _, key, _ = await client.call("POST", "/fapi/v3/listenKey")
    async with http.ws_connect(sim.urls["ws"] + "/ws/" + key["listenKey"]) as ws:
        placed = await place(client, "2990.00")
        status, body, _ = await client.call("PUT", "/fapi/v3/order", modify(placed["orderId"], "0.020", "2985.50"))
        assert status == 200, body
        assert (body["orderId"], body["clientOrderId"]) == (placed["orderId"], placed["clientOrderId"])
        assert (body["status"], body["price"], body["origQty"]) == ("NEW", "2985.50", "0.020")
        (truth,) = sim.control.open_orders(ACCOUNT)
        assert (truth.price, truth.size) == (D("2985.50"), D("0.020"))
        assert sim.control.book(ETH, 50).bids  # still resting on the book
        frame, _ = await receive_until(ws, lambda f: f.get("o", {}).get("x") == "AMENDMENT")
        assert (frame["o"]["i"], frame["o"]["p"], frame["o"]["q"], frame["o"]["X"]) == (
            placed["orderId"],
            "2985.50",
            "0.020",
            "NEW",
        )
    _, queried, _ = await client.call("GET", "/fapi/v3/order", [("symbol", ETH), ("orderId", str(placed["orderId"]))])
    assert (queried["price"], queried["origQty"]) == ("2985.50", "0.020")


async def test_modify_by_client_id_to_a_crossing_price_trades(client: Client, sim: SimHandle) -> None:
    placed = await place(client, "2990.00", newClientOrderId="mod-1")
    ask = sim.control.book(ETH).asks[0].price
    pairs = [("symbol", ETH), ("origClientOrderId", "mod-1"), ("quantity", "0.010"), ("price", str(ask))]
    status, body, _ = await client.call("PUT", "/fapi/v3/order", pairs)
    assert status == 200, body
    assert body["orderId"] == placed["orderId"] and body["status"] == "FILLED" and body["executedQty"] == "0.010"
    assert [f.price for f in sim.control.fills(ACCOUNT)] == [ask]


async def test_a_refused_change_leaves_the_order_as_it_was(client: Client, sim: SimHandle) -> None:
    placed = await place(client, "2990.00")
    order_id = placed["orderId"]
    for pairs, code in [
        (modify(order_id, "0.010", "2985.55"), -4014),  # off the tick
        (modify(order_id, "0.0105", "2985.50"), -1111),  # more decimals than the step allows
        ([("symbol", ETH), ("orderId", str(order_id)), ("quantity", "0.010")], -1102),  # price is required
        (modify(17_300_999_999, "0.010", "2985.50"), -2013),
    ]:
        status, body, _ = await client.call("PUT", "/fapi/v3/order", pairs)
        assert (status, body["code"]) == (400, code), pairs
    (truth,) = sim.control.open_orders(ACCOUNT)
    assert (truth.price, truth.size) == (D("2990.00"), D("0.010"))


async def test_a_post_only_change_that_would_cross_is_refused(client: Client, sim: SimHandle) -> None:
    placed = await place(client, "2990.00", tif="GTX")
    ask = sim.control.book(ETH).asks[0].price
    status, body, _ = await client.call("PUT", "/fapi/v3/order", modify(placed["orderId"], "0.010", str(ask)))
    assert (status, body) == (400, {"code": -2021, "msg": "Order would immediately trigger."})
    (truth,) = sim.control.open_orders(ACCOUNT)
    assert truth.price == D("2990.00") and not sim.control.fills(ACCOUNT)


async def test_a_closed_order_cannot_be_modified(client: Client) -> None:
    placed = await place(client, "2990.00")
    order = [("symbol", ETH), ("orderId", str(placed["orderId"]))]
    assert (await client.call("DELETE", "/fapi/v3/order", order))[0] == 200
    status, body, _ = await client.call("PUT", "/fapi/v3/order", modify(placed["orderId"], "0.010", "2985.50"))
    assert (status, body) == (400, {"code": -2013, "msg": "Order does not exist."})
