"""Data-driven matcher cases (tests/cases/matchers/*.yaml), answers checked against real Salt.

Each check has ``expected`` (Saline's answer, equal to Salt's unless the case records ``salt``)
or ``error`` (Saline raises SaltInvocationError with that text where Salt silently matched nothing).
"""

from __future__ import annotations

import pathlib

import pytest
import yaml
from saline.errors import SaltInvocationError
from saline.matchers import match

CASES = pathlib.Path(__file__).resolve().parents[2] / "cases" / "matchers"


def _checks():
    for path in sorted(CASES.glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        for index, check in enumerate(case["checks"]):
            label = f"{path.stem}[{index}]-{check.get('tgt_type', 'glob')}:{check['tgt']}"
            yield pytest.param(case, check, id=label)


@pytest.mark.parametrize(("case", "check"), list(_checks()))
def test_case(case, check):
    args = (check["tgt"], check.get("tgt_type", "glob"), case.get("minion_id", "web1"),
            case.get("grains") or {}, case.get("pillar") or {})
    kwargs = {"nodegroups": case.get("nodegroups") or {}, "delimiter": check.get("delimiter"),
              "datastore": case.get("datastore") or {}}
    if "error" in check:
        with pytest.raises(SaltInvocationError) as info:
            match(*args, **kwargs)
        assert check["error"] in str(info.value)
    else:
        assert match(*args, **kwargs) is check["expected"]


def test_every_case_file_has_checks():
    files = sorted(CASES.glob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert case["description"] and case["checks"], path.name
        for check in case["checks"]:
            assert ("expected" in check) != ("error" in check), (path.name, check)
