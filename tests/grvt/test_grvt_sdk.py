"""grvt-pysdk, unchanged, against the simulator through the connector's one redirection point: its
sync ccxt client (login, orders, queries), its strictly typed raw client (dacite decoding of every
answer), and its WebSocket client on the legacy `/ws` protocol."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from unittest.mock import ANY

import pytest
from pysdk import grvt_ccxt_env, grvt_raw_base
from pysdk import grvt_raw_types as raw
from pysdk.grvt_ccxt import GrvtCcxt
from pysdk.grvt_ccxt_env import CHAIN_IDS, GrvtEndpointType, GrvtEnv, GrvtWSEndpointType, get_grvt_endpoint
from pysdk.grvt_ccxt_ws import GrvtCcxtWS
from pysdk.grvt_raw_async import GrvtRawAsync
from pysdk.grvt_raw_base import GrvtApiConfig, GrvtError

from tests.grvt.conftest import BTC, TIMEOUT, hosts
from tests.waiting import eventually
from xtb.connectors.grvt import sdk
from xtb.sim.cluster import SimulatorCluster
from xtb.sim.server import SimHandle

quiet = logging.getLogger("tests.grvt.sdk")
quiet.setLevel(logging.WARNING)


@pytest.fixture
def env(sim: SimHandle) -> Iterator[sdk.SdkEnv]:
    registered = sdk.point_sdk_at(hosts(sim), 326)
    try:
        yield registered
    finally:
        sdk.release(registered)


def parameters(account: dict[str, Any]) -> dict[str, Any]:
    return {"api_key": account["api_key"], "private_key": account["private_key"],
            "trading_account_id": account["sub_account_id"]}  # fmt: skip


def test_redirection_answers_only_for_registered_environments(sim: SimHandle, env: sdk.SdkEnv) -> None:
    domains = grvt_ccxt_env.get_grvt_endpoint_domains  # looked up at call time, as the SDK does
    assert domains(env.value)[GrvtEndpointType.EDGE] == sim.urls["edge"]
    assert domains(GrvtEnv.PROD.value)[GrvtEndpointType.EDGE] == "https://edge.grvt.io"
    config = grvt_raw_base.get_env_config(env)  # type: ignore[arg-type]
    assert (config.market_data.rpc_endpoint, config.chain_id) == (sim.urls["market_data"], 326)
    assert config.trade_data.ws_endpoint == sim.urls["ws_trades"].removesuffix("/full")
    assert CHAIN_IDS[env.value] == 326
    sdk.release(env)
    assert env.value not in CHAIN_IDS and domains(env.value) == {}


async def test_sync_ccxt_client_trades_on_the_simulator(sim: SimHandle, env: sdk.SdkEnv) -> None:
    cid = str(2**63 + 11)

    def session() -> dict[str, Any]:
        api = GrvtCcxt(env, quiet, parameters(sim.account))  # type: ignore[arg-type]
        out: dict[str, Any] = {"cookie": api._cookie, "markets": sorted(api.markets)}
        order_params = {"post_only": True, "client_order_id": cid}
        out["created"] = api.create_limit_order(BTC, "buy", Decimal("0.01"), 59000, order_params)
        out["fetched"] = api.fetch_order(params={"client_order_id": cid})
        out["open"] = api.fetch_open_orders(BTC)
        out["cancelled"] = api.cancel_order(id=out["fetched"]["result"]["order_id"])
        out["positions"] = api.fetch_positions([BTC])
        out["balance"] = api.fetch_balance()
        return out

    out = await asyncio.to_thread(session)
    cookie = out["cookie"]
    assert cookie and cookie["gravity"] and cookie["X-Grvt-Account-Id"] == sim.account["account_id"]  # parsed
    assert out["markets"] == [BTC, "ETH_USDT_Perp"]
    assert (out["created"]["order_id"], out["created"]["state"]["status"]) == ("0x00", "PENDING")
    assert out["fetched"]["result"]["state"]["status"] == "OPEN"  # the whole response, as the SDK returns it
    assert [o["metadata"]["client_order_id"] for o in out["open"]] == [cid]
    assert out["cancelled"] is True and out["positions"] == []
    assert Decimal(str(out["balance"]["USDT"]["total"])) > 0


async def test_sync_ccxt_client_reads_the_market_and_closes_a_position(sim: SimHandle, env: sdk.SdkEnv) -> None:
    """Ticker, book and candles; a market buy, its fill and position; a reduce-only market close;
    and a switched-off route answered the venue's way (the SDK keeps the body; it never raises)."""

    def session() -> dict[str, Any]:
        api = GrvtCcxt(env, quiet, parameters(sim.account))  # type: ignore[arg-type]
        out: dict[str, Any] = {"ticker": api.fetch_ticker(BTC), "mini": api.fetch_mini_ticker(BTC)}
        out["book"] = api.fetch_order_book(BTC, limit=10)
        out["bought"] = api.create_order(BTC, "market", "buy", Decimal("0.01"))
        out["position"] = api.fetch_positions([BTC])
        out["fills"] = api.fetch_my_trades(BTC)
        out["candles"] = api.fetch_ohlcv(BTC, "1m")
        out["closed"] = api.create_order(BTC, "market", "sell", Decimal("0.01"), params={"reduce_only": True})
        out["flat"] = api.fetch_positions([BTC])
        out["derisk"] = api.set_derisk_mm_ratio("1.5")
        out["derisk_body"] = api.get_endpoint_return_value(get_grvt_endpoint(env, "SET_DERISK_MM_RATIO"))
        return out

    out = await asyncio.to_thread(session)
    top = out["mini"]
    assert Decimal(top["best_bid_price"]) < Decimal(top["best_ask_price"]) and out["ticker"]["instrument"] == BTC
    assert Decimal(out["book"]["bids"][0]["price"]) == Decimal(top["best_bid_price"])
    assert (out["bought"]["order_id"], out["bought"]["is_market"]) == ("0x00", True)
    assert [(p["instrument"], Decimal(p["size"])) for p in out["position"]] == [(BTC, Decimal("0.01"))]
    fill = out["fills"]["result"][0]  # the whole response, as the SDK returns it
    assert (fill["is_buyer"], fill["is_taker"], Decimal(fill["size"])) == (True, True, Decimal("0.01"))
    assert out["candles"]["result"][0]["trades"] >= 1
    assert out["closed"]["reduce_only"] is True and out["flat"] == []
    assert out["derisk_body"] == {"code": 1009, "message": ANY, "status": 503}  # 0.2.1 answers True all the same


