"""Orders on the Hyperliquid simulator over HTTP (spec §3, §4.3, §6.3, §10.10–§10.17): each check in
the venue's order with its exact text, fills, reduce-only, cancel, modify, scheduleCancel, leverage,
self-trade and the 5xx-after-execute fault.

The ETH book is the frozen synthetic market around 3500 (bid 3499.9, ask 3500.1, 5 ETH a level);
texts come from fixtures/sim_examples.json (§8 table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.hyperliquid.sim_client import BTC, ETH, Client, order
from tests.waiting import eventually
from xtb.sim.server import SimHandle

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "sim_examples.json").read_text())
TEXTS = EXAMPLES["texts"]
CLOID = "0x0000000000000000000000000000abcd"


async def status_of(client: Client, ref: int | str) -> dict[str, Any]:
    body = await client.ok_info({"type": "orderStatus", "user": client.user, "oid": ref})
    assert body["status"] == "order", body
    return body["order"]


async def position(client: Client, coin: str = "ETH") -> str:
    for entry in (await client.state())["assetPositions"]:
        if entry["position"]["coin"] == coin:
            return entry["position"]["szi"]
    return "0.0"


# ------------------------------------------------------------------------------ the checks


async def test_post_only_crossing_names_the_bbo_and_is_queryable(client: Client) -> None:
    """§4.3.1 / §10.11: the per-order error with `<bid>@<ask>`, and the refused order has an oid,
    is queryable by cloid with status badAloPxRejected."""
    statuses = await client.place(order(ETH, True, "3500.1", "0.05", "Alo", cloid=CLOID))
    assert statuses == [{"error": TEXTS["post_only"].format(b="3499.9", ask="3500.1", a=ETH)}]
    refused = await status_of(client, CLOID)
    assert refused["status"] == "badAloPxRejected" and refused["order"]["cloid"] == CLOID
    assert await client.ok_info({"type": "openOrders", "user": client.user}) == []


async def test_each_check_in_the_venue_order(client: Client) -> None:
    """§11.6: size → price → band → min value → reduce-only; each with its text."""
    cases = [
        (order(ETH, True, "3400", "0.00001"), TEXTS["invalid_size"]),  # 5 decimals, szDecimals 4
        (order(ETH, True, "3400.55", "0.00001"), TEXTS["invalid_size"]),  # size is checked first
        (order(ETH, True, "3400.55", "0.05"), TEXTS["tick"].format(a=ETH)),  # 6 significant figures
        (order(BTC, True, "59000.5", "0.01"), TEXTS["tick"].format(a=BTC)),  # BTC: integers above 10000
        (order(ETH, True, "300", "1"), TEXTS["band"]),  # 91 % below the mark
        (order(ETH, True, "300", "0.001"), TEXTS["band"]),  # the band before the minimum value
        (order(ETH, True, "3400", "0.002"), TEXTS["min_value"].format(a=ETH)),  # $6.8
        (order(ETH, False, "3600", "0.01", reduce_only=True), TEXTS["reduce_only"].format(a=ETH)),  # no position
    ]
    for wire, text in cases:
        assert await client.place(wire) == [{"error": text}], wire


async def test_integer_prices_are_always_valid(client: Client) -> None:
    """§3: integers pass the significant-figures rule (BTC 59001 has 5, 101000 would have 6)."""
    statuses = await client.place(order(BTC, True, "59001", "0.01"))
    assert "resting" in statuses[0]


async def test_ioc_fills_and_records_the_fill(client: Client) -> None:
    """An IOC that takes the ask: `filled` with totalSz/avgPx/oid; the fill newest first with the
    §10.18 taker fee rounded to 6 decimals (0.05 × 3500.1 × 0.00045 = 0.07875225)."""
    statuses = await client.place(order(ETH, True, "3600", "0.05", "Ioc", cloid=CLOID))
    filled = statuses[0]["filled"]
    assert (filled["totalSz"], filled["avgPx"], filled["cloid"]) == ("0.05", "3500.1", CLOID)
    fills = await client.ok_info({"type": "userFills", "user": client.user})
    assert len(fills) == 1
    fill = fills[0]
    assert (fill["px"], fill["sz"], fill["side"], fill["dir"], fill["startPosition"], fill["crossed"]) == (
        "3500.1", "0.05", "B", "Open Long", "0.0", True)  # fmt: skip
    assert fill["fee"] == "0.078752" and fill["feeToken"] == "USDC" and fill["oid"] == filled["oid"]
    assert fill["cloid"] == CLOID
    assert (await status_of(client, filled["oid"]))["status"] == "filled"
    assert await position(client) == "0.05"


async def test_ioc_with_nothing_to_match(client: Client) -> None:
    statuses = await client.place(order(ETH, True, "3400", "0.05", "Ioc", cloid=CLOID))
    assert statuses == [{"error": TEXTS["ioc"].format(a=ETH)}]
    assert (await status_of(client, CLOID))["status"] == "iocCancelRejected"


async def test_ioc_partly_filled_ends_canceled(client: Client) -> None:
    """§10.15: 5 ETH at the ask, 6 asked up to 3500.1: 5 filled, the rest cancelled."""
    statuses = await client.place(order(ETH, True, "3500.1", "6", "Ioc"))
    assert statuses[0]["filled"]["totalSz"] == "5.0"
    assert (await status_of(client, statuses[0]["filled"]["oid"]))["status"] == "canceled"


async def test_reduce_only_caps_never_flips_and_closes_whole_positions_below_10(client: Client) -> None:
    """§6.3 / §3: reduce-only larger than the position fills the position; wrong side refused; a
    whole close under $10 is exempt from the minimum, a partial one is not."""
    await client.place(order(ETH, True, "3600", "0.05", "Ioc"))
    assert await client.place(order(ETH, True, "3600", "0.01", "Ioc", reduce_only=True)) == [
        {"error": TEXTS["reduce_only"].format(a=ETH)}]  # fmt: skip
    statuses = await client.place(order(ETH, False, "3400", "0.1", "Ioc", reduce_only=True))
    assert statuses[0]["filled"]["totalSz"] == "0.05"
    assert await position(client) == "0.0"
    await client.place(order(ETH, True, "3600", "0.003", "Ioc"))  # $10.5
    assert await client.place(order(ETH, False, "3400", "0.001", "Ioc")) == [
        {"error": TEXTS["min_value"].format(a=ETH)}
    ]
    statuses = await client.place(order(ETH, False, "3400", "0.003", "Ioc"))  # $10.2 at 3400, fills at 3499.9
    assert statuses[0]["filled"]["totalSz"] == "0.003"
    await client.place(order(ETH, True, "3600", "0.003", "Ioc"))
    statuses = await client.place(order(ETH, False, "3000", "0.003", "Ioc"))  # $9 at its limit: whole close
    assert "filled" in statuses[0]


async def test_a_capped_reduce_only_order_ends_with_what_it_filled_never_filled_with_size_left(client: Client) -> None:
    """An IOC reduce-only twice the position fills the position and ends `canceled` with the rest as
    `sz` (§6.2: a `filled` answer with totalSz < s; §10 item 15), on the answer, orderStatus and
    orderUpdates alike: a client reading filled = origSz - sz gets what filled."""
    await client.place(order(ETH, True, "3600", "0.05", "Ioc"))
    statuses = await client.place(order(ETH, False, "3400", "0.1", "Ioc", reduce_only=True, cloid=CLOID))
    assert statuses[0]["filled"]["totalSz"] == "0.05"
    status = await status_of(client, CLOID)
    assert (status["status"], status["order"]["sz"], status["order"]["origSz"]) == ("canceled", "0.05", "0.1")


async def test_resting_reduce_only_is_cancelled_when_the_position_closes(client: Client) -> None:
    await client.place(order(ETH, True, "3600", "0.05", "Ioc"))
    resting = await client.place(order(ETH, False, "3600", "0.05", reduce_only=True, cloid=CLOID))
    assert "resting" in resting[0]
    listed = await client.ok_info({"type": "openOrders", "user": client.user})
    assert listed[0]["reduceOnly"] is True and listed[0]["cloid"] == CLOID
    await client.place(order(ETH, False, "3400", "0.05", "Ioc"))
    assert (await status_of(client, CLOID))["status"] == "reduceOnlyCanceled"


async def test_margin_refusal_and_leverage(client: Client) -> None:
    """§10.16: 1 000 000 USDC at the default 20× margins 20 M of BTC; 23.6 M is refused until 40×."""
    wire = order(BTC, True, "59000", "400")
    assert await client.place(wire) == [{"error": TEXTS["margin"].format(a=BTC)}]
    assert await client.ok({"type": "updateLeverage", "asset": BTC, "isCross": True, "leverage": 40}) == {
        "type": "default"
    }
    assert "resting" in (await client.place(wire))[0]
    assert (
        await client.err({"type": "updateLeverage", "asset": BTC, "isCross": True, "leverage": 41})
        == "Invalid leverage value."
    )


async def test_switching_leverage_type_with_a_position(client: Client) -> None:
    await client.place(order(ETH, True, "3600", "0.05", "Ioc"))
    text = await client.err({"type": "updateLeverage", "asset": ETH, "isCross": False, "leverage": 10})
    assert text == TEXTS["switch_leverage"]
    assert await client.ok({"type": "updateLeverage", "asset": ETH, "isCross": True, "leverage": 5}) == {
        "type": "default"
    }
    state = await client.state()
    assert state["assetPositions"][0]["position"]["leverage"] == {"type": "cross", "value": 5}


async def test_batch_over_200_is_one_error(client: Client) -> None:
    orders = [order(ETH, True, "3400", "0.01")] * 201
    assert await client.err({"type": "order", "orders": orders, "grouping": "na"}) == TEXTS["over_weight"]


async def test_asset_suffix_switch(client: Client, sim: SimHandle) -> None:
    """§10.10: the docs' form without ` asset=<a>`."""
    async with client.http.put(sim.urls["control"] + "/settings", json={"asset_suffix": False}) as response:
        assert response.status == 200
    assert await client.place(order(ETH, True, "3400", "0.002")) == [{"error": "Order must have minimum value of $10."}]


