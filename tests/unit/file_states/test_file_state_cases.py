"""Data-driven file-state cases (tests/cases/file_states/*.yaml) run through the real state runner.

Each case holds a starting tree, one state call, and what real Salt 3007 returned for four runs:
``test`` (test=True), ``run``, ``rerun`` (idempotence) and ``test_after`` (test=True once done),
plus the tree after the run. ``saline_differs`` overrides an expectation where Saline deliberately
differs from Salt (each with a ``why``). Recorded with ``regen_oracle_cases.py``.
Every test=True phase must leave the tree exactly as it was.
"""

from __future__ import annotations

import os
import pathlib
import sys
from typing import Any

import pytest
from saline.loader import Context
from saline.states.engine.runner import run_chunks
from saline.yamlload import safe_load

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from file_states_support import PHASES, build_tree, snapshot, subst

CASES = pathlib.Path(__file__).resolve().parents[2] / "cases" / "file_states"


def _cases() -> list[pathlib.Path]:
    return sorted(CASES.glob("*.yaml"))


def make_context(base: pathlib.Path, pillar: dict[str, Any], test: bool) -> Context:
    opts = {
        "id": "oracle", "file_client": "local", "cachedir": str(base / "cache"),
        "file_roots": {"base": [str(base / "srv")]}, "pillar_roots": {"base": [str(base / "pillar")]},
        "test": test, "user": "root",
    }
    return Context(opts, grains_loader=lambda: {"id": "oracle"}, pillar_loader=lambda: dict(pillar))


def run_state(base: pathlib.Path, state: str, args: dict[str, Any], pillar: dict[str, Any],
              test: bool) -> dict[str, Any]:
    mod, _, fun = state.partition(".")
    chunk = {"state": mod, "fun": fun, "__id__": "case", "__sls__": "case_under_test", "__env__": "base",
             "order": 10000, **args}
    chunk.setdefault("name", "case")
    results = run_chunks(make_context(base, pillar, test), [chunk], test=test)
    (result,) = results.values()
    return {"result": result["result"], "comment": result["comment"], "changes": result["changes"]}


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_file_state_case(path: pathlib.Path, tmp_path: pathlib.Path, umask022: None) -> None:
    case = safe_load(path.read_text())
    work, srv = tmp_path / "w", tmp_path / "srv"
    for d in (work, srv, tmp_path / "pillar", tmp_path / "cache"):
        d.mkdir()
    build_tree(str(work), case.get("tree"))
    build_tree(str(srv), case.get("srv"))
    fwd = {"{W}": str(work), "{SRV}": str(srv)}
    back = {str(work): "{W}", str(srv): "{SRV}"}
    args = subst(case["args"], fwd)
    pillar = subst(case.get("pillar") or {}, fwd)
    differs = case.get("saline_differs") or {}
    expect = {phase: {**case["expect"][phase], **(differs.get(phase) or {})} for phase in PHASES}

    initial = snapshot(str(work))
    got = {"test": subst(run_state(tmp_path, case["state"], args, pillar, True), back)}
    assert snapshot(str(work)) == initial, "test=True changed the tree"
    got["run"] = subst(run_state(tmp_path, case["state"], args, pillar, False), back)
    after = snapshot(str(work))
    got["rerun"] = subst(run_state(tmp_path, case["state"], args, pillar, False), back)
    after_rerun = snapshot(str(work))
    got["test_after"] = subst(run_state(tmp_path, case["state"], args, pillar, True), back)
    assert snapshot(str(work)) == after_rerun, "test=True changed the tree"

    for phase in PHASES:
        assert got[phase] == expect[phase], phase
    assert subst(after, back) == differs.get("after", case["after"])
    assert subst(after_rerun, back) == differs.get("after_rerun", case.get("after_rerun", case["after"]))
