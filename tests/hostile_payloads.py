"""Hostile payloads for the connectors' parsers, and the judge of what a parser made of one.

Why: a connector's mapping turns venue JSON into the values the runtime acts on. Fed payloads
generated from valid samples, with fields mutated the ways that broke them (wrong JSON types, NaN,
`1e999`, 5,000-digit strings, negative sizes, unknown enum values, missing and extra keys, deep
nesting), a parser must answer a value that satisfies the runtime's invariants or a
`VenueProtocolError`. Anything else is a finding: another exception type (`foreign`) or a value
no venue can truthfully report (`impossible`: filled above the size, a negative price, ...).

The judge checks the invariants itself, independently of the value types' own checks, so a test
built on it fails if either the mapping or `xtb.model` stops enforcing them. Used by every venue's
`test_<venue>_hostile_payloads.py` and by `bench/hostile_parsers.py`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xtb.connectors.grvt.sdk import InstrumentMeta
from xtb.connectors.orderbook import Delta
from xtb.errors import VenueProtocolError
from xtb.model import Balance, Fill, Liquidity, MarketInfo, OrderSnapshot, OrderState, Position, Side, Source, TopOfBook

HUGE = "9" * 5000
LIMIT = Decimal(10) ** 30
"""The judge's own bound on any magnitude (a real venue's numbers stay far below it)."""


@dataclass(frozen=True)
class Kind:
    """One message kind a venue sends: its parser (payload → values) and valid samples of it."""

    name: str
    parse: Callable[[Any], Any]
    samples: tuple[Any, ...]


@dataclass(frozen=True)
class Verdict:
    kind: str  # "ok" (a valid value), "refused" (VenueProtocolError), "foreign", "impossible"
    detail: str = ""

    @property
    def acceptable(self) -> bool:
        return self.kind in ("ok", "refused")


# ------------------------------------------------------------------------------ the judge


def judge(parse: Callable[[Any], Any], payload: Any) -> Verdict:
    try:
        result = parse(payload)
    except VenueProtocolError:
        return Verdict("refused")
    except Exception as exc:  # any other type is the finding being counted
        return Verdict("foreign", f"{type(exc).__name__}: {str(exc)[:300]}")
    problems = list(impossibilities(result))
    return Verdict("impossible", "; ".join(problems)[:600]) if problems else Verdict("ok")


def impossibilities(value: Any, where: str = "result") -> Iterable[str]:
    """Every invariant a parsed value breaks (none for a value the runtime may act on)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, OrderSnapshot):
        yield from _order(value, where)
    elif isinstance(value, Fill):
        yield from _fill(value, where)
    elif isinstance(value, Position):
        yield from _text(value.symbol, f"{where}.symbol")
        yield from _number(value.size, f"{where}.size")
        yield from _number(value.entry_price, f"{where}.entry_price", optional=True, positive=True)
        yield from _number(value.unrealized_pnl, f"{where}.unrealized_pnl", optional=True)
        yield from _seconds(value.venue_ts, f"{where}.venue_ts")
    elif isinstance(value, Balance):
        yield from _text(value.asset, f"{where}.asset")
        yield from _number(value.total, f"{where}.total")
        yield from _number(value.available, f"{where}.available")
    elif isinstance(value, MarketInfo):
        yield from _market(value, where)
    elif isinstance(value, TopOfBook):
        yield from _text(value.symbol, f"{where}.symbol")
        for name in ("bid", "bid_size", "ask", "ask_size"):
            yield from _number(getattr(value, name), f"{where}.{name}", optional=True, positive=True)
        yield from _seconds(value.venue_ts, f"{where}.venue_ts")
    elif isinstance(value, Delta):
        for name in ("first_id", "last_id"):
            if not _is_int(getattr(value, name)) or getattr(value, name) < 0:
                yield f"{where}.{name} is {getattr(value, name)!r}"
        yield from _levels(value.bids, f"{where}.bids")
        yield from _levels(value.asks, f"{where}.asks")
    elif isinstance(value, InstrumentMeta):
        yield from _text(value.name, f"{where}.name")
        yield from _text(value.instrument_hash, f"{where}.instrument_hash")
        if not _is_int(value.base_decimals) or not 0 <= value.base_decimals <= 18:
            yield f"{where}.base_decimals is {value.base_decimals!r}"
    elif _is_int(value):
        if value < 0:
            yield f"{where} is a negative id {value}"
    elif isinstance(value, Decimal):
        yield from _number(value, where)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from impossibilities(item, f"{where}[{key!r}]")
    elif isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, Decimal) for v in value):
        yield from _levels((value,), where)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from impossibilities(item, f"{where}[{index}]")
    else:
        yield f"{where} is an unexpected {type(value).__name__}"


