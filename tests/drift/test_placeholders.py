"""A documented placeholder (the "any" kind) matches any value of its kinds, and only those: a reference
built from documentation does not report false differences where the docs give no value, and still
reports a value of the wrong kind there (issue #21)."""

from __future__ import annotations

from typing import Any

import pytest

from xtb.drift.compare import Verdict, breaking, compare
from xtb.drift.shape_file import ShapeFile
from xtb.drift.shapes import PartialObject, Placeholder, infer, merge, validate

STRING = Placeholder(("string",))
OBJECT = Placeholder(("map", "object"))


def files(documented: Any, sent: Any) -> tuple[ShapeFile, ShapeFile]:
    reference = ShapeFile("v", "reference", shapes={"GET /x": infer(documented)})
    simulator = ShapeFile("v", "simulator", shapes={"GET /x": infer(sent)})
    return reference, simulator


@pytest.mark.parametrize(
    "sent",
    ["0x5f1b00000000000000000000000000000000e2e2", "1.50", "7", "Filled", "some free text"],
)
def test_a_string_placeholder_matches_any_string(sent: str) -> None:
    reference, simulator = files({"user": STRING, "n": 1}, {"user": sent, "n": 2})
    assert compare(reference, simulator) == []
    assert compare(simulator, reference) == []  # either side of `xtb drift`


def test_a_string_placeholder_still_refuses_a_number() -> None:
    reference, simulator = files({"user": STRING}, {"user": 5})
    found = breaking(compare(reference, simulator))
    assert [(d.path, d.kind) for d in found] == [("user", "type")]
    assert "any string" in found[0].detail


def test_an_untyped_placeholder_matches_anything_beneath_it() -> None:
    reference, simulator = files({"meta": Placeholder()}, {"meta": {"a": [1, {"b": "x"}]}})
    assert compare(reference, simulator) == []


def test_an_object_placeholder_matches_an_object_or_a_map_with_any_fields() -> None:
    for sent in ({"a": 1, "b": "2.0"}, {"BTC": 1, "ETH": 2}, {}):
        reference, simulator = files({"o": OBJECT}, {"o": sent})
        assert compare(reference, simulator) == [], sent


def test_fields_around_a_placeholder_are_still_compared() -> None:
    reference, simulator = files({"user": STRING, "px": "1.5"}, {"user": "abc", "price": "1.5"})
    kinds = {(d.path, d.kind, d.verdict) for d in compare(reference, simulator)}
    assert ("price", "missing-field", Verdict.BREAKING) in kinds


def test_a_placeholder_merges_and_survives_a_file_round_trip() -> None:
    shape = merge(infer(STRING), infer(None))
    assert shape == {"any": {"kinds": ["string"]}, "null": {}}
    assert merge(infer(STRING), infer(Placeholder())) == {"any": {}}
    validate(shape)
    reference = ShapeFile("v", "reference", shapes={"GET /x": shape})
    assert ShapeFile.from_json(reference.to_json()).shapes == reference.shapes
    with pytest.raises(ValueError, match="kinds"):
        validate({"any": {"kinds": ["strings"]}})


def test_a_partial_key_list_takes_keys_it_does_not_name_for_no_drift() -> None:
    """A documented key list ("at least these keys") against a simulator that sends more: the extra key
    is unknown, never breaking; a listed key the simulator leaves out still breaks nothing it should
    not (the simulator's client never read it), and a listed key of the wrong type still breaks."""
    reference = ShapeFile("acme", "reference", "2026-12-07", "documentation")
    reference.add("GET /account", PartialObject({"balance": Placeholder(("string",)), "leverage": 5}))
    simulator = ShapeFile("acme", "simulator", "2026-12-07", "simulator")
    simulator.add("GET /account", {"balance": "10.5", "leverage": "5", "extra": True})
    found = {(d.path, d.kind): d.verdict for d in compare(reference, simulator)}
    assert found[("extra", "missing-field")] is Verdict.UNKNOWN
    assert found[("leverage", "type")] is Verdict.BREAKING
    full = ShapeFile("acme", "reference", "2026-12-07", "documentation")
    full.add("GET /account", {"balance": "10.5", "leverage": "5"})
    assert {(d.path, d.kind): d.verdict for d in compare(full, simulator)}[("extra", "missing-field")] is (
        Verdict.BREAKING
    )
