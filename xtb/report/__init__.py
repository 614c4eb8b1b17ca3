"""Conformance reports: the results document (`model.py`, `document.py`) rendered as Markdown and a
standalone HTML page.

The pytest plugin and `xtb run` make the document with `build_report` and save it as JSON; the
plugin then renders conformance.md and conformance.html beside it. `python -m xtb.report RESULTS.json`
does the same later from any results file, under that file's own name (`reports/smoke_sim.json` →
smoke_sim.md, smoke_sim.html). The HTML footer names the document and the command that regenerates
the page.
"""

from __future__ import annotations

import logging
import shlex
from pathlib import Path

from xtb.report.document import load_report, parse_report, report_to_json, save_report, write_atomic
from xtb.report.html import render_html
from xtb.report.markdown import render_markdown
from xtb.report.model import Outcome, Report, Result, build_report

__all__ = [
    "Outcome",
    "Report",
    "Result",
    "build_report",
    "load_report",
    "parse_report",
    "regenerate_command",
    "render_html",
    "render_markdown",
    "report_paths",
    "report_to_json",
    "save_report",
    "write_report_files",
]

log = logging.getLogger(__name__)

DEFAULT_STEM = "conformance"


def report_paths(report_dir: Path, stem: str = DEFAULT_STEM) -> list[Path]:
    """Where the pages of a report go: [STEM.md, STEM.html] in report_dir."""
    return [Path(report_dir) / f"{stem}.md", Path(report_dir) / f"{stem}.html"]


def regenerate_command(source: Path, report_dir: Path) -> str:
    """The command that renders `source` into report_dir again (under the source's own name)."""
    command = f"python -m xtb.report {shlex.quote(str(source))}"
    if Path(report_dir).resolve() != Path(source).parent.resolve():
        command += f" --out {shlex.quote(str(report_dir))}"
    return command


def write_report_files(
    report: Report, report_dir: Path, *, stem: str = DEFAULT_STEM, source: Path | None = None
) -> list[Path]:
    """Render a checked report into report_dir as STEM.md and STEM.html; returns [markdown, html].
    `source` is the results document the report was read from (default: report_dir/STEM.json, where
    the pytest plugin writes it); the HTML footer names it and the command that regenerates the page."""
    report_dir = Path(report_dir)
    source = Path(source) if source is not None else report_dir / f"{stem}.json"
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = report_paths(report_dir, stem)
    page = render_html(report, source=source.name, command=regenerate_command(source, report_dir))
    for path, text in zip(paths, (render_markdown(report), page), strict=True):
        write_atomic(path, text)
    log.info("report written md=%s html=%s results=%d", paths[0], paths[1], len(report.results))
    return paths
