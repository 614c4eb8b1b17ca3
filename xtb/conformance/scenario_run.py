"""Whether a run is a conformance run, decided from its arguments before anything is collected.

With xtb installed the plugin loads in every pytest run of the project, its unit tests included,
and those must be left exactly as they were: no report directory, no junit or allure outputs, no
venue scheduler, no checks. junit and allure are configured before collection, so the decision
cannot wait for the scenarios' `xtb_scenario` mark: a run is a conformance run when one of its
arguments is, or is a folder holding (outside pytest's `norecursedirs`), a scenario module — one of
the catalog's own (`xtb.scenarios`) or a module that imports them (this repo's `conformance/`, a
team's own entry). Scenarios collected in a run not seen as one are a usage error (`collection.py`).
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import os
from pathlib import Path

import pytest

import xtb.scenarios

SCENARIO_RUN = pytest.StashKey[bool]()
CATALOG_DIR = Path(xtb.scenarios.__file__).resolve().parent
CATALOG_PACKAGE = xtb.scenarios.__name__


def decide(config: pytest.Config) -> bool:
    """Look at the run's arguments once (`is_scenario_run` reads the answer)."""
    where = config.invocation_params.dir
    patterns, skipped = config.getini("python_files"), config.getini("norecursedirs")
    paths = [_arg_path(arg, where, config.option.pyargs) for arg in config.args]
    config.stash[SCENARIO_RUN] = any(_holds_scenarios(path, patterns, skipped) for path in paths)
    return config.stash[SCENARIO_RUN]


def is_scenario_run(config: pytest.Config) -> bool:
    return config.stash.get(SCENARIO_RUN, False)


def _arg_path(arg: str, where: Path, pyargs: bool) -> Path:
    """A collection argument's file or folder (`--pyargs` names a module or package instead)."""
    target = arg.split("::", 1)[0]
    if pyargs:
        try:
            spec = importlib.util.find_spec(target)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.submodule_search_locations:
            return Path(next(iter(spec.submodule_search_locations)))
        if spec is not None and spec.origin:
            return Path(spec.origin)
    return where / target


def _holds_scenarios(path: Path, patterns: list[str], skipped: list[str]) -> bool:
    if path.is_file():
        return _is_scenario_module(path)
    for folder, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if not _skipped(Path(folder, d), skipped)]
        if any(_is_scenario_module(Path(folder, f)) for f in files if any(fnmatch.fnmatch(f, p) for p in patterns)):
            return True
    return False


def _skipped(folder: Path, skipped: list[str]) -> bool:
    """pytest does not collect there: `norecursedirs`, or a virtual environment."""
    return any(fnmatch.fnmatch(folder.name, p) for p in skipped) or (folder / "pyvenv.cfg").is_file()


def _is_scenario_module(path: Path) -> bool:
    if path.resolve().parent == CATALOG_DIR:
        return True
    try:
        source = path.read_bytes()
        if CATALOG_PACKAGE.encode() not in source:  # most test modules: no need to parse them
            return False
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError):  # pytest reports an unreadable module itself
        return False
    modules = [node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)]
    modules += [alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names]
    return any(m == CATALOG_PACKAGE or m.startswith(f"{CATALOG_PACKAGE}.") for m in modules)
