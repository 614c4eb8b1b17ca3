"""The conformance report as Markdown: what a pull request or a chat message can carry."""

from __future__ import annotations

import re

from xtb.report.metrics import KEY_METRICS, measured, metric_value, venue_medians
from xtb.report.model import FAILING, UNCHECKED, Outcome, Report, Result
from xtb.report.verdict import Verdict, judge

SYMBOLS = {
    Outcome.PASSED: "✅",
    Outcome.FAILED: "❌",
    Outcome.ERROR: "💥",
    Outcome.SKIPPED: "⏭",
    Outcome.BLOCKED: "⛔",
    Outcome.INTERRUPTED: "⏹",
    Outcome.TIMED_OUT: "⏱",
}
VERDICT_SYMBOLS = {Verdict.CONFORMANT: "✅", Verdict.NOT_CONFORMANT: "❌", Verdict.INCOMPLETE: "⚠️"}
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


def _shapes(report: Report) -> list[str]:
    """Each venue's recorded shape file, and its drift from the baseline (which never changes the
    verdict: drift is about the simulator, not the connector)."""
    shapes = [(name, s) for name in report.venue_order() if (s := report.venue(name).shapes) is not None]
    if not shapes:
        return []
    lines = ["", "## Venue shapes", ""]
    for name, s in shapes:
        skipped = f", {s.skipped} not recorded (not JSON or unnamed)" if s.skipped else ""
        lines.append(
            f"- **{cell(name)}**: {code(s.file)} — {s.keys} endpoints and channels ({cell(s.source)}){skipped}"
        )
    drifted = [(name, s) for name, s in shapes if s.drift_baseline]
    if drifted:
        lines += ["", "## Drift", "", "Shown, not judged: the verdict above does not depend on it."]
        for name, s in drifted:
            counts = f"{s.differences} differences, {s.breaking} would break a client"
            lines += ["", f"**{cell(name)}** against {code(s.drift_baseline)}: {counts}", ""]
            lines += ["#" + line if line.startswith("#") else line for line in s.drift.rstrip().splitlines()]
    return lines


def render_markdown(report: Report) -> str:
    """The verdict and what decided it, the venue × scenario matrix, failures with their messages,
    what was not checked (skipped, blocked, stopped, deselected) with why, and the key latencies."""
    verdict = judge(report)
    totals = report.totals()
    passed = totals[Outcome.PASSED]
    failed = sum(totals[o] for o in FAILING)
    unchecked = sum(totals[o] for o in UNCHECKED)
    duration = f" · Duration: {report.duration_s:.1f} s" if report.duration_s is not None else ""
    lines = [
        "# xtb conformance report",
        "",
        f"{VERDICT_SYMBOLS[verdict.verdict]} **{verdict.verdict.value}** — {passed} passed · {failed} failed · "
        f"{unchecked} not checked ({len(report.results)} results)",
        "",
        f"Target: {code(report.target)} · Generated: {cell(report.generated_at)}{duration}",
    ]
    if report.interrupted:
        lines += ["", f"**The run was interrupted ({cell(report.interrupted)})**: it checked less than the catalog."]
    if report.excluded_venues:
        lines += ["", f"Venues not selected in this run: {', '.join(cell(v) for v in report.excluded_venues)}."]
    lines += ["", "## Verdict", ""]
    for venue in verdict.venues:
        lines.append(f"- {VERDICT_SYMBOLS[venue.verdict]} **{cell(venue.venue)}: {venue.verdict.value}**")
        lines += [f"  - {label}: {cell(text)}" for label, text in venue.clauses()]
    lines += ["", "## Venues", ""]
    venue_rows = []
    for name in report.venue_order():
        info, counts = report.venue(name), report.totals(name)
        venue_rows.append(
            [
                f"**{cell(name)}**",
                next(v.verdict.value for v in verdict.venues if v.venue == name),
                cell(info.environment) or "—",
                code(info.symbol) if info.symbol else "—",
                code(info.config) if info.config else "—",
                str(counts[Outcome.PASSED]),
                str(sum(counts[o] for o in FAILING)),
                str(sum(counts[o] for o in UNCHECKED)),
            ]
        )
    venue_rows.append(["**total**", verdict.verdict.value, "", "", "", str(passed), str(failed), str(unchecked)])
    lines += _table(
        ["venue", "verdict", "environment", "symbol", "config", "✅ passed", "❌ failed", "⏭ not checked"],
        venue_rows,
        ["---", "---", "---", "---", "---", "---:", "---:", "---:"],
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
    lines += [
        "",
        "✅ passed · ❌ failed · 💥 error (setup or cleanup) · ⏭ skipped · ⛔ blocked by residue · "
        f"⏹ interrupted · ⏱ timed out · {NOT_RUN} not run · † simulator only",
    ]

    quirks = [(name, key, text) for name in report.venue_order() for key, text in report.venue(name).quirks.items()]
    if quirks:
        lines += [
            "",
            "## Venue quirks",
            "",
            "What each venue does that a connector must work around (its venue file):",
            "",
        ]
        lines += [f"- **{cell(name)}** · `{cell(key)}`: {cell(text)}" for name, key, text in quirks]

    lines += _shapes(report)

    failures = [r for r in report.results if r.outcome in FAILING]
    if failures:
        lines += ["", "## Failures"]
        for result in failures:
            symbol = SYMBOLS[result.outcome]
            lines += ["", f"### {symbol} {_heading(report, result)}", "", block(result.reason or "(no message)")]

    gaps = [
        [cell(r.venue), code(r.scenario), f"{SYMBOLS[r.outcome]} {r.outcome.value}", cell(r.reason) or "—"]
        for r in report.results
        if r.outcome in UNCHECKED
    ]
    for name in report.venue_order():
        not_run = report.venue(name).not_run
        gaps += [[cell(name), code(s), f"{NOT_RUN} not run", cell(why)] for s, why in not_run.items()]
    if gaps:
        lines += ["", "## Not checked", ""]
        lines += _table(["venue", "scenario", "outcome", "why"], gaps)

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
