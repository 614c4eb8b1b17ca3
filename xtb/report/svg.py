"""Inline SVG timeline of one scenario: top of book as step lines and each attempt's resting price.

Geometry (`chart_geometry`) is separate from drawing (`render_chart`) so the coordinate mapping can be
tested as numbers. Prices stay `Decimal` in the model and become floats only here, for coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from xtb.report.model import Attempt, Order, Result

WIDTH = 960
HEIGHT = 260
MARGIN_LEFT = 72
MARGIN_RIGHT = 16
MARGIN_TOP = 14
MARGIN_BOTTOM = 30
MAX_BUCKETS = 100  # step-line detail kept per series (one per ~9 px); bounds the page size
MAX_SEGMENTS = 100  # attempts drawn; a longer chase is cut (the attempts table says how many there were)

BID_COLOUR = "#2563eb"
ASK_COLOUR = "#e11d48"
OUTCOME_COLOURS = {
    "filled": "#16a34a",
    "repriced": "#f59e0b",
    "interval": "#a16207",
    "timed_out": "#7c3aed",
    "post_only_rejected": "#0891b2",
    "cancelled_by_venue": "#64748b",
    "failed": "#111827",
}
OTHER_COLOUR = "#94a3b8"


def outcome_colour(outcome: str) -> str:
    return OUTCOME_COLOURS.get(outcome, OTHER_COLOUR)


@dataclass(frozen=True)
class Frame:
    """Maps seconds and prices onto the plot box (SVG y grows downwards)."""

    t0: float
    t1: float
    p0: float
    p1: float
    left: float = MARGIN_LEFT
    top: float = MARGIN_TOP
    width: float = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    height: float = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def x(self, t: float) -> float:
        return self.left + (t - self.t0) / (self.t1 - self.t0) * self.width

    def y(self, price: float | Decimal) -> float:
        return self.top + (self.p1 - float(price)) / (self.p1 - self.p0) * self.height


@dataclass(frozen=True)
class Segment:
    """An attempt resting at its price from submit to its end."""

    number: int
    x1: float
    x2: float
    y: float
    outcome: str
    label: str


@dataclass(frozen=True)
class FillMark:
    x: float
    y: float
    complete: bool
    label: str


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    frame: Frame
    bid_path: str
    ask_path: str
    segments: tuple[Segment, ...]
    fills: tuple[FillMark, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


def fmt(value: float) -> str:
    """A coordinate with one decimal: enough for a 960-unit viewBox, short in the page."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[list[float], int]:
    """Round tick values inside [lo, hi] and the decimals their labels need."""
    if hi <= lo:
        return [lo], 0
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    decimals = max(0, -Decimal(repr(step)).normalize().as_tuple().exponent)  # type: ignore[operator]
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    i = first
    while i * step <= hi + step * 1e-9:
        ticks.append(i * step)
        i += 1
    return ticks, decimals


def _decimals(values: Sequence[Decimal]) -> int:
    return min(8, max((max(0, -int(v.as_tuple().exponent)) for v in values), default=0))


def attempt_end(attempt: Attempt, last: float) -> float:
    """Where an attempt stops resting: its last terminal time, else the end of the chart."""
    ends = [t for t in (attempt.cancelled_at, attempt.filled_at) if t is not None]
    return max(ends) if ends else last


def fill_times(attempt: Attempt, order: Order | None) -> list[tuple[float, bool]]:
    """Times the attempt's filled quantity grew, and whether that made it complete.

    The order's history gives partial fills too; without it only `filled_at` is known.
    """
    size = attempt.size if attempt.size is not None else (order.size if order else None)
    marks: list[tuple[float, bool]] = []
    if order is not None and order.history:
        seen = Decimal(0)
        for entry in order.history:
            if entry.at is None or entry.filled is None or entry.filled <= seen:
                continue
            seen = entry.filled
            marks.append((entry.at, size is not None and entry.filled >= size))
    if not marks and attempt.filled_at is not None:
        marks.append((attempt.filled_at, True))
    return marks


