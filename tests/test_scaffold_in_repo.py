"""`xtb new-venue NAME --in-repo`: the skeleton lands where a built-in venue lives, imports from
xtb's own packages, lints clean in xtb's import order, fails its tests naming the next step, and
prints the registration lines, which work as printed; it refuses a tree that is not a clone, a
taken name and any existing target file, writing nothing.

No generated venue touches the real tree: each test generates into a temporary clone whose xtb
files are symlinks to this checkout's, with real `xtb/connectors/`, `xtb/sim/` and `tests/`
directories for the new venue's packages (and the venue's modules reached from this process by
adding those directories to the packages' `__path__`).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
import yaml

import xtb.connectors
import xtb.sim
from tests.suite_runs import ROOT
from xtb import connectors
from xtb.cli import main as xtb_main
from xtb.config.venue_file import load_venue_config
from xtb.errors import ConfigError
from xtb.scaffold import in_repo
from xtb.scaffold.command import in_repo_next
from xtb.scaffold.imports import sort_imports
from xtb.scaffold.layouts import in_repo_layout
from xtb.scaffold.names import venue_names
from xtb.scaffold.project import render_project
from xtb.sim import registry

NAME = "acme"
LONGEST = "abcdefghij_klmnopqrs"
TODO = "not implemented yet"

FRONTEND = PurePosixPath("xtb/sim/acme/frontend.py")
FILES = {
    "venues/acme.yaml",
    "xtb/connectors/acme/__init__.py",
    "xtb/connectors/acme/auth.py",
    "xtb/connectors/acme/connector.py",
    "xtb/connectors/acme/endpoints.py",
    "xtb/connectors/acme/errors.py",
    "xtb/connectors/acme/mapping.py",
    "xtb/connectors/acme/rest.py",
    "xtb/connectors/acme/settings.py",
    "xtb/connectors/acme/streams.py",
    "xtb/sim/acme/__init__.py",
    "xtb/sim/acme/frontend.py",
    "xtb/sim/acme/settings.py",
    "xtb/sim/acme/streams.py",
    "tests/acme/__init__.py",
    "tests/acme/test_acme_signing.py",
    "tests/acme/test_acme_mapping.py",
}


def shadow_clone(root: Path) -> Path:
    """A clone of this checkout made of symlinks, cheap to make: the files ruff and pytest read
    (pyproject.toml, pytest.ini), and `xtb/`, `xtb/connectors/`, `xtb/sim/`, `tests/` as real
    directories of links, so a venue's packages can be written into them."""
    root.mkdir()
    for name in ("pyproject.toml", "pytest.ini"):
        (root / name).symlink_to(ROOT / name)
    (root / "venues").mkdir()
    written = ("xtb", "xtb/connectors", "xtb/sim", "tests")  # real directories, never links
    for folder in written:
        (root / folder).mkdir()
    for folder in written:
        for entry in (ROOT / folder).iterdir():
            if not (root / folder / entry.name).exists() and entry.name != "__pycache__":
                (root / folder / entry.name).symlink_to(entry)
    assert not any((root / folder).is_symlink() for folder in written)
    return root


def real_files(root: Path) -> set[str]:
    """Every file the tree holds itself (not a link into the checkout)."""
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                found.add(path.relative_to(root).as_posix())
    return found


def snapshot(root: Path) -> dict[str, str]:
    """Every real file and directory of the tree, with each file's text."""
    seen = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            seen[Path(folder, name).relative_to(root).as_posix() + "/"] = ""
        for name in files:
            path = Path(folder, name)
            seen[path.relative_to(root).as_posix()] = "" if path.is_symlink() else path.read_text()
    return seen


def new_venue(*args: str) -> int:
    return xtb_main(["new-venue", *args])


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A temporary clone with `acme` generated into it, and what the command printed."""
    clone = shadow_clone(tmp_path_factory.mktemp("in-repo") / "xtb")
    printed = run("-m", "xtb", "new-venue", NAME, "--in-repo", cwd=clone)  # from the clone's root
    assert printed.returncode == 0, printed.stderr
    return clone, printed.stdout


@pytest.fixture
def venue_importable(generated: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`xtb.connectors.acme` and `xtb.sim.acme` importable in this process for one test."""
    clone, _ = generated
    monkeypatch.setattr(xtb.connectors, "__path__", [*xtb.connectors.__path__, str(clone / "xtb" / "connectors")])
    monkeypatch.setattr(xtb.sim, "__path__", [*xtb.sim.__path__, str(clone / "xtb" / "sim")])
    yield clone
    for module in [m for m in sys.modules if m.startswith((f"xtb.connectors.{NAME}", f"xtb.sim.{NAME}"))]:
        del sys.modules[module]


