"""A realistic results document: two venues, seven scenarios, passes, failures, skips and a cell
that never ran, shaped like what the conformance plugin writes."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from typing import Any

SCENARIOS: dict[str, dict[str, Any]] = {
    "metadata": {
        "title": "Metadata and top of book agree on REST and WS",
        "doc": "Purpose: the market's tick, lot and limits match the venue, and the first book snapshot "
        "is live.\n\nExpected: REST metadata, REST book, WS snapshot.\n\nPass: tick and lot equal; "
        "REST and WS touch within one tick.",
        "sim_only": False,
    },
    "post_top_of_book": {
        "title": "Tracking-limit entry at the touch fills",
        "doc": "Purpose: a tracking limit buy rests at the best bid and follows it until filled.\n\n"
        "Expected: submit → ack → open (WS) → [touch moves → cancel → cancelled → re-post]* → filled.\n\n"
        "Pass: filled within 30 s; every attempt priced at the touch when sent; no anomalies.",
        "sim_only": False,
    },
    "cancel_resting": {
        "title": "Cancel a resting order",
        "doc": "Purpose: a post-only order away from the touch is cancelled.\n\nExpected: submit → open → "
        "cancel → cancelled on both transports.\n\nPass: cancelled with zero filled; REST agrees.",
        "sim_only": False,
    },
    "post_only_would_cross": {
        "title": "Post-only that would cross is refused",
        "doc": "Purpose: a post-only buy at the ask is rejected (or cancelled at once).\n\nPass: failed or "
        "cancelled with zero filled, reported as post-only rejection.",
        "sim_only": False,
    },
    "partial_fill_then_cancel": {
        "title": "Partial fill then cancel",
        "doc": "Purpose: an order partly filled by taker flow is cancelled; the fill is kept.\n\nExpected: "
        "open → partially_filled → cancel → cancelled.\n\nPass: filled stays at the partial amount; "
        "cumulative filled never decreases.",
        "sim_only": False,
    },
    "reduce_only_flatten": {
        "title": "Reduce-only market flatten closes the position",
        "doc": "Purpose: a reduce-only market order closes the position opened by the entry.\n\n"
        "Pass: position zero on REST and WS.",
        "sim_only": False,
    },
    "stream_drop_mid_order": {
        "title": "Private stream drops while an order rests",
        "doc": "Purpose: the connector reconnects and reconciles the order through REST.\n\nPass: the "
        "order's final state is right and no fill is counted twice.",
        "sim_only": True,
    },
}

VENUES = {
    "backpack": {"environment": "simulator", "symbol": "SOL_USDC_PERP", "config": "venues/backpack.yaml"},
    "lighter": {"environment": "testnet", "symbol": "ETH", "config": "venues/lighter.yaml"},
}


def book_walk(start_bid: str, spread: str, moves: list[tuple[float, str]], end: float, step: float = 0.05) -> list:
    """Samples every `step` seconds; `moves` shifts the bid by a signed amount at a time."""
    bid, gap = Decimal(start_bid), Decimal(spread)
    samples, t, pending = [], 0.0, sorted(moves)
    while t <= end + 1e-9:
        while pending and pending[0][0] <= t + 1e-9:
            bid += Decimal(pending.pop(0)[1])
        samples.append({"t": round(t, 3), "bid": str(bid), "ask": str(bid + gap)})
        t += step
    return samples


def attempt(cid: str, vid: str, price: str, outcome: str, submitted: float, end: float, filled: bool) -> dict:
    return {
        "client_id": cid,
        "venue_id": vid,
        "price": price,
        "size": "0.1",
        "filled": "0.1" if filled else "0",
        "state": "filled" if filled else "cancelled",
        "outcome": outcome,
        "submitted_at": submitted,
        "acked_at": round(submitted + 0.004, 3),
        "cancel_sent_at": None if filled else round(end - 0.01, 3),
        "cancelled_at": None if filled else end,
        "filled_at": end if filled else None,
    }


def order_for(a: dict, side: str = "buy") -> dict:
    history = [
        {"at": a["submitted_at"], "source": "local", "state": "submitting", "filled": "0", "note": "submit sent"},
        {"at": a["acked_at"], "source": "rest", "state": "open", "filled": "0", "note": "ack"},
        {"at": round(a["acked_at"] + 0.002, 3), "source": "ws", "state": "open", "filled": "0", "note": ""},
    ]
    if a["filled_at"] is not None:
        history.append({"at": a["filled_at"], "source": "ws", "state": "filled", "filled": a["filled"], "note": "fill"})
    else:
        history.append(
            {"at": a["cancel_sent_at"], "source": "local", "state": "cancelling", "filled": "0", "note": "cancel sent"}
        )
        history.append({"at": a["cancelled_at"], "source": "ws", "state": "cancelled", "filled": "0", "note": ""})
    return {
        "client_id": a["client_id"],
        "venue_id": a["venue_id"],
        "side": side,
        "size": a["size"],
        "price": a["price"],
        "state": a["state"],
        "filled": a["filled"],
        "history": history,
        "anomalies": [],
    }


def transcript(n: int, port: int = 40123) -> list[dict]:
    paths = ["/api/v1/order", "/api/v1/orders", "/api/v1/depth?symbol=SOL_USDC_PERP", "/api/v1/position"]
    return [
        {
            "t": round(0.01 + i * 0.07, 3),
            "method": "POST" if i % 4 == 0 else "GET",
            "url": f"http://127.0.0.1:{port}{paths[i % 4]}",
            "status": 200,
            "latency_s": 0.002 + (i % 5) * 0.001,
        }
        for i in range(n)
    ]


def result(venue: str, scenario: str, outcome: str, reason: str = "", duration: float = 0.5, **extra: Any) -> dict:
    row = {
        "venue": venue,
        "scenario": scenario,
        "outcome": outcome,
        "reason": reason,
        "duration_s": duration,
        "metrics": {},
        "attempts": [],
        "orders": [],
        "book": [],
        "transcript": [],
    }
    row.update(extra)
    return row


def _chase(venue: str, base: str, fill: bool) -> dict:
    """A tracking-limit chase: two reprices, then a fill (or a timeout)."""
    b = Decimal(base)
    attempts = [
        attempt("1001", "9001", str(b), "repriced", 0.01, 0.45, False),
        attempt("1002", "9002", str(b + Decimal("0.02")), "repriced", 0.46, 0.9, False),
        attempt("1003", "9003", str(b + Decimal("0.03")), "filled" if fill else "timed_out", 0.91, 1.6, fill),
    ]
    return {
        "attempts": attempts,
        "orders": [order_for(a) for a in attempts],
        "book": book_walk(base, "0.02", [(0.4, "0.02"), (0.9, "0.01")], 1.8),
        "transcript": transcript(14, 40123 if venue == "backpack" else 40200),
        "metrics": {
            "submit_to_ack_s": 0.004,
            "ack_to_first_ws_s": 0.002,
            "touch_move_to_repost_s": 0.05,
            "time_to_fill_s": 1.59 if fill else None,
            "attempts": 3,
        },
    }


def example_document() -> dict:
    """A fresh copy each call so a test can break it without touching others."""
    partial = attempt("2001", "9101", "150.00", "", 0.01, 1.2, False)
    partial["filled"] = "0.04"
    partial_order = order_for(partial)
    partial_order["filled"] = "0.04"
    partial_order["history"].insert(
        3, {"at": 0.6, "source": "ws", "state": "partially_filled", "filled": "0.04", "note": "trade 0.04"}
    )
    partial_order["history"].append(
        {"at": 1.25, "source": "rest", "state": "cancelled", "filled": "0.03", "note": "reconcile"}
    )
    partial_order["anomalies"].append(
        {"kind": "filled_regression", "source": "rest", "at": 1.25, "detail": "filled 0.04 → 0.03"}
    )
    results = [
        result("backpack", "metadata", "passed", duration=0.12, metrics={"rest_to_ws_touch_s": 0.03}),
        result("backpack", "post_top_of_book", "passed", duration=1.81, **_chase("backpack", "150.00", True)),
        result(
            "backpack",
            "cancel_resting",
            "passed",
            duration=0.31,
            metrics={"submit_to_ack_s": 0.003, "ack_to_first_ws_s": 0.001},
            attempts=[attempt("3001", "9201", "149.50", "", 0.01, 0.2, False)],
            transcript=transcript(4),
        ),
        result(
            "backpack",
            "post_only_would_cross",
            "passed",
            duration=0.05,
            metrics={"submit_to_ack_s": 0.005},
        ),
        result(
            "backpack",
            "partial_fill_then_cancel",
            "failed",
            "AssertionError: filled went backwards on REST: 0.04 → 0.03 (order 2001)\n"
            "assert Decimal('0.03') >= Decimal('0.04')",
            1.3,
            metrics={"submit_to_ack_s": 0.004, "ack_to_first_ws_s": 0.003, "attempts": 1},
            attempts=[partial],
            orders=[partial_order],
            book=book_walk("150.00", "0.01", [(0.6, "-0.01"), (1.0, "0.01")], 1.3),
            transcript=transcript(9),
        ),
        result("backpack", "reduce_only_flatten", "passed", duration=0.4, metrics={"submit_to_ack_s": 0.004}),
        result("backpack", "stream_drop_mid_order", "passed", duration=2.2, metrics={"reconnect_s": 1.02}),
        result("lighter", "metadata", "passed", duration=0.6, metrics={"rest_to_ws_touch_s": 0.21}),
        result(
            "lighter",
            "post_top_of_book",
            "failed",
            "TimeoutError: not filled within 1.6 s (3 attempts, last at 3412.53); the touch moved 2 times",
            1.9,
            **_chase("lighter", "3412.50", False),
        ),
        result(
            "lighter",
            "post_only_would_cross",
            "passed",
            duration=0.7,
            metrics={"submit_to_ack_s": 0.18, "ack_to_first_ws_s": 0.09},
        ),
        result(
            "lighter",
            "partial_fill_then_cancel",
            "skipped",
            "no taker flow on testnet to make a partial fill (venues/lighter.yaml skips)",
            0.0,
        ),
        result("lighter", "reduce_only_flatten", "passed", duration=1.1, metrics={"submit_to_ack_s": 0.2}),
        result(
            "lighter",
            "stream_drop_mid_order",
            "skipped",
            "simulator only: needs fault injection",
            0.0,
        ),
    ]
    return copy.deepcopy(
        {
            "generated_at": "2026-11-25T19:00:00Z",
            "duration_s": 42.1,
            "target": "mixed",
            "scenarios": SCENARIOS,
            "venues": VENUES,
            "results": results,
        }
    )


def large_document(venues: int = 4, scenarios: int = 15, samples: int = 2_000, requests: int = 500) -> dict:
    """A busy full run, for the page-size budget: every cell run, each with a 500-request transcript;
    a third are five-attempt chases over a busy book (a seeded random walk sampled every 10 ms), a
    third rest one order over a shorter book, a third have no book; one in five failed with a long
    message."""
    rng = random.Random(7)
    names = [f"scenario_{i:02d}_with_a_long_descriptive_name" for i in range(scenarios)]
    doc = example_document()
    doc["scenarios"] = {n: {"title": f"Title of {n}", "doc": "Purpose: ...\n" * 8, "sim_only": False} for n in names}
    doc["venues"] = {
        f"venue{v}": {"environment": "simulator", "symbol": "BTC-PERP", "config": ""} for v in range(venues)
    }
    bid, book = Decimal("100.00"), []
    for i in range(samples):
        bid += Decimal(rng.choice((-1, 0, 0, 1))) / 100
        book.append({"t": round(i * 0.01, 2), "bid": str(bid), "ask": str(bid + Decimal(rng.choice((1, 2, 3))) / 100)})
    chase = [attempt(str(5000 + i), str(i), "100.05", "repriced", i * 2.0, i * 2.0 + 1.9, i == 4) for i in range(5)]
    kinds = [
        {"attempts": chase, "orders": [order_for(a) for a in chase], "book": book},
        {"attempts": chase[:1], "orders": [order_for(chase[0])], "book": book[:300]},
        {"attempts": [], "orders": [order_for(chase[4])], "book": []},
    ]
    doc["results"] = [
        result(
            f"venue{v}",
            n,
            "failed" if (v + s) % 5 == 0 else "passed",
            "AssertionError: " + "x" * 3_000 if (v + s) % 5 == 0 else "",
            20.0,
            metrics={"submit_to_ack_s": 0.004, "ack_to_first_ws_s": 0.002, "attempts": 5},
            transcript=transcript(requests),
            **copy.deepcopy(kinds[s % 3]),
        )
        for v in range(venues)
        for s, n in enumerate(names)
    ]
    return doc


def pathological_result() -> dict:
    """One result with far more of everything than a scenario produces; the page must cut it down."""
    walk = [{"t": i * 0.001, "bid": str(100 + i % 17), "ask": str(120 - i % 13)} for i in range(20_000)]
    attempts = [
        attempt(str(i), str(i), str(100 + i % 9), "repriced", i * 0.01, i * 0.01 + 0.009, False) for i in range(1_000)
    ]
    order = order_for(attempts[0])
    order["history"] = order["history"] * 200
    order["anomalies"] = [{"kind": "illegal_transition", "source": "ws", "at": 0.1, "detail": "x" * 200}] * 100
    return result(
        "venue0",
        "metadata",
        "failed",
        "E" * 100_000,
        20.0,
        attempts=attempts,
        orders=[order] * 100,
        book=walk,
        transcript=transcript(10_000),
    )
