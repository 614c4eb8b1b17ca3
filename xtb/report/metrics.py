"""The metrics every report shows, their units and how they are printed, shared by Markdown and HTML."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from xtb.report.model import Outcome, Report, Result


@dataclass(frozen=True)
class KeyMetric:
    key: str
    label: str
    unit: str  # "ms" (stored in seconds, shown in milliseconds), "s" or "" for counts

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def format(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.unit == "ms":
            return f"{value * 1000:.1f}"
        if self.unit == "s":
            return f"{value:.3f}"
        return format_number(value)


KEY_METRICS = (
    KeyMetric("submit_to_ack_s", "submit→ack", "ms"),
    KeyMetric("ack_to_first_ws_s", "ack→first WS", "ms"),
    KeyMetric("touch_move_to_repost_s", "touch move→re-post", "ms"),
    KeyMetric("time_to_fill_s", "time to fill", "s"),
    KeyMetric("attempts", "attempts", ""),
    KeyMetric("requests", "requests", ""),  # REST requests the scenario sent (its janitors' included)
    KeyMetric("request_weight", "request weight", ""),  # their weight, where the venue counts weight
)


def format_number(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


def format_metric(key: str, value: float | None) -> str:
    """Any metric: durations (`*_s`) in ms below a second, in s above; counts as they are."""
    if value is None:
        return "—"
    if key.endswith("_s"):
        return f"{value * 1000:.1f} ms" if abs(value) < 1 else f"{value:.3f} s"
    return format_number(value)


def format_seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def metric_value(result: Result, metric: KeyMetric) -> float | None:
    return result.attempt_count if metric.key == "attempts" else result.metric(metric.key)


def measured(report: Report) -> list[Result]:
    """Results with something to measure (skipped ones never ran), scenario by scenario so venues
    sit next to each other for comparison."""
    order = {s: i for i, s in enumerate(report.scenario_order())}
    venues = {v: i for i, v in enumerate(report.venue_order())}
    rows = [r for r in report.results if r.outcome is not Outcome.SKIPPED]
    return sorted(rows, key=lambda r: (order[r.scenario], venues[r.venue]))


def venue_medians(report: Report, venue: str) -> tuple[int, list[float | None]]:
    """How many results a venue ran and the median of each key metric across them."""
    rows = [r for r in report.results if r.venue == venue and r.outcome is not Outcome.SKIPPED]
    medians: list[float | None] = []
    for metric in KEY_METRICS:
        values = [v for v in (metric_value(r, metric) for r in rows) if v is not None]
        medians.append(statistics.median(values) if values else None)
    return len(rows), medians