def _order(snap: OrderSnapshot, where: str) -> Iterable[str]:
    yield from _text(snap.symbol, f"{where}.symbol")
    if not isinstance(snap.state, OrderState) or not isinstance(snap.source, Source):
        yield f"{where} state/source is {snap.state!r}/{snap.source!r}"
    if snap.side is not None and not isinstance(snap.side, Side):
        yield f"{where}.side is {snap.side!r}"
    for name in ("client_id", "venue_id"):
        yield from _text(getattr(snap, name), f"{where}.{name}", optional=True)
    for name in ("venue_status", "reason"):
        if not isinstance(getattr(snap, name), str):
            yield f"{where}.{name} is {getattr(snap, name)!r}"
    yield from _number(snap.size, f"{where}.size", optional=True, positive=True)
    yield from _number(snap.price, f"{where}.price", optional=True, positive=True)
    yield from _number(snap.avg_fill_price, f"{where}.avg_fill_price", optional=True, positive=True)
    problems = list(_number(snap.filled, f"{where}.filled"))
    yield from problems
    if not problems:
        if snap.filled < 0:
            yield f"{where}.filled is negative: {snap.filled}"
        if isinstance(snap.size, Decimal) and snap.size.is_finite() and snap.filled > snap.size:
            yield f"{where}.filled {snap.filled} is more than its size {snap.size}"
    yield from _seconds(snap.venue_ts, f"{where}.venue_ts")


def _fill(fill: Fill, where: str) -> Iterable[str]:
    yield from _text(fill.trade_id, f"{where}.trade_id")
    yield from _text(fill.symbol, f"{where}.symbol")
    yield from _text(fill.client_id, f"{where}.client_id", optional=True)
    yield from _text(fill.venue_id, f"{where}.venue_id", optional=True)
    if not isinstance(fill.side, Side) or (fill.liquidity is not None and not isinstance(fill.liquidity, Liquidity)):
        yield f"{where} side/liquidity is {fill.side!r}/{fill.liquidity!r}"
    yield from _number(fill.price, f"{where}.price", positive=True)
    yield from _number(fill.size, f"{where}.size", positive=True)
    yield from _number(fill.fee, f"{where}.fee")
    if not isinstance(fill.fee_asset, str):
        yield f"{where}.fee_asset is {fill.fee_asset!r}"
    yield from _seconds(fill.venue_ts, f"{where}.venue_ts")


def _market(info: MarketInfo, where: str) -> Iterable[str]:
    yield from _text(info.symbol, f"{where}.symbol")
    yield from _number(info.tick_size, f"{where}.tick_size", positive=True)
    yield from _number(info.step_size, f"{where}.step_size", positive=True)
    yield from _number(info.min_size, f"{where}.min_size", non_negative=True)
    yield from _number(info.min_notional, f"{where}.min_notional", non_negative=True)
    for name in ("price_decimals", "size_decimals"):
        if not _is_int(getattr(info, name)) or not 0 <= getattr(info, name) <= 40:
            yield f"{where}.{name} is {getattr(info, name)!r}"


def _levels(levels: Sequence[Any], where: str) -> Iterable[str]:
    if not isinstance(levels, tuple):
        yield f"{where} is a {type(levels).__name__}, not a tuple of levels"
        return
    for index, level in enumerate(levels):
        if not isinstance(level, tuple) or len(level) != 2:
            yield f"{where}[{index}] is {level!r}"
            continue
        yield from _number(level[0], f"{where}[{index}] price", positive=True)
        yield from _number(level[1], f"{where}[{index}] size", non_negative=True)