async def test_raw_async_client_decodes_every_answer(sim: SimHandle, env: sdk.SdkEnv) -> None:
    account = sim.account
    api = GrvtRawAsync(GrvtApiConfig(env, account["sub_account_id"], account["private_key"], account["api_key"], quiet))  # type: ignore[arg-type]
    try:
        instruments = await api.get_all_instruments_v1(raw.ApiGetAllInstrumentsRequest(is_active=True))
        assert not isinstance(instruments, GrvtError)
        assert [i.instrument_hash for i in instruments.result] == ["0x030501", "0x030401"]
        book = await api.orderbook_levels_v1(raw.ApiOrderbookLevelsRequest(instrument=BTC, depth=10))
        assert not isinstance(book, GrvtError) and book.result.bids[0].num_orders == 1
        sub = account["sub_account_id"]
        summary = await api.sub_account_summary_v1(raw.ApiSubAccountSummaryRequest(sub_account_id=sub))
        assert not isinstance(summary, GrvtError), summary
        assert summary.result.spot_balances[0].currency == "USDT"
        positions = await api.positions_v1(raw.ApiPositionsRequest(sub_account_id=sub))
        assert not isinstance(positions, GrvtError) and positions.result == []
        history = await api.order_history_v1(raw.ApiOrderHistoryRequest(sub_account_id=sub))
        assert not isinstance(history, GrvtError) and history.next == ""
        missing = await api.get_order_v1(raw.ApiGetOrderRequest(sub_account_id=sub, order_id="0x" + "1" * 32))
        assert isinstance(missing, GrvtError) and (missing.code, missing.status) == (1004, 404)
    finally:
        await api._session.close()


async def test_ws_client_gets_legacy_frames_for_its_exact_selectors() -> None:
    """The SDK's WS client logs in with a blocking request in its constructor, so the simulator
    runs in its own thread here, as it does for the conformance suite."""
    cluster = SimulatorCluster()
    described = cluster.ensure("grvt")
    env = sdk.point_sdk_at(sdk.Hosts.from_hosts(described, described["rest"], described["ws"]), 326)
    before = asyncio.all_tasks()
    client: GrvtCcxtWS | None = None
    try:
        client = GrvtCcxtWS(env, asyncio.get_running_loop(), quiet, parameters(described["account"]))  # type: ignore[arg-type]
        frames: dict[str, dict[str, Any]] = {}
        arrived = asyncio.Event()

        async def received(message: dict[str, Any]) -> None:
            frames.setdefault(message["stream"], message)
            arrived.set()

        await client.initialize()
        await client.subscribe("book.s", received, params={"instrument": BTC})
        await client.subscribe("order", received)
        await client.subscribe("fill", received)
        await client.subscribe("position", received)
        await asyncio.wait_for(arrived.wait(), TIMEOUT)
        book = frames["v1.book.s"]
        assert (book["selector"], book["sequence_number"], book["feed"]["instrument"]) == (f"{BTC}@500-10", "0", BTC)
        trades = GrvtWSEndpointType.TRADE_DATA
        await eventually(lambda: client.is_stream_subscribed(trades, "order"), what="the SDK's private subscription")
        created = await client.create_order(BTC, "limit", "buy", Decimal("0.01"), 59000, params={"post_only": True})
        assert created["order_id"] == "0x00"  # the async client sent the session from its cookie jar
        await eventually(lambda: "v1.order" in frames, what="the order update on the legacy socket")
        order = frames["v1.order"]
        assert order["selector"] == described["account"]["sub_account_id"] and order["sequence_number"] == "1"
        assert order["feed"]["state"]["status"] == "OPEN"
        await client.create_order(BTC, "market", "buy", Decimal("0.02"))
        await eventually(lambda: "v1.fill" in frames and "v1.position" in frames, what="the fill and position")
        assert frames["v1.fill"]["feed"]["is_taker"] is True and frames["v1.fill"]["feed"]["size"] == "0.02"
        assert frames["v1.position"]["feed"]["size"] == "0.02"
    finally:
        if client is not None:
            for endpoint in client.endpoint_types:
                if client.ws[endpoint] is not None:
                    await client.ws[endpoint].close()
            await client._session.close()
            client._session = None  # its __del__ would schedule a close on a loop that is gone
        for task in asyncio.all_tasks() - before - {asyncio.current_task()}:
            task.cancel()
        sdk.release(env)
        cluster.stop()
