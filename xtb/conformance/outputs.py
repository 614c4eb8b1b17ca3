"""Everything a run leaves in the report directory, all saying the same verdict.

The results document (`conformance.json`, made by `xtb.report.build_report`) and the pages rendered
from it; junit.xml gets the verdict as testsuite properties (written after pytest's junit writer,
with the standard library's XML tools) and the allure results an `environment.properties` that
shows it on allure's overview page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from xtb.report import Report, save_report, write_report_files
from xtb.report.verdict import RunVerdict, judge


def write_results(report: Report, report_dir: Path) -> tuple[RunVerdict, list[Path]]:
    """Judge the document and write conformance.json / .md / .html; the verdict goes into the JSON
    too, for machines."""
    verdict = judge(report)
    path = save_report(report, Path(report_dir) / "conformance.json", verdict=verdict_dict(verdict))
    return verdict, [path, *write_report_files(report, report_dir)]


def verdict_dict(verdict: RunVerdict) -> dict[str, Any]:
    return {
        "verdict": verdict.verdict.value,
        "exit_code": verdict.exit_code,
        "interrupted": verdict.interrupted,
        "venues": {
            v.venue: {
                "verdict": v.verdict.value,
                "failed": [f.line() for f in v.failed],
                "not_checked": [text for label, text in v.clauses() if label == "not checked"],
            }
            for v in verdict.venues
        },
    }


def mark_junit(path: Path, verdict: RunVerdict) -> None:
    """Add the verdict to junit.xml as testsuite properties (`xtb.verdict`, `xtb.verdict.<venue>`)."""
    if not path.is_file():
        return
    tree = ET.parse(path)
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        properties = suite.find("properties")
        if properties is None:
            properties = ET.Element("properties")
            suite.insert(0, properties)
        for name, value in _verdict_properties(verdict):
            ET.SubElement(properties, "property", {"name": name, "value": value})
    tree.write(path, encoding="utf-8", xml_declaration=True)


def mark_allure(results_dir: Path | None, verdict: RunVerdict) -> None:
    """allure's overview shows `environment.properties`: the verdict goes there."""
    if results_dir is None or not results_dir.is_dir():
        return
    lines = [f"{name}={value}" for name, value in _verdict_properties(verdict)]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _verdict_properties(verdict: RunVerdict) -> list[tuple[str, str]]:
    out = [("xtb.verdict", verdict.headline())]
    out += [(f"xtb.verdict.{v.venue}", v.summary().split(": ", 1)[1]) for v in verdict.venues]
    return out
