"""The oracle-case harness of tests/unit/pillar/conftest.py, shared by loading that file by path."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "saline_pillar_case_harness", Path(__file__).resolve().parents[1] / "pillar" / "conftest.py"
)
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)


@pytest.fixture
def check_oracle_case(tmp_path: Path):
    """``check_oracle_case(case)``: run every call of the case and compare with what Salt returned."""
    return lambda case: harness.check_case(tmp_path, case)
