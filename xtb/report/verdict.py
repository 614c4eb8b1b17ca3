"""The verdict: what a person may conclude from a run, per venue and for the whole run.

    CONFORMANT      every baseline scenario ran and passed, and nothing failed or errored
    NOT CONFORMANT  a scenario failed or errored (named)
    INCOMPLETE      nothing failed, but the run checked less than the baseline: a baseline scenario
                    was skipped, deselected, blocked or never reached, a scenario was interrupted
                    or timed out, or the run itself was interrupted (each named, with why)

A definite failure outranks a gap: a venue that failed one scenario and was interrupted in the next
is NOT CONFORMANT (both are listed). The run's verdict is the worst of its venues'. The exit code,
the pages' headlines, junit and allure all come from `judge`, so they cannot disagree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from xtb.report.model import FAILING, Outcome, Report


class Verdict(enum.StrEnum):
    CONFORMANT = "CONFORMANT"
    NOT_CONFORMANT = "NOT CONFORMANT"
    INCOMPLETE = "INCOMPLETE"

    @property
    def exit_code(self) -> int:
        """0 conformant, 1 not conformant, 2 incomplete (pytest's own 'interrupted' code)."""
        return {"CONFORMANT": 0, "NOT CONFORMANT": 1, "INCOMPLETE": 2}[self.value]


_RANK = {Verdict.CONFORMANT: 0, Verdict.INCOMPLETE: 1, Verdict.NOT_CONFORMANT: 2}


@dataclass(frozen=True)
class Finding:
    """One scenario that keeps a venue from CONFORMANT, and why."""

    scenario: str
    outcome: str  # an Outcome value, or "not run"
    why: str

    def line(self) -> str:
        return f"{self.scenario} ({self.outcome}{': ' + self.why if self.why else ''})"


@dataclass(frozen=True)
class VenueVerdict:
    venue: str
    verdict: Verdict
    failed: tuple[Finding, ...] = ()  # failed or errored
    unchecked: tuple[Finding, ...] = ()  # baseline not run, interrupted, timed out

    def clauses(self) -> list[tuple[str, str]]:
        """What decided the verdict as (label, text) pairs; scenarios that share a reason share one."""
        return [("failed", f.line()) for f in self.failed] + [("not checked", c) for c in _grouped(self.unchecked)]

    def summary(self) -> str:
        """One line: the verdict and what decided it."""
        parts = [f"{label}: {text}" for label, text in self.clauses()]
        return f"{self.venue}: {self.verdict.value}" + (f" — {'; '.join(parts)}" if parts else "")


def _grouped(findings: tuple[Finding, ...]) -> list[str]:
    groups: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        groups.setdefault((f.outcome, f.why), []).append(f.scenario)
    return [f"{', '.join(names)} ({outcome}{': ' + why if why else ''})" for (outcome, why), names in groups.items()]


@dataclass(frozen=True)
class RunVerdict:
    verdict: Verdict
    venues: tuple[VenueVerdict, ...]
    interrupted: str = ""

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def headline(self) -> str:
        counts = {v: sum(1 for x in self.venues if x.verdict is v) for v in Verdict}
        shown = ", ".join(f"{n} {v.value.lower()}" for v, n in counts.items() if n)
        text = f"{self.verdict.value} ({shown or 'no venue ran'})"
        if self.interrupted:
            text += f"; run interrupted: {self.interrupted}"
        return text


def judge(report: Report) -> RunVerdict:
    """The verdict of a checked results document."""
    venues = tuple(_judge_venue(report, name) for name in report.venue_order())
    worst = max((v.verdict for v in venues), key=_RANK.__getitem__, default=Verdict.INCOMPLETE)
    if report.interrupted and worst is Verdict.CONFORMANT:
        worst = Verdict.INCOMPLETE
    return RunVerdict(worst, venues, report.interrupted)


def _judge_venue(report: Report, venue: str) -> VenueVerdict:
    results = [r for r in report.results if r.venue == venue]
    failed = tuple(Finding(r.scenario, r.outcome.value, _first_line(r.reason)) for r in results if r.outcome in FAILING)
    unchecked = [
        Finding(r.scenario, r.outcome.value, _first_line(r.reason))
        for r in results
        if r.outcome in (Outcome.INTERRUPTED, Outcome.TIMED_OUT)
    ]
    by_id = {r.scenario: r for r in results}
    not_run = report.venue(venue).not_run
    for scenario in report.baseline:
        result = by_id.get(scenario)
        if result is None:
            unchecked.append(Finding(scenario, "not run", not_run.get(scenario, "not in this run")))
        elif result.outcome in (Outcome.SKIPPED, Outcome.BLOCKED):
            unchecked.append(Finding(scenario, result.outcome.value, _first_line(result.reason)))
    if report.interrupted:
        for scenario, why in not_run.items():
            if why.startswith("not reached") and scenario not in report.baseline:
                unchecked.append(Finding(scenario, "not run", why))
    if failed:
        verdict = Verdict.NOT_CONFORMANT
    elif unchecked or not results:
        verdict = Verdict.INCOMPLETE
    else:
        verdict = Verdict.CONFORMANT
    return VenueVerdict(venue, verdict, failed, tuple(unchecked))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
