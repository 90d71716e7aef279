"""Template helper modules against real Salt's answers (one YAML case per call, see oracle_cases.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from saline.loader import Context

CASES = sorted((Path(__file__).parents[2] / "cases" / "templatemods").glob("*.yaml"))


def _context(spec: dict) -> Context:
    ctx = Context({"id": spec["id"]})
    ctx.grains = {"id": spec["id"], **spec["grains"]}
    ctx.pillar = spec["pillar"]
    return ctx


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    fun = _context(case["context"]).salt[case["fun"]]
    assert fun(*case["args"], **case["kwargs"]) == case["expected"]


def test_cases_cover_every_module() -> None:
    assert len(CASES) >= 60
    modules = {yaml.safe_load(p.read_text())["fun"].split(".")[0] for p in CASES}
    assert modules >= {"network", "match", "hashutil", "random", "environ"}
