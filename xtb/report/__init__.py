"""Conformance reports: the suite's results document rendered as Markdown and a standalone HTML page.

The pytest plugin writes `reports/conformance.json` and hands the same document to `write_reports`;
`python -m xtb.report reports/conformance.json` does the same later from the file.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from xtb.report.html import render_html
from xtb.report.markdown import render_markdown
from xtb.report.model import Outcome, Report, Result, load_report, parse_report

__all__ = [
    "Outcome",
    "Report",
    "Result",
    "load_report",
    "parse_report",
    "render_html",
    "render_markdown",
    "write_report_files",
    "write_reports",
]

log = logging.getLogger(__name__)

MARKDOWN_NAME = "conformance.md"
HTML_NAME = "conformance.html"


def _write_atomic(path: Path, text: str) -> None:
    """Write beside the target and rename, so a reader never sees half a report."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_report_files(report: Report, report_dir: Path) -> list[Path]:
    """Render a checked report into report_dir; returns [markdown, html]."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = [report_dir / MARKDOWN_NAME, report_dir / HTML_NAME]
    for path, text in zip(paths, (render_markdown(report), render_html(report)), strict=True):
        _write_atomic(path, text)
    log.info("report written md=%s html=%s results=%d", paths[0], paths[1], len(report.results))
    return paths


def write_reports(document: dict, report_dir: Path) -> list[Path]:
    """The plugin's entry point: check the results document (ValueError naming the bad key and row)
    and write conformance.md and conformance.html into report_dir."""
    return write_report_files(parse_report(document), report_dir)