def printed_lines(printed: str) -> dict[str, str]:
    """Table → the line the command says to add to it."""
    found = re.findall(r"^\s+\S+\s+(CONNECTORS|EXTRA_TYPES|BUILTIN_VENUES):\s+(.+)$", printed, re.MULTILINE)
    return dict(found)


def test_the_venue_lands_where_a_built_in_venue_lives(generated: tuple[Path, str]) -> None:
    clone, printed = generated
    assert real_files(clone) == FILES
    listed = set(re.findall(r"^  (\S+\.(?:py|yaml))$", printed, re.MULTILINE))
    assert listed == FILES


def test_every_import_is_rooted_in_xtb(generated: tuple[Path, str]) -> None:
    clone, _ = generated
    for relative in FILES - {"venues/acme.yaml"}:
        text = (clone / relative).read_text()
        assert not re.search(r"^\s*(from|import) acme\b", text, re.MULTILINE), relative
    connector = (clone / "xtb/connectors/acme/connector.py").read_text()
    assert "from xtb.connectors.acme.auth import Signer\n" in connector
    assert "from xtb.connectors.acme.streams import AcmeStreams\n" in connector
    frontend = (clone / "xtb/sim/acme/frontend.py").read_text()
    assert "from xtb.sim.acme.settings import AcmeSimSettings\n" in frontend
    assert "from xtb.connectors.acme import mapping\n" in (clone / "tests/acme/test_acme_mapping.py").read_text()
    assert "tests/acme/test_acme_signing.py" in (clone / "xtb/connectors/acme/auth.py").read_text()


def test_the_venue_file_names_the_registered_connector(generated: tuple[Path, str]) -> None:
    clone, _ = generated
    raw = yaml.safe_load((clone / "venues" / "acme.yaml").read_text())
    assert raw["venue"] == "acme"
    assert raw["connector"] == "acme"  # as the built-in venue files say `connector: aster`
    assert raw["simulator"]["venue"] == "acme"


