"""`xtb.safejson`: network JSON read with bounds (size, depth, UTF-8, no NaN / Infinity), and the
recursion limit `xtb/__init__.py` pins so a deep document is an exception, never a segfault.

The process-wide checks run in a child interpreter: the recursion limit is only honest in a process
that imported every venue's connector and simulator (py_ecc raises it at import), and a regression
there crashes the interpreter, which a child turns into a failed assertion instead of a dead run."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from decimal import Decimal

import pytest

from xtb import safejson
from xtb.safejson import UntrustedJson

DEEP = "[" * 100_000 + "]" * 100_000

CHILD = """
import importlib, importlib.util, json, sys
from xtb.connectors import CONNECTORS, load_connector_class
from xtb.sim.registry import BUILTIN_VENUES, load_object
for name in CONNECTORS:
    load_connector_class(name)
for target in BUILTIN_VENUES.values():
    load_object(target)
# py_ecc raised the limit to 100,000 at import; eth-account 0.14 pulled it in, 0.13.7 does not: import
# it whenever it is installed, so the check holds whichever version a machine resolved
if importlib.util.find_spec("py_ecc") is not None:
    importlib.import_module("py_ecc")
from xtb import safejson
limit = sys.getrecursionlimit()
try:
    safejson.loads("[" * 100_000 + "]" * 100_000)
    outcome = "parsed"
except safejson.UntrustedJson as exc:
    outcome = "UntrustedJson: " + str(exc)
print(json.dumps({"limit": limit, "outcome": outcome}))
"""


def test_every_venue_imported_the_limit_stays_pinned_and_a_deep_document_is_refused() -> None:
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]  # a segfault is -11 here, not a dead test run
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["limit"] <= 10_000
    assert result["outcome"].startswith("UntrustedJson: ") and "deeper than 64" in result["outcome"]


def test_a_deep_document_is_refused_in_this_process_too() -> None:
    assert sys.getrecursionlimit() <= 10_000
    with pytest.raises(UntrustedJson, match="deeper than 64 levels"):
        safejson.loads(DEEP)


# ------------------------------------------------------------------------------------------- size


def test_size_is_bounded_in_characters_or_bytes() -> None:
    assert safejson.loads("[1, 2]", max_bytes=6) == [1, 2]
    with pytest.raises(UntrustedJson, match="7 bytes is larger than 6"):
        safejson.loads("[1, 22]", max_bytes=6)
    with pytest.raises(UntrustedJson, match="larger than"):
        safejson.loads(b" " * (safejson.MAX_BYTES + 1))


# ------------------------------------------------------------------------------------------ depth


@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"a":', "}")], ids=["arrays", "objects"])
def test_depth_is_bounded_for_arrays_and_objects(opener: str, closer: str) -> None:
    at_bound = opener * 64 + "1" + closer * 64
    assert safejson.loads(at_bound) is not None
    with pytest.raises(UntrustedJson, match="deeper than 64"):
        safejson.loads(opener * 65 + "1" + closer * 65)
    with pytest.raises(UntrustedJson, match="deeper than 3"):
        safejson.loads(opener * 4 + "1" + closer * 4, max_depth=3)


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = json.dumps(["[" * 1000, "{" * 1000, 'a \\" [[[[ quote', {"k": "]]]]"}])
    assert safejson.loads(text, max_depth=2) == json.loads(text)
    escaped_quote = '["\\"", ' + "[" * 3 + "]" * 3 + "]"  # a string ending in an escaped quote, then nesting
    assert safejson.loads(escaped_quote, max_depth=4) == ['"', [[[]]]]
    with pytest.raises(UntrustedJson):
        safejson.loads(escaped_quote, max_depth=3)


def test_a_mixed_deep_document_is_refused_where_it_crosses_the_bound() -> None:
    text = '{"a": [' + '{"b": [' * 40 + "1" + "]}" * 40 + "]}"
    with pytest.raises(UntrustedJson) as caught:
        safejson.loads(text)
    assert 0 < caught.value.pos < len(text)


# ------------------------------------------------------------------------------ text and constants


def test_utf8_bytes_are_decoded_and_other_bytes_refused() -> None:
    assert safejson.loads('{"asset": "é😀"}'.encode()) == {"asset": "é😀"}
    assert safejson.loads(bytearray(b'{"a": 1}')) == {"a": 1}
    with pytest.raises(UntrustedJson, match="not UTF-8"):
        safejson.loads(b'{"a": "\xff"}')
    with pytest.raises(UntrustedJson, match="not UTF-8"):
        safejson.loads(b'"\xed\xa0\x80"')  # an encoded surrogate is no UTF-8


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    with pytest.raises(UntrustedJson, match=f"{constant.lstrip('-')} is not JSON"):
        safejson.loads(f'{{"price": {constant}}}')
    with pytest.raises(UntrustedJson):
        safejson.loads(f"[{constant}]", parse_float=Decimal)


def test_json_keywords_are_kept() -> None:
    assert safejson.loads('{"p": 0.1}', parse_float=Decimal) == {"p": Decimal("0.1")}


def test_untrusted_json_is_a_json_decode_error_that_pickles() -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        safejson.loads("[" * 65 + "]" * 65)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, UntrustedJson)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is UntrustedJson and str(copy) == str(caught.value)
    with pytest.raises(json.JSONDecodeError):
        safejson.loads("{")  # plain malformed JSON keeps json's own error


# ----------------------------------------------------------------------- gaps reported, not fixed here


def test_a_number_literal_past_float_range_is_refused() -> None:
    with pytest.raises(UntrustedJson):
        safejson.loads("[1e999]")


def test_an_integer_past_python_s_digit_limit_is_untrusted_json() -> None:
    with pytest.raises(UntrustedJson):
        safejson.loads("9" * 5000)
