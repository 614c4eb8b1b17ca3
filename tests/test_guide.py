"""The connector guide (`docs/connectors.md`) kept true to the code it describes.

Why: a newcomer follows the guide literally. Its venue-file section once lacked keys every
resilience scenario needs (`simulator.faults`, `tracking.reconcile_interval`) and its first step
pointed at a file outside the repository. The key list is generated from the schema here, so a key
added to the schema without a word in the guide fails this test.
"""

from __future__ import annotations

import dataclasses
import re
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from typing_extensions import get_type_hints, is_typeddict

from xtb.config.venue_file import VenueConfig
from xtb.schema import Changes

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "connectors.md"


PLACEHOLDER = re.compile(r"VENUE|NAME")  # the part of a path the reader fills in (the scaffold says NAME)


def keyed_fields(tp: Any) -> dict[str, Any] | None:
    """Key → declared type of a section with named keys (a model, a dataclass, a TypedDict); None
    for anything else. Optional and annotated types are looked through; a tuple of sections (a
    fault target given as a list) is its element's keys."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        return next((f for f in map(keyed_fields, get_args(tp)) if f is not None), None)
    if get_origin(tp) is tuple:
        return keyed_fields(get_args(tp)[0])
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return {info.alias or name: info.annotation for name, info in tp.model_fields.items()}
    if dataclasses.is_dataclass(tp):
        return {field.name: field.type for field in dataclasses.fields(tp)} | get_type_hints(tp)
    if is_typeddict(tp):
        return get_type_hints(tp, include_extras=True)
    return None


def schema_keys(tp: Any, prefix: str = "") -> list[str]:
    """Every key path the schema accepts (`simulator.faults.submit.path`). A free-form mapping
    (credentials, quirks, extra, ...) is one key; so is a block of changes to another block
    (`simulator.tracking` takes `tracking`'s keys), whose keys are that block's."""
    keys = []
    for name, child in (keyed_fields(tp) or {}).items():
        path = f"{prefix}{name}"
        keys.append(path)
        if not (isinstance(child, type) and issubclass(child, Changes)):
            keys.extend(schema_keys(child, f"{path}."))
    return keys


def venue_file_section() -> str:
    text = GUIDE.read_text()
    start = text.index("## 6. The venue file")
    return text[start : text.index("\n## 7.", start)]


def code_words(text: str) -> set[str]:
    """The names inside the text's code spans (`tracking`, `{method, path}`, `simulator.faults`)."""
    return {word for span in re.findall(r"`([^`\n]+)`", text) for word in re.findall(r"[A-Za-z_]\w*", span)}


def guide_entries(section: str) -> dict[str, set[str]]:
    """Key → the code words of the text documenting it: a table row under the keys of its first
    cell (`| `venue`, `connector` | ... |`), or a paragraph under the key it opens with
    (`` `simulator.faults` aims ... ``)."""
    entries: dict[str, set[str]] = {}
    for block in section.split("\n\n"):
        row_keys = [re.match(r"\|([^|]*)\|", line) for line in block.splitlines()]
        for line, keys in zip(block.splitlines(), row_keys, strict=True):
            for key in re.findall(r"`([\w.]+)`", keys.group(1)) if keys else ():
                entries[key] = code_words(line)
        opening = re.match(r"`([\w.]+)`", block)
        if opening and not block.startswith("|"):
            entries[opening.group(1)] = code_words(block)
    return entries


def undocumented(keys: list[str], entries: dict[str, set[str]]) -> list[str]:
    """The keys whose entry (the one for their longest documented prefix) does not name every
    part of the path below it: `tracking.reconcile_interval` needs `reconcile_interval` in the
    `tracking` row; a top-level key needs an entry of its own."""
    missing = []
    for key in keys:
        parts = key.split(".")
        cut = next((n for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in entries), 0)
        if cut == 0 or not set(parts[cut:]) <= entries[".".join(parts[:cut])]:
            missing.append(key)
    return missing


def test_the_schema_walk_reaches_the_nested_keys() -> None:
    keys = schema_keys(VenueConfig)
    for key in (
        "hosts.ws",
        "tracking.reconcile_interval",
        "order_size.max_notional",
        "capabilities.query_by_client_id",
        "simulator.tracking",
        "simulator.faults.book_stream.kind",
        "simulator.faults.submit.method",
    ):
        assert key in keys
    assert "simulator.tracking.interval" not in keys  # `tracking`'s own keys, documented there


def test_the_guide_documents_every_key_of_the_venue_file() -> None:
    missing = undocumented(schema_keys(VenueConfig), guide_entries(venue_file_section()))
    assert not missing, f"docs/connectors.md §6 does not document: {', '.join(missing)}"


def test_the_key_check_can_fail() -> None:
    section = (
        "| key | meaning |\n|---|---|\n| `venue`, `connector` | names |\n"
        "| `tracking` | `interval`, `timeout` |\n\n`simulator.faults` aims faults: `submit` is `{method, path}`."
    )
    entries = guide_entries(section)
    assert entries.keys() == {"venue", "connector", "tracking", "simulator.faults"}
    keys = ["venue", "tracking.interval", "tracking.reconcile_interval", "simulator.faults.submit.method", "skips"]
    assert undocumented(keys, entries) == ["tracking.reconcile_interval", "skips"]


def test_the_guide_runs_from_any_clone() -> None:
    """Copy-paste runnable: no `cd` into someone's machine, no file outside the repository."""
    text = GUIDE.read_text()
    assert not re.search(r"^\s*cd\s", text, re.MULTILINE), "a command block changes into a machine-specific path"
    assert not re.search(r"(?<![\w.])/(home|work|Users|opt)/", text), "the guide names a machine-specific path"
    assert "shared/" not in text, "the guide points at shared/, which is not in the repository"


def repository_paths(text: str) -> set[str]:
    """The repository paths named in the text's code spans (`xtb/schema.py`, `tests/aster/`), those
    with a placeholder (VENUE, or the scaffold's NAME) or a glob left out."""
    top = {entry.name for entry in ROOT.iterdir()}
    words = {word.rstrip(":,;.)") for span in re.findall(r"`([^`\n]+)`", text) for word in span.split()}
    return {w for w in words if "/" in w and w.split("/")[0] in top and not PLACEHOLDER.search(w) and "*" not in w}


def test_every_repository_path_the_guide_names_exists() -> None:
    named = repository_paths(GUIDE.read_text())
    assert {"xtb/connectors/base.py", ".github/workflows/nightly.yml", "tests/test_workflows.py"} <= named
    missing = [path for path in sorted(named) if not (ROOT / path).exists()]
    assert not missing, f"docs/connectors.md names paths the repository does not have: {missing}"
