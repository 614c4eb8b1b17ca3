"""The Lighter simulator's candles and funding (issue #18): candles are drawn from the market's
trades (bucketed per resolution, windowed by the time-range params), funding is the market's
configured rate on the hourly boundaries, and bad params get the venue's error body.

The venue clock is a ManualClock starting 2026-01-01T00:00:00Z, so every trade's bucket is known.
Book at mid 3000 (frozen): bids 2999.98, 2999.97, ... and asks 3000.02, 3000.03, ..., 2 ETH each;
`take(side, 1)` takes the whole touch level of that side.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.lighter.conftest import Client, receive
from xtb.clock import ManualClock
from xtb.sim.candles import Print, build_candles, window
from xtb.sim.lighter import LighterFrontEnd, LighterSettings
from xtb.sim.lighter.settings import BTC, ETH
from xtb.sim.server import SimHandle, start_simulator

D = Decimal
EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z, the clock's start
MINUTE = 60_000
HOUR = 60 * MINUTE


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def start_frozen(clock: ManualClock, settings: LighterSettings) -> SimHandle:
    """A simulator on `clock`, markets frozen, ETH quoted around 3000."""
    factory = functools.partial(LighterFrontEnd, settings=settings)
    handle = await start_simulator("lighter", factory, run_markets=False, clock=clock)
    for symbol in handle.markets.symbols:
        handle.control.freeze(symbol)
    handle.control.set_mid("ETH", "3000")
    return handle


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[SimHandle]:
    """ETH publishes a funding rate of 0.0012 % an hour (longs pay), BTC -0.0002 % (shorts pay)."""
    markets = (replace(ETH, funding_rate=D("0.0012")), replace(BTC, funding_rate=D("-0.0002")))
    handle = await start_frozen(clock, LighterSettings(markets=markets))
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def client_for(clock: ManualClock, http: Any) -> AsyncIterator[Any]:
    """Start simulators with other settings (on the same clock), stopped after the test."""
    started: list[SimHandle] = []

    async def start(settings: LighterSettings) -> tuple[SimHandle, Client]:
        handle = await start_frozen(clock, settings)
        started.append(handle)
        return handle, Client(http, handle)

    yield start
    for handle in started:
        await handle.stop()


def ranged(resolution: str, start: int, end: int, count: int = 100, market: int = 0) -> dict[str, Any]:
    return {"market_id": market, "resolution": resolution, "start_timestamp": start, "end_timestamp": end,
            "count_back": count}  # fmt: skip


async def candles(client: Client, **params: Any) -> list[dict[str, Any]]:
    status, body = await client.get("/api/v1/candles", **params)
    assert status == 200 and body["code"] == 200 and body["r"] == params["resolution"], body
    return body["c"]


async def test_candles_are_empty_until_the_market_trades(sim: SimHandle, client: Client) -> None:
    assert await candles(client, **ranged("1m", EPOCH_MS - HOUR, EPOCH_MS + HOUR)) == []


async def test_candles_move_after_trades(sim: SimHandle, client: Client, clock: ManualClock) -> None:
    clock.advance(10)
    sim.control.take("ETH", "buy", "1")  # 2 @ 2999.98
    sim.control.take("ETH", "buy", "0.5")  # 1 @ 2999.97
    sim.control.take("ETH", "sell", "0.25")  # 0.5 @ 3000.02
    (first,) = await candles(client, **ranged("1m", EPOCH_MS, EPOCH_MS + MINUTE))
    assert first == {
        "t": EPOCH_MS, "o": 2999.98, "h": 3000.02, "l": 2999.97, "c": 3000.02, "v": 3.5,
        "V": 10499.94,  # 2·2999.98 + 2999.97 + 0.5·3000.02
        "i": first["i"],
    }  # fmt: skip
    clock.advance(60)  # the next minute
    sim.control.take("ETH", "sell", "1")  # the rest of 3000.02: 1.5
    rows = await candles(client, **ranged("1m", EPOCH_MS, EPOCH_MS + 2 * MINUTE))
    assert rows[0] == first
    assert rows[1] == {"t": EPOCH_MS + MINUTE, "o": 3000.02, "h": 3000.02, "l": 3000.02, "c": 3000.02, "v": 1.5,
                       "V": 4500.03, "i": first["i"] + 1}  # fmt: skip
    _, recent = await client.get("/api/v1/recentTrades", market_id=0, limit=1)
    assert rows[1]["i"] == recent["trades"][0]["trade_id"]  # the bucket's last trade
    (hour,) = await candles(client, **ranged("1h", EPOCH_MS, EPOCH_MS + HOUR))
    assert hour == {"t": EPOCH_MS, "o": 2999.98, "h": 3000.02, "l": 2999.97, "c": 3000.02, "v": 5.0,
                    "V": 14999.97, "i": rows[1]["i"]}  # fmt: skip


async def test_the_candle_channel_sends_the_candles_the_trades_make(
    sim: SimHandle, client: Client, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    """Snapshot: the newest candle (none yet); then each trade's candle as it stands, and on the
    first trade of a new minute the minute just closed first; the same rows `candles` answers."""
    async with http.ws_connect(sim.urls["ws"]) as ws:
        await receive(ws)
        await ws.send_json({"type": "subscribe", "channel": "candle/0/1m"})
        assert await receive(ws) == {"candles": [], "timestamp": EPOCH_MS, "channel": "candle:0:1m",
                                     "type": "subscribed/candle"}  # fmt: skip
        clock.advance(10)
        sim.control.take("ETH", "buy", "1")  # 2 @ 2999.98
        first = await receive(ws)
        assert (first["type"], first["channel"], first["timestamp"]) == (
            "update/candle",
            "candle:0:1m",
            EPOCH_MS + 10_000,
        )
        assert first["candles"] == [{"t": EPOCH_MS, "o": 2999.98, "h": 2999.98, "l": 2999.98, "c": 2999.98,
                                     "v": 2.0, "V": 5999.96, "i": first["candles"][0]["i"]}]  # fmt: skip
        sim.control.take("ETH", "sell", "0.25")  # 0.5 @ 3000.02: the same minute's candle changes
        (minute,) = (await receive(ws))["candles"]
        assert (minute["t"], minute["o"], minute["c"], minute["h"], minute["v"]) == (
            EPOCH_MS,
            2999.98,
            3000.02,
            3000.02,
            2.5,
        )
        clock.advance(60)
        sim.control.take("ETH", "sell", "1")  # the rest of 3000.02 (1.5), in the next minute
        closed, opened = (await receive(ws))["candles"]
        assert closed == minute and (opened["t"], opened["o"], opened["v"]) == (EPOCH_MS + MINUTE, 3000.02, 1.5)
        assert [closed, opened] == await candles(client, **ranged("1m", EPOCH_MS, EPOCH_MS + 2 * MINUTE))
        await ws.send_json({"type": "subscribe", "channel": "candle/0/1h"})
        (hour,) = (await receive(ws))["candles"]
        assert (hour["t"], hour["o"], hour["c"], hour["v"]) == (EPOCH_MS, 2999.98, 3000.02, 4.0)
        for bad in ("candle/0/2m", "candle/7/1m", "candle/0"):
            await ws.send_json({"type": "subscribe", "channel": bad})
            assert await receive(ws) == {"error": {"code": 30005, "message": f"Invalid Channel:  ({bad})"}}


async def test_time_range_and_count_back_select_candles(sim: SimHandle, client: Client, clock: ManualClock) -> None:
    for _ in range(4):  # one trade in each of four 5-minute buckets
        sim.control.take("ETH", "buy", "1")  # a whole 2 ETH bid level
        clock.advance(300)
    starts = [EPOCH_MS + k * 5 * MINUTE for k in range(4)]
    assert [c["t"] for c in await candles(client, **ranged("5m", EPOCH_MS, EPOCH_MS + HOUR))] == starts
    # a range ending inside the third bucket still shows it; one starting inside the first too
    inner = ranged("5m", starts[0] + 1, starts[2] + 1)
    assert [c["t"] for c in await candles(client, **inner)] == starts[:3]
    assert [c["t"] for c in await candles(client, **{**inner, "count_back": 2})] == starts[1:3]  # the newest two
    assert await candles(client, **ranged("5m", EPOCH_MS + HOUR, EPOCH_MS + 2 * HOUR)) == []
    assert await candles(client, **ranged("5m", EPOCH_MS + HOUR, EPOCH_MS + 2 * HOUR, market=1)) == []
    (day,) = await candles(client, **ranged("1d", EPOCH_MS, EPOCH_MS + HOUR))
    assert (day["t"], day["o"], day["c"], day["v"]) == (EPOCH_MS, 2999.98, 2999.95, 8.0)


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"market_id": None}, 20001, "invalid param: market_id is required"),
        ({"market_id": 7}, 21602, "invalid market index"),
        ({"market_id": "x"}, 20001, "invalid param: market_id"),
        ({"resolution": "2m"}, 20001, "invalid param: resolution"),
        ({"resolution": None}, 20001, "invalid param: resolution is required"),
        ({"start_timestamp": None}, 20001, "invalid param: start_timestamp is required"),
        ({"start_timestamp": "-1"}, 20001, "invalid param: start_timestamp"),
        ({"end_timestamp": "soon"}, 20001, "invalid param: end_timestamp"),
        ({"end_timestamp": EPOCH_MS - 1}, 20001, "invalid param: end_timestamp is before start_timestamp"),
        ({"count_back": 0}, 20001, "invalid param: count_back"),
        ({"count_back": None}, 20001, "invalid param: count_back is required"),
        ({"set_timestamp_to_end": "yes"}, 20001, "invalid param: set_timestamp_to_end"),
    ],
)
async def test_bad_candle_params_get_the_venue_error(
    sim: SimHandle, client: Client, params: dict[str, Any], code: int, message: str
) -> None:
    query = {**ranged("1m", EPOCH_MS, EPOCH_MS + HOUR), **params}
    status, body = await client.get("/api/v1/candles", **{k: v for k, v in query.items() if v is not None})
    assert (status, body) == (400, {"code": code, "message": message})


async def test_count_back_above_the_cap_is_clamped(clock: ManualClock, client_for: Any) -> None:
    handle, client = await client_for(LighterSettings(candles_max_count=2))
    for _ in range(3):
        handle.control.take("ETH", "buy", "0.25")
        clock.advance(60)
    rows = await candles(client, **ranged("1m", EPOCH_MS, EPOCH_MS + HOUR, count=1000))
    assert [r["t"] for r in rows] == [EPOCH_MS + MINUTE, EPOCH_MS + 2 * MINUTE]


async def test_fundings_are_the_rate_of_the_price_at_each_boundary(
    sim: SimHandle, client: Client, clock: ManualClock
) -> None:
    clock.advance(30 * 60)  # 00:30
    sim.control.take("ETH", "buy", "1")  # 2999.98
    clock.advance(60 * 60)  # 01:30
    sim.control.take("ETH", "sell", "1")  # 3000.02
    clock.advance(2 * 60 * 60)  # 03:30
    status, body = await client.get("/api/v1/fundings", **ranged("1h", EPOCH_MS, EPOCH_MS + 10 * HOUR))
    assert status == 200
    # 00:00 has no price yet; 04:00 is still ahead. value = price · 0.0012 %
    assert body == {"code": 200, "resolution": "1h", "fundings": [
        {"timestamp": EPOCH_MS // 1000 + 3600, "value": "0.03599976", "rate": "0.0012", "direction": "long"},
        {"timestamp": EPOCH_MS // 1000 + 7200, "value": "0.03600024", "rate": "0.0012", "direction": "long"},
        {"timestamp": EPOCH_MS // 1000 + 10800, "value": "0.03600024", "rate": "0.0012", "direction": "long"},
    ]}  # fmt: skip
    _, newest = await client.get("/api/v1/fundings", **ranged("1h", EPOCH_MS, EPOCH_MS + 10 * HOUR, count=1))
    assert newest["fundings"] == body["fundings"][-1:]
    _, none = await client.get("/api/v1/fundings", **ranged("1h", EPOCH_MS, EPOCH_MS + 10 * HOUR, market=1))
    assert none["fundings"] == []  # BTC never traded


async def test_daily_fundings_and_shorts_paying(sim: SimHandle, client: Client, clock: ManualClock) -> None:
    sim.control.set_mid("BTC", "60000")  # bids 59999.8, ...
    clock.advance(1)
    sim.control.take("BTC", "buy", "1")  # @ 59999.8
    clock.advance(86_400)
    _, body = await client.get("/api/v1/fundings", **ranged("1d", EPOCH_MS, EPOCH_MS + 2 * 86_400_000, market=1))
    # a day is 24 hourly fundings of -0.0002 %: 0.0048 % of 59999.8, shorts pay
    assert body["fundings"] == [{"timestamp": EPOCH_MS // 1000 + 86_400, "value": "2.87999040", "rate": "0.0048",
                                 "direction": "short"}]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"resolution": "1m"}, "invalid param: resolution"),
        ({"count_back": -3}, "invalid param: count_back"),
        ({"end_timestamp": None}, "invalid param: end_timestamp is required"),
    ],
)
async def test_bad_funding_params_get_the_venue_error(
    sim: SimHandle, client: Client, params: dict[str, Any], message: str
) -> None:
    query = {**ranged("1h", EPOCH_MS, EPOCH_MS + HOUR), **params}
    status, body = await client.get("/api/v1/fundings", **{k: v for k, v in query.items() if v is not None})
    assert (status, body) == (400, {"code": 20001, "message": message})


async def test_funding_rates_list_each_market_rate(sim: SimHandle, client: Client) -> None:
    status, body = await client.get("/api/v1/funding-rates")
    assert (status, body) == (200, {"code": 200, "funding_rates": [
        {"market_id": 0, "exchange": "lighter", "symbol": "ETH", "rate": 0.0012},
        {"market_id": 1, "exchange": "lighter", "symbol": "BTC", "rate": -0.0002},
    ]})  # fmt: skip


async def test_market_stats_publish_the_same_rate_and_next_boundary(sim: SimHandle, clock: ManualClock) -> None:
    clock.advance(90)
    fe = sim.frontend
    assert isinstance(fe, LighterFrontEnd)
    stats = fe.streams.snapshots.market_stats(fe.markets["ETH"])
    assert (stats["funding_rate"], stats["current_funding_rate"]) == ("0.0012", "0.0012")
    assert stats["funding_timestamp"] == EPOCH_MS + HOUR


# ------------------------------------------------------------------------ the shared builder


def test_builder_buckets_prints_oldest_first() -> None:
    prints = [Print(5, D("10"), D("1"), 1, taker_buys=True), Print(9, D("12"), D("2"), 2),
              Print(10, D("11"), D("1"), 3, taker_buys=True), Print(31, D("9"), D("3"), 4)]  # fmt: skip
    built = build_candles(prints, 10)
    assert [(c.start, c.end, c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trades, c.last_trade_id)
            for c in built] == [
        (0, 10, D("10"), D("12"), D("10"), D("12"), D("3"), D("34"), 2, 2),
        (10, 20, D("11"), D("11"), D("11"), D("11"), D("1"), D("11"), 1, 3),
        (30, 40, D("9"), D("9"), D("9"), D("9"), D("3"), D("27"), 1, 4),
    ]  # fmt: skip
    assert (built[0].taker_buy_volume, built[0].taker_buy_quote_volume) == (D("1"), D("10"))
    assert [c.start for c in window(built, 10, 30, 5)] == [10, 30]
    assert [c.start for c in window(built, 0, 100, 1)] == [30]
    with pytest.raises(ValueError, match="span"):
        build_candles(prints, 0)