# ------------------------------------------------------------------------------ cancel / modify


async def test_cancel_flows(client: Client) -> None:
    """§4.3.2: success, then the MissingOrder text for a cancelled, a filled, a made-up order and the
    wrong asset; a batch answers per entry."""
    resting = (await client.place(order(ETH, True, "3400", "0.01")))[0]["resting"]["oid"]
    filled = (await client.place(order(ETH, True, "3600", "0.01", "Ioc")))[0]["filled"]["oid"]
    missing = {"error": TEXTS["missing_order"].format(a=ETH)}
    response = await client.ok({"type": "cancel", "cancels": [{"a": BTC, "o": resting}]})
    assert response["data"]["statuses"] == [{"error": TEXTS["missing_order"].format(a=BTC)}]
    cancels = [{"a": ETH, "o": resting}, {"a": ETH, "o": filled}, {"a": ETH, "o": 1}]
    response = await client.ok({"type": "cancel", "cancels": cancels})
    assert response == {"type": "cancel", "data": {"statuses": ["success", missing, missing]}}
    assert (await status_of(client, resting))["status"] == "canceled"


async def test_cloid_lookups_are_case_insensitive_and_newest_wins(client: Client) -> None:
    """§10.14: a duplicate cloid is accepted; lookups find the newest."""
    first = (await client.place(order(ETH, True, "3400", "0.01", cloid=CLOID)))[0]["resting"]["oid"]
    second = (await client.place(order(ETH, True, "3401", "0.01", cloid=CLOID)))[0]["resting"]["oid"]
    assert second != first
    assert (await status_of(client, CLOID.upper().replace("0X", "0x")))["order"]["oid"] == second
    response = await client.ok({"type": "cancelByCloid", "cancels": [{"asset": ETH, "cloid": CLOID}]})
    assert response["data"]["statuses"] == ["success"]
    assert (await status_of(client, first))["status"] == "open"