def test_the_printed_lines_register_the_venue(
    venue_importable: Path, generated: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, printed = generated
    venue_file = venue_importable / "venues" / "acme.yaml"
    with pytest.raises(ConfigError, match="'acme' is neither a registered connector"):
        load_venue_config(venue_file)  # what the printout warns of until the lines are in

    lines = printed_lines(printed)
    assert set(lines) == {"CONNECTORS", "EXTRA_TYPES", "BUILTIN_VENUES"}
    tables = {"CONNECTORS": connectors.CONNECTORS, "EXTRA_TYPES": connectors.EXTRA_TYPES}
    tables["BUILTIN_VENUES"] = registry.BUILTIN_VENUES
    for table, line in lines.items():
        ((name, target),) = ast.literal_eval("{" + line + "}").items()
        assert name == NAME
        monkeypatch.setitem(tables[table], name, target)

    config = load_venue_config(venue_file)
    assert (config.connector, config.simulator) == ("acme", "acme")
    assert connectors.load_connector_class("acme").__name__ == "AcmeConnector"
    assert registry.default_registry().factory("acme").__name__ == "AcmeFrontEnd"


def test_the_printout_names_every_venue_list_and_the_gate(generated: tuple[Path, str]) -> None:
    _, printed = generated
    for path in (".github/workflows/nightly.yml", "README.md", "examples/smoke_sim.yaml"):
        assert f"  {path}:" in printed
        assert (ROOT / path).is_file(), path  # the printout names files the repository has
    assert "tests/selftest/shared_bugs.py and tests/selftest/venues/acme.py" in printed
    assert (ROOT / "tests/selftest/shared_bugs.py").is_file()
    assert "python -m pytest tests/acme -q" in printed
    assert "python -m pytest conformance -k acme" in printed


async def test_the_venue_imports_and_every_part_says_what_to_do_next(venue_importable: Path) -> None:
    from xtb.clock import SYSTEM_CLOCK
    from xtb.connectors.config import ConnectorConfig
    from xtb.sim.engine import Engine

    connector_class = registry.load_object("xtb.connectors.acme:AcmeConnector")  # through the lazy __init__
    connector = connector_class(ConnectorConfig("acme", "http://127.0.0.1:9", "ws://127.0.0.1:9"))
    with pytest.raises(NotImplementedError, match=f"^_load_markets: {TODO} — .+docs/connectors.md"):
        await connector._load_markets()
    with pytest.raises(NotImplementedError, match=f"^_submit: {TODO} — "):
        await connector._submit(None)
    front_end = registry.load_object("xtb.sim.acme:AcmeFrontEnd")
    with pytest.raises(NotImplementedError, match=rf"^AcmeMarketDef.info \(BTC-PERP\): {TODO} — "):
        front_end(Engine(SYSTEM_CLOCK)).sim_markets()


def test_every_generated_test_fails_saying_what_to_do_next(generated: tuple[Path, str], tmp_path: Path) -> None:
    clone, _ = generated
    junit = tmp_path / "junit.xml"
    result = run("-m", "pytest", "tests/acme", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", cwd=clone)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    cases = ET.parse(junit).getroot().iter("testcase")
    outcomes = {case.get("name"): [child for child in case if child.tag != "system-out"] for case in cases}
    assert len(outcomes) == 5  # signing 1, mapping 4: no conformance test inside xtb
    for name, found in outcomes.items():
        assert [child.tag for child in found] == ["failure"], name
        message = found[0].get("message") or ""
        assert TODO in message and "docs/connectors.md section" in message, name


@pytest.mark.parametrize("name", [NAME, "ab", "client", "started", "zeta", LONGEST])
def test_the_venue_lints_clean_in_xtbs_import_order(tmp_path: Path, name: str) -> None:
    """Names that sort before, among and after xtb's own modules (`client` against
    `xtb.connectors.client_ids`, `started` against `started_only`), the longest for line length."""
    clone = shadow_clone(tmp_path / "xtb")
    assert new_venue(name, "--in-repo", "--dir", str(clone)) == 0
    targets = [f"xtb/connectors/{name}", f"xtb/sim/{name}", f"tests/{name}"]
    for command in (["check", *targets], ["format", "--check", *targets]):
        ruff = run("-m", "ruff", *command, cwd=clone)
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def test_the_lint_check_sees_a_wrong_import_order(tmp_path: Path) -> None:
    """The project layout's grouping (xtb a third-party package) is wrong inside xtb."""
    clone = shadow_clone(tmp_path / "xtb")
    names = venue_names(NAME)
    files = render_project(names, in_repo_layout(names))
    wrong = sort_imports(files[FRONTEND], first_party=set())  # xtb grouped with aiohttp, as a third party
    assert wrong != files[FRONTEND]
    (clone / "xtb/sim/acme").mkdir()
    (clone / "xtb/sim/acme/frontend.py").write_text(wrong)
    ruff = run("-m", "ruff", "check", "--select", "I", "xtb/sim/acme", cwd=clone)
    assert ruff.returncode == 1 and "I001" in ruff.stdout, ruff.stdout + ruff.stderr


def marked_clone(root: Path) -> Path:
    """The least a tree needs to count as a clone: the marker file."""
    (root / "xtb" / "connectors").mkdir(parents=True)
    (root / "xtb" / "connectors" / "base.py").write_text("# marker\n")
    return root


def test_a_tree_that_is_not_a_clone_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "xtb").mkdir()
    assert new_venue(NAME, "--in-repo", "--dir", str(tmp_path)) == 2
    assert "is not the root of an xtb clone (it has no xtb/connectors/base.py)" in capsys.readouterr().err
    assert snapshot(tmp_path) == {"xtb/": ""}


@pytest.mark.parametrize(
    ("name", "setup", "message"),
    [
        ("aster", None, "is taken: xtb already knows a venue of that name"),
        ("zed", ("xtb/connectors/__init__.py", 'CONNECTORS = {"zed": "x:Y"}\n'), "connectors/__init__.py registers"),
        ("zed", ("xtb/sim/registry.py", 'BUILTIN_VENUES = {"zed": "x:Y"}\n'), "xtb/sim/registry.py registers"),
        ("engine", ("xtb/sim/engine.py", "# a module\n"), "xtb/sim/engine.py is a module"),
        ("waiting", ("tests/waiting.py", "# a module\n"), "tests/waiting.py is a module"),
    ],
)
def test_a_taken_name_is_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, setup: tuple[str, str] | None, message: str
) -> None:
    clone = marked_clone(tmp_path)
    if setup is not None:
        (clone / setup[0]).parent.mkdir(parents=True, exist_ok=True)
        (clone / setup[0]).write_text(setup[1])
    before = snapshot(clone)
    assert new_venue(name, "--in-repo", "--dir", str(clone)) == 2
    assert message in capsys.readouterr().err
    assert snapshot(clone) == before


