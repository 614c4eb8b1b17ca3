"""flatten() and verify_flat() against the in-memory fake venue."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.fake_venue import SYMBOL, FakeConnector, FakeVenue
from xtb.errors import FlattenError
from xtb.execution.flatten import cancel_open_orders, flatten, verify_flat
from xtb.model import OrderRequest, OrderSnapshot, OrderState, OrderType, Side, TimeInForce

D = Decimal


@pytest.mark.parametrize(("start", "close_side"), [(D("0.25"), Side.SELL), (D("-0.25"), Side.BUY)])
async def test_flatten_closes_a_long_and_a_short(
    connector: FakeConnector, venue: FakeVenue, start: Decimal, close_side: Side
) -> None:
    venue.position = start
    result = await flatten(connector, SYMBOL, timeout=2)
    assert venue.position == 0
    assert result.position_before.size == start
    assert result.position_after.is_flat
    [close] = result.close_orders
    assert close.request.side is close_side
    assert close.request.reduce_only
    assert close.request.order_type is OrderType.MARKET
    assert close.request.size == abs(start)
    assert close.state is OrderState.FILLED
    report = await verify_flat(connector, SYMBOL)
    assert report.rest_position.is_flat and report.open_orders == []


async def test_flatten_cancels_this_runs_orders_and_leaves_others(connector: FakeConnector, venue: FakeVenue) -> None:
    ours = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    foreign = venue.submit(
        OrderRequest(SYMBOL, Side.BUY, D("0.1"), OrderType.LIMIT, "7", D("98"), TimeInForce.POST_ONLY)
    )  # placed by another strategy on the same account: client id outside our run's tag
    venue.position = D("0.05")
    result = await flatten(connector, SYMBOL, timeout=2)
    assert ours.state is OrderState.CANCELLED
    assert foreign.state is OrderState.OPEN
    assert result.cancelled == [ours.client_id]
    assert result.left_alone == ["7"]
    assert venue.position == 0
    assert "cancel 7" not in venue.calls  # the foreign order (client id 7) was never touched


async def test_flatten_symbol_scope_cancels_every_order_on_the_symbol(
    connector: FakeConnector, venue: FakeVenue
) -> None:
    venue.submit(OrderRequest(SYMBOL, Side.SELL, D("0.1"), OrderType.LIMIT, "7", D("105"), TimeInForce.POST_ONLY))
    result = await flatten(connector, SYMBOL, timeout=2, scope="symbol")
    assert result.cancelled == ["7"]
    assert venue.resting() == []


async def test_flatten_reports_residue_when_the_venue_refuses(connector: FakeConnector, venue: FakeVenue) -> None:
    venue.position = D("0.25")
    venue.refuse_reduce_only = True
    with pytest.raises(FlattenError) as caught:
        await flatten(connector, SYMBOL, timeout=2)
    assert caught.value.position is not None
    assert caught.value.position.size == D("0.25")
    assert "0.25" in str(caught.value)
    assert venue.position == D("0.25")


async def test_verify_flat_names_the_residue(connector: FakeConnector, venue: FakeVenue) -> None:
    resting = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    venue.position = D("-0.3")
    with pytest.raises(FlattenError) as caught:
        await verify_flat(connector, SYMBOL)
    message = str(caught.value)
    assert "REST position -0.3" in message
    assert resting.client_id in message
    assert [o.client_id for o in caught.value.open_orders] == [resting.client_id]


async def test_flatten_of_a_flat_symbol_sends_nothing(connector: FakeConnector, venue: FakeVenue) -> None:
    result = await flatten(connector, SYMBOL, timeout=2)
    assert result.close_orders == [] and result.cancelled == []
    assert not any(c.startswith(("submit", "cancel")) for c in venue.calls)


async def test_cleanup_of_a_symbol_never_cancels_an_order_listed_for_another(venue: FakeVenue) -> None:
    """A connector that lists every market's orders for one symbol (its bug) still cannot make
    the symbol's cleanup cancel another market's order."""

    class ListsEveryMarket(FakeConnector):
        async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
            return [replace(s, symbol="ETH-PERP") for s in await super()._fetch_open_orders(symbol)]

    connector = ListsEveryMarket(venue)
    await connector.start()
    try:
        tracker = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
        cancelled, left = await cancel_open_orders(connector, SYMBOL)
        assert cancelled == [] and left == [tracker.client_id]
        assert [o.request.client_id for o in venue.resting()] == [tracker.client_id]
    finally:
        await connector.stop()
