from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from xtb.report import Outcome, Report, load_report, parse_report


def test_example_document_reads_into_values(report: Report) -> None:
    assert report.target == "mixed"
    assert report.venue_order() == ["backpack", "lighter"]
    assert report.scenario_order()[:2] == ["metadata", "post_top_of_book"]
    assert report.totals() == {Outcome.PASSED: 9, Outcome.FAILED: 2, Outcome.SKIPPED: 2}
    assert report.totals("lighter") == {Outcome.PASSED: 3, Outcome.FAILED: 1, Outcome.SKIPPED: 2}
    chase = report.cell("backpack", "post_top_of_book")
    assert chase is not None and report.position(chase) == 1
    assert chase.attempts[0].price == Decimal("150.00") and str(chase.attempts[0].price) == "150.00"
    assert chase.book[0].bid == Decimal("150.00") and chase.book[0].ask == Decimal("150.02")
    assert chase.metrics["submit_to_ack_s"] == 0.004
    assert report.cell("lighter", "cancel_resting") is None
    assert report.scenario("stream_drop_mid_order").sim_only is True


def test_numbers_in_money_fields_are_read_by_their_text(document: dict) -> None:
    document["results"][1]["attempts"][0]["price"] = 0.1
    document["results"][1]["attempts"][0]["venue_id"] = 9001
    attempt = parse_report(document).results[1].attempts[0]
    assert attempt.price == Decimal("0.1")
    assert attempt.venue_id == "9001"


def test_optional_result_parts_may_be_absent(document: dict) -> None:
    document["results"] = [{"venue": "backpack", "scenario": "metadata", "outcome": "passed"}]
    only = parse_report(document).results[0]
    assert (only.reason, only.metrics, only.attempts, only.book, only.transcript) == ("", {}, (), (), ())


@pytest.mark.parametrize("key", ["generated_at", "duration_s", "target", "scenarios", "venues", "results"])
def test_missing_top_level_key_is_named(document: dict, key: str) -> None:
    del document[key]
    with pytest.raises(ValueError, match=rf"^document: missing key '{key}'$"):
        parse_report(document)


@pytest.mark.parametrize("key", ["venue", "scenario", "outcome"])
def test_missing_result_key_names_the_row(document: dict, key: str) -> None:
    del document["results"][3][key]
    with pytest.raises(ValueError) as info:
        parse_report(document)
    assert str(info.value).startswith("results[3]")
    assert f"missing key '{key}'" in str(info.value)


def test_unknown_outcome_is_an_error_naming_row_and_value(document: dict) -> None:
    document["results"][4]["outcome"] = "xpassed"
    with pytest.raises(ValueError) as info:
        parse_report(document)
    message = str(info.value)
    assert message.startswith("results[4] (backpack/partial_fill_then_cancel).outcome:")
    assert "'xpassed'" in message and "passed, failed, error, skipped, blocked, interrupted, timed_out" in message


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (
            lambda d: d["results"][1]["attempts"][2].__setitem__("price", "abc"),
            r"results\[1\] .*\.attempts\[2\]\.price",
        ),
        (
            lambda d: d["results"][1]["book"][5].__setitem__("t", "0.25"),
            r"results\[1\] .*\.book\[5\]\.t: expected a number",
        ),
        (lambda d: d["results"][1]["book"][5].pop("t"), r"results\[1\] .*\.book\[5\]: missing key 't'"),
        (
            lambda d: d["results"][0]["metrics"].__setitem__("rest_to_ws_touch_s", "fast"),
            r"metrics\.rest_to_ws_touch_s",
        ),
        (lambda d: d["results"][0].__setitem__("duration_s", True), r"results\[0\] .*\.duration_s: expected a number"),
        (lambda d: d["results"][0].__setitem__("duration_s", float("nan")), r"duration_s: expected a finite number"),
        (lambda d: d["results"][4]["orders"][0]["history"][1].__setitem__("at", "x"), r"orders\[0\]\.history\[1\]\.at"),
        (lambda d: d["results"][8]["transcript"][0].__setitem__("status", "200"), r"transcript\[0\]\.status"),
        (lambda d: d["results"][2].__setitem__("attempts", {}), r"results\[2\] .*\.attempts: expected a list"),
        (lambda d: d["results"].__setitem__(6, "row"), r"^results\[6\]: expected an object"),
        (lambda d: d.__setitem__("results", {}), r"^results: expected a list"),
        (lambda d: d.__setitem__("target", "prod"), r"^target: unknown target 'prod'"),
        (lambda d: d["scenarios"]["metadata"].__setitem__("sim_only", "no"), r"^scenarios\.metadata\.sim_only"),
        (
            lambda d: d["results"][2]["attempts"][0].__setitem__("price", "NaN"),
            r"attempts\[0\]\.price: expected a finite",
        ),
    ],
)
def test_bad_values_are_named_by_path(document: dict, break_it, expected: str) -> None:  # type: ignore[no-untyped-def]
    break_it(document)
    with pytest.raises(ValueError, match=expected):
        parse_report(document)


def test_duplicate_rows_are_an_error(document: dict) -> None:
    document["results"].append(dict(document["results"][1]))
    with pytest.raises(ValueError, match=r"results\[13\]: duplicate .*'backpack'.*'post_top_of_book'.*results\[1\]"):
        parse_report(document)


def test_document_must_be_an_object() -> None:
    with pytest.raises(ValueError, match="document: expected a JSON object"):
        parse_report([])


def test_load_report_names_the_file(tmp_path: Path, document: dict) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(document))
    assert len(load_report(good).results) == 13
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    with pytest.raises(ValueError, match=r"bad\.json: not valid JSON"):
        load_report(bad_json)
    document["results"][0]["outcome"] = "xfailed"
    bad_doc = tmp_path / "doc.json"
    bad_doc.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"doc\.json: results\[0\] .*unknown outcome 'xfailed'"):
        load_report(bad_doc)
