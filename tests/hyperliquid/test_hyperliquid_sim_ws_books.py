"""The shared market-data renderers (xtb/sim/hyperliquid/books.py) against the spec's facts: the
significant-figure grid aggregated books bucket on (§3, §4.2.1), bids down and asks up, `null` for
an unknown coin, an empty side as `[]`, `n` as the order count, and allMids' fall-back to the last
trade."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.hyperliquid.sim_ws_harness import FRAMES, MARKETS
from xtb.clock import ManualClock
from xtb.model import Side
from xtb.sim.engine import Engine
from xtb.sim.engine_types import MarketSpec
from xtb.sim.hyperliquid import books

D = Decimal
AGG = FRAMES["l2book_aggregation"]


def engine_with_markets() -> Engine:
    engine = Engine(ManualClock())
    for info in MARKETS:
        engine.add_market(MarketSpec(info))
    for account in ("0x" + "a1" * 20, "0x" + "b2" * 20):
        engine.create_account(account, D(10_000_000))
    return engine


@pytest.mark.parametrize(("price", "step"), AGG["grid_5"])
def test_five_significant_figures_is_the_spec_s_grid(price: str, step: str) -> None:
    p = D(price)
    assert books.bucket_price(p, 5, None, up=False) == p
    assert books.bucket_price(p + D(step) / 2, 5, None, up=False) == p
    assert books.bucket_price(p + D(step) / 2, 5, None, up=True) == p + D(step)


def test_three_significant_figures_bucket_sol_by_a_tenth_outward() -> None:
    step = D(AGG["sol_n3"]["bucket"])
    for text in AGG["sol_n3"]["price_levels"]:
        low = D(text)
        assert books.bucket_price(low + D("0.04"), 3, None, up=False) == low
        assert books.bucket_price(low + D("0.04"), 3, None, up=True) == low + step
        assert books.bucket_price(low, 3, None, up=True) == low


def test_mantissa_multiplies_the_step() -> None:
    assert books.bucket_price(D("83767"), 5, 2, up=False) == D("83766")
    assert books.bucket_price(D("83767"), 5, 5, up=True) == D("83770")
    assert books.bucket_price(D("83767"), 5, 1, up=True) == D("83767")


def test_l2_book_unknown_coin_and_one_sided_book() -> None:
    engine = engine_with_markets()
    case = FRAMES["l2book_unknown_coin"]
    assert (
        books.l2_book(engine, case["request"]["coin"], n_sig_figs=None, mantissa=None, levels=20, now_ms=1)
        is (case["response"])
    )
    one_sided = FRAMES["l2book_one_sided"]["levels"]
    for size in ("2.5", "5", "5"):  # 12.5 in three orders
        engine.submit("0x" + "b2" * 20, "ETH", Side.SELL, D(size), price=D("3500.6"))
    body = books.l2_book(engine, "ETH", n_sig_figs=None, mantissa=None, levels=20, now_ms=1733000000200)
    assert body == {"coin": "ETH", "time": 1733000000200, "levels": one_sided}


def test_all_mids_use_the_mid_then_the_last_trade() -> None:
    engine = engine_with_markets()
    maker, taker = "0x" + "a1" * 20, "0x" + "b2" * 20
    engine.submit(maker, "BTC", Side.BUY, D("1"), price=D("69172"))
    engine.submit(taker, "BTC", Side.SELL, D("1"), price=D("69173"))
    engine.submit(maker, "ETH", Side.BUY, D("1"), price=D("1903.9"))
    assert books.all_mids(engine, ["BTC", "ETH", "DELISTED"]) == {"BTC": "69172.5"}
    assert books.all_mids(engine, ["BTC", "ETH"], last_prices={"ETH": D("1903.95")}) == {
        "BTC": "69172.5",
        "ETH": "1903.95",
    }


def test_candle_month_bucket_is_the_calendar_month() -> None:
    trade = books.TapeTrade("BTC", 1, 1_709_251_200_000 + 5, D("1"), D("2"), Side.BUY, "a", "b")  # 2024-03-01
    row = books.candle("BTC", "1M", [trade], trade.time_ms)
    assert row is not None and (row["t"], row["T"]) == (1_709_251_200_000, 1_711_929_600_000 - 1)  # to 2024-04-01


def test_candle_rows_bucket_the_tape_oldest_first() -> None:
    minute = 1_767_225_600_000
    tape = [
        books.TapeTrade("BTC", 1, minute + 1_000, D("100"), D("1"), Side.BUY, "a", "b"),
        books.TapeTrade("BTC", 2, minute + 2_000, D("101"), D("2"), Side.SELL, "a", "b"),
        books.TapeTrade("BTC", 3, minute + 61_000, D("99"), D("0.5"), Side.BUY, "a", "b"),
    ]
    rows = books.candle_rows("BTC", "1m", tape, minute, minute + 120_000)
    assert [(r["t"], r["T"], r["o"], r["c"], r["h"], r["l"], r["v"], r["n"]) for r in rows] == [
        (minute, minute + 59_999, "100.0", "101.0", "101.0", "100.0", "3.0", 2),
        (minute + 60_000, minute + 119_999, "99.0", "99.0", "99.0", "99.0", "0.5", 1),
    ]
    assert books.candle_rows("BTC", "1m", tape, minute + 60_000, minute + 60_000) == rows[1:]
    assert books.candle_rows("BTC", "1m", tape, minute, minute + 120_000, limit=1) == rows[1:]
