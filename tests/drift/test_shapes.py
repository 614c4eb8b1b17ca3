"""infer and merge (xtb/drift/shapes.py): what a shape keeps of a value, and that merging is an
honest union whatever order a run met its answers in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xtb.drift.formats import TOKEN_LIMIT, is_token, string_format
from xtb.drift.shapes import infer, infer_all, merge, validate


def formats(value: str) -> list[str]:
    return infer(value)["string"]["formats"]


def test_each_string_format() -> None:
    assert formats("123.45") == ["decimal"]
    assert formats("-0.001") == ["decimal"]
    assert formats("+2.5") == ["decimal"]
    assert formats("1e-8") == ["decimal"]
    assert formats("123") == ["integer-string"]
    assert formats("0x" + "ab" * 20) == ["address"]
    assert formats("0x" + "ab" * 16) == ["hex"]
    assert formats("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") == ["hex"]
    assert formats("6f1c2a9e-1d2b-4c3d-8e4f-0a1b2c3d4e5f") == ["uuid"]
    assert formats("2026-12-07T08:00:00.123Z") == ["iso-time"]
    assert formats("2026-12-07") == ["iso-time"]
    assert formats("Filled") == ["text"]


def test_padding_is_noted_only_when_a_fraction_ends_in_zero_after_another_digit() -> None:
    assert infer("1.50")["string"].get("padded") is True
    assert infer("100.00")["string"].get("padded") is True
    assert "padded" not in infer("100.0")["string"]  # the integral marker of venues that do not pad
    assert "padded" not in infer("1.5")["string"]
    assert "padded" not in infer("100")["string"]


def test_numbers_booleans_and_null() -> None:
    assert infer(1) == {"integer": {}}
    assert infer(1.5) == {"float": {}}
    assert infer(True) == {"boolean": {}}
    assert infer(None) == {"null": {}}
    assert infer(Decimal("2")) == {"integer": {}}
    assert infer(Decimal("2.50")) == {"float": {}}


def test_enum_tokens_are_kept_and_other_text_is_open() -> None:
    assert infer("PARTIALLY_FILLED")["string"] == {"formats": ["text"], "values": ["PARTIALLY_FILLED"]}
    assert infer("Order was never placed, already canceled, or filled.")["string"] == {
        "formats": ["text"],
        "open": True,
    }
    for not_a_token in ("12345", "deadbeef01", "vmPUZE6mv9SD5VNHk4HlWFsO", "x" * 33, "a/b", ""):
        assert not is_token(not_a_token), not_a_token
    for token in ("GTC", "l2Book", "orderAccepted", "reduceOnlyCanceled", "CI_1_M", "1000PEPE", "BTC_USDT_Perp"):
        assert is_token(token), token


def test_an_enum_becomes_open_beyond_its_limit() -> None:
    values = [f"Status{chr(65 + i // 26)}{chr(65 + i % 26).lower()}" for i in range(TOKEN_LIMIT + 1)]
    assert all(string_format(v) == "text" and is_token(v) for v in values)
    assert infer_all(values[:TOKEN_LIMIT])["string"]["values"] == sorted(values[:TOKEN_LIMIT])
    assert infer_all(values)["string"] == {"formats": ["text"], "open": True}


def test_a_field_missing_from_one_sample_is_optional() -> None:
    shape = infer_all([{"a": 1, "b": "x"}, {"a": 2}])
    fields = shape["object"]["fields"]
    assert fields["a"] == {"optional": False, "shape": {"integer": {}}}
    assert fields["b"]["optional"] is True


def test_types_and_formats_unite() -> None:
    shape = infer_all(["1.5", "7", None, 3])
    assert set(shape) == {"string", "null", "integer"}
    assert shape["string"]["formats"] == ["decimal", "integer-string"]


def test_maps_are_objects_keyed_by_ids_or_symbols() -> None:
    assert infer({"BTC": "100.5", "ETH": "3.1"})["map"]["keys"] == ["symbol"]
    assert infer({"@107": "1.0", "BTC": "2.0"})["map"]["keys"] == ["symbol"]
    assert infer({"0": {"size": "1"}, "12": {"size": "2"}})["map"]["keys"] == ["integer"]
    assert infer({"0x" + "11" * 20: 1})["map"]["keys"] == ["address"]
    lighter = infer({"positions": {"1": {"size": "1.0"}}})
    assert lighter["object"]["fields"]["positions"]["shape"]["map"]["values"]["object"]["fields"]["size"]
    # field names made of identifiers stay fields, however many
    aster = infer({"e": "x", "E": 1, "s": "BTCUSDT", "AP": "0", "orderId": 1, "client_order_id": "a"})
    assert set(aster["object"]["fields"]) == {"e", "E", "s", "AP", "orderId", "client_order_id"}


def test_arrays_keep_one_item_shape() -> None:
    assert infer([]) == {"array": {}}
    assert infer([["1.5", "2"], ["1.6", "3"]]) == {
        "array": {
            "items": {"array": {"items": {"string": {"formats": ["decimal", "integer-string"], "fraction": [1, 1]}}}}
        }
    }
    assert merge(infer([]), infer([1])) == {"array": {"items": {"integer": {}}}}


# JSON values of the kinds venues send: ids, decimals, tokens, nested objects, maps and arrays
_strings = st.one_of(
    st.sampled_from(["Filled", "New", "GTC", "BUY", "1.50", "1.5", "100", "0x" + "ab" * 20, "2026-12-07"]),
    st.text(max_size=40),
)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _strings)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "price", "status", "BTC", "ETH", "7", "@1"]), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(_json, _json)
def test_merge_is_commutative(a: Any, b: Any) -> None:
    assert merge(infer(a), infer(b)) == merge(infer(b), infer(a))


@settings(max_examples=150, deadline=None)
@given(_json, _json, _json)
def test_merge_is_associative(a: Any, b: Any, c: Any) -> None:
    sa, sb, sc = infer(a), infer(b), infer(c)
    assert merge(merge(sa, sb), sc) == merge(sa, merge(sb, sc))


@settings(max_examples=150, deadline=None)
@given(_json)
def test_merge_is_idempotent_and_infer_is_valid(a: Any) -> None:
    shape = infer(a)
    validate(shape)
    assert merge(shape, shape) == shape


@settings(max_examples=100, deadline=None)
@given(st.lists(_json, min_size=1, max_size=5))
def test_infer_all_does_not_depend_on_order(values: list[Any]) -> None:
    assert infer_all(values) == infer_all(list(reversed(values)))


@settings(max_examples=100, deadline=None)
@given(_json, _json)
def test_merge_leaves_its_inputs_alone(a: Any, b: Any) -> None:
    sa, sb = infer(a), infer(b)
    before = (repr(sa), repr(sb))
    merged = merge(sa, sb)
    merged.clear()
    assert (repr(sa), repr(sb)) == before
