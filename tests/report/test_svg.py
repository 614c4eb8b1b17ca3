from __future__ import annotations

import re
from decimal import Decimal

import pytest

from xtb.report import Report, parse_report
from xtb.report.model import Attempt, BookSample, HistoryEntry, Order, Outcome, Result
from xtb.report.svg import (
    ASK_COLOUR,
    BID_COLOUR,
    OUTCOME_COLOURS,
    Frame,
    attempt_end,
    chart_geometry,
    fill_times,
    frame_for,
    nice_ticks,
    reduce_steps,
    render_chart,
    step_path,
)

FRAME = Frame(t0=0.0, t1=2.0, p0=99.0, p1=102.0, left=50.0, top=10.0, width=200.0, height=100.0)


def make_attempt(price: str, submitted: float, cancelled: float | None = None, filled: float | None = None,
                 outcome: str = "repriced", client_id: str = "1") -> Attempt:  # fmt: skip
    return Attempt(client_id, price=Decimal(price), size=Decimal("1"), filled=Decimal("0"), outcome=outcome,
                   submitted_at=submitted, cancelled_at=cancelled, filled_at=filled)  # fmt: skip


def make_result(book: list[tuple[float, str | None, str | None]], attempts: tuple[Attempt, ...] = (),
                orders: tuple[Order, ...] = ()) -> Result:  # fmt: skip
    samples = tuple(BookSample(t, Decimal(b) if b else None, Decimal(a) if a else None) for t, b, a in book)
    return Result("v", "s", Outcome.PASSED, book=samples, attempts=attempts, orders=orders)


def test_frame_maps_seconds_and_prices_onto_the_plot_box() -> None:
    assert (FRAME.x(0.0), FRAME.x(1.0), FRAME.x(2.0)) == (50.0, 150.0, 250.0)
    assert (FRAME.y(102.0), FRAME.y(99.0)) == (10.0, 110.0)
    assert FRAME.y(Decimal("100.5")) == pytest.approx(60.0)
    assert (FRAME.right, FRAME.bottom) == (250.0, 110.0)


def test_step_path_holds_each_price_until_the_next_sample() -> None:
    runs = [[(0.0, 100.0), (0.5, 100.0), (1.0, 100.5), (2.0, 100.5)]]
    # y(100) = 10 + 2/3 * 100 = 76.7 → 77 (whole units); the repeated 100.0 at 0.5 draws nothing
    assert step_path(runs, FRAME) == "M50 77H150V60H250"
    assert step_path([[(0.0, 101.0)], [(1.0, 100.0), (2.0, 100.0)]], FRAME) == "M50 43M150 77H250"


def test_geometry_of_book_and_attempts() -> None:
    result = make_result(
        [(0.0, "100", "101"), (1.0, "100.5", "101"), (2.0, "100.5", None)],
        (
            make_attempt("100", 0.0, cancelled=1.0, outcome="repriced"),
            make_attempt("100.5", 1.1, filled=1.5, outcome="filled", client_id="2"),
            make_attempt("100.5", 1.8),  # still resting when the samples end
        ),
    )
    chart = chart_geometry(result, FRAME)
    assert chart is not None
    assert chart.bid_path == "M50 77H150V60H250"
    assert chart.ask_path == "M50 43H150"  # the ask side is missing in the last sample
    (x1, x2, y, outcome) = zip(*((s.x1, s.x2, s.y, s.outcome) for s in chart.segments), strict=True)
    assert x1 == pytest.approx((50.0, 160.0, 230.0))
    assert x2 == pytest.approx((150.0, 200.0, 250.0))
    assert y == pytest.approx((76.6667, 60.0, 60.0), abs=1e-3)
    assert outcome == ("repriced", "filled", "repriced")
    assert [(f.x, f.y, f.complete) for f in chart.fills] == [(pytest.approx(200.0), pytest.approx(60.0), True)]


def test_rendered_svg_draws_paths_segments_and_fills_at_those_coordinates() -> None:
    result = make_result(
        [(0.0, "100", "101"), (1.0, "100.5", "101"), (2.0, "100.5", "101")],
        (make_attempt("100", 0.0, cancelled=1.0), make_attempt("100.5", 1.1, filled=1.5, outcome="filled")),
    )
    chart = chart_geometry(result, FRAME)
    assert chart is not None
    svg = render_chart(chart)
    assert f'<path class="bid" d="M50 77H150V60H250" fill="none" stroke="{BID_COLOUR}"' in svg
    assert f'<path class="ask" d="M50 43H250" fill="none" stroke="{ASK_COLOUR}"' in svg
    assert f'<line x1="50.0" x2="150.0" y1="76.7" y2="76.7" stroke="{OUTCOME_COLOURS["repriced"]}"' in svg
    assert f'<line x1="160.0" x2="200.0" y1="60.0" y2="60.0" stroke="{OUTCOME_COLOURS["filled"]}"' in svg
    assert '<circle class="fill" cx="200.0" cy="60.0" r="4.5"' in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>") and svg.count("<svg") == 1


