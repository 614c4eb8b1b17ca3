"""Each comparison rule of xtb/drift/compare.py with the smallest pair of answers that shows it.

A is the venue, B the simulator: what the venue sends that the simulator never showed can break a
client built on the simulator; what only the simulator showed may be a case the run did not meet.
"""

from __future__ import annotations

from typing import Any

import pytest

from xtb.drift.compare import Verdict, breaking, compare, render_markdown
from xtb.drift.shape_file import ShapeFile

KEY = "GET /api/v1/order"
B, U, H = Verdict.BREAKING, Verdict.UNKNOWN, Verdict.HARMLESS


def files(venue: list[Any], simulator: list[Any], key: str = KEY) -> tuple[ShapeFile, ShapeFile]:
    a = ShapeFile(venue="acme", source="venue", recorded_at="2026-12-07", environment="testnet")
    b = ShapeFile(venue="acme", source="simulator", recorded_at="2026-12-07", environment="simulator")
    for value in venue:
        a.add(key, value)
    for value in simulator:
        b.add(key, value)
    return a, b


def found(venue: list[Any], simulator: list[Any]) -> list[tuple[str, str, Verdict]]:
    return [(d.path, d.kind, d.verdict) for d in compare(*files(venue, simulator))]


@pytest.mark.parametrize(
    ("venue", "simulator", "expected"),
    [
        # fields
        ([{"a": 1, "x": 1}, {"a": 1}], [{"a": 1}], [("x", "extra-field", H)]),
        ([{"a": 1, "x": 1}], [{"a": 1}], [("x", "extra-field", H)]),  # always at the venue: still harmless
        ([{"a": 1}], [{"a": 1, "x": 1}], [("x", "missing-field", B)]),
        ([{"a": 1}], [{"a": 1, "x": 1}, {"a": 1}], [("x", "missing-field", U)]),  # sometimes in the simulator
        ([{"x": 1}, {}], [{"x": 1}], [("x", "optional-field", B)]),
        ([{"x": 1}], [{"x": 1}, {}], []),  # optional in the simulator, always at the venue: handled
        # types and formats
        ([{"p": "1.5"}], [{"p": 1.5}], [("p", "type", B)]),
        ([{"p": 1.5}], [{"p": "1.5"}], [("p", "type", B)]),
        # the simulator's values were whole this run: a decimal field writes them as integer strings too
        ([{"p": "1.5"}], [{"p": "15"}], [("p", "format", U)]),
        ([{"p": "abc"}], [{"p": "15"}], [("p", "format", B)]),  # text where only numbers were seen
        ([{"p": "15"}], [{"p": "1.5"}], [("p", "format", U)]),  # a decimal parser reads "15"
        # padding breaks only where the other side shows it does not pad (varying decimals, none ending in 0)
        ([{"p": "1.50"}], [{"p": "1.5"}, {"p": "1.25"}], [("p", "padding", B)]),
        ([{"p": "1.5"}, {"p": "1.25"}], [{"p": "1.50"}], [("p", "padding", B)]),
        ([{"p": "1.50"}], [{"p": "1.5"}], [("p", "padding", U)]),  # "1.5" may be "1.50" unpadded... or not
        ([{"p": "1.5"}], [{"p": "1.50"}], [("p", "padding", U)]),
        ([{"p": None}, {"p": "1"}], [{"p": "1"}], [("p", "type", B)]),  # nullable at the venue only
        ([{"p": "1"}], [{"p": None}, {"p": "1"}], [("p", "type", U)]),
        ([{"p": 1.5}], [{"p": 1}], [("p", "type", B)]),
        ([{"p": 1}], [{"p": 1.5}], [("p", "type", U)]),  # a float reader reads an integer
        ([{"id": "0x" + "ab" * 16}], [{"id": "0x" + "ab" * 20}], [("id", "format", B)]),
        # enums
        ([{"st": "New"}, {"st": "Expired"}], [{"st": "New"}], [("st", "enum", B)]),
        ([{"st": "New"}], [{"st": "New"}, {"st": "Expired"}], [("st", "enum", U)]),
        (
            [{"symbol": "SOL_USDC_PERP"}, {"symbol": "BTC_USDC_PERP"}],
            [{"symbol": "SOL_USDC_PERP"}],
            [("symbol", "enum", U)],
        ),
        ([{"u": [{"coin": "BTC"}, {"coin": "ETH"}]}], [{"u": [{"coin": "BTC"}]}], [("u[].coin", "enum", U)]),
        ([{"st": "a long free text message from the venue"}], [{"st": "New"}], [("st", "enum", U)]),
        ([{"st": "New"}], [{"st": "a long free text message from the simulator"}], []),
        # nesting, maps and arrays
        ([{"o": [{"q": "1"}]}], [{"o": [{"q": 1}]}], [("o[].q", "type", B)]),
        ([{"o": []}], [{"o": [{"q": 1}]}], [("o[]", "items", U)]),
        ([{"m": {"BTC": {"q": "1"}}}], [{"m": {"BTC": {"q": 1}}}], [("m{}.q", "type", B)]),
        ([{"m": {"BTC": 1}}], [{"m": {"7": 1}}], [("m", "map-keys", B)]),
        ([{"m": {"7": 1}}, {"m": {}}], [{"m": {"7": 1}}], []),  # an empty object is an empty map
        ([{"m": {"7": 1}}], [{"m": {}}], [("m", "items", U)]),
        # the same on both sides
        ([{"a": "1.5", "st": "New", "o": [1]}], [{"st": "New", "a": "2.5", "o": [2]}], []),
    ],
)
def test_rules(venue: list[Any], simulator: list[Any], expected: list[tuple[str, str, Verdict]]) -> None:
    assert found(venue, simulator) == expected


