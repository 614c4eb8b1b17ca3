from __future__ import annotations

import os
import re
from pathlib import Path

from tests.report.example import large_document, pathological_result
from xtb.report import Report, parse_report, render_html, write_report_files
from xtb.report.html import ATTEMPTS_HEAD, ATTEMPTS_TAIL, MAX_ORDERS, TRANSCRIPT_HEAD, TRANSCRIPT_TAIL, anchor


def sections(html: str) -> dict[str, str]:
    """Each result's <details> block by its id."""
    found = re.findall(r'(<details class="result [a-z]+" id="([^"]+)".*?</details>)', html, flags=re.S)
    return {ident: block for block, ident in found}


def test_page_is_standalone(report: Report) -> None:
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    links = re.findall(r"""\b(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]*)""", html)
    assert links and all(link.startswith("#") for link in links), [x for x in links if not x.startswith("#")]
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert html.count("<script") == 1 and "<script src" not in html
    assert "<style>" in html


def test_text_from_venues_is_escaped(document: dict) -> None:
    evil = '<script>alert("pwned")</script>'
    document["results"][8]["reason"] = f"venue said {evil} & more"
    document["results"][10]["reason"] = evil
    document["results"][8]["transcript"][0]["url"] = f"http://127.0.0.1:1/x?q={evil}"
    document["results"][4]["orders"][0]["history"][0]["note"] = evil
    document["results"][4]["orders"][0]["anomalies"][0]["detail"] = evil
    document["results"][8]["attempts"][0]["outcome"] = evil
    document["scenarios"]["metadata"]["title"] = evil
    document["scenarios"]["metadata"]["doc"] = evil
    html = render_html(parse_report(document))
    assert "<script>alert" not in html
    assert html.count("<script") == 1  # only the page's own
    assert "venue said &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; more" in html
    assert html.count("&lt;script&gt;alert") >= 8


def test_one_chart_per_result_with_book_samples(report: Report) -> None:
    html = render_html(report)
    with_book = [r for r in report.results if r.book]
    assert len(with_book) == 3
    assert html.count("<svg") == 3
    blocks = sections(html)
    assert len(blocks) == len(report.results)
    for result in report.results:
        block = blocks[anchor(report, result)]
        assert block.count("<svg") == (1 if result.book else 0), result.scenario


def test_failed_results_are_open_and_others_closed(report: Report) -> None:
    html = render_html(report)
    opened = re.findall(r'<details class="result ([a-z]+)" id="[^"]+" open>', html)
    assert opened == ["failed", "failed"]
    assert html.count('<details class="result passed"') == 9


def test_matrix_cells_carry_outcome_reason_and_link(report: Report) -> None:
    html = render_html(report)
    skipped = report.cell("lighter", "stream_drop_mid_order")
    assert skipped is not None
    cell = re.search(rf'<a class="c-skipped" href="#{anchor(report, skipped)}" title="([^"]*)">', html)
    assert cell is not None
    assert "lighter · stream_drop_mid_order: skipped" in cell.group(1)
    assert "simulator only: needs fault injection" in cell.group(1)
    assert html.count('class="c-failed" href') == 2 and html.count('class="c-passed" href') == 9
    assert html.count('class="c-none"') == 2  # the cell that never ran, and the legend
    assert '<th class="rot" title="Private stream drops while an order rests (simulator only)">' in html


def test_sections_show_doc_metrics_attempts_timeline_and_transcript(report: Report) -> None:
    blocks = sections(render_html(report))
    partial = report.cell("backpack", "partial_fill_then_cancel")
    assert partial is not None
    block = blocks[anchor(report, partial)]
    assert "cumulative filled never decreases" in block
    assert '<dt title="submit_to_ack_s">submit→ack</dt><dd>4.0 ms</dd>' in block
    assert "<h4>Attempts (1)</h4>" in block and "<h4>Orders (1)</h4>" in block
    assert '<tr class="anomaly">' in block and "⚠ filled_regression" in block and "filled 0.04 → 0.03" in block
    assert block.index("trade 0.04") < block.index("⚠ filled_regression")
    assert "<h4>Transcript (9 requests)</h4>" in block
    assert '<th>url <span class="note mono">http://127.0.0.1:40123</span></th>' in block  # shared origin, once
    assert "<td>POST</td><td>/api/v1/order</td>" in block
    skipped = report.cell("lighter", "partial_fill_then_cancel")
    assert skipped is not None
    assert '<div class="label">skip reason</div><pre>no taker flow' in blocks[anchor(report, skipped)]


def test_long_transcripts_are_cut_with_a_note(document: dict) -> None:
    row = document["results"][2]
    row["transcript"] = [
        {"t": i * 0.01, "method": "GET", "url": f"http://127.0.0.1:1/req/{i}", "status": 200, "latency_s": 0.001}
        for i in range(500)
    ]
    report = parse_report(document)
    result = report.results[2]
    block = sections(render_html(report))[anchor(report, result)]
    assert f"showing the first {TRANSCRIPT_HEAD} and last {TRANSCRIPT_TAIL} of 500 requests" in block
    assert f"… {500 - TRANSCRIPT_HEAD - TRANSCRIPT_TAIL} requests omitted …" in block
    assert (
        "http://127.0.0.1:1" in block
        and "/req/0<" in block
        and f"/req/{TRANSCRIPT_HEAD - 1}<" in block
        and f"/req/{TRANSCRIPT_HEAD}<" not in block
    )
    assert "/req/499<" in block


def test_full_matrix_page_stays_under_a_megabyte() -> None:
    report = parse_report(large_document(4, 15))
    html = render_html(report)
    assert html.count("<svg") == 40
    assert len(html.encode()) < 1_000_000, len(html.encode())


def test_one_result_cannot_blow_up_the_page(document: dict) -> None:
    document["results"] = [pathological_result()]
    html = render_html(parse_report(document))
    assert len(html.encode()) < 150_000, len(html.encode())
    assert f"… {1000 - ATTEMPTS_HEAD - ATTEMPTS_TAIL} attempts omitted …" in html
    assert f"… {100 - MAX_ORDERS} more orders omitted" in html
    assert "the chart shows the first 100 of 1000 attempts" in html
    assert html.count('<g class="attempt">') == 100


def test_write_report_files_writes_both_files(tmp_path: Path, report: Report) -> None:
    out = tmp_path / "nested" / "reports"
    paths = write_report_files(report, out)
    assert paths == [out / "conformance.md", out / "conformance.html"]
    assert paths[0].read_text(encoding="utf-8").startswith("# xtb conformance report")
    assert "<svg" in paths[1].read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["conformance.html", "conformance.md"]


def test_report_files_follow_the_umask(tmp_path: Path, report: Report) -> None:
    previous = os.umask(0o022)
    try:
        paths = write_report_files(report, tmp_path)
    finally:
        os.umask(previous)
    assert [oct(p.stat().st_mode & 0o777) for p in paths] == ["0o644", "0o644"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conformance.html", "conformance.md"]  # no temp files


def test_venue_quirks_have_their_section_escaped(document: dict) -> None:
    document["venues"]["lighter"]["quirks"] = {"nonce": "one <b>nonce</b> per key & index"}
    page = render_html(parse_report(document))
    assert '<h2 id="quirks">Venue quirks</h2>' in page
    row = '<td>lighter</td><td class="mono">nonce</td><td>one &lt;b&gt;nonce&lt;/b&gt; per key &amp; index</td>'
    assert row in page
    assert 'id="quirks"' not in render_html(parse_report({**document, "venues": {}}))
