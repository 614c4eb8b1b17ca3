"""The order table owns the venue-id binding: a report that teaches a tracker its venue id makes
the order findable by it at once, whoever applied the report."""

from __future__ import annotations

from tests.test_tracker import make_tracker, snap
from xtb.model import OrderState
from xtb.orders.table import OrderTable


def test_the_report_that_names_the_venue_id_binds_it() -> None:
    table = OrderTable()
    tracker = make_tracker()
    table.add(tracker)
    assert table.find(venue_id="V-1") is None

    table.apply(tracker, snap(OrderState.OPEN, venue_id="V-1"))

    assert tracker.venue_id == "V-1"
    assert table.find(venue_id="V-1") is tracker
    assert table.find(client_id=tracker.client_id) is tracker


def test_a_report_naming_another_venue_id_does_not_rebind() -> None:
    table = OrderTable()
    tracker = make_tracker()
    table.add(tracker)
    table.apply(tracker, snap(OrderState.OPEN, venue_id="V-1"))

    table.apply(tracker, snap(OrderState.OPEN, venue_id="V-2"))  # the tracker's anomaly, not a new key

    assert table.find(venue_id="V-2") is None
    assert table.find(venue_id="V-1") is tracker
    assert tracker.anomalies, "the wrong venue id was not noticed"