def _number(
    value: Any, where: str, *, optional: bool = False, positive: bool = False, non_negative: bool = False
) -> Iterable[str]:
    if value is None and optional:
        return
    if not isinstance(value, Decimal):
        yield f"{where} is a {type(value).__name__}: {value!r:.80}"
    elif not value.is_finite() or value.copy_abs() >= LIMIT:
        yield f"{where} is not a finite number of sane magnitude: {value!r:.80}"
    elif positive and value <= 0:
        yield f"{where} must be positive, is {value}"
    elif non_negative and value < 0:
        yield f"{where} must not be negative, is {value}"


def _text(value: Any, where: str, *, optional: bool = False) -> Iterable[str]:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value:
        yield f"{where} is {value!r:.80}, not a non-empty string"
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        yield f"{where} is not encodable text: {value!r:.80}"


def _seconds(value: Any, where: str) -> Iterable[str]:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
    ):
        yield f"{where} is {value!r:.80}, not finite seconds"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ------------------------------------------------------------------------------ the payloads


def dump(value: Any) -> str:
    """JSON text of a payload as a venue could send it: a Decimal is written as its number token
    (`1E+999`, `NaN`), a float as Python writes it (`NaN`, `Infinity`), a lone surrogate escaped."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dump(v) for v in value) + "]"
    return json.dumps(value)


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


NUMBER_TEXTS = (
    "-1", "0", "-0", "0.0", "-0.000001", "1e999", "-1e999", "1E+400", "1e-400", "1e29", "1e30", "NaN", "nan",
    "Infinity", "-Infinity", "inf", "sNaN", HUGE, "-" + HUGE, "1." + "0" * 5000, "0." + "0" * 5000 + "1",
    " 7", "7 ", "1_000", "\u0661\u0662", "\u00b2", "0x10", "1,5", "", "1.2.3", "--1", "+1",
)  # fmt: skip
"""Strings where a venue sends a decimal: signs the field cannot have, numbers no venue means, and
text Python's Decimal reads but a venue never writes (whitespace, underscores, other digits)."""

DECIMALS = (
    Decimal("1E+999"), Decimal("-1E+999"), Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
    Decimal("1E-999"), Decimal("-5"), Decimal(0), Decimal("1." + "0" * 200),
)  # fmt: skip
"""What a JSON number becomes with `parse_float=Decimal` (Aster): 1e999 is finite to Decimal."""

WRONG_TYPES = (
    [], {}, [[]], ["x"], {"a": 1}, [None], True, False, None, 0, -1, 1, 1.5, -0.0, 1e308, float("nan"), float("inf"),
    float("-inf"), 2**32, 2**63, 2**64, -(2**63) - 1, 10**40, -(10**40), nested(64),
)  # fmt: skip
"""Every JSON type where another is expected, integers past int64 / uint64, floats (JSON numbers
without parse_float), and nesting as deep as safejson lets through."""

TEXTS = ("", " ", "x", "\ud800", "a\udfffb", "\x00", "a" * 10_000, "\u202e", "é", "😀", "null", "true", "[]", "{}")


def _scaled(text: str) -> list[str]:
    """Plausible-looking variants of a valid decimal string: negated, zeroed, scaled far up and down
    (so a cumulative fill can pass its size, a price can go to 1e-50)."""
    try:
        value = Decimal(text)
        if not value.is_finite() or len(text) > 64:
            return []
        variants = [-value, Decimal(0), value * 2, value * 1000, value.scaleb(40), value.scaleb(-50), value + 1]
    except ArithmeticError:
        return []
    return [format(v, "f") for v in variants] + [str(v) for v in variants[3:5]]


def _enum_variants(text: str) -> list[str]:
    return [text.upper(), text.lower(), text.swapcase(), text + "X", text[:-1], " " + text, text + "\u0000"]


