"""The catalog the verdict is judged against and the scenarios in xtb/scenarios/ are the same list, and
this repo's conformance/ runs every one of them."""

from __future__ import annotations

import ast
from pathlib import Path

from xtb import catalog

ROOT = Path(__file__).resolve().parents[1]


def _scenario_functions() -> dict[str, ast.AsyncFunctionDef]:
    found = {}
    for path in sorted((ROOT / "xtb" / "scenarios").glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name.startswith("test_"):
                found[node.name.removeprefix("test_")] = node
    return found


def test_every_scenario_is_in_the_catalog_and_back() -> None:
    assert sorted(_scenario_functions()) == sorted(catalog.SCENARIOS)


def test_the_baseline_is_the_design_s_smoke_test() -> None:
    assert catalog.BASELINE == (
        "metadata",
        "post_top_of_book",
        "rest_ws_cross_check",
        "reduce_only_flatten",
        "zero_exposure",
    )
    baseline = (ROOT / "xtb" / "scenarios" / "test_baseline.py").read_text()
    assert all(baseline.count(f"def test_{s}(") == 1 for s in catalog.BASELINE)


def test_this_repo_s_entry_imports_every_scenario_module() -> None:
    """`pytest conformance` keeps its ids (`conformance/test_baseline.py::...`): each catalog module has
    its entry of the same name, which imports all of it."""
    catalog_modules = sorted(p.name for p in (ROOT / "xtb" / "scenarios").glob("test_*.py"))
    entries = sorted(p.name for p in (ROOT / "conformance").glob("test_*.py"))
    assert entries == catalog_modules
    for name in entries:
        tree = ast.parse((ROOT / "conformance" / name).read_text())
        imports = [(n.module, [a.name for a in n.names]) for n in tree.body if isinstance(n, ast.ImportFrom)]
        assert imports == [(f"xtb.scenarios.{name.removesuffix('.py')}", ["*"])]


def test_variants_match_the_parametrized_scenarios() -> None:
    variants = {}
    for name, node in _scenario_functions().items():
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("parametrize"):
                variants[name] = tuple(ast.literal_eval(decorator.args[1]))
    assert variants == catalog.VARIANTS


def test_result_ids_and_checks() -> None:
    assert catalog.result_ids("ambiguous_submit")[0] == "ambiguous_submit[drop_response]"
    assert catalog.result_ids("metadata") == ("metadata",)
    assert catalog.check_scenario_id("metadata") is None
    assert catalog.check_scenario_id("ambiguous_submit[status_503]") is None
    assert "unknown scenario" in (catalog.check_scenario_id("meta_data") or "")
    assert catalog.is_baseline("zero_exposure") and not catalog.is_baseline("ambiguous_submit[status_503]")
    assert len(catalog.all_result_ids()) == len(catalog.SCENARIOS) + 2
