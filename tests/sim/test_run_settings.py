"""A run's simulator settings: fills on demand in the synthetic market, the settings a run changes
through the control API (`PUT /_sim/settings`), GRVT's token bucket, the "hold" fault, and the venue
files' `simulator.settings` / `simulator.extra` (each accepted by its own simulator).

Market ETH: tick 0.01, step 0.1, min size 0.2; mid 2000, so the ladder is bids 1999.99 … and asks
2000.01 … (spread 2 ticks). The market is made still (no volatility, no random taker) so only the
on-demand taker acts.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.sim.plain_venue import SYMBOL, PlainVenue
from tests.waiting import TIMEOUT, eventually
from xtb.clock import ManualClock
from xtb.config.venue_file import load_venue_config, parse_venue_config
from xtb.connectors.pacing import SAFETY_MARGIN
from xtb.errors import ConfigError
from xtb.model import MarketInfo, Side, TimeInForce
from xtb.sim.control import ControlError
from xtb.sim.engine import Engine, MarketSpec, OrderStatus, OrderView
from xtb.sim.grvt import GrvtFrontEnd, GrvtSettings
from xtb.sim.grvt.limits import RateLimit, TokenBuckets, route_class
from xtb.sim.market import MarketSettings, SyntheticMarket
from xtb.sim.registry import default_registry
from xtb.sim.server import SimHandle, start_simulator

ROOT = Path(__file__).resolve().parents[2]
ETH = MarketInfo("ETH", tick_size=D("0.01"), step_size=D("0.1"), min_size=D("0.2"))
TAKER = "synthetic-mm-taker"
STILL = {"volatility_ticks": 0.0, "taker_rate": 0.0}


def still_market(**settings: Any) -> tuple[Engine, SyntheticMarket, ManualClock]:
    clock = ManualClock()
    engine = Engine(clock)
    engine.add_market(MarketSpec(ETH))
    engine.create_account("u", D("1000000"))
    market = SyntheticMarket(engine, "ETH", MarketSettings(mid=D("2000"), **{**STILL, **settings}))
    return engine, market, clock


def post(engine: Engine, side: Side, size: str, price: str) -> OrderView:
    view = engine.submit("u", "ETH", side, D(size), price=D(price), time_in_force=TimeInForce.POST_ONLY)
    assert view.status is OrderStatus.NEW, view
    return view


def filled(engine: Engine, order: OrderView) -> D:
    view = engine.order(order.order_id)
    assert view is not None
    return view.filled


# -- fills on demand ---------------------------------------------------------------------------------


def test_fill_after_must_be_a_non_negative_number() -> None:
    for bad in (-0.1, float("nan"), "0.1", True):
        with pytest.raises(ValueError, match="fill_after"):
            MarketSettings(mid=D("2000"), fill_after=bad)  # type: ignore[arg-type]
    assert MarketSettings(mid=D("2000")).fill_after is None  # off unless a run asks for it


def test_an_order_first_at_the_touch_is_taken_whole_once_it_has_rested_fill_after() -> None:
    engine, market, clock = still_market(fill_after=0.1)
    bid = post(engine, Side.BUY, "0.7", "2000.00")  # inside the spread: alone at the touch
    market.step()  # first seen at the front now
    clock.advance(0.05)
    market.step()
    assert filled(engine, bid) == 0  # not yet: it has rested 0.05 s
    clock.advance(0.05)
    market.step()
    assert filled(engine, bid) == D("0.7")  # whole, at its own price, by the taker account
    (fill,) = engine.fills("u")
    assert fill.price == D("2000.00")
    assert engine.position(TAKER, "ETH").size == D("-0.7")


def test_an_order_queued_behind_a_synthetic_quote_waits_until_it_is_first_in_line() -> None:
    engine, market, _ = still_market(fill_after=0.0)
    bid = post(engine, Side.BUY, "0.5", "1999.99")  # joins the synthetic best bid, behind it
    market.step()  # the quote goes to the back of the level: the order is first in line from now
    assert filled(engine, bid) == D("0.5")
    assert engine.position("synthetic-mm", "ETH").size == 0  # the quote behind it was not taken


def test_an_order_behind_the_touch_is_never_taken_on_demand() -> None:
    engine, market, clock = still_market(fill_after=0.0)
    behind = post(engine, Side.BUY, "0.5", "1999.90")
    for _ in range(5):
        market.step()
        clock.advance(1.0)
    assert filled(engine, behind) == 0
    assert engine.fills(TAKER) == ()


def test_the_wait_starts_over_after_a_freeze_and_nothing_is_taken_while_frozen() -> None:
    engine, market, clock = still_market(fill_after=0.5)
    ask = post(engine, Side.SELL, "0.4", "2000.00")  # alone at the ask
    market.step()
    market.freeze()
    clock.advance(10.0)
    market.step()  # frozen: no step
    market.unfreeze()
    market.step()  # seen again from now
    assert filled(engine, ask) == 0
    clock.advance(0.5)
    market.step()
    assert filled(engine, ask) == D("0.4")


def test_no_fills_on_demand_when_fill_after_is_off() -> None:
    engine, market, clock = still_market()
    bid = post(engine, Side.BUY, "0.5", "2000.00")
    for _ in range(5):
        market.step()
        clock.advance(1.0)
    assert filled(engine, bid) == 0


def test_configure_changes_the_flow_but_never_the_book_shape() -> None:
    engine, market, _ = still_market()
    bid = post(engine, Side.BUY, "0.5", "2000.00")
    market.step()
    market.configure(MarketSettings(mid=D("2000"), **STILL, fill_after=0.0))
    market.step()
    assert filled(engine, bid) == D("0.5")
    with pytest.raises(ValueError, match="levels cannot change"):
        market.configure(MarketSettings(mid=D("2000"), levels=3))


# -- the control API ---------------------------------------------------------------------------------


@pytest.fixture
async def plain() -> AsyncIterator[SimHandle]:
    handle = await start_simulator("plain", PlainVenue, seed=3, run_markets=False)
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with http.request(method, url, json=body) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_settings_are_changed_read_and_kept_over_a_reset(plain: SimHandle, http: aiohttp.ClientSession) -> None:
    ctl = plain.urls["control"]
    status, body = await call(http, "PUT", f"{ctl}/settings", {"market": {"fill_after": 0.25, "taker_rate": 0}})
    assert status == 200, body
    assert body["market"][SYMBOL]["fill_after"] == 0.25 and body["market"][SYMBOL]["taker_rate"] == 0
    assert plain.markets.get(SYMBOL).settings.fill_after == 0.25  # the running market has them
    await plain.control.reset()
    assert plain.markets.get(SYMBOL).settings.fill_after == 0.25  # and the one a reset builds
    status, body = await call(http, "PUT", f"{ctl}/settings", {"market": {"fill_after": None}})
    assert (status, body["market"][SYMBOL]["fill_after"]) == (200, None)


async def test_margin_fractions_change_while_running_and_hold_over_a_reset(
    plain: SimHandle, http: aiohttp.ClientSession
) -> None:
    ctl = plain.urls["control"]
    status, body = await call(
        http, "PUT", f"{ctl}/settings", {"margin": {SYMBOL: {"initial": "0.5", "maintenance": 0.1}}}
    )
    assert status == 200, body
    assert body["margin"][SYMBOL] == {"initial": "0.5", "maintenance": "0.1"}
    assert (
        plain.engine.market(SYMBOL).initial_margin_fraction,
        plain.engine.market(SYMBOL).maintenance_margin_fraction,
    ) == (
        D("0.5"),
        D("0.1"),
    )
    await plain.control.reset()
    assert plain.engine.market(SYMBOL).initial_margin_fraction == D("0.5")
    status, body = await call(http, "PUT", f"{ctl}/settings", {"margin": {SYMBOL: {"maintenance": "0"}}})
    assert (status, body["margin"][SYMBOL]) == (200, {"initial": "0.5", "maintenance": "0"})


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"market": {"levels": 3}}, "unknown market setting(s) ['levels']"),
        ({"market": {"fill_after": -1}}, "fill_after must be >= 0"),
        ({"market": {"tick_rate": 0}}, "tick_rate must be > 0"),
        ({"market": []}, "settings.market must be an object"),
        ({"margin": {"NOPE": {"initial": "0.1"}}}, "margin: unknown market 'NOPE'"),
        ({"margin": {SYMBOL: {"initial": "0.1", "maintenance": "0.2"}}}, "exceeds the initial one"),
        ({"margin": {SYMBOL: {"initial": "1.5"}}}, "must be a Decimal in [0, 1]"),
        ({"margin": {SYMBOL: {"initial": "x"}}}, f"margin.{SYMBOL}.initial must be a decimal"),
        ({"margin": {SYMBOL: {"leverage": 5}}}, f"margin.{SYMBOL} must be an object with initial and/or maintenance"),
        ({"margin": []}, "margin must be an object"),
        ({"rate_limit": {"per_second": 1, "burst": 1}}, "unknown setting(s) ['rate_limit']; the plain simulator"),
        ([], "body must be a JSON object"),
    ],
)
async def test_bad_settings_are_refused_by_name_and_change_nothing(
    plain: SimHandle, http: aiohttp.ClientSession, spec: Any, problem: str
) -> None:
    before = plain.control.settings()
    body = spec if not isinstance(spec, dict) else {"market": {"fill_after": 0.1}, **spec}  # a good part too
    status, answer = await call(http, "PUT", f"{plain.urls['control']}/settings", body)
    assert status == 400 and problem in answer["error"], answer
    assert plain.control.settings() == before


def test_a_venue_without_settings_of_its_own_refuses_any() -> None:
    frontend = PlainVenue(Engine(ManualClock()))
    with pytest.raises(ValueError, match="has none"):
        frontend.prepare_settings({"fill_after": 1})
    frontend.prepare_settings({})()  # nothing to apply


# -- the "hold" fault --------------------------------------------------------------------------------


async def test_a_held_request_waits_for_the_release(plain: SimHandle, http: aiohttp.ClientSession) -> None:
    ctl, rest = plain.urls["control"], plain.urls["rest"]
    status, _ = await call(http, "POST", f"{ctl}/faults", {"rest": [{"action": "hold", "path": "/book", "delay": 30}]})
    assert status == 200
    held = asyncio.create_task(call(http, "GET", f"{rest}/book"))
    await eventually(lambda: "rest hold GET /book" in plain.control.faults()["applied"], what="the hold")
    assert not held.done()  # held: its handler waits on the release (the cap is 30 s)
    status, _ = await call(http, "POST", f"{ctl}/faults/release")
    assert status == 200
    assert (await asyncio.wait_for(held, TIMEOUT))[0] == 200


async def test_a_hold_ends_at_its_delay_or_when_the_faults_are_cleared(
    plain: SimHandle, http: aiohttp.ClientSession
) -> None:
    ctl, rest = plain.urls["control"], plain.urls["rest"]
    await call(http, "POST", f"{ctl}/faults", {"rest": [{"action": "hold", "path": "/book", "delay": 0.05}]})
    assert (await asyncio.wait_for(call(http, "GET", f"{rest}/book"), TIMEOUT))[0] == 200  # the cap let it go
    await call(http, "POST", f"{ctl}/faults", {"rest": [{"action": "hold", "path": "/book", "delay": 30}]})
    held = asyncio.create_task(call(http, "GET", f"{rest}/book"))
    await eventually(lambda: len(plain.control.faults()["applied"]) == 2, what="the second hold")
    assert not held.done()
    await call(http, "DELETE", f"{ctl}/faults")
    assert (await asyncio.wait_for(held, TIMEOUT))[0] == 200
    status, body = await call(http, "POST", f"{ctl}/faults", {"rest": [{"action": "hold", "path": "/book"}]})
    assert status == 400 and "a hold fault needs a delay > 0" in body["error"]


# -- GRVT's token bucket -----------------------------------------------------------------------------


def test_a_bucket_spends_its_burst_then_refills_at_its_rate() -> None:
    buckets = TokenBuckets(RateLimit(per_second=2, burst=3))
    assert [buckets.take("a", "query", 100.0) for _ in range(4)] == [True, True, True, False]
    assert buckets.take("a", "order", 100.0)  # another route class has its own bucket
    assert buckets.take("b", "query", 100.0)  # and so does another account
    assert not buckets.take("a", "query", 100.4)  # 0.8 of a token back
    assert buckets.take("a", "query", 100.5)  # one whole token back
    assert buckets.refused == 2
    assert TokenBuckets().take("a", "query", 0.0)  # no limit: never refused


def test_route_classes_and_rate_limit_values() -> None:
    assert [route_class(r, True) for r in ("create_order", "cancel_order", "cancel_all_orders", "open_orders")] == [
        "order",
        "cancel",
        "cancel",
        "query",
    ]
    assert route_class("book", False) == "market_data"
    for bad in ({"per_second": 0, "burst": 1}, {"per_second": 1, "burst": 0}, {"per_second": 1}, 5):
        with pytest.raises(ValueError, match="rate_limit"):
            RateLimit.parse(bad)
    assert RateLimit.parse(None) is None


async def test_grvt_refuses_1006_over_the_bucket_a_run_switches_on(http: aiohttp.ClientSession) -> None:
    from tests.grvt.conftest import Client, start_grvt

    handle = await start_grvt()
    try:
        frontend = handle.frontend
        assert isinstance(frontend, GrvtFrontEnd)
        assert handle.control.settings()["rate_limit"] is None  # the spec's simulator default: no limit
        client = Client(http, handle, handle.account)
        assert (await client.login())[0] == 200
        statuses = [(await client.call("open_orders", {"sub_account_id": client.sub}))[0] for _ in range(4)]
        assert statuses == [200] * 4
        handle.control.configure({"rate_limit": {"per_second": 0.001, "burst": 2}})
        answers = [await client.call("open_orders", {"sub_account_id": client.sub}) for _ in range(3)]
        assert [status for status, _ in answers] == [200, 200, 429]
        assert answers[2][1] == {
            "code": 1006,
            "message": "You have surpassed the allocated rate limit for your tier",
            "status": 429,
        }
        assert (await client.call("instruments", {"kind": ["PERPETUAL"]}, host="market_data"))[0] == 200  # per IP
        with pytest.raises(ControlError, match=r"rate_limit\.burst"):
            handle.control.configure({"rate_limit": {"per_second": 1, "burst": 0.5}})
        assert handle.control.settings()["rate_limit"] == {"per_second": 0.001, "burst": 2}  # unchanged
    finally:
        await handle.stop()


def test_grvt_settings_default_to_no_rate_limit() -> None:
    assert GrvtSettings().rate_limit is None
    limited = GrvtFrontEnd(Engine(ManualClock()), settings=GrvtSettings(rate_limit=RateLimit(5, 5)))
    assert limited.current_settings() == {"rate_limit": {"per_second": 5, "burst": 5}}


# -- the venue files ---------------------------------------------------------------------------------


VENUE_FILES = sorted((ROOT / "venues").glob("*.yaml"))


@pytest.mark.parametrize("path", VENUE_FILES, ids=[p.stem for p in VENUE_FILES])
async def test_each_venue_files_simulator_settings_are_accepted_by_its_simulator(path: Path) -> None:
    config = load_venue_config(path).for_simulator()
    assert config.simulator is not None
    factory = functools.partial(default_registry().factory(config.simulator))
    handle = await start_simulator(config.simulator, factory, run_markets=False)
    try:
        applied = handle.control.configure(config.simulator_settings)
        for symbol in handle.markets.symbols:
            assert applied["market"][symbol]["fill_after"] == config.simulator_settings["market"]["fill_after"]
    finally:
        await handle.stop()


def test_grvts_connector_pace_on_the_simulator_fits_the_bucket_it_switches_on() -> None:
    real = load_venue_config(ROOT / "venues" / "grvt.yaml")
    sim = real.for_simulator()
    limit = RateLimit.parse(sim.simulator_settings["rate_limit"])
    assert limit is not None
    pace = int(sim.extra["requests_per_second"] * SAFETY_MARGIN)  # what the connector sends in any second
    assert pace <= limit.per_second and pace <= limit.burst
    assert "requests_per_second" not in real.extra  # the testnet keeps the connector's own default


def _raw(**simulator: Any) -> dict[str, Any]:
    return {
        "venue": "v",
        "connector": "tests.fake_venue:FakeConnector",
        "hosts": {"rest": "https://x", "ws": "wss://x"},
        "symbol": "S",
        "credentials": {},
        "extra": {"a": 1, "b": 2},
        "simulator": simulator,
    }


def test_simulator_extra_overrides_the_connectors_extra_and_settings_pass_through() -> None:
    config = parse_venue_config(_raw(extra={"b": 3}, settings={"market": {"fill_after": 0.1}}), "v.yaml")
    assert config.extra == {"a": 1, "b": 2} and config.simulator_settings == {}  # the real venue: untouched
    sim = config.for_simulator()
    assert sim.extra == {"a": 1, "b": 3}
    assert sim.simulator_settings == {"market": {"fill_after": 0.1}}
    with pytest.raises(ConfigError, match=r"v\.yaml: simulator\.settings: must be a mapping, not list"):
        parse_venue_config(_raw(settings=[1]), "v.yaml")
    with pytest.raises(ConfigError, match=r"v\.yaml: simulator\.setting: unknown key; allowed: extra, faults"):
        parse_venue_config(_raw(setting={}), "v.yaml")
