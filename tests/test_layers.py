"""xtb's packages form layers, and a lower layer never imports a higher one (README, "Layers").

A bot in production imports the runtime, never the pytest plugin; connectors sit on the order
state machine, never on the helpers built over them. Imports under `if TYPE_CHECKING:` count too:
they are dependencies all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# lowest first; a package may import its own layer and any layer below
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "xtb",
        "xtb.model",
        "xtb.errors",
        "xtb.clock",
        "xtb.drift",
        "xtb.safejson",
        "xtb.secrets",
        "xtb.logs",
        "xtb.change_signal",
        "xtb.events",
        "xtb.crypto",
        "xtb.catalog",
        "xtb.entry_points",
        "xtb.schema",
        "xtb.report",
    ),
    ("xtb.orders",),
    ("xtb.connectors",),
    ("xtb.execution",),
    ("xtb.config",),
    ("xtb.sim",),
    ("xtb.checks",),
    ("xtb.strategies",),
    ("xtb.runtime",),
    ("xtb.conformance", "xtb.scenarios"),
    ("xtb.scaffold",),
    ("xtb.cli", "xtb.__main__"),
)


def layer_of(module: str) -> int | None:
    """The layer of an xtb module: its longest listed prefix wins (`xtb.sim.server` → xtb.sim)."""
    best: tuple[int, int] | None = None
    for index, names in enumerate(LAYERS):
        for name in names:
            if module == name or module.startswith(name + "."):
                if best is None or len(name) > best[1]:
                    best = (index, len(name))
    return None if best is None else best[0]


def imported_modules(source: str) -> list[str]:
    """Every absolute xtb module a source imports (`from xtb import x` names `xtb.x`)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out += [f"{node.module}.{alias.name}" for alias in node.names]
    return [m for m in out if m == "xtb" or m.startswith("xtb.")]


def violations(module: str, source: str) -> list[str]:
    own = layer_of(module)
    if own is None:
        return [f"{module}: in no layer (add its package to LAYERS)"]
    found = []
    for target in imported_modules(source):
        theirs = layer_of(target)
        if theirs is not None and theirs > own:
            found.append(f"{module} (layer {own}: {LAYERS[own][0]}) imports {target} (layer {theirs})")
    return found


def xtb_modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted((ROOT / "xtb").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return out


def test_no_lower_layer_imports_a_higher_one() -> None:
    found = [v for module, path in xtb_modules() for v in violations(module, path.read_text(encoding="utf-8"))]
    assert found == []


def test_a_bot_imports_neither_the_pytest_plugin_nor_pytest() -> None:
    neutral = ("xtb.runtime", "xtb.strategies", "xtb.checks", "xtb.config", "xtb.sim", "xtb.execution", "xtb.orders")
    found = []
    for module, path in xtb_modules():
        if module.startswith(neutral):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            found += [f"{module} imports {name}" for name in names if name.split(".")[0] == "pytest"]
            found += [f"{module} imports {name}" for name in names if name.startswith("xtb.conformance")]
    assert found == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("xtb.connectors.base", "from xtb.execution.flatten import flatten\n", 1),  # the old package loop
        ("xtb.runtime.config", "from xtb.conformance.plugin import Target\n", 1),  # the harness in a bot
        ("xtb.orders.tracker", "if TYPE_CHECKING:\n    from xtb.connectors.base import BaseConnector\n", 1),
        ("xtb.model", "from xtb import checks\n", 1),
        ("xtb.strategies.base", "from xtb.runtime.core import TradingCore\n", 1),  # the old runtime <-> strategies loop
        ("xtb.execution.flatten", "from xtb.orders.tracker import OrderTracker\nimport xtb.connectors.base\n", 0),
        ("xtb.conformance.plugin", "from xtb.sim.cluster import SimulatorCluster\n", 0),
    ],
)
def test_the_check_sees_an_import_upwards(module: str, source: str, expected: int) -> None:
    assert len(violations(module, source)) == expected


def test_every_module_is_in_a_layer() -> None:
    assert [module for module, _ in xtb_modules() if layer_of(module) is None] == []
