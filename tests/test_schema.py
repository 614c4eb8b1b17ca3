"""The one reader every settings file goes through: YAML in, a typed model out, or one ConfigError
that names the file and each key at fault in the file's own terms, and never shows a value."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from xtb.errors import ConfigError
from xtb.schema import (
    NonEmptyStr,
    PositiveDecimal,
    PositiveSeconds,
    SchemaModel,
    StrictInt,
    changes_of,
    load,
    validate,
)


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Timings:
    interval: PositiveSeconds = 5.0
    ticks: StrictInt = 0


class Target(SchemaModel):
    channel: NonEmptyStr
    kind: NonEmptyStr = "*"


class Section(SchemaModel):
    name: NonEmptyStr
    targets: tuple[Target, ...] = ()
    by_name: dict[NonEmptyStr, Target] = {}
    timings: Timings = Timings()
    cap: PositiveDecimal | None = None


def problem(raw: object) -> str:
    with pytest.raises(ConfigError) as caught:
        validate(Section, raw, "f.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "f.yaml: name: missing required key"),
        ({"name": "a", "colour": 1}, "f.yaml: colour: unknown key; allowed: by_name, cap, name, targets, timings"),
        (
            {"name": "a", "timings": {"intervall": 1}},
            "f.yaml: timings.intervall: unknown key; allowed: interval, ticks",
        ),
        ({"name": "a", "targets": [{"kind": "x"}]}, "f.yaml: targets[0].channel: missing required key"),
        ({"name": "a", "by_name": {"t": {"channel": ""}}}, "f.yaml: by_name.t.channel: must not be empty"),
        (
            {"name": "a", "by_name": {"t": {"channel": "c", "x": 1}}},
            "f.yaml: by_name.t.x: unknown key; allowed: channel, kind",
        ),
        ({"name": "a", "by_name": {3: {"channel": "c"}}}, "f.yaml: by_name.3: Input should be a valid string"),
        ({"name": "a", "timings": []}, "f.yaml: timings: must be a mapping, not list"),
        ({"name": "a", "timings": {"ticks": True}}, "f.yaml: timings.ticks: Input should be a valid integer"),
        ({"name": "a", "cap": 1.5}, "f.yaml: cap: must be a positive decimal"),
        (["name"], "f.yaml: the file must be a mapping, not list"),
    ],
)
def test_each_problem_names_the_file_and_the_key(raw: object, message: str) -> None:
    assert problem(raw).startswith(message)


def test_every_problem_is_named_at_once() -> None:
    text = problem({"name": 3, "timings": {"interval": 0}})
    assert "name: Input should be a valid string" in text and "timings.interval: Input should be greater than 0" in text


def test_a_refused_value_is_never_shown() -> None:
    text = problem({"name": "a", "cap": "sk-live-0123456789", "by_name": {"t": {"channel": 12345678}}})
    assert "sk-live-0123456789" not in text and "12345678" not in text
    assert "cap: must be a positive decimal" in text and "by_name.t.channel" in text


def test_a_key_left_empty_counts_as_not_given() -> None:
    section = validate(Section, {"name": "a", "by_name": None, "timings": None, "cap": None}, "f.yaml")
    assert section.by_name == {} and section.timings == Timings() and section.cap is None
    assert problem({"name": None}).startswith("f.yaml: name: Input should be a valid string")  # required: not absent


def test_money_is_exact() -> None:
    assert validate(Section, {"name": "a", "cap": "0.1"}, "f.yaml").cap == Decimal("0.1")
    assert validate(Section, {"name": "a", "cap": 25}, "f.yaml").cap == Decimal(25)


def test_changes_keep_the_settings_types_and_bounds_and_change_only_what_is_given() -> None:
    changes_type = changes_of(Timings)
    changes = validate(changes_type, {"interval": 1}, "f.yaml", "simulator.timings")
    assert changes.changes() == {"interval": 1.0}
    assert changes.apply(Timings(ticks=3)) == Timings(interval=1.0, ticks=3)
    with pytest.raises(ConfigError, match=r"^f\.yaml: simulator\.timings\.interval: Input should be greater than 0$"):
        validate(changes_type, {"interval": 0}, "f.yaml", "simulator.timings")
    with pytest.raises(ConfigError, match=r"simulator\.timings\.tick: unknown key; allowed: interval, ticks"):
        validate(changes_type, {"tick": 1}, "f.yaml", "simulator.timings")


def test_a_settings_dataclass_checks_every_replace() -> None:
    with pytest.raises(ValueError, match="interval"):
        replace(Timings(), interval=-1)


def test_load_reads_the_file_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: a\ntargets:\n  - channel: c\n")
    assert load(Section, path, "section file").targets == (Target(channel="c"),)
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=rf"^{path}: not valid YAML"):
        load(Section, path, "section file")
    with pytest.raises(ConfigError, match=r"missing\.yaml: no such section file"):
        load(Section, tmp_path / "missing.yaml", "section file")
    with pytest.raises(ConfigError, match=r"is a directory; give a section file"):
        load(Section, tmp_path, "section file")
