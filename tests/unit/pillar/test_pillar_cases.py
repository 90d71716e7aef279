"""Data-driven pillar cases (tests/cases/pillar/*.yaml): each call's value is what real Salt returned.

tests/cases/pillar/verify_with_salt.py re-checks the recorded values against Salt.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CASES = Path(__file__).resolve().parents[2] / "cases" / "pillar"


def _cases():
    return [pytest.param(yaml.safe_load(p.read_text(encoding="utf-8")), id=p.stem)
            for p in sorted(CASES.glob("*.yaml"))]


@pytest.mark.parametrize("case", _cases())
def test_case(case, check_oracle_case):
    check_oracle_case(case)


def test_cases_exist():
    assert len(list(CASES.glob("*.yaml"))) >= 15
