"""The simulator's `mutations` setting: checked whole before it applies, applied by field name at
any depth to answers and frames alike, and a no-op (the same object back) when empty or not JSON."""

from __future__ import annotations

import json

import pytest

from xtb.sim.answer_mutations import AnswerMutations, parse_mutations

FRAME = json.dumps({"channel": "orders", "data": [{"price": "1.50", "status": "NEW", "inner": {"price": "2"}}]})


def test_each_mutation_applies_by_field_name_at_any_depth() -> None:
    mutations = AnswerMutations()
    mutations.prepare([{"number": "price"}, {"rename": ["price", "px"]}, {"enum": ["status", "NEW", "OPEN"]}])()
    changed = json.loads(mutations.text(FRAME))
    assert changed["data"] == [{"px": 1.5, "status": "OPEN", "inner": {"px": 2}}]
    assert mutations.current()[1] == {"rename": ["price", "px"]}


def test_nothing_changes_without_mutations_or_without_json() -> None:
    mutations = AnswerMutations()
    assert mutations.text(FRAME) is FRAME
    mutations.prepare([{"rename": ["absent", "x"]}])()
    assert mutations.text(FRAME) is FRAME  # nothing matched: the bytes go out as the venue made them
    assert mutations.text("pong") == "pong"


@pytest.mark.parametrize(
    "bad",
    [{"rename": ["price", "px"]}, [{"rename": ["price"]}], [{"number": ""}], [{"swap": "price"}], [{"enum": "a"}]],
)
def test_a_bad_setting_is_refused_naming_it(bad: object) -> None:
    with pytest.raises(ValueError, match="mutations"):
        parse_mutations(bad)