async def test_modify_is_cancel_and_replace(client: Client) -> None:
    """§4.3.3: `default`; the new order has a new oid and the cloid; the old ends canceled and
    modifying it again is refused."""
    old = (await client.place(order(ETH, True, "3400", "0.01", cloid=CLOID)))[0]["resting"]["oid"]
    wire = order(ETH, True, "3401", "0.02", cloid=CLOID)
    assert await client.ok({"type": "modify", "oid": old, "order": wire}) == {"type": "default"}
    assert (await status_of(client, old))["status"] == "canceled"
    new = await status_of(client, CLOID)
    assert new["status"] == "open" and new["order"]["oid"] != old
    assert (new["order"]["limitPx"], new["order"]["sz"]) == ("3401.0", "0.02")
    assert await client.err({"type": "modify", "oid": old, "order": wire}) == TEXTS["cannot_modify"]
    modifies = [{"oid": CLOID, "order": order(ETH, True, "3402", "0.02", cloid=CLOID)}, {"oid": old, "order": wire}]
    response = await client.ok({"type": "batchModify", "modifies": modifies})
    statuses = response["data"]["statuses"]
    assert response["type"] == "order" and statuses[1] == {"error": TEXTS["cannot_modify"]}
    assert statuses[0]["resting"]["cloid"] == CLOID and statuses[0]["resting"]["oid"] > new["order"]["oid"]
    listed = await client.ok_info({"type": "openOrders", "user": client.user})
    assert [(o["oid"], o["limitPx"]) for o in listed] == [(statuses[0]["resting"]["oid"], "3402.0")]