def test_a_key_on_one_side_only_is_unknown() -> None:
    a, b = files([{"a": 1}], [{"a": 1}])
    a.add("depth.{}", {"b": [["1.5", "2"]]})
    b.add("POST /api/v1/order", {"id": 1})
    got = [(d.key, d.kind, d.verdict, d.detail) for d in compare(a, b)]
    assert got == [
        ("POST /api/v1/order", "key", U, "seen only in the simulator run"),
        ("depth.{}", "key", U, "seen only in the venue run"),
    ]


def test_every_difference_has_a_readable_rule() -> None:
    a, b = files([{"x": 1, "p": "1.50", "s": "Expired"}], [{"y": 1, "p": 1, "s": "New"}])
    differences = compare(a, b)
    assert {d.kind for d in differences} == {"extra-field", "missing-field", "type", "enum"}
    for d in differences:
        assert len(d.rule.split()) >= 6 and d.rule[0].islower() and "simulator" in d.rule + d.detail
    assert breaking(differences) == [d for d in differences if d.verdict is B]


def test_the_drift_the_issue_names_is_seen() -> None:
    venue = [{"orderId": 1, "price": "101.5", "status": "Filled"}, {"orderId": 2, "price": "99", "status": "New"}]
    renamed = [{"order_id": 1, "price": "101.5", "status": "Filled"}, {"order_id": 2, "price": "99", "status": "New"}]
    number = [{"orderId": 1, "price": 101.5, "status": "Filled"}, {"orderId": 2, "price": 99, "status": "New"}]
    added = [*venue, {"orderId": 3, "price": "1.5", "status": "TriggerPending"}]
    assert breaking(compare(*files(venue, venue))) == []
    assert [(d.path, d.kind) for d in breaking(compare(*files(venue, renamed)))] == [("order_id", "missing-field")]
    assert [(d.path, d.kind) for d in breaking(compare(*files(venue, number)))] == [("price", "type")]
    # an enum value the simulator adds is unknown in this direction, breaking in the other
    assert [(d.path, d.verdict) for d in compare(*files(venue, added))] == [("status", U)]
    assert [(d.path, d.verdict) for d in compare(*files(added, venue))] == [("status", B)]


def test_markdown_groups_by_key_and_leads_with_what_breaks() -> None:
    a, b = files([{"x": 1, "p": "1.5"}], [{"p": 1.5}])
    a.add("depth.{}", {"bids": []})
    text = render_markdown(compare(a, b), a, b)
    assert text.startswith("## acme: the venue against the simulator\n")
    assert "3 differences: 1 would break a client, 1 unknown, 1 harmless." in text
    assert text.index(f"### `{KEY}`") < text.index("### `depth.{}`")
    assert "| `p` | type: venue: string (decimal); simulator: float | **would break a client** |" in text


def test_against_a_baseline_it_reads_changed_since_the_baseline_date() -> None:
    now = ShapeFile(venue="acme", source="venue", recorded_at="2026-12-07", environment="testnet")
    then = ShapeFile(venue="acme", source="venue", recorded_at="2026-11-30", environment="testnet")
    now.add(KEY, {"price": 1.5})
    then.add(KEY, {"price": "1.5"})
    differences = compare(now, then)
    text = render_markdown(differences, now, then)
    assert text.startswith("## acme: changed since 2026-11-30\n")
    assert "the venue now sends float where the venue on 2026-11-30 sends string (decimal)" in text
    assert render_markdown([], now, now).rstrip().endswith("Nothing changed.")
    assert render_markdown([], now, then, title="Custom").startswith("## Custom\n")
