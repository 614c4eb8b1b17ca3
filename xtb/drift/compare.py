"""Compare two shape files and say, for each difference, whether it would break a client.

A is what a client meets in production (the venue, or the venue now), B is what the client was built
and tested against (the simulator, the documented reference, or the venue's shapes at the last good
run). The rules are written from the client's side: what A sends that B never showed can break it;
what B showed that A did not send in this run may only be a case the run did not meet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from xtb.drift import formats as f
from xtb.drift.shape_file import ShapeFile
from xtb.drift.shapes import KINDS, Shape, placeholder_kinds


class Verdict(StrEnum):
    HARMLESS = "harmless"
    BREAKING = "would break a client"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Difference:
    key: str  # "GET /api/v1/order", "depth.{}"
    path: str  # "" for the whole answer, "data.orders[].price", "positions{}.size"
    kind: str  # key, extra-field, missing-field, optional-field, type, format, padding, enum, map-keys, items
    detail: str
    verdict: Verdict
    rule: str


@dataclass(frozen=True)
class Sides:
    """How the two files are named in details and rules."""

    a: str  # "the venue"
    b: str  # "the simulator", "the documentation", "the venue on 2026-12-01"
    a_short: str  # "venue"
    b_short: str  # "simulator", "reference", "baseline"
    baseline: bool


_LABELS = {"venue": "the venue", "simulator": "the simulator", "reference": "the documentation"}


def sides(venue: ShapeFile, simulator: ShapeFile, baseline: bool | None = None) -> Sides:
    """The names of A and B; B is a baseline when it too comes from the venue (or when told so)."""
    if baseline is None:
        baseline = venue.source == simulator.source == "venue"
    if baseline:
        return Sides(
            a=f"{_LABELS.get(venue.source, venue.source)} now",
            b=f"{_LABELS.get(simulator.source, simulator.source)} on {simulator.recorded_at}",
            a_short="now",
            b_short="baseline",
            baseline=True,
        )
    return Sides(
        a=_LABELS.get(venue.source, venue.source),
        b=_LABELS.get(simulator.source, simulator.source),
        a_short=venue.source,
        b_short=simulator.source,
        baseline=False,
    )


def compare(venue: ShapeFile, simulator: ShapeFile, *, baseline: bool | None = None) -> list[Difference]:
    """Every difference between A (`venue`) and B (`simulator`), classified, sorted by key and path."""
    names = sides(venue, simulator, baseline)
    out: list[Difference] = []
    for key in sorted(set(venue.shapes) | set(simulator.shapes)):
        if key not in simulator.shapes or key not in venue.shapes:
            seen = names.a_short if key in venue.shapes else names.b_short
            out.append(
                Difference(
                    key,
                    "",
                    "key",
                    f"seen only in the {seen} run",
                    Verdict.UNKNOWN,
                    "an endpoint or channel seen on one side only was not exercised by both runs",
                )
            )
            continue
        out += _Walker(key, names).shape("", venue.shapes[key], simulator.shapes[key])
    return sorted(out, key=lambda d: (d.key, d.path, d.kind))


def breaking(differences: Iterable[Difference]) -> list[Difference]:
    """The differences that would break a client: what the nightly job fails on."""
    return [d for d in differences if d.verdict is Verdict.BREAKING]


# fields that name a market or an asset: a venue lists more of them than a simulator runs
MARKET_FIELDS = frozenset(
    {"symbol", "s", "coin", "instrument", "market", "asset", "currency", "base", "quote", "underlying", "name"}
)


def _names_markets(path: str) -> bool:
    leaf = path.rsplit(".", 1)[-1].rstrip("[]{}")
    return leaf in MARKET_FIELDS


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _describe_kinds(shape: Shape, kinds: Iterable[str]) -> str:
    """ "string (decimal) or null": the kinds, a string with its formats."""
    words = []
    for kind in sorted(kinds):
        if kind in (placeholder_kinds(shape) or ()):
            words.append(f"any {kind}")
        elif kind == "string" and "string" in shape:
            words.append(f"string ({', '.join(shape['string']['formats'])})")
        else:
            words.append(kind)
    return " or ".join(words)


def _kinds(shape: Shape) -> set[str]:
    """The kinds a client has to handle; an empty object is a case of a map. A documented placeholder
    ("any") is not among them: it says one of its kinds, not which."""
    kinds = set(shape) - {"any"}
    if "object" in kinds and "map" in kinds and not shape["object"]["fields"]:
        kinds.discard("object")
    return kinds


def _overlap(seen: set[str], documented: frozenset[str]) -> bool:
    """Whether a value of `seen` kinds can be one of the `documented` kinds (an integer is a number)."""
    return bool(f.covered(seen, set(documented)) != seen or f.covered(set(documented), seen) != documented)


class _Walker:
    def __init__(self, key: str, names: Sides) -> None:
        self.key, self.n = key, names

    def diff(self, path: str, kind: str, detail: str, verdict: Verdict, rule: str) -> Difference:
        return Difference(self.key, path, kind, detail, verdict, rule)

    def shape(self, path: str, a: Shape, b: Shape) -> list[Difference]:
        out: list[Difference] = []
        open_a, open_b = placeholder_kinds(a) or frozenset(), placeholder_kinds(b) or frozenset()
        if open_a == set(KINDS) or open_b == set(KINDS):
            return out  # the documentation gives no value here: any value matches it
        ka, kb = _kinds(a), _kinds(b)
        if (ka or open_a) and (kb or open_b):  # {} is "no sample": nothing to say
            out += self.kinds(path, ka, kb, a, b)
            out += self.placeholder(path, ka, open_a, kb, open_b, a, b)
        for kind in sorted((set(a) & set(b)) - open_a - open_b):  # a placeholder matches any such value
            handler = getattr(self, f"kind_{kind}", None)
            if handler is not None:
                out += handler(path, a[kind], b[kind])
        return out

    def placeholder(
        self, path: str, ka: set[str], open_a: frozenset[str], kb: set[str], open_b: frozenset[str], a: Shape, b: Shape
    ) -> list[Difference]:
        """A documented placeholder matches a value of any of its kinds, and none of another kind."""
        n = self.n
        for documented, kinds, other, other_kinds in ((n.a, open_a, n.b, kb), (n.b, open_b, n.a, ka)):
            if kinds and other_kinds and not _overlap(other_kinds, kinds):
                all_a, all_b = ka | open_a, kb | open_b
                detail = f"{n.a_short}: {_describe_kinds(a, all_a)}; {n.b_short}: {_describe_kinds(b, all_b)}"
                rule = (
                    f"{documented} documents {_describe_kinds(a if kinds is open_a else b, kinds)} here and "
                    f"{other} sends {' or '.join(sorted(other_kinds))}: one side reads the wrong type"
                )
                return [self.diff(path, "type", detail, Verdict.BREAKING, rule)]
        return []

    def kinds(self, path: str, ka: set[str], kb: set[str], a: Shape, b: Shape) -> list[Difference]:
        n, out = self.n, []
        open_a, open_b = placeholder_kinds(a) or frozenset(), placeholder_kinds(b) or frozenset()
        if not ka or not kb:
            return out  # a placeholder on one side only: placeholder() says whether the kinds meet
        detail = f"{n.a_short}: {_describe_kinds(a, ka | open_a)}; {n.b_short}: {_describe_kinds(b, kb | open_b)}"
        unhandled = f.covered(ka, kb | open_b)
        if kb == {"object"} and "object" in b and not b["object"]["fields"] and "map" in unhandled:
            unhandled.discard("map")
            out.append(self.diff(path, "items", detail, Verdict.UNKNOWN, f"{n.b} only sent an empty object here"))
        if "null" in unhandled:
            unhandled.discard("null")
            out.append(
                self.diff(
                    path,
                    "type",
                    detail,
                    Verdict.BREAKING,
                    f"{n.a} sends null here and {n.b} never does: a client written against {n.b} does not expect null",
                )
            )
        if unhandled:
            out.append(
                self.diff(
                    path,
                    "type",
                    detail,
                    Verdict.BREAKING,
                    f"{n.a} sends {_describe_kinds(a, unhandled)} where {n.b} sends {_describe_kinds(b, kb)}: "
                    f"a client written against {n.b} reads the wrong type",
                )
            )
        extra = f.covered(kb, ka | open_a)
        if extra and not out:
            out.append(
                self.diff(
                    path,
                    "type",
                    detail,
                    Verdict.UNKNOWN,
                    f"{n.b} also sends {' or '.join(sorted(extra))}; {n.a} did not in this run",
                )
            )
        return out

    def kind_string(self, path: str, a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
        n, out = self.n, []
        fa, fb = set(a["formats"]), set(b["formats"])
        detail = f"{n.a_short}: {', '.join(sorted(fa))}; {n.b_short}: {', '.join(sorted(fb))}"
        unhandled = f.covered(fa, fb)
        if unhandled == {f.DECIMAL} and f.INTEGER_STRING in fb:
            # a decimal field whose values happened to be whole ("0" before any fill) reads as integer
            # strings: one run's sample proves no integer-only field
            out.append(
                self.diff(
                    path,
                    "format",
                    detail,
                    Verdict.UNKNOWN,
                    f"{n.b}'s values here were whole numbers in this run; a decimal field writes those as "
                    f"integer strings too",
                )
            )
        elif unhandled:
            out.append(
                self.diff(
                    path,
                    "format",
                    detail,
                    Verdict.BREAKING,
                    f"{n.a} sends {' or '.join(sorted(unhandled))} strings where {n.b} sends "
                    f"{' or '.join(sorted(fb))}: a client written against {n.b} parses them wrong",
                )
            )
        elif f.covered(fb, fa):
            out.append(
                self.diff(
                    path,
                    "format",
                    detail,
                    Verdict.UNKNOWN,
                    f"{n.b} also sends {' or '.join(sorted(f.covered(fb, fa)))} strings; {n.a} did not in this run",
                )
            )
        if f.DECIMAL in fa and f.DECIMAL in fb and bool(a.get("padded")) != bool(b.get("padded")):
            padder = n.a if a.get("padded") else n.b
            other = n.b if a.get("padded") else n.a
            unpadded = b if a.get("padded") else a
            low, high = unpadded.get("fraction", [0, 0])
            if low != high:  # the other side wrote varying decimals and never a trailing zero: it does not pad
                verdict, rule = (
                    Verdict.BREAKING,
                    "the same number is written differently: a client that compares, hashes or echoes the "
                    "strings breaks",
                )
            else:
                verdict, rule = (
                    Verdict.UNKNOWN,
                    f"{other}'s values all had the same number of decimals ({low}) and none ended in 0: "
                    "they may be padded too and this run's numbers never showed it",
                )
            out.append(
                self.diff(
                    path,
                    "padding",
                    f'{padder} pads decimals with trailing zeros ("1.50"), {other} did not in this run ("1.5")',
                    verdict,
                    rule,
                )
            )
        if f.TEXT in fa and f.TEXT in fb:
            out += self.enum(path, a, b)
        return out

    def enum(self, path: str, a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
        n = self.n
        if b.get("open"):
            return []  # B's client already takes any text
        if a.get("open"):
            return [
                self.diff(
                    path,
                    "enum",
                    f"{n.a_short}: free text or more than {f.TOKEN_LIMIT} values; {n.b_short}: "
                    + ", ".join(b.get("values", [])),
                    Verdict.UNKNOWN,
                    f"{n.a} sent free text or many values here; whether {n.b}'s values cover them cannot be told",
                )
            ]
        va, vb = set(a.get("values", [])), set(b.get("values", []))
        out = []
        if va - vb and _names_markets(path):
            out.append(
                self.diff(
                    path,
                    "enum",
                    f"only {n.a_short}: {', '.join(sorted(va - vb))}",
                    Verdict.UNKNOWN,
                    f"{n.a} names markets or assets {n.b} does not run: a client looks markets up, it does not "
                    "map them exhaustively",
                )
            )
        elif va - vb:
            out.append(
                self.diff(
                    path,
                    "enum",
                    f"only {n.a_short}: {', '.join(sorted(va - vb))}",
                    Verdict.BREAKING,
                    f"{n.a} sends a value {n.b} never did: a client maps enum values exhaustively and raises "
                    "on an unknown one",
                )
            )
        if vb - va:
            out.append(
                self.diff(
                    path,
                    "enum",
                    f"only {n.b_short}: {', '.join(sorted(vb - va))}",
                    Verdict.UNKNOWN,
                    f"a value only {n.b} produced: the run may not have met it at {n.a}",
                )
            )
        return out

    def kind_object(self, path: str, a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
        n, out = self.n, []
        fa, fb = a["fields"], b["fields"]
        for name in sorted(set(fa) | set(fb)):
            here = _join(path, name)
            if name not in fb:
                always = "" if fa[name]["optional"] else f"{n.a} always sends it, but "
                out.append(
                    self.diff(
                        here,
                        "extra-field",
                        f"{n.a} sends it, {n.b} never does",
                        Verdict.HARMLESS,
                        f"{always}a client written against {n.b} ignores a field it never saw",
                    )
                )
            elif name not in fa:
                if a.get("partial"):
                    out.append(
                        self.diff(
                            here,
                            "missing-field",
                            f"{n.b} sends it; {n.a} lists only some keys and not this one",
                            Verdict.UNKNOWN,
                            f"{n.a} names only some of this object's keys: one it does not name is no drift",
                        )
                    )
                elif fb[name]["optional"]:
                    out.append(
                        self.diff(
                            here,
                            "missing-field",
                            f"{n.b} sends it sometimes, {n.a} never did",
                            Verdict.UNKNOWN,
                            f"{n.b} sends it only sometimes, so a client written against it copes without it; "
                            f"{n.a} may send it in a case the run did not meet",
                        )
                    )
                else:
                    out.append(
                        self.diff(
                            here,
                            "missing-field",
                            f"{n.b} always sends it, {n.a} never does",
                            Verdict.BREAKING,
                            f"a client written against {n.b} may read it; {n.a} does not send it",
                        )
                    )
            else:
                if fa[name]["optional"] and not fb[name]["optional"]:
                    out.append(
                        self.diff(
                            here,
                            "optional-field",
                            f"{n.b} always sends it, {n.a} sometimes leaves it out",
                            Verdict.BREAKING,
                            f"{n.b} always sends it, so a client written against it reads it unguarded; "
                            f"{n.a} sometimes leaves it out",
                        )
                    )
                out += self.shape(here, fa[name]["shape"], fb[name]["shape"])
        return out

    def kind_map(self, path: str, a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
        n, out = self.n, []
        unhandled = f.covered(set(a["keys"]), set(b["keys"]))
        if unhandled:
            out.append(
                self.diff(
                    path,
                    "map-keys",
                    f"{n.a_short} keys: {', '.join(a['keys'])}; {n.b_short} keys: {', '.join(b['keys'])}",
                    Verdict.BREAKING,
                    f"{n.a} keys this object by {' or '.join(sorted(unhandled))}, which {n.b} never does: "
                    "a client looks entries up by the wrong key",
                )
            )
        return out + self.shape(path + "{}", a["values"], b["values"])

    def kind_array(self, path: str, a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
        n = self.n
        if "items" in a and "items" in b:
            return self.shape(path + "[]", a["items"], b["items"])
        if "items" in a or "items" in b:
            empty = n.b if "items" in a else n.a
            return [
                self.diff(
                    path + "[]",
                    "items",
                    f"{empty} only sent empty arrays here",
                    Verdict.UNKNOWN,
                    "the items cannot be compared: one run saw none",
                )
            ]
        return []


def render_markdown(
    differences: list[Difference],
    venue: ShapeFile,
    simulator: ShapeFile,
    *,
    title: str | None = None,
    baseline: bool | None = None,
) -> str:
    """The differences grouped by key, breaking first, each with its verdict and rule. With a baseline
    (B from the venue too) it reads "changed since <date>"."""
    names = sides(venue, simulator, baseline)
    if title is None:
        if names.baseline:
            title = f"{venue.venue}: changed since {simulator.recorded_at}"
        else:
            title = f"{venue.venue}: {names.a} against {names.b}"
    counts = {v: sum(1 for d in differences if d.verdict is v) for v in Verdict}
    lines = [
        f"## {title}",
        "",
        f"{names.a.capitalize()}: {_describe(venue)}. {names.b.capitalize()}: {_describe(simulator)}.",
        "",
    ]
    if not differences:
        lines.append("No differences." if not names.baseline else "Nothing changed.")
        return "\n".join(lines) + "\n"
    lines.append(
        f"{len(differences)} differences: {counts[Verdict.BREAKING]} would break a client, "
        f"{counts[Verdict.UNKNOWN]} unknown, {counts[Verdict.HARMLESS]} harmless."
    )
    order = {Verdict.BREAKING: 0, Verdict.UNKNOWN: 1, Verdict.HARMLESS: 2}
    by_key: dict[str, list[Difference]] = {}
    for d in differences:
        by_key.setdefault(d.key, []).append(d)
    keys = sorted(by_key, key=lambda k: (min(order[d.verdict] for d in by_key[k]), k))
    for key in keys:
        lines += ["", f"### `{key}`", "", "| field | difference | verdict | rule |", "|---|---|---|---|"]
        for d in sorted(by_key[key], key=lambda d: (order[d.verdict], d.path, d.kind)):
            verdict = f"**{d.verdict}**" if d.verdict is Verdict.BREAKING else str(d.verdict)
            cells = [f"`{d.path}`" if d.path else "(whole)", f"{d.kind}: {d.detail}", verdict, d.rule]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _describe(shapes: ShapeFile) -> str:
    where = f" ({shapes.environment})" if shapes.environment else ""
    return f"{len(shapes.shapes)} endpoints and channels recorded {shapes.recorded_at}{where}"


def to_json(
    differences: list[Difference], venue: ShapeFile, simulator: ShapeFile, *, baseline: bool | None = None
) -> dict[str, Any]:
    """The differences as data (for the report and `xtb drift --format json`)."""
    names = sides(venue, simulator, baseline)
    meta = ("venue", "source", "recorded_at", "environment")
    return {
        "a": {k: getattr(venue, k) for k in meta},
        "b": {k: getattr(simulator, k) for k in meta},
        "baseline": names.baseline,
        "summary": {v.name.lower(): sum(1 for d in differences if d.verdict is v) for v in Verdict},
        "differences": [
            {
                "key": d.key,
                "path": d.path,
                "kind": d.kind,
                "detail": d.detail,
                "verdict": str(d.verdict),
                "rule": d.rule,
            }
            for d in differences
        ],
    }
