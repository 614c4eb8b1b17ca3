"""The conformance report as one standalone HTML page: inline CSS and SVG, no external assets.

Every piece of text from the document is escaped here (messages come from venues). Long transcripts,
histories and messages are cut with a note so a full matrix stays near a megabyte.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import TypeVar
from urllib.parse import urlsplit

from xtb.report.assets import CSS, SCRIPT
from xtb.report.metrics import (
    KEY_METRICS,
    format_metric,
    format_seconds,
    measured,
    metric_value,
    venue_medians,
)
from xtb.report.model import (
    FAILING,
    UNCHECKED,
    Anomaly,
    Attempt,
    Exchange,
    HistoryEntry,
    Order,
    Outcome,
    Report,
    Result,
)
from xtb.report.svg import ASK_COLOUR, BID_COLOUR, MAX_SEGMENTS, chart_geometry, outcome_colour, render_chart
from xtb.report.verdict import VenueVerdict, Verdict, judge

T = TypeVar("T")

TRANSCRIPT_HEAD = 15
TRANSCRIPT_TAIL = 5
HISTORY_HEAD = 20
HISTORY_TAIL = 5
ATTEMPTS_HEAD = 30
ATTEMPTS_TAIL = 10
MAX_ORDERS = 10
MAX_REASON = 20_000
MAX_SUMMARY_REASON = 600
MAX_TITLE = 300

SYMBOLS = {
    Outcome.PASSED: "✓",
    Outcome.FAILED: "✗",
    Outcome.ERROR: "!",
    Outcome.SKIPPED: "–",
    Outcome.BLOCKED: "⊘",
    Outcome.INTERRUPTED: "■",
    Outcome.TIMED_OUT: "⏱",
}
VERDICT_CSS = {Verdict.CONFORMANT: "pass", Verdict.NOT_CONFORMANT: "fail", Verdict.INCOMPLETE: "incomplete"}


def e(value: object) -> str:
    return escape(str(value), quote=True)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def anchor(report: Report, result: Result) -> str:
    """A stable id for a result's section; the row's position keeps it unique."""
    return f"r{report.position(result)}-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{result.venue}-{result.scenario}")


def head_tail(items: Sequence[T], head: int, tail: int) -> tuple[list[T], int, list[T]]:
    """The first and last rows of a long list and how many were left out between them."""
    if len(items) <= head + tail:
        return list(items), 0, []
    return list(items[:head]), len(items) - head - tail, list(items[-tail:])


def _omitted(count: int, what: str, columns: int) -> str:
    return f'<tr class="omitted"><td colspan="{columns}">… {count} {what} omitted …</td></tr>'


def _decimal(value: object) -> str:
    return "—" if value is None else e(value)


def _state(state: str) -> str:
    if not state:
        return "—"
    return f'<b class="st s-{e(re.sub(r"[^a-z_]", "", state.lower()))}">{e(state)}</b>'


def _header(report: Report) -> str:
    verdict = judge(report)
    totals = report.totals()
    badge = f'<span class="verdict {VERDICT_CSS[verdict.verdict]}">{e(verdict.verdict.value)}</span>'
    counts = (
        ("passed", totals[Outcome.PASSED], "pass"),
        ("failed", sum(totals[o] for o in FAILING), "fail"),
        ("not checked", sum(totals[o] for o in UNCHECKED), "skip"),
    )
    badges = [
        f'<div class="badge {css if count else "zero"}"><b>{count}</b><span>{label}</span></div>'
        for label, count, css in counts
    ]
    duration = f" · run took <b>{report.duration_s:.1f} s</b>" if report.duration_s is not None else ""
    meta = (
        f"target <b>{e(report.target)}</b> · generated <b>{e(report.generated_at)}</b>{duration}"
        f" · <b>{len(report.venue_order())}</b> venues × <b>{len(report.scenario_order())}</b> scenarios"
        f" · <b>{len(report.results)}</b> results"
    )
    notes = []
    if report.interrupted:
        notes.append(f"<b>The run was interrupted ({e(report.interrupted)})</b>: it checked less than the catalog.")
    if report.excluded_venues:
        notes.append(f"Venues not selected in this run: {e(', '.join(report.excluded_venues))}.")
    lines = "".join(_verdict_line(v) for v in verdict.venues)
    return (
        f'<header class="top"><h1>xtb conformance report</h1>{badge}'
        f'<div class="badges">{"".join(badges)}</div><div class="meta">{meta}</div></header>'
        f'<div class="card verdicts">{"".join(f"<p>{n}</p>" for n in notes)}<ul>{lines}</ul></div>'
    )


def _verdict_line(venue: VenueVerdict) -> str:
    items = "".join(f"<li>{label}: {e(clip(text, MAX_SUMMARY_REASON))}</li>" for label, text in venue.clauses())
    return (
        f'<li><span class="verdict {VERDICT_CSS[venue.verdict]}">{e(venue.verdict.value)}</span> '
        f"<b>{e(venue.venue)}</b>{f'<ul>{items}</ul>' if items else ''}</li>"
    )


def _env(environment: str) -> str:
    if not environment:
        return ""
    return f'<span class="env {e(environment.lower())}">{e(environment)}</span>'


def _quirks(report: Report) -> str:
    """What each venue does that a connector must work around, as its venue file says."""
    rows = [
        f'<tr><td>{e(name)}</td><td class="mono">{e(key)}</td><td>{e(text)}</td></tr>'
        for name in report.venue_order()
        for key, text in report.venue(name).quirks.items()
    ]
    if not rows:
        return ""
    return (
        '<h2 id="quirks">Venue quirks</h2><div class="card"><table>'
        f"<tr><th>venue</th><th>quirk</th><th>what the connector works around</th></tr>{''.join(rows)}</table></div>"
    )


def _shapes(report: Report) -> str:
    """Each venue's recorded shape file, and its drift from the baseline (shown, not judged)."""
    shapes = [(name, s) for name in report.venue_order() if (s := report.venue(name).shapes) is not None]
    if not shapes:
        return ""
    rows = "".join(
        f'<tr><td>{e(name)}</td><td class="mono">{e(s.file)}</td><td>{e(s.source)}</td>'
        f"<td>{s.keys}</td><td>{s.skipped}</td></tr>"
        for name, s in shapes
    )
    out = (
        '<h2 id="shapes">Venue shapes</h2><div class="card"><table><tr><th>venue</th><th>file</th>'
        f"<th>source</th><th>endpoints and channels</th><th>not recorded</th></tr>{rows}</table></div>"
    )
    drifted = [(name, s) for name, s in shapes if s.drift_baseline]
    if drifted:
        out += '<h2 id="drift">Drift</h2><p>Shown, not judged: the verdict does not depend on it.</p>'
        out += "".join(
            f'<div class="card"><h3>{e(name)} against <span class="mono">{e(s.drift_baseline)}</span>: '
            f"{s.differences} differences, {s.breaking} would break a client</h3>"
            f"<pre>{e(clip(s.drift, MAX_REASON))}</pre></div>"
            for name, s in drifted
        )
    return out


