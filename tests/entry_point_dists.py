"""A distribution with entry points, made real for a test: a `.dist-info` folder (METADATA and
`entry_points.txt`) in a temp folder put on sys.path, so `importlib.metadata` finds it as it finds an
installed package."""

from __future__ import annotations

from pathlib import Path

import pytest


def install_distribution(where: Path, monkeypatch: pytest.MonkeyPatch, groups: dict[str, dict[str, str]]) -> None:
    info = where / "teamvenue-1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: teamvenue\nVersion: 1.2\n")
    (info / "entry_points.txt").write_text(
        "".join(f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in names.items()) for group, names in groups.items())
    )
    monkeypatch.syspath_prepend(str(where))