@st.composite
def _leaf(draw: st.DrawFn, value: Any) -> Any:
    """A hostile replacement for one leaf, chosen with the leaf's own type in mind."""
    pools: list[st.SearchStrategy[Any]] = [st.sampled_from(WRONG_TYPES), st.sampled_from(TEXTS)]
    if isinstance(value, str):
        scaled = _scaled(value)
        if scaled:
            pools += [st.sampled_from(scaled), st.sampled_from(scaled), st.sampled_from(NUMBER_TEXTS)]
        else:
            pools += [st.sampled_from(_enum_variants(value) or ["x"]), st.text(max_size=12)]
    elif isinstance(value, bool):
        pools += [st.sampled_from([not value, "true", "false", 0, 1])]
    elif isinstance(value, int):
        pools += [st.sampled_from([-value, -1, 0, value * 10**6, str(value), 2**64, 10**20])]
    elif isinstance(value, Decimal):
        pools += [st.sampled_from(DECIMALS), st.sampled_from([-value, value * 1000, str(value)])]
    pools += [st.integers(-(2**70), 2**70), st.sampled_from(NUMBER_TEXTS)]
    return draw(st.one_of(pools))


@st.composite
def _mutated(draw: st.DrawFn, value: Any, depth: int, pool: tuple[Any, ...]) -> Any:
    if isinstance(value, Mapping) and value:
        out = dict(value)
        keys = draw(st.lists(st.sampled_from(sorted(value)), min_size=1, max_size=3, unique=True))
        for key in keys:
            child = value[key]
            roll = draw(st.integers(0, 9))
            if isinstance(child, (Mapping, list)) and child and depth < 4 and roll < 6:
                out[key] = draw(_mutated(child, depth + 1, pool))
            elif roll == 9:
                del out[key]
            elif roll == 8 and pool:
                out[key] = draw(st.sampled_from(pool))  # another field's value: sizes swapped, ...
            else:
                out[key] = draw(_leaf(child))
        if draw(st.integers(0, 4)) == 0:
            out[draw(st.text(max_size=4))] = draw(_leaf(""))  # an extra key
        return out
    if isinstance(value, list) and value:
        roll = draw(st.integers(0, 9))
        if roll == 0:
            return []
        if roll == 1:
            return [*value, *value]  # a repeated entry
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], draw(_mutated(value[index], depth + 1, pool)), *value[index + 1 :]]
    return draw(_leaf(value))


def _scalars(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _scalars(v)]
    if isinstance(value, list):
        return [s for v in value for s in _scalars(v)]
    return [value]


@st.composite
def hostile(draw: st.DrawFn, samples: Sequence[Any]) -> Any:
    """A sample payload with one to a few fields mutated (at any depth), sometimes twice over, and
    now and then no payload at all but a hostile value where the object should be."""
    sample = draw(st.sampled_from(list(samples)))
    if draw(st.integers(0, 19)) == 0:
        return draw(_leaf(sample))
    pool = tuple(_scalars(sample))
    payload = draw(_mutated(sample, 0, pool))
    if draw(st.booleans()):
        payload = draw(_mutated(payload, 0, pool)) if isinstance(payload, (Mapping, list)) and payload else payload
    return payload


def kind_tests(kinds: Sequence[Kind]) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two tests every venue's hostile-payload file runs over its message kinds: its samples
    parse, and a hostile variant of them is a valid value or a VenueProtocolError. A venue's file
    binds them to module-level `test_` names so pytest collects them there."""

    @pytest.mark.parametrize("kind", kinds, ids=lambda k: k.name)
    def test_the_samples_are_valid_payloads(kind: Kind) -> None:
        for sample in kind.samples:
            verdict = judge(kind.parse, sample)
            assert verdict.kind == "ok", (kind.name, verdict)

    @pytest.mark.parametrize("kind", kinds, ids=lambda k: k.name)
    @given(data=st.data())
    def test_a_hostile_payload_is_a_valid_value_or_a_protocol_error(kind: Kind, data: st.DataObject) -> None:
        payload = data.draw(hostile(kind.samples), label="payload")
        verdict = judge(kind.parse, payload)
        assert verdict.acceptable, f"{kind.name}: {verdict.kind}: {verdict.detail}"

    return test_the_samples_are_valid_payloads, test_a_hostile_payload_is_a_valid_value_or_a_protocol_error