def _venue_cards(report: Report) -> str:
    cards = []
    verdicts = {v.venue: v.verdict for v in judge(report).venues}
    for name in report.venue_order():
        info, by_outcome = report.venue(name), report.totals(name)
        counts = {
            "pass": by_outcome[Outcome.PASSED],
            "fail": sum(by_outcome[o] for o in FAILING),
            "skip": sum(by_outcome[o] for o in UNCHECKED),
        }
        total = sum(counts.values()) or 1
        bar = "".join(
            f'<span class="{css}" style="width:{count / total * 100:.2f}%"></span>'
            for css, count in counts.items()
            if count
        )
        sub = " · ".join(
            part
            for part in (
                f'<span class="mono">{e(info.symbol)}</span>' if info.symbol else "",
                f'<span class="mono">{e(info.config)}</span>' if info.config else "",
            )
            if part
        )
        cards.append(
            f'<div class="vcard"><div class="name">{e(name)}{_env(info.environment)} '
            f'<span class="verdict {VERDICT_CSS[verdicts[name]]}">{e(verdicts[name].value)}</span></div>'
            f'<div class="sub">{sub or "&nbsp;"}</div><div class="bar">{bar}</div>'
            f'<div class="counts"><b class="p">{counts["pass"]}</b> passed · '
            f'<b class="f">{counts["fail"]}</b> failed · '
            f'<b class="s">{counts["skip"]}</b> not checked'
            f"{f' · {len(info.not_run)} not run' if info.not_run else ''}</div>"
            "</div>"
        )
    return f'<div class="venues">{"".join(cards)}</div>'


