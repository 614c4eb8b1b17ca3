from __future__ import annotations

from xtb.report import Report, parse_report, render_markdown


def test_matrix_has_one_row_per_venue_in_scenario_order(report: Report) -> None:
    text = render_markdown(report)
    header = (
        "| venue | metadata | post_top_of_book | cancel_resting | post_only_would_cross | partial_fill_then_cancel "
        "| reduce_only_flatten | stream_drop_mid_order † |"
    )
    assert header in text
    assert "| **backpack** | ✅ | ✅ | ✅ | ✅ | ❌ | ✅ | ✅ |" in text
    assert "| **lighter** | ✅ | ❌ | — | ✅ | ⏭ | ✅ | ⏭ |" in text


def test_header_and_totals(report: Report) -> None:
    text = render_markdown(report)
    assert text.startswith("# xtb conformance report\n")
    assert "❌ **NOT CONFORMANT** — 9 passed · 2 failed · 2 not checked (13 results)" in text
    assert "Target: `mixed` · Generated: 2026-11-25T19:00:00Z · Duration: 42.1 s" in text
    row = "| **backpack** | NOT CONFORMANT | simulator | `SOL_USDC_PERP` | `venues/backpack.yaml` | 6 | 1 | 0 |"
    assert row in text
    assert "| **lighter** | NOT CONFORMANT | testnet | `ETH` | `venues/lighter.yaml` | 3 | 1 | 2 |" in text
    assert "| **total** | NOT CONFORMANT |  |  |  | 9 | 2 | 2 |" in text


def test_failures_show_their_message_and_skips_their_reason(report: Report) -> None:
    text = render_markdown(report)
    assert "### ❌ lighter · `post_top_of_book` — Tracking-limit entry at the touch fills" in text
    assert (
        "```text\nTimeoutError: not filled within 1.6 s (3 attempts, last at 3412.53); the touch moved 2 times\n```"
        in text
    )
    assert "AssertionError: filled went backwards on REST: 0.04 → 0.03 (order 2001)\nassert Decimal" in text
    assert "| lighter | `stream_drop_mid_order` | ⏭ skipped | simulator only: needs fault injection |" in text
    assert "no taker flow on testnet to make a partial fill (venues/lighter.yaml skips)" in text


def test_key_metrics_table_in_milliseconds(report: Report) -> None:
    text = render_markdown(report)
    assert (
        "| scenario | venue | outcome | submit→ack (ms) | ack→first WS (ms) | touch move→re-post (ms) "
        "| time to fill (s) | attempts |" in text
    )
    assert "| `post_top_of_book` | backpack | ✅ | 4.0 | 2.0 | 50.0 | 1.590 | 3 |" in text
    assert "| `post_top_of_book` | lighter | ❌ | 4.0 | 2.0 | 50.0 | — | 3 |" in text
    assert "| `post_only_would_cross` | lighter | ✅ | 180.0 | 90.0 | — | — | — |" in text
    assert "stream_drop_mid_order` | lighter" not in text  # skipped results have nothing measured
    # medians per venue: lighter submit→ack over 4.0, 180, 200 ms and ack→first WS over 2 and 90 ms
    assert "| lighter | 4 | 180.0 | 46.0 | 50.0 | — | 3 |" in text


def test_all_passed_verdict(document: dict) -> None:
    document["results"] = [r for r in document["results"] if r["outcome"] == "passed"]
    assert "✅ **CONFORMANT** — 9 passed · 0 failed · 0 not checked (9 results)" in render_markdown(
        parse_report(document)
    )


def test_venue_text_cannot_break_tables_or_fences(document: dict) -> None:
    document["results"][10]["reason"] = "needs a | b\nand <b>c</b> *now*"
    document["results"][4]["reason"] = "before\n```\n# not a heading\n```\nafter"
    text = render_markdown(parse_report(document))
    assert "| lighter | `partial_fill_then_cancel` | ⏭ skipped | needs a \\| b and \\<b>c\\</b> \\*now\\* |" in text
    assert "````text\nbefore\n```\n# not a heading\n```\nafter\n````" in text


def test_venue_quirks_are_shown_and_escaped(document: dict) -> None:
    document["venues"]["backpack"]["quirks"] = {"http_200_errors": "errors come with HTTP 200 | check *every* body"}
    text = render_markdown(parse_report(document))
    assert "## Venue quirks" in text
    assert "- **backpack** · `http_200_errors`: errors come with HTTP 200 \\| check \\*every\\* body" in text


def test_no_quirks_no_section(document: dict) -> None:
    assert "Venue quirks" not in render_markdown(parse_report(document))
