"""Data-driven state top cases (tests/unit/top/cases/*.yaml): ``state.show_top`` equals real Salt's.

Cases with ``errors_like`` are deliberate differences (Saline reports an error where Salt returned
an empty top or crashed; ``salt_expected`` records Salt's answer). Re-check the recorded values with
tests/cases/pillar/verify_with_salt.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CASES = Path(__file__).resolve().parent / "cases"


def _cases():
    return [pytest.param(yaml.safe_load(p.read_text(encoding="utf-8")), id=p.stem)
            for p in sorted(CASES.glob("*.yaml"))]


@pytest.mark.parametrize("case", _cases())
def test_case(case, check_oracle_case):
    check_oracle_case(case)
