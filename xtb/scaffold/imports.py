"""A generated module's import block, grouped and ordered the way ruff's isort rule (I001) wants it.

Why: the same templates serve two layouts. In a venue's own repository the venue package is the
first-party code and xtb a third-party package beside pydantic; inside xtb the venue's modules are
`xtb.connectors.NAME.*`, first-party xtb imports that sort among the others by the venue's name
(`xtb.connectors.ab.auth` before `xtb.connectors.base`, `xtb.connectors.zeta.auth` after
`xtb.connectors.started_only`). No fixed order in a template is right for every name in both
layouts, so the block is regrouped after the names are filled in.

Only the module's top-level block of one-line imports is touched (the templates have nothing
else); a parenthesised import there is refused rather than guessed at.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection

from xtb.scaffold.names import ScaffoldError

IMPORT = re.compile(r"(?:import|from) \S")


def sort_imports(text: str, first_party: Collection[str]) -> str:
    """`text` with its top-level import block in ruff's isort order: `__future__`, the standard
    library, third-party, then the `first_party` packages, a blank line between sections; within
    one, `import x` lines before `from x import y` lines, each by module name."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if IMPORT.match(line)), None)
    if start is None:
        return text
    end = start
    while end < len(lines) and (IMPORT.match(lines[end]) or not lines[end]):
        end += 1
    while not lines[end - 1]:
        end -= 1
    statements = [line for line in lines[start:end] if line]
    for line in statements:
        if "(" in line or line.endswith("\\"):
            raise ScaffoldError(f"a template's import spans lines ({line!r}); the scaffold sorts one-line imports only")
    sections: dict[int, list[str]] = {}
    for line in statements:
        sections.setdefault(_section(_module(line), first_party), []).append(line)
    block = "\n\n".join("\n".join(sorted(sections[key], key=_order)) for key in sorted(sections))
    return "\n".join([*lines[:start], block, *lines[end:]])


def _module(line: str) -> str:
    return line.split()[1]


def _section(module: str, first_party: Collection[str]) -> int:
    top = module.split(".")[0]
    if top == "__future__":
        return 0
    if top in sys.stdlib_module_names:
        return 1
    return 3 if top in first_party else 2


def _order(line: str) -> tuple[bool, list[str | int]]:
    """Straight imports first, then by module name, case-insensitive, digit runs as numbers (ruff's
    natural order)."""
    module = _module(line).lower()
    return line.startswith("from "), [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", module)]
