"""Fault plans: matching, counts, and what each stream action does to the message order."""

from __future__ import annotations

import asyncio

import pytest

from xtb.sim.fault_specs import FaultSpecError, parse_faults
from xtb.sim.faults import FaultPlan, RestAction, RestFault, StreamAction, StreamFault


def test_rest_fault_matches_method_and_path_glob_and_counts_down() -> None:
    plan = FaultPlan()
    plan.add(RestFault(RestAction.STATUS, path="/api/v1/order*", method="POST", count=2, status=429, retry_after=1))
    assert plan.take_rest("GET", "/api/v1/order") is None
    assert plan.take_rest("POST", "/api/v1/depth") is None
    first = plan.take_rest("POST", "/api/v1/order")
    assert first is not None and first.status == 429 and first.retry_after == 1
    assert plan.take_rest("post", "/api/v1/orders") is first
    assert plan.take_rest("POST", "/api/v1/order") is None  # used up
    assert list(plan.applied) == ["rest status POST /api/v1/order", "rest status post /api/v1/orders"]


def test_rest_fault_without_count_fires_until_cleared() -> None:
    plan = FaultPlan()
    plan.add(RestFault(RestAction.DROP_RESPONSE, count=None))
    assert all(plan.take_rest("POST", f"/x/{n}") is not None for n in range(5))
    plan.clear()
    assert plan.take_rest("POST", "/x") is None


def test_an_order_rejection_waits_for_an_order_and_transport_faults_for_any_request() -> None:
    plan = FaultPlan()
    reject = RestFault(RestAction.REJECT_ORDER, reason="no")
    status = RestFault(RestAction.STATUS, status=503)
    plan.add(reject, status)
    assert plan.take_rest("POST", "/order") is status  # the rejection ahead of it is not spent
    assert plan.take_rest("POST", "/order") is None
    assert plan.take_order_rejection("POST", "/order") is reject
    assert plan.take_order_rejection("POST", "/order") is None
    assert plan.rest == []
    assert list(plan.applied) == ["rest status POST /order", "rest reject_order POST /order"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"action": RestAction.STATUS, "status": 200},
        {"action": RestAction.DELAY, "delay": -1},
        {"action": RestAction.STATUS, "count": 0},
    ],
)
def test_bad_rest_fault_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RestFault(**kwargs)


def test_stream_without_fault_sends_as_is() -> None:
    delivery = FaultPlan().deliver("c1", "orders", "order", "m1")
    assert delivery.sends == ((0.0, "m1"),) and not delivery.close


def test_stream_drop_only_matching_kind() -> None:
    plan = FaultPlan()
    plan.add(StreamFault(StreamAction.DROP, kind="fill"))
    assert plan.deliver("c1", "orders", "order", "o1").sends == ((0.0, "o1"),)
    assert plan.deliver("c1", "orders", "fill", "f1").sends == ()
    assert plan.deliver("c1", "orders", "fill", "f2").sends == ((0.0, "f2"),)


def test_stream_duplicate_delay_and_close() -> None:
    plan = FaultPlan()
    plan.add(
        StreamFault(StreamAction.DUPLICATE, kind="order"),
        StreamFault(StreamAction.DELAY, kind="depth", delay=0.5),
        StreamFault(StreamAction.CLOSE, channel="private"),
    )
    assert plan.deliver("c", "orders", "order", "o").sends == ((0.0, "o"), (0.0, "o"))
    assert plan.deliver("c", "book", "depth", "d").sends == ((0.5, "d"),)
    closing = plan.deliver("c", "private", "order", "p")
    assert closing.close and closing.sends == ()


def test_stream_reorder_swaps_with_the_next_message_on_that_connection() -> None:
    plan = FaultPlan()
    plan.add(StreamFault(StreamAction.REORDER, kind="order"))
    assert plan.deliver("c1", "orders", "order", "first").sends == ()
    assert plan.deliver("c2", "orders", "order", "other-connection").sends == ((0.0, "other-connection"),)
    assert plan.deliver("c1", "orders", "order", "second").sends == ((0.0, "second"), (0.0, "first"))


def test_held_message_can_be_released_when_the_connection_closes() -> None:
    plan = FaultPlan()
    plan.add(StreamFault(StreamAction.REORDER))
    plan.deliver("c1", "orders", "order", "held")
    assert list(plan.release_held("c1")) == ["held"]
    assert list(plan.release_held("c1")) == []


async def test_a_held_stream_message_waits_for_the_release() -> None:
    plan = FaultPlan()
    plan.add(StreamFault(StreamAction.HOLD, kind="fill", delay=30))
    held = plan.deliver("c1", "orders", "fill", "f1")
    assert held.sends == ((0.0, "f1"),) and held.wait is not None
    assert plan.deliver("c1", "orders", "fill", "f2").wait is None  # one fault, one hold
    plan.release()  # released before anyone waits: the hold still ends at once
    assert await asyncio.wait_for(held.wait(), 1) is True


async def test_a_held_stream_message_goes_at_its_limit_without_a_release() -> None:
    plan = FaultPlan()
    plan.add(StreamFault(StreamAction.HOLD, delay=0.01))
    held = plan.deliver("c1", "orders", "order", "o1")
    assert held.wait is not None and await held.wait() is False


def test_a_stream_hold_needs_its_limit() -> None:
    with pytest.raises(ValueError, match="a hold fault needs a delay > 0"):
        StreamFault(StreamAction.HOLD)


def test_faults_parse_from_json() -> None:
    faults = parse_faults(
        {
            "rest": [{"action": "status", "status": 429, "retry_after": 1, "path": "/order", "count": None}],
            "stream": [{"action": "reorder", "channel": "book:*", "kind": "book", "count": 2}],
        }
    )
    assert faults == [
        RestFault(RestAction.STATUS, path="/order", status=429, retry_after=1, count=None),
        StreamFault(StreamAction.REORDER, channel="book:*", kind="book", count=2),
    ]


def test_a_fault_spec_error_names_the_entry_and_the_problem() -> None:
    with pytest.raises(FaultSpecError, match=r"stream\[1\]: fault count must be at least 1"):
        parse_faults({"stream": [{"action": "drop"}, {"action": "drop", "count": 0}]})