async def test_self_trade_cancels_the_resting_order(client: Client) -> None:
    """§10.17: the taker meets its own resting sell; the resting one ends selfTradeCanceled."""
    own = (await client.place(order(ETH, False, "3500", "0.01")))[0]["resting"]["oid"]
    statuses = await client.place(order(ETH, True, "3500", "0.01", "Ioc"))
    assert statuses == [{"error": TEXTS["ioc"].format(a=ETH)}]
    assert (await status_of(client, own))["status"] == "selfTradeCanceled"


async def test_trigger_orders_wait(client: Client) -> None:
    wire = {"a": ETH, "b": False, "p": "3000", "s": "0.01", "r": False,
            "t": {"trigger": {"isMarket": True, "triggerPx": "3100", "tpsl": "sl"}}}  # fmt: skip
    assert await client.place(wire) == ["waitingForTrigger"]
    listed = await client.ok_info({"type": "frontendOpenOrders", "user": client.user})
    assert (listed[0]["isTrigger"], listed[0]["orderType"], listed[0]["triggerPx"]) == (True, "Stop Market", "3100.0")
    assert listed[0]["triggerCondition"] == "Price below 3100.0"
    response = await client.ok({"type": "cancel", "cancels": [{"a": ETH, "o": listed[0]["oid"]}]})
    assert response["data"]["statuses"] == ["success"]


async def test_scheduled_cancel(client: Client, sim: SimHandle) -> None:
    """§4.3.4: a time under now + 5 s is refused; when it comes, open orders end scheduledCancel."""
    now = client.nonce()
    assert (
        await client.err({"type": "scheduleCancel", "time": now + 1000})
        == sim.frontend.settings.schedule_cancel_too_early_text
    )  # type: ignore[attr-defined]
    oid = (await client.place(order(ETH, True, "3400", "0.01")))[0]["resting"]["oid"]
    async with client.http.put(sim.urls["control"] + "/settings", json={"schedule_cancel_min_delay_ms": 0}) as r:
        assert r.status == 200
    assert await client.ok({"type": "scheduleCancel", "time": client.nonce() + 100}) == {"type": "default"}

    async def cancelled() -> bool:
        return (await status_of(client, oid))["status"] == "scheduledCancel"

    await eventually(cancelled, what="the scheduled cancel fired")
    assert await client.ok({"type": "scheduleCancel"}) == {"type": "default"}


async def test_five_xx_after_execute(client: Client, sim: SimHandle) -> None:
    """§11.13: the action runs, the answer is lost (502); the order is there."""
    sim.control.add_faults({"rest": [{"action": "apply_then_status", "path": "/exchange", "status": 502}]})
    status, _ = await client.exchange({"type": "order", "orders": [order(ETH, True, "3400", "0.01", cloid=CLOID)],
                                       "grouping": "na"})  # fmt: skip
    assert status == 502
    assert (await status_of(client, CLOID))["status"] == "open"
