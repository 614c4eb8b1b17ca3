from __future__ import annotations

import pytest

from tests.report.example import example_document
from xtb.report import Report, parse_report


@pytest.fixture
def document() -> dict:
    return example_document()


@pytest.fixture
def report(document: dict) -> Report:
    return parse_report(document)