def test_partial_fills_come_from_the_order_history() -> None:
    attempt = make_attempt("100", 0.0, cancelled=1.5, client_id="7")
    history = (
        HistoryEntry(0.0, "local", "submitting", Decimal("0"), ""),
        HistoryEntry(0.5, "ws", "partially_filled", Decimal("0.4"), ""),
        HistoryEntry(0.6, "rest", "partially_filled", Decimal("0.4"), ""),
        HistoryEntry(1.0, "ws", "filled", Decimal("1"), ""),
    )
    order = Order("7", side="buy", size=Decimal("1"), price=Decimal("100"), state="filled", filled=Decimal("1"),
                  history=history)  # fmt: skip
    assert fill_times(attempt, order) == [(0.5, False), (1.0, True)]
    assert fill_times(make_attempt("100", 0.0, filled=0.9), None) == [(0.9, True)]
    chart = chart_geometry(make_result([(0.0, "100", "101"), (2.0, "100", "101")], (attempt,), (order,)), FRAME)
    assert chart is not None
    assert [(f.x, f.complete) for f in chart.fills] == [(pytest.approx(100.0), False), (pytest.approx(150.0), True)]
    assert 'r="3.5" fill="#ffffff"' in render_chart(chart)


def test_attempt_end_prefers_its_last_terminal_time() -> None:
    assert attempt_end(make_attempt("1", 0.0, cancelled=0.5), 9.0) == 0.5
    assert attempt_end(make_attempt("1", 0.0, filled=0.7), 9.0) == 0.7
    assert attempt_end(make_attempt("1", 0.0, cancelled=0.8, filled=0.7), 9.0) == 0.8
    assert attempt_end(make_attempt("1", 0.0), 9.0) == 9.0


def test_frame_covers_book_and_attempts_with_room() -> None:
    result = make_result([(0.2, "100", "101"), (3.0, "100", "101")], (make_attempt("99", 0.5, cancelled=4.0),))
    frame = frame_for(result)
    assert (frame.t0, frame.t1) == (0.0, 4.0)
    assert frame.p0 < 99.0 < 101.0 < frame.p1
    assert frame.p0 == pytest.approx(99.0 - 0.16) and frame.p1 == pytest.approx(101.0 + 0.16)
    flat = frame_for(make_result([(0.0, "100", "100")]))
    assert flat.p0 < 100.0 < flat.p1


def test_no_chart_without_book_samples() -> None:
    assert chart_geometry(make_result([])) is None
    assert chart_geometry(make_result([(0.0, None, None)])) is None


def test_long_books_are_reduced_but_keep_their_extremes() -> None:
    run = [(i / 1000, 100.0 + (i % 7) - (5.0 if i == 4319 else 0.0)) for i in range(10_000)]
    frame = Frame(0.0, 10.0, 90.0, 110.0)
    kept = reduce_steps(run, frame, buckets=100)
    assert len(kept) <= 3 * 100 + 1
    assert min(p for _, p in kept) == 95.0 and max(p for _, p in kept) == 106.0
    assert kept[0] == run[0] and kept[-1] == run[-1]
    assert [t for t, _ in kept] == sorted(t for t, _ in kept)
    assert reduce_steps([(0.0, 1.0), (1.0, 1.0), (2.0, 1.0)], frame) == [(0.0, 1.0), (2.0, 1.0)]


def test_nice_ticks() -> None:
    assert nice_ticks(0.0, 1.8, 8) == ([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75], 2)
    ticks, decimals = nice_ticks(149.9884, 150.0116, 5)
    assert ticks == pytest.approx([149.99, 149.995, 150.0, 150.005, 150.01]) and decimals == 3


def test_example_chase_chart(report: Report) -> None:
    result = report.cell("backpack", "post_top_of_book")
    assert result is not None
    chart = chart_geometry(result)
    assert chart is not None
    assert [s.outcome for s in chart.segments] == ["repriced", "repriced", "filled"]
    assert [round(s.x1, 6) for s in chart.segments] == [round(chart.frame.x(t), 6) for t in (0.01, 0.46, 0.91)]
    assert [round(s.y, 6) for s in chart.segments] == [
        round(chart.frame.y(Decimal(p)), 6) for p in ("150.00", "150.02", "150.03")
    ]
    # the bid path starts at the first sample and steps twice (at 0.4 and 0.9 s)
    assert chart.bid_path.startswith(f"M{round(chart.frame.x(0.0))} {round(chart.frame.y(150.0))}H")
    assert len(re.findall(r"V", chart.bid_path)) == 2
    assert len(chart.fills) == 1 and chart.fills[0].complete


def test_example_without_book_has_no_chart(document: dict) -> None:
    result = parse_report(document).cell("backpack", "metadata")
    assert result is not None and chart_geometry(result) is None
