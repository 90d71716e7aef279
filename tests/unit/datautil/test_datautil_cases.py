"""slsutil/defaults functions against real Salt's answers (one YAML case per call)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from saline.errors import SalineError
from saline.loader import Context

CASES = sorted((Path(__file__).parents[2] / "cases" / "datautil").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    fun = Context({}).salt[case["fun"]]
    if case.get("error"):
        with pytest.raises(SalineError):
            fun(*case["args"], **case["kwargs"])
    else:
        assert fun(*case["args"], **case["kwargs"]) == case["expected"]


def test_cases_exist() -> None:
    assert len(CASES) >= 20


def test_update_in_place_and_merge_copy() -> None:
    salt = Context({}).salt
    dest = {"a": {"b": 1}}
    assert salt["defaults.merge"](dest, {"a": {"c": 2}}) is dest and dest == {"a": {"b": 1, "c": 2}}
    dest = {"a": 1}
    copy = salt["defaults.merge"](dest, {"b": 2}, in_place=False)
    assert dest == {"a": 1} and copy == {"a": 1, "b": 2}
    first = {"x": [1]}
    merged = salt["slsutil.merge"](first, {"x": [2]}, merge_lists=True)
    assert first == {"x": [1]} and merged == {"x": [1, 2]}


def test_bad_input_is_clear() -> None:
    salt = Context({}).salt
    with pytest.raises(SalineError, match="must be a dictionary"):
        salt["slsutil.merge"]([1], {"a": 1})
    with pytest.raises(SalineError, match="unknown serializer"):
        salt["slsutil.serialize"]("toml", {"a": 1})
    with pytest.raises(SalineError, match="in_place"):
        salt["defaults.merge"](None, {"a": 1})