def test_any_existing_target_file_is_refused_naming_them_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = marked_clone(tmp_path)
    for relative in ("xtb/connectors/acme/auth.py", "tests/acme/__init__.py", "venues/acme.yaml"):
        (clone / relative).parent.mkdir(parents=True, exist_ok=True)
        (clone / relative).write_text("mine\n")
    before = snapshot(clone)
    assert new_venue(NAME, "--in-repo", "--dir", str(clone)) == 2
    err = capsys.readouterr().err
    assert "3 file(s) the venue would write exist already" in err
    for relative in ("xtb/connectors/acme/auth.py", "tests/acme/__init__.py", "venues/acme.yaml"):
        assert relative in err
    assert snapshot(clone) == before


def test_existing_directories_are_fine_and_their_modules_kept(tmp_path: Path) -> None:
    clone = marked_clone(tmp_path)
    (clone / "xtb/sim/acme").mkdir(parents=True)
    (clone / "xtb/sim/acme/wire.py").write_text("# written before the scaffold\n")
    assert new_venue(NAME, "--in-repo", "--dir", str(clone)) == 0
    assert (clone / "xtb/sim/acme/wire.py").read_text() == "# written before the scaffold\n"
    assert real_files(clone) == FILES | {"xtb/connectors/base.py", "xtb/sim/acme/wire.py"}


def test_a_failure_midway_removes_everything_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = marked_clone(tmp_path)
    (clone / "xtb/sim/acme").mkdir(parents=True)  # a directory that was there stays
    before = snapshot(clone)
    placed: list[Path] = []
    real_place = in_repo._place

    def place_then_fail(staged: Path, target: Path) -> None:
        if len(placed) == 9:
            raise OSError(28, "No space left on device")
        real_place(staged, target)
        placed.append(target)

    monkeypatch.setattr(in_repo, "_place", place_then_fail)
    assert new_venue(NAME, "--in-repo", "--dir", str(clone)) == 2
    assert "writing the venue failed" in capsys.readouterr().err
    assert len(placed) == 9 and all(not path.exists() for path in placed)
    assert snapshot(clone) == before


def test_no_generated_venue_is_left_in_the_checkout() -> None:
    """The tests above write only into temporary clones (a link where a real directory should be
    once sent them into this checkout)."""
    for name in (NAME, "ab", "client", "started", "zeta", LONGEST, "zed", "engine", "waiting"):
        for folder in ("xtb/connectors", "xtb/sim", "tests"):
            assert not (ROOT / folder / name).exists(), f"{folder}/{name}"
        assert not (ROOT / "venues" / f"{name}.yaml").exists()


def test_the_guide_shows_what_the_command_prints() -> None:
    """docs/connectors.md section 1 quotes the --in-repo printout with NAME for the venue; it must
    be the printout, word for word."""
    guide = (ROOT / "docs" / "connectors.md").read_text()
    quoted = re.search(r"```\n(register NAME by hand.*?)```", guide, re.DOTALL)
    assert quoted is not None, "section 1 no longer quotes the --in-repo printout"
    expected = quoted.group(1).replace("NAME", "xyz_dex").replace("Title", "XyzDex")
    assert in_repo_next(venue_names("xyz_dex")) == expected
