"""The Backpack simulator's reference data, market history and order limits (spec §4.2, §4.14,
§4.15): each route answers the documented shape, its values move with the engine, and bad
parameters get the venue's plain-text or JSON errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from tests.backpack.conftest import BTC, SOL, Client, connect, receive_until, signer_for, start_backpack, synced
from xtb.sim.backpack.klines import bucket
from xtb.sim.server import SimHandle

KLINE_KEYS = {"start", "end", "open", "high", "low", "close", "volume", "quoteVolume", "trades"}
TOKEN_KEYS = {
    "blockchain", "contractAddress", "depositEnabled", "displayName", "minimumDeposit", "withdrawEnabled",
    "minimumWithdrawal", "maximumWithdrawal", "withdrawalFee", "nativeDecimals",
}  # fmt: skip
SPACE_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
INVALID = "INVALID_CLIENT_REQUEST"
BUY_2 = {"symbol": SOL, "side": "Bid", "orderType": "Market", "quantity": "2"}


async def public(client: Client, path: str, **params: Any) -> tuple[int, Any]:
    status, body, _ = await client.call("GET", path, params=params, signed=False)
    return status, body


def parse_error(name: str, type_name: str, problem: str = "Expect a valid enumeration value.") -> str:
    return f'failed to parse parameter `{name}`: failed to parse "{type_name}": {problem}'


def missing(name: str, type_name: str) -> str:
    return f'failed to parse parameter `{name}`: Type "{type_name}" expects an input value.'


async def test_reference_data_has_the_documented_shapes(client: Client) -> None:
    status, assets = await public(client, "/api/v1/assets")
    assert status == 200
    assert [a["symbol"] for a in assets] == ["USDC", "SOL", "BTC"]  # the collateral, then each market's base
    for asset in assets:
        assert set(asset) == {"symbol", "displayName", "coingeckoId", "tokens"}
        (token,) = asset["tokens"]
        assert set(token) == TOKEN_KEYS and isinstance(token["contractAddress"], str)
        assert (token["depositEnabled"], token["withdrawEnabled"]) == (False, False)  # the sim moves no coins
    assert {a["symbol"]: a["tokens"][0]["nativeDecimals"] for a in assets} == {"USDC": 6, "SOL": 2, "BTC": 5}
    status, collateral = await public(client, "/api/v1/collateral")
    assert status == 200
    (usdc,) = collateral
    assert set(usdc) == {"symbol", "imfFunction", "mmfFunction", "haircutFunction"} and usdc["symbol"] == "USDC"
    _, account_collateral, _ = await client.call("GET", "/api/v1/capital/collateral")
    assert usdc["imfFunction"]["base"] == account_collateral["imf"]
    assert usdc["haircutFunction"]["weight"] == account_collateral["collateral"][0]["collateralWeight"]
    for path in ("/api/v1/securities", "/api/v1/market-sessions", "/api/v1/borrowLend/markets", "/api/v1/vaults",
                 "/api/v1/wallets"):  # fmt: skip
        assert await public(client, path) == (200, [])


async def test_a_market_order_quotes_what_its_quantity_costs(sim: SimHandle, client: Client) -> None:
    """§4.5 live sample: a Market order sent with `quantity` only comes back with `quoteQuantity`
    filled in, rounded up to the price decimals."""
    sim.control.set_mid(SOL, "150")  # best ask 150.01
    status, order, _ = await client.call("POST", "/api/v1/order", body=BUY_2)
    assert status == 200, order
    assert (order["quantity"], order["quoteQuantity"], order["executedQuoteQuantity"]) == ("2", "300.02", "300.02")
    _, history, _ = await client.call("GET", "/wapi/v1/history/orders", params={"symbol": SOL})
    assert history[0]["quoteQuantity"] == "300.02"
    sell = {"symbol": SOL, "side": "Ask", "orderType": "Market", "quoteQuantity": "149.99"}  # echoed as sent
    status, order, _ = await client.call("POST", "/api/v1/order", body=sell)
    assert status == 200, order
    assert (order["quoteQuantity"], order["quantity"]) == ("149.99", "1")


async def test_a_trade_moves_the_latest_kline_trade_history_and_open_interest(sim: SimHandle, client: Client) -> None:
    sim.control.set_mid(SOL, "150")
    since = client.now_ms() // 1000 - 60
    assert await public(client, "/api/v1/klines", symbol=SOL, interval="1m", startTime=since) == (200, [])
    assert await public(client, "/api/v1/trades/history", symbol=SOL) == (200, [])
    assert await public(client, "/api/v1/openInterest", symbol=SOL) == (
        200, [{"symbol": SOL, "openInterest": "0", "timestamp": pytest.approx(client.now_ms(), abs=5000)}],
    )  # fmt: skip
    assert (await client.call("POST", "/api/v1/order", body=BUY_2))[0] == 200

    status, prints = await public(client, "/api/v1/trades/history", symbol=SOL)
    assert status == 200 and prints and sum(float(p["quantity"]) for p in prints) == 2
    assert {p["price"] for p in prints} == {"150.01"}
    assert await public(client, "/api/v1/trades/history", symbol=SOL, offset=len(prints)) == (200, [])
    status, candles = await public(client, "/api/v1/klines", symbol=SOL, interval="1m", startTime=since)
    assert status == 200
    (candle,) = candles
    assert set(candle) == KLINE_KEYS and all(isinstance(v, str) for v in candle.values())
    assert (candle["open"], candle["high"], candle["low"], candle["close"]) == ("150.01",) * 4
    assert (candle["volume"], candle["quoteVolume"], candle["trades"]) == ("2", "300.02", str(len(prints)))
    assert SPACE_STAMP.match(candle["start"]) and SPACE_STAMP.match(candle["end"])
    start = datetime.strptime(candle["start"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
    assert start % 60 == 0 and start <= prints[0]["timestamp"] / 1000 < start + 60
    until = int(start)  # endTime is exclusive: the print's own minute is left out
    assert await public(client, "/api/v1/klines", symbol=SOL, interval="1m", startTime=since, endTime=until) == (
        200, [],
    )  # fmt: skip

    status, interest = await public(client, "/api/v1/openInterest")
    assert status == 200
    assert {r["symbol"]: r["openInterest"] for r in interest} == {SOL: "2", BTC: "0"}
    assert (await client.call("POST", "/api/v1/order", body={**BUY_2, "side": "Ask"}))[0] == 200
    assert (await public(client, "/api/v1/openInterest", symbol=SOL))[1][0]["openInterest"] == "0"


async def test_funding_rates_one_row_per_interval_newest_first(client: Client) -> None:
    status, rows = await public(client, "/api/v1/fundingRates", symbol=SOL)
    assert status == 200 and rows
    assert all(set(r) == {"symbol", "intervalEndTimestamp", "fundingRate"} for r in rows)
    assert rows[0]["fundingRate"] == "0" and ISO_SECONDS.match(rows[0]["intervalEndTimestamp"])
    _, marks = await public(client, "/api/v1/markPrices", symbol=SOL)
    in_progress = datetime.fromisoformat(rows[0]["intervalEndTimestamp"]).replace(tzinfo=UTC).timestamp()
    assert in_progress * 1000 == marks[0]["nextFundingTimestamp"]  # the current estimate's row
    assert (await public(client, "/api/v1/fundingRates", symbol=SOL, offset=len(rows)))[1] == []
    assert await public(client, "/api/v1/fundingRates") == (400, missing("symbol", "MarketSymbol"))
    assert await public(client, "/api/v1/fundingRates", symbol="NOPE") == (
        400, {"code": INVALID, "message": "Invalid market symbol"},
    )  # fmt: skip


async def test_klines_parameter_errors_in_the_venue_shapes(client: Client) -> None:
    sol = {"symbol": SOL}
    assert await public(client, "/api/v1/klines", **sol, startTime=1) == (400, missing("interval", "KlineInterval"))
    assert await public(client, "/api/v1/klines", **sol, interval="2m", startTime=1) == (
        400, parse_error("interval", "KlineInterval"),
    )  # fmt: skip
    assert await public(client, "/api/v1/klines", **sol, interval="1m") == (
        400, missing("startTime", "integer(uint64)"),
    )  # fmt: skip
    assert await public(client, "/api/v1/klines", **sol, interval="1m", startTime=1, priceType="Best") == (
        400, parse_error("priceType", "KlinePriceType"),
    )  # fmt: skip
    status, body = await public(client, "/api/v1/klines", **sol, interval="1m", startTime=10, endTime=5)
    assert status == 400 and body["code"] == INVALID
    status, body = await public(client, "/api/v1/klines", symbol="NOPE", interval="1m", startTime=1)
    assert (status, body) == (400, {"code": INVALID, "message": "Invalid market symbol"})
    status, body = await public(client, "/api/v1/trades/history", **sol, limit="x")
    assert status == 400 and body.startswith("failed to parse parameter `limit`")


async def test_historical_market_data_is_rate_limited(http: aiohttp.ClientSession) -> None:
    handle = await start_backpack(history_rate_limit=3)
    try:
        client = Client(http, handle, signer_for(handle))
        for _ in range(3):
            assert (await public(client, "/api/v1/trades/history", symbol=SOL))[0] == 200
        status, body, headers = await client.call(
            "GET", "/api/v1/klines", params={"symbol": SOL, "interval": "1m", "startTime": 1}, signed=False
        )
        assert (status, body) == (429, {"code": "TOO_MANY_REQUESTS", "message": "Too many requests"})
        assert "Retry-After" not in headers
        assert (await public(client, "/api/v1/trades", symbol=SOL))[0] == 200  # recent trades are not capped
    finally:
        await handle.stop()


async def test_max_order_quantity_from_collateral_and_position(sim: SimHandle, client: Client) -> None:
    """§4.14: 1,000,000 USDC at the 10x leverage limit buys 100,000 SOL at 100; reduce-only sizes
    only what closes the position."""
    path = "/api/v1/account/limits/order"
    status, limit, _ = await client.call("GET", path, params={"symbol": SOL, "side": "Bid", "price": "100"})
    assert status == 200
    assert limit == {
        "maxOrderQuantity": "100000", "symbol": SOL, "side": "Bid", "price": "100", "reduceOnly": None,
        "autoBorrow": None, "autoBorrowRepay": None, "autoLendRedeem": None,
    }  # fmt: skip
    _, limit, _ = await client.call("GET", path, params={"symbol": SOL, "side": "Ask", "reduceOnly": "true"})
    assert limit["maxOrderQuantity"] == "0"  # nothing to reduce
    sim.control.set_mid(SOL, "150")
    assert (await client.call("POST", "/api/v1/order", body=BUY_2))[0] == 200
    _, limit, _ = await client.call("GET", path, params={"symbol": SOL, "side": "Ask", "reduceOnly": "true"})
    assert limit["maxOrderQuantity"] == "2"
    _, bid, _ = await client.call("GET", path, params={"symbol": SOL, "side": "Bid", "price": "100"})
    assert 0 < float(bid["maxOrderQuantity"]) < 100_000  # the position's margin is no longer free

    assert (await client.call("GET", path, params={"symbol": SOL}))[:2] == (400, missing("side", "Side"))
    assert (await client.call("GET", path, params={"symbol": SOL, "side": "Buy"}))[:2] == (
        400, parse_error("side", "Side"),
    )  # fmt: skip
    status, body, _ = await client.call("GET", path, params={"symbol": SOL, "side": "Bid", "reduceOnly": "yes"})
    assert status == 400 and body.startswith("failed to parse parameter `reduceOnly`")
    status, body, _ = await client.call("GET", path, params={"symbol": SOL, "side": "Bid", "price": "abc"})
    assert status == 400 and body.startswith("failed to parse parameter `price`")
    status, body, _ = await client.call("GET", path, params={"symbol": "NOPE", "side": "Bid"})
    assert (status, body) == (400, {"code": INVALID, "message": "Invalid market symbol"})
    status, body, _ = await client.call("GET", path, params={"symbol": SOL, "side": "Bid"}, signed=False)
    assert status == 400 and body.startswith("failed to parse parameter `X-")  # signed: maxOrderQuantity


@pytest.mark.parametrize(
    ("ts", "interval", "expected"),
    [
        (1_788_285_151.5, "1m", (1_788_285_120, 1_788_285_180)),
        (1_788_285_151.5, "1w", (1_788_134_400, 1_788_739_200)),  # Mon 2026-08-31 .. Mon 2026-09-07
        (1_788_285_151.5, "1month", (1_788_220_800, 1_790_812_800)),  # 2026-09-01 .. 2026-10-01
        (1_797_000_000.0, "1month", (1_796_083_200, 1_798_761_600)),  # December rolls into the next year
    ],
)
def test_candle_intervals_follow_the_calendar(ts: float, interval: str, expected: tuple[int, int]) -> None:
    assert bucket(ts, interval) == expected


async def test_borrow_and_withdrawal_limits_follow_the_collateral(sim: SimHandle, client: Client) -> None:
    """§4.14: nothing is lent, so nothing may be borrowed; the withdrawable USDC is the cash until a
    position holds part of it up."""
    borrow, withdrawal = "/api/v1/account/limits/borrow", "/api/v1/account/limits/withdrawal"
    assert (await client.call("GET", borrow, params={"symbol": "USDC"}))[:2] == (
        200, {"maxBorrowQuantity": "0", "symbol": "USDC"},
    )  # fmt: skip
    cash = str(sim.control.balances(sim.frontend.account_for("api_key", sim.account["api_key"]))[0].cash)
    status, limit, _ = await client.call("GET", withdrawal, params={"symbol": "USDC", "autoBorrow": "false"})
    assert status == 200
    assert limit == {"maxWithdrawalQuantity": cash, "symbol": "USDC", "autoBorrow": False, "autoLendRedeem": None}
    assert (await client.call("GET", withdrawal, params={"symbol": "SOL"}))[1]["maxWithdrawalQuantity"] == "0"
    sim.control.set_mid(SOL, "150")
    assert (await client.call("POST", "/api/v1/order", body=BUY_2))[0] == 200
    _, limit, _ = await client.call("GET", withdrawal, params={"symbol": "USDC"})
    _, collateral, _ = await client.call("GET", "/api/v1/capital/collateral")
    assert limit["maxWithdrawalQuantity"] == collateral["netEquityAvailable"]  # the position's margin stays
    assert (await client.call("GET", borrow, params={}))[:2] == (400, missing("symbol", "Asset"))
    assert (await client.call("GET", withdrawal, params={"symbol": "DOGE"}))[:2] == (
        400, parse_error("symbol", "Asset"),
    )  # fmt: skip


async def test_kline_stream_sends_the_changed_candle_then_its_final_frame(
    sim: SimHandle, client: Client, http: aiohttp.ClientSession
) -> None:
    """§5.3: sent on change, at most once a second, with a final `X: true` once the interval ended
    (the 1 s interval, so the end comes soon: the first beat may already find it ended)."""
    name = f"kline.1s.{SOL}"
    async with connect(http, sim.urls["ws"]) as ws:
        await ws.send_json({"method": "SUBSCRIBE", "params": [name]})
        await synced(ws)
        sim.control.set_mid(SOL, "150")
        assert (await client.call("POST", "/api/v1/order", body=BUY_2))[0] == 200
        final, before = await receive_until(ws, lambda f: f.get("stream") == name and f["data"]["X"])
    frames = [f["data"] for f in before if f.get("stream") == name] + [final["data"]]
    assert len(frames) <= 2 and all(not f["X"] for f in frames[:-1])  # unchanged: sent once open, once final
    for candle in frames:
        assert (candle["e"], candle["s"], candle["n"]) == ("kline", SOL, 1)
        assert (candle["o"], candle["h"], candle["l"], candle["c"], candle["v"]) == ("150.01",) * 4 + ("2.00",)
        assert ISO_SECONDS.match(candle["t"]) and ISO_SECONDS.match(candle["T"])
        start = datetime.fromisoformat(candle["t"]).replace(tzinfo=UTC).timestamp()
        assert datetime.fromisoformat(candle["T"]).replace(tzinfo=UTC).timestamp() == start + 1


async def test_open_interest_stream_carries_the_positions(
    sim: SimHandle, client: Client, http: aiohttp.ClientSession
) -> None:
    sim.control.set_mid(SOL, "150")
    assert (await client.call("POST", "/api/v1/order", body=BUY_2))[0] == 200
    name = f"openInterest.{SOL}"
    async with connect(http, sim.urls["ws"]) as ws:
        await ws.send_json({"method": "SUBSCRIBE", "params": [name]})
        frame, _ = await receive_until(ws, lambda f: f.get("stream") == name)
    assert {k: v for k, v in frame["data"].items() if k != "E"} == {"e": "openInterest", "s": SOL, "o": "2.00"}
