"""The conformance report as Markdown: what a pull request or a chat message can carry."""

from __future__ import annotations

import re

from xtb.report.metrics import KEY_METRICS, measured, metric_value, venue_medians
from xtb.report.model import Outcome, Report, Result

SYMBOLS = {Outcome.PASSED: "✅", Outcome.FAILED: "❌", Outcome.SKIPPED: "⏭"}
NOT_RUN = "—"

# Intraword underscores (scenario ids) cannot start emphasis, so they stay unescaped and readable.
_SPECIAL = re.compile(r"([\\`*\[\]<|&~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def cell(text: str) -> str:
    """Text safe inside a table cell: one line, Markdown and HTML characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    text = " ".join(text.split()).replace("|", "\\|")  # GFM splits cells on | even inside code
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def block(text: str) -> str:
    """A fenced code block longer than any backtick run inside, so a message cannot close it."""
    run = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, run + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> list[str]:
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _heading(report: Report, result: Result) -> str:
    title = report.scenario(result.scenario).title
    suffix = f" — {cell(title)}" if title else ""
    return f"{cell(result.venue)} · {code(result.scenario)}{suffix}"


def render_markdown(report: Report) -> str:
    """Totals, the venue × scenario matrix, failures with their messages, skips with their reasons,
    and the key latencies per result with per-venue medians."""
    totals = report.totals()
    failed, passed, skipped = (totals[o] for o in (Outcome.FAILED, Outcome.PASSED, Outcome.SKIPPED))
    verdict = "❌ **FAILED**" if failed else "✅ **PASSED**"
    duration = f" · Duration: {report.duration_s:.1f} s" if report.duration_s is not None else ""
    lines = [
        "# xtb conformance report",
        "",
        f"{verdict} — {passed} passed · {failed} failed · {skipped} skipped ({len(report.results)} results)",
        "",
        f"Target: {code(report.target)} · Generated: {cell(report.generated_at)}{duration}",
        "",
        "## Venues",
        "",
    ]
    venue_rows = []
    for name in report.venue_order():
        info, counts = report.venue(name), report.totals(name)
        venue_rows.append(
            [
                f"**{cell(name)}**",
                cell(info.environment) or "—",
                code(info.symbol) if info.symbol else "—",
                code(info.config) if info.config else "—",
                str(counts[Outcome.PASSED]),
                str(counts[Outcome.FAILED]),
                str(counts[Outcome.SKIPPED]),
            ]
        )
    venue_rows.append(["**total**", "", "", "", str(passed), str(failed), str(skipped)])
    lines += _table(
        ["venue", "environment", "symbol", "config", "✅ passed", "❌ failed", "⏭ skipped"],
        venue_rows,
        ["---", "---", "---", "---", "---:", "---:", "---:"],
    )

    scenarios = report.scenario_order()
    lines += ["", "## Matrix", ""]
    matrix = []
    for name in report.venue_order():
        row = [f"**{cell(name)}**"]
        for scenario in scenarios:
            result = report.cell(name, scenario)
            row.append(SYMBOLS[result.outcome] if result else NOT_RUN)
        matrix.append(row)
    header = ["venue"] + [f"{cell(s)}{' †' if report.scenario(s).sim_only else ''}" for s in scenarios]
    lines += _table(header, matrix, ["---"] + [":---:"] * len(scenarios))
    lines += ["", f"✅ passed · ❌ failed · ⏭ skipped · {NOT_RUN} not run · † simulator only"]

    failures = [r for r in report.results if r.outcome is Outcome.FAILED]
    if failures:
        lines += ["", "## Failures"]
        for result in failures:
            lines += ["", f"### ❌ {_heading(report, result)}", "", block(result.reason or "(no message)")]

    skips = [r for r in report.results if r.outcome is Outcome.SKIPPED]
    if skips:
        lines += ["", "## Skipped", ""]
        lines += _table(
            ["venue", "scenario", "reason"],
            [[cell(r.venue), code(r.scenario), cell(r.reason) or "—"] for r in skips],
        )

    rows = measured(report)
    if rows:
        lines += ["", "## Latencies and attempts", ""]
        lines += _table(
            ["scenario", "venue", "outcome"] + [m.heading for m in KEY_METRICS],
            [
                [code(r.scenario), cell(r.venue), SYMBOLS[r.outcome]]
                + [m.format(metric_value(r, m)) for m in KEY_METRICS]
                for r in rows
            ],
            ["---", "---", ":---:"] + ["---:"] * len(KEY_METRICS),
        )
        lines += ["", "### Median by venue", ""]
        median_rows = []
        for name in report.venue_order():
            count, medians = venue_medians(report, name)
            if count:
                median_rows.append(
                    [cell(name), str(count)] + [m.format(v) for m, v in zip(KEY_METRICS, medians, strict=True)]
                )
        lines += _table(
            ["venue", "results"] + [m.heading for m in KEY_METRICS],
            median_rows,
            ["---", "---:"] + ["---:"] * len(KEY_METRICS),
        )
    return "\n".join(lines) + "\n"
