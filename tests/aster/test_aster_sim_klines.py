"""The Aster simulator's klines are its trade tape in buckets: what `/fapi/v1/trades` lists, a
kline adds up (open, high, low, close, volumes, count), read over the wire like any client."""

from __future__ import annotations

from decimal import Decimal

import aiohttp

from tests.aster.conftest import ETH
from xtb.sim.server import SimHandle

D = Decimal


async def test_a_kline_is_the_trades_of_its_minute(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    sim.control.take(ETH, "buy", "0.5")  # taker sells into the bids
    sim.control.take(ETH, "sell", "1")  # then buys the whole best ask: the minute opens low, closes high
    base = sim.urls["rest"]
    async with http.get(f"{base}/fapi/v1/trades", params={"symbol": ETH, "limit": "1000"}) as resp:
        trades = await resp.json()
    async with http.get(f"{base}/fapi/v1/klines", params={"symbol": ETH, "interval": "1m"}) as resp:
        assert resp.status == 200
        klines = await resp.json()
    assert trades, "the takes left trades on the tape"
    minutes: dict[int, list[dict]] = {}
    for trade in trades:
        minutes.setdefault(trade["time"] // 60_000 * 60_000, []).append(trade)
    assert [k[0] for k in klines] == sorted(minutes)
    for kline in klines:
        rows = sorted(minutes[kline[0]], key=lambda t: t["id"])
        prices = [D(t["price"]) for t in rows]
        assert [D(kline[1]), D(kline[2]), D(kline[3]), D(kline[4])] == [prices[0], max(prices), min(prices), prices[-1]]
        assert D(kline[5]) == sum(D(t["qty"]) for t in rows)
        assert kline[6] == kline[0] + 60_000 - 1 and kline[8] == len(rows)
        assert D(kline[9]) == sum(D(t["qty"]) for t in rows if not t["isBuyerMaker"])  # taker buys