def _cell_title(report: Report, result: Result) -> str:
    title = f"{result.venue} · {result.scenario}: {result.outcome.value}"
    if result.duration_s is not None:
        title += f" in {result.duration_s:.2f} s"
    if result.reason:
        title += f"\n{clip(result.reason, MAX_TITLE)}"
    return title


def _matrix(report: Report) -> str:
    scenarios = report.scenario_order()
    head = ['<th class="vname"></th>']
    for scenario_id in scenarios:
        info = report.scenario(scenario_id)
        tip = info.title + (" (simulator only)" if info.sim_only else "")
        sim = ' <span class="sim">sim</span>' if info.sim_only else ""
        head.append(f'<th class="rot" title="{e(tip)}"><div>{e(scenario_id)}{sim}</div></th>')
    rows = []
    for name in report.venue_order():
        cells = [f'<th class="vname">{e(name)}</th>']
        for scenario_id in scenarios:
            result = report.cell(name, scenario_id)
            if result is None:
                cells.append(f'<td><span class="c-none" title="{e(name)} · {e(scenario_id)}: not run">·</span></td>')
                continue
            cells.append(
                f'<td><a class="c-{result.outcome.value}" href="#{anchor(report, result)}" '
                f'title="{e(_cell_title(report, result))}">{SYMBOLS[result.outcome]}</a></td>'
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    legend = (
        '<div class="legend"><span><i class="c-passed"></i>passed</span><span><i class="c-failed"></i>failed</span>'
        '<span><i class="c-error"></i>error (setup or cleanup)</span><span><i class="c-skipped"></i>skipped</span>'
        '<span><i class="c-blocked"></i>blocked by residue</span><span><i class="c-interrupted"></i>interrupted</span>'
        '<span><i class="c-timed_out"></i>timed out</span><span><i class="c-none"></i>not run</span>'
        '<span><b class="sim">sim</b> simulator only</span>'
        "<span>hover a cell for its message, click it for the details</span></div>"
    )
    return (
        f'<div class="card"><table class="matrix"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{legend}</div>"
    )


def _failures(report: Report) -> str:
    failures = [r for r in report.results if r.outcome in FAILING]
    if not failures:
        return ""
    items = []
    for result in failures:
        title = report.scenario(result.scenario).title
        items.append(
            f'<div class="failure"><div class="what"><a href="#{anchor(report, result)}">{e(result.venue)} · '
            f"<code>{e(result.scenario)}</code></a>"
            f"{' — ' + e(title) if title else ''}</div>"
            f"<pre>{e(clip(result.reason or '(no message)', MAX_SUMMARY_REASON))}</pre>"
            + (
                f'<a class="note" href="#{anchor(report, result)}">full message in the details ↓</a>'
                if len(result.reason) > MAX_SUMMARY_REASON
                else ""
            )
            + "</div>"
        )
    return f'<h2 id="failures">Failures ({len(failures)})</h2>{"".join(items)}'


def _skips(report: Report) -> str:
    """Everything that was not checked, with why: skipped, blocked, stopped, and not run at all."""
    rows = [
        f'<tr><td>{e(r.venue)}</td><td><a href="#{anchor(report, r)}"><code>{e(r.scenario)}</code></a></td>'
        f"<td>{e(r.outcome.value)}</td><td>{e(r.reason) or '—'}</td></tr>"
        for r in report.results
        if r.outcome in UNCHECKED
    ]
    for name in report.venue_order():
        rows += [
            f"<tr><td>{e(name)}</td><td><code>{e(s)}</code></td><td>not run</td><td>{e(why)}</td></tr>"
            for s, why in report.venue(name).not_run.items()
        ]
    if not rows:
        return ""
    return (
        f'<h2 id="skipped">Not checked ({len(rows)})</h2><div class="card"><table>'
        "<thead><tr><th>venue</th><th>scenario</th><th>outcome</th><th>why</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _latency(report: Report) -> str:
    rows = measured(report)
    if not rows:
        return ""
    head = "".join(f"<th>{e(m.heading)}</th>" for m in KEY_METRICS)
    body = "".join(
        f'<tr><td><a href="#{anchor(report, r)}"><code>{e(r.scenario)}</code></a></td><td>{e(r.venue)}</td>'
        f'<td><span class="pill {r.outcome.value}">{r.outcome.value}</span></td>'
        + "".join(f"<td>{e(m.format(metric_value(r, m)))}</td>" for m in KEY_METRICS)
        + "</tr>"
        for r in rows
    )
    medians = []
    for name in report.venue_order():
        count, values = venue_medians(report, name)
        if count:
            medians.append(
                f"<tr><td>{e(name)}</td><td>{count}</td>"
                + "".join(f"<td>{e(m.format(v))}</td>" for m, v in zip(KEY_METRICS, values, strict=True))
                + "</tr>"
            )
    return (
        '<h2 id="latency">Latencies and attempts</h2>'
        '<h3>Median by venue</h3><div class="card"><table class="medians">'
        f"<thead><tr><th>venue</th><th>results</th>{head}</tr></thead>"
        f"<tbody>{''.join(medians)}</tbody></table></div>"
        '<h3>Per result</h3><div class="card"><table class="per-result">'
        f"<thead><tr><th>scenario</th><th>venue</th><th>outcome</th>{head}</tr></thead><tbody>{body}</tbody>"
        "</table></div>"
    )


def _metrics(result: Result) -> str:
    if not result.metrics and result.duration_s is None:
        return ""
    items = []
    if result.duration_s is not None:
        items.append(f"<dt>duration</dt><dd>{e(format_metric('duration_s', result.duration_s))}</dd>")
    labels = {m.key: m.label for m in KEY_METRICS}
    items += [
        f'<dt title="{e(k)}">{e(labels.get(k, k))}</dt><dd>{e(format_metric(k, v))}</dd>'
        for k, v in result.metrics.items()
    ]
    return f'<h4>Metrics</h4><dl class="metrics">{"".join(items)}</dl>'


def _attempts(result: Result) -> str:
    if not result.attempts:
        return ""
    head, omitted, tail = head_tail(list(enumerate(result.attempts, start=1)), ATTEMPTS_HEAD, ATTEMPTS_TAIL)

    def row(number: int, a: Attempt) -> str:
        swatch = f'<i style="background:{outcome_colour(a.outcome)}"></i>' if a.outcome else ""
        times = "".join(
            f"<td>{format_seconds(t)}</td>"
            for t in (a.submitted_at, a.acked_at, a.cancel_sent_at, a.cancelled_at, a.filled_at)
        )
        return (
            f"<tr><td>{number}</td><td>{e(a.client_id) or '—'}</td><td>{e(a.venue_id) or '—'}</td>"
            f"<td>{_decimal(a.price)}</td><td>{_decimal(a.size)}</td><td>{_decimal(a.filled)}</td>"
            f"<td>{_state(a.state)}</td><td>{swatch}{e(a.outcome) or '—'}</td>{times}</tr>"
        )

    rows = [row(n, a) for n, a in head]
    if omitted:
        rows.append(_omitted(omitted, "attempts", 13))
    rows += [row(n, a) for n, a in tail]
    return (
        f'<h4>Attempts ({len(result.attempts)})</h4><div class="scroll"><table class="attempts"><thead><tr>'
        "<th>#</th><th>client id</th><th>venue id</th><th>price</th><th>size</th><th>filled</th><th>state</th>"
        "<th>outcome</th><th>submitted</th><th>acked</th><th>cancel sent</th><th>cancelled</th><th>filled at</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        '<div class="note">times in seconds from scenario start</div>'
    )


def _timeline(order: Order) -> str:
    entries: list[HistoryEntry | Anomaly] = [*order.history, *order.anomalies]
    entries.sort(key=lambda x: (x.at is None, x.at or 0.0, isinstance(x, Anomaly)))
    head, omitted, tail = head_tail(entries, HISTORY_HEAD, HISTORY_TAIL)
    previous: list[float | None] = [None]

    def row(item: HistoryEntry | Anomaly) -> str:
        if isinstance(item, Anomaly):
            return (
                f'<tr class="anomaly"><td>{format_seconds(item.at)}</td><td></td><td>{e(item.source)}</td>'
                f"<td>⚠ {e(item.kind)}</td><td></td><td>{e(item.detail)}</td></tr>"
            )
        delta = ""
        if item.at is not None and previous[0] is not None:
            delta = f"+{(item.at - previous[0]) * 1000:.1f}"
        if item.at is not None:
            previous[0] = item.at
        return (
            f"<tr><td>{format_seconds(item.at)}</td><td>{delta}</td><td>{e(item.source)}</td>"
            f"<td>{_state(item.state)}</td><td>{_decimal(item.filled)}</td><td>{e(item.note)}</td></tr>"
        )

    rows = [row(x) for x in head]
    if omitted:
        rows.append(_omitted(omitted, "entries", 6))
    rows += [row(x) for x in tail]
    return (
        '<table class="timeline"><thead><tr><th>at (s)</th><th>Δ (ms)</th><th>source</th><th>state</th>'
        f"<th>filled</th><th>note</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _orders(result: Result) -> str:
    if not result.orders:
        return ""
    parts = [f"<h4>Orders ({len(result.orders)})</h4>"]
    for order in result.orders[:MAX_ORDERS]:
        price = f" @ {e(order.price)}" if order.price is not None else ""
        venue_id = f' · venue id <span class="mono">{e(order.venue_id)}</span>' if order.venue_id else ""
        head = (
            f'<b class="mono">{e(order.client_id) or "—"}</b>{venue_id} · {e(order.side)} {_decimal(order.size)}'
            f"{price} · filled {_decimal(order.filled)} {_state(order.state)}"
        )
        if order.anomalies:
            n = len(order.anomalies)
            head += f' <span class="warn">⚠ {n} anomal{"y" if n == 1 else "ies"}</span>'
        parts.append(f'<div class="order"><div class="ohead">{head}</div>{_timeline(order)}</div>')
    if len(result.orders) > MAX_ORDERS:
        parts.append(f'<div class="note">… {len(result.orders) - MAX_ORDERS} more orders omitted</div>')
    return "".join(parts)


def _http_class(status: int | None) -> str:
    return f"http{status // 100}" if status is not None else ""


def common_origin(urls: Sequence[str]) -> str:
    """The scheme and host every URL shares ('' if they differ), printed once instead of per row."""
    origins = {f"{p.scheme}://{p.netloc}" if p.scheme and p.netloc else "" for p in map(urlsplit, urls)}
    return origins.pop() if len(origins) == 1 else ""


def _transcript(result: Result) -> str:
    if not result.transcript:
        return ""
    head, omitted, tail = head_tail(result.transcript, TRANSCRIPT_HEAD, TRANSCRIPT_TAIL)
    origin = common_origin([x.url for x in result.transcript])

    def row(x: Exchange) -> str:
        latency = "—" if x.latency_s is None else f"{x.latency_s * 1000:.1f}"
        status = "—" if x.status is None else f'<span class="{_http_class(x.status)}">{x.status}</span>'
        url = x.url[len(origin) :] if origin else x.url
        return (
            f"<tr><td>{format_seconds(x.t)}</td><td>{e(x.method)}</td><td>{e(url)}</td>"
            f"<td>{status}</td><td>{latency}</td></tr>"
        )

    rows = [row(x) for x in head]
    if omitted:
        rows.append(_omitted(omitted, "requests", 5))
    rows += [row(x) for x in tail]
    note = (
        f'<div class="note">showing the first {len(head)} and last {len(tail)} of {len(result.transcript)} '
        "requests; the full transcript is in conformance.json</div>"
        if omitted
        else ""
    )
    base = f' <span class="note mono">{e(origin)}</span>' if origin else ""
    return (
        f"<h4>Transcript ({len(result.transcript)} requests)</h4>"
        f'<table class="transcript"><thead><tr><th>t (s)</th><th>method</th><th>url{base}</th><th>status</th>'
        f"<th>latency (ms)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"
    )


def _chart(result: Result) -> str:
    chart = chart_geometry(result)
    if chart is None:
        return ""
    svg = render_chart(chart, f"{result.venue} {result.scenario}: top of book and attempts")
    items = [
        f'<span><i class="line" style="background:{BID_COLOUR}"></i>bid</span>',
        f'<span><i class="line" style="background:{ASK_COLOUR}"></i>ask</span>',
    ]
    items += [
        f'<span><i class="line" style="background:{outcome_colour(o)};height:5px">'
        f"</i>attempt {e(o or 'without outcome')}</span>"
        for o in dict.fromkeys(s.outcome for s in chart.segments)
    ]
    if any(f.complete for f in chart.fills):
        items.append('<span><i style="background:#111827;border-radius:50%;width:9px;height:9px"></i>fill</span>')
    if any(not f.complete for f in chart.fills):
        items.append(
            '<span><i style="border:1.5px solid #111827;border-radius:50%;width:8px;height:8px"></i>partial fill</span>'
        )
    if len(result.attempts) > MAX_SEGMENTS:
        items.append(f"<span>the chart shows the first {MAX_SEGMENTS} of {len(result.attempts)} attempts</span>")
    return f'<h4>Top of book and attempts</h4><div class="scroll">{svg}</div><div class="legend">{"".join(items)}</div>'


def _result_section(report: Report, result: Result) -> str:
    info = report.scenario(result.scenario)
    outcome = result.outcome.value
    opened = " open" if result.outcome in FAILING else ""
    skipped = result.outcome in (Outcome.SKIPPED, Outcome.BLOCKED)
    duration = f"{result.duration_s:.2f} s" if result.duration_s is not None and not skipped else ""
    anomalies = sum(len(o.anomalies) for o in result.orders)
    warn = f'<span class="warn" title="order anomalies">⚠ {anomalies}</span>' if anomalies else ""
    title = e(info.title) + (" · simulator only" if info.sim_only else "")
    if skipped and result.reason:
        title += f' <span class="why">— {e(clip(result.reason, MAX_TITLE))}</span>'
    summary = (
        f'<summary><span class="pill {outcome}">{outcome}</span><code>{e(result.scenario)}</code>'
        f'<span class="stitle">{title}</span>{warn}<span class="dur">{duration}</span></summary>'
    )
    body = []
    if result.outcome is not Outcome.PASSED:
        label = {
            Outcome.FAILED: "failure",
            Outcome.ERROR: "error",
            Outcome.SKIPPED: "skip reason",
            Outcome.BLOCKED: "blocked by",
        }.get(result.outcome, "why it stopped")
        text = clip(result.reason or "(no message)", MAX_REASON)
        body.append(f'<div class="reason {outcome}"><div class="label">{label}</div><pre>{e(text)}</pre></div>')
    doc = f'<h4>Scenario</h4><pre class="doc">{e(info.doc.strip())}</pre>' if info.doc.strip() else ""
    metrics = _metrics(result)
    if doc or metrics:
        body.append(f'<div class="split"><div>{doc}</div><div>{metrics}</div></div>')
    body += [_chart(result), _attempts(result), _orders(result), _transcript(result)]
    return (
        f'<details class="result {outcome}" id="{anchor(report, result)}"{opened}>{summary}'
        f'<div class="body">{"".join(body)}</div></details>'
    )


def _details(report: Report) -> str:
    parts = [
        '<h2 id="details">Details</h2><div class="toolbar"><button type="button" id="expand-all">Expand all</button>'
        '<button type="button" id="collapse-all">Collapse all</button></div>'
    ]
    order = {s: i for i, s in enumerate(report.scenario_order())}
    for name in report.venue_order():
        results = sorted((r for r in report.results if r.venue == name), key=lambda r: order[r.scenario])
        if not results:
            continue
        info = report.venue(name)
        symbol = f' <span class="note mono">{e(info.symbol)}</span>' if info.symbol else ""
        parts.append(f"<h3>{e(name)}{_env(info.environment)}{symbol}</h3>")
        parts += [_result_section(report, r) for r in results]
    return "".join(parts)


def render_html(
    report: Report,
    *,
    source: str = "conformance.json",
    command: str = "python -m xtb.report reports/conformance.json",
) -> str:
    """The whole page; opens offline and prints. The footer names `source` (the results document's
    file name) and `command` (what regenerates this page)."""
    status = judge(report).verdict.value
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>xtb conformance · {e(status)} · {e(report.target)} · {e(report.generated_at)}</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"{_header(report)}"
        f'<h2 id="venues">Venues</h2>{_venue_cards(report)}'
        f'<h2 id="matrix">Matrix</h2>{_matrix(report)}{_quirks(report)}{_shapes(report)}'
        f"{_failures(report)}{_skips(report)}{_latency(report)}{_details(report)}"
        f"<footer>Generated by xtb.report from {e(source)}; <code>{e(command)}</code> regenerates it.</footer>"
        f"</main><script>{SCRIPT}</script></body></html>\n"
    )
