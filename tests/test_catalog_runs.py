"""Every venue's catalog passes alone and in another order, within the venue's request budget.

A scenario that passes only because of what ran before it (or because other venues' scenarios
spaced its requests out) is a bug; so is a run that draws a rate-limit answer it did not ask for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suite_runs import ROOT, run_suite

VENUES = sorted(path.stem for path in (ROOT / "venues").glob("*.yaml"))  # every venue file in the repository
RATE_LIMIT_STATUSES = {418, 429}
INJECTS_RATE_LIMITS = {"rate_limited"}  # the one scenario that asks the simulator for a 429


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("venue", VENUES)
def test_one_venue_alone_in_reverse_order_is_conformant_within_its_budget(tmp_path: Path, venue: str) -> None:
    run = run_suite(tmp_path, "-k", venue, "--scenario-order", "reverse", timeout=540)
    assert run.code == 0, run.tail()
    assert run.verdict() == "CONFORMANT" and run.verdict(venue) == "CONFORMANT"
    document = run.document()
    assert set(document["venues"]) == {venue}
    assert not document["venues"][venue]["not_run"]
    limited = [
        f"{r['scenario']}: {x['method']} {x['url']} → {x['status']}"
        for r in document["results"]
        if r["scenario"] not in INJECTS_RATE_LIMITS
        for x in r["transcript"]
        if x["status"] in RATE_LIMIT_STATUSES
    ]
    assert not limited, "rate-limit answers nobody injected:\n" + "\n".join(limited)
