"""Everything a run leaves in the report directory, all saying the same verdict.

`build_document` turns the session's records and what was selected into the results document
(`conformance.json`); the pages are rendered from it; junit.xml gets the verdict as testsuite
properties (written after pytest's junit writer, with the standard library's XML tools) and the
allure results an `environment.properties` that shows it on allure's overview page.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xtb import catalog
from xtb.report import parse_report, write_report_files
from xtb.report.verdict import RunVerdict, judge


def build_document(
    *,
    results: Iterable[dict[str, Any]],
    scenarios: Mapping[str, dict[str, Any]],
    venues: Mapping[str, dict[str, Any]],
    not_run: Mapping[str, Mapping[str, str]],
    excluded_venues: Iterable[str],
    interrupted: str,
    started_at: float,
) -> dict[str, Any]:
    """The results document from result rows (`ScenarioRecord.as_result`): only venues that had
    something selected, only scenarios that ran as columns, and for each venue what did not run and why."""
    results = list(results)
    environments = {v["environment"] for v in venues.values()}
    return {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_s": round(time.monotonic() - started_at, 3),
        "target": next(iter(environments)) if len(environments) == 1 else "mixed",
        "baseline": list(catalog.BASELINE),
        "interrupted": interrupted,
        "excluded_venues": sorted(excluded_venues),
        "scenarios": {
            k: {**v, "baseline": catalog.is_baseline(k)}
            for k, v in scenarios.items()
            if any(r["scenario"] == k for r in results)
        },
        "venues": {name: {**info, "not_run": dict(not_run.get(name, {}))} for name, info in venues.items()},
        "results": results,
    }


def write_results(document: dict[str, Any], report_dir: Path) -> tuple[RunVerdict, list[Path]]:
    """Check the document, judge it, and write conformance.json / .md / .html (ValueError names a bad
    key). The verdict goes into the JSON too, for machines."""
    report = parse_report(document)
    verdict = judge(report)
    document = {**document, "verdict": verdict_dict(verdict)}
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / "conformance.json"
    path.write_text(json.dumps(document, indent=1))
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