def _series(result: Result, side: str) -> list[list[tuple[float, float]]]:
    """Runs of (t, price) without gaps; a missing side breaks the line."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for sample in sorted(result.book, key=lambda s: s.t):
        price = sample.bid if side == "bid" else sample.ask
        if price is None:
            if current:
                runs.append(current)
            current = []
            continue
        current.append((sample.t, float(price)))
    if current:
        runs.append(current)
    return runs


def reduce_steps(
    run: Sequence[tuple[float, float]], frame: Frame, buckets: int = MAX_BUCKETS
) -> list[tuple[float, float]]:
    """Drop samples that draw nothing: repeats of the previous price, and, when there are more changes
    than buckets across the width, all but the lowest, highest and last of each bucket (in time order),
    so every excursion still shows at its height."""
    changes = [p for i, p in enumerate(run) if i == 0 or p[1] != run[i - 1][1]]
    if run and changes[-1] != run[-1]:
        changes.append(run[-1])  # keeps the line running to the last sample
    if len(changes) <= buckets:
        return changes
    kept: list[tuple[float, float]] = []
    group: list[tuple[float, float]] = []
    bucket = None
    for point in changes:
        index = int((frame.x(point[0]) - frame.left) / frame.width * buckets)
        if index != bucket and group:
            kept += _extremes(group)
            group = []
        bucket = index
        group.append(point)
    kept += _extremes(group)
    if kept[0] != changes[0]:
        kept.insert(0, changes[0])  # the line starts where the book does
    return kept


def _extremes(group: list[tuple[float, float]]) -> list[tuple[float, float]]:
    low = min(range(len(group)), key=lambda i: group[i][1])
    high = max(range(len(group)), key=lambda i: group[i][1])
    return [group[i] for i in sorted({low, high, len(group) - 1})]


def step_path(runs: Sequence[Sequence[tuple[float, float]]], frame: Frame) -> str:
    """An SVG path holding each price until the next sample: M x y H x V y ... in whole units (a
    960-unit chart needs no finer), skipping moves that land where the pen already is."""
    parts: list[str] = []
    for run in runs:
        points = reduce_steps(run, frame)
        if not points:
            continue
        x, y = round(frame.x(points[0][0])), round(frame.y(points[0][1]))
        parts.append(f"M{x} {y}")
        for t, p in points[1:]:
            nx, ny = round(frame.x(t)), round(frame.y(p))
            if nx != x:
                parts.append(f"H{nx}")
                x = nx
            if ny != y:
                parts.append(f"V{ny}")
                y = ny
    return "".join(parts)


def _attempt_label(number: int, attempt: Attempt, end: float) -> str:
    filled = f", filled {attempt.filled}" if attempt.filled else ""
    return (
        f"#{number} {attempt.outcome or 'no outcome'} @ {attempt.price} × {attempt.size}{filled}, "
        f"{attempt.submitted_at:.3f}→{end:.3f} s"
    )


def chart_geometry(result: Result, frame: Frame | None = None) -> Chart | None:
    """Everything the chart draws, in SVG units; None when the result has no book samples."""
    bids = _series(result, "bid")
    asks = _series(result, "ask")
    if not bids and not asks:
        return None
    frame = frame or frame_for(result)
    orders = {o.client_id: o for o in result.orders if o.client_id}
    last = frame.t1
    segments: list[Segment] = []
    fills: list[FillMark] = []
    for number, attempt in enumerate(result.attempts[:MAX_SEGMENTS], start=1):
        if attempt.price is None or attempt.submitted_at is None:
            continue
        y = frame.y(attempt.price)
        end = attempt_end(attempt, last)
        label = _attempt_label(number, attempt, end)
        segments.append(Segment(number, frame.x(attempt.submitted_at), frame.x(end), y, attempt.outcome, label))
        for t, complete in fill_times(attempt, orders.get(attempt.client_id)):
            what = "filled" if complete else "partial fill"
            fills.append(FillMark(frame.x(t), y, complete, f"attempt {number} {what} at {t:.3f}s"))
    xs, x_dec = nice_ticks(frame.t0, frame.t1, 8)
    ys, y_dec = nice_ticks(frame.p0, frame.p1, 5)
    y_dec = max(y_dec, _decimals([p for s in result.book for p in (s.bid, s.ask) if p is not None]))
    return Chart(
        frame=frame,
        bid_path=step_path(bids, frame),
        ask_path=step_path(asks, frame),
        segments=tuple(segments),
        fills=tuple(fills),
        x_ticks=tuple(Tick(frame.x(t), f"{t:.{x_dec}f}") for t in xs),
        y_ticks=tuple(Tick(frame.y(p), f"{p:.{min(y_dec, 8)}f}") for p in ys),
    )


def frame_for(result: Result, width: float = WIDTH, height: float = HEIGHT) -> Frame:
    """Seconds from the scenario start (or the first sample) to the last thing that happened, and the
    price range of the book and the attempts with a little room above and below."""
    times = [s.t for s in result.book]
    prices = [float(p) for s in result.book for p in (s.bid, s.ask) if p is not None]
    for a in result.attempts:
        times += [t for t in (a.submitted_at, a.cancelled_at, a.filled_at) if t is not None]
        if a.price is not None and a.submitted_at is not None:
            prices.append(float(a.price))
    t0, t1 = min([0.0, *times]), max(times, default=1.0)
    if t1 <= t0:
        t1 = t0 + 1.0
    p0, p1 = min(prices, default=0.0), max(prices, default=1.0)
    pad = (p1 - p0) * 0.08 if p1 > p0 else max(abs(p0) * 0.0005, 1e-6)
    return Frame(
        t0,
        t1,
        p0 - pad,
        p1 + pad,
        width=width - MARGIN_LEFT - MARGIN_RIGHT,
        height=height - MARGIN_TOP - MARGIN_BOTTOM,
    )


def render_chart(chart: Chart, title: str = "") -> str:
    """The chart as an inline <svg>; colours are attributes so it reads the same copied out of the page."""
    f = chart.frame
    out = [
        f'<svg class="chart" viewBox="0 0 {fmt(f.right + MARGIN_RIGHT)} {fmt(f.bottom + MARGIN_BOTTOM)}" '
        f'role="img" aria-label="{escape(title or "top of book and attempts")}" '
        'font-family="ui-sans-serif, system-ui, sans-serif" font-size="11">'
    ]
    out.append(
        f'<rect x="{fmt(f.left)}" y="{fmt(f.top)}" width="{fmt(f.width)}" height="{fmt(f.height)}" fill="#fbfcfe"/>'
    )
    grid = ['<g stroke="#e5e7eb" stroke-width="1">']
    labels = ['<g fill="#6b7280">']
    for tick in chart.y_ticks:
        grid.append(f'<line x1="{fmt(f.left)}" x2="{fmt(f.right)}" y1="{fmt(tick.at)}" y2="{fmt(tick.at)}"/>')
        labels.append(
            f'<text x="{fmt(f.left - 6)}" y="{fmt(tick.at + 4)}" text-anchor="end">{escape(tick.label)}</text>'
        )
    for tick in chart.x_ticks:
        grid.append(f'<line x1="{fmt(tick.at)}" x2="{fmt(tick.at)}" y1="{fmt(f.top)}" y2="{fmt(f.bottom)}"/>')
        labels.append(
            f'<text x="{fmt(tick.at)}" y="{fmt(f.bottom + 16)}" text-anchor="middle">{escape(tick.label)}</text>'
        )
    labels.append(f'<text x="{fmt(f.right)}" y="{fmt(f.bottom + 28)}" text-anchor="end">seconds</text>')
    out += [*grid, "</g>", *labels, "</g>"]
    if chart.bid_path:
        out.append(f'<path class="bid" d="{chart.bid_path}" fill="none" stroke="{BID_COLOUR}" stroke-width="1.5"/>')
    if chart.ask_path:
        out.append(f'<path class="ask" d="{chart.ask_path}" fill="none" stroke="{ASK_COLOUR}" stroke-width="1.5"/>')
    for seg in chart.segments:
        colour = outcome_colour(seg.outcome)
        x2 = max(seg.x2, seg.x1 + 2)  # an attempt that ended at once still shows
        out.append(
            f'<g class="attempt"><title>{escape(seg.label)}</title>'
            f'<line x1="{fmt(seg.x1)}" x2="{fmt(x2)}" y1="{fmt(seg.y)}" y2="{fmt(seg.y)}" stroke="{colour}" '
            'stroke-width="5" stroke-linecap="round" opacity="0.85"/>'
            f'<text x="{fmt(seg.x1)}" y="{fmt(seg.y - 6)}" fill="{colour}" font-size="10">{seg.number}</text></g>'
        )
    for mark in chart.fills:
        style = 'r="4.5" fill="#111827"' if mark.complete else 'r="3.5" fill="#ffffff"'
        out.append(
            f'<circle class="fill" cx="{fmt(mark.x)}" cy="{fmt(mark.y)}" {style} stroke="#111827" stroke-width="1.5">'
            f"<title>{escape(mark.label)}</title></circle>"
        )
    out.append(
        f'<rect x="{fmt(f.left)}" y="{fmt(f.top)}" width="{fmt(f.width)}" height="{fmt(f.height)}" '
        'fill="none" stroke="#d1d5db"/>'
    )
    out.append("</svg>")
    return "".join(out)
