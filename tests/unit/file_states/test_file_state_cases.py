"""Data-driven file-state cases (tests/cases/file_states/*.yaml) run through the real state runner.

Each case holds a starting tree, one state call, and what real Salt 3007 returned for four runs:
``test`` (test=True), ``run``, ``rerun`` (idempotence) and ``test_after`` (test=True once done),
plus the tree after the run. ``saline_differs`` overrides an expectation where Saline deliberately
differs from Salt (each with a ``why``). Recorded with ``regen_oracle_cases.py``. Cases marked
``harness: direct`` call the state function through the Plan contract without the runner.
Every test=True phase must leave the tree exactly as it was.
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest
from saline.yamlload import safe_load

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from file_states_support import PHASES, build_tree, run_state_direct, snapshot, subst
from file_states_support import run_state as run_state_runner

CASES = pathlib.Path(__file__).resolve().parents[2] / "cases" / "file_states"


def _cases() -> list[pathlib.Path]:
    return sorted(CASES.glob("*.yaml"))


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

    # `harness: direct` cases use arguments the runner also acts on by itself (check_cmd)
    run_state = run_state_direct if case.get("harness") == "direct" else run_state_runner
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


def test_every_state_has_a_dry_run_case() -> None:
    """Each state that can change something has a case whose test=True run predicts a change."""
    from saline.states.registry import load_state_module

    module = load_state_module("file")
    assert module is not None
    planned = set()
    for path in _cases():
        case = safe_load(path.read_text())
        test = {**case["expect"]["test"], **((case.get("saline_differs") or {}).get("test") or {})}
        if test["result"] is None:
            planned.add(case["state"].partition(".")[2])
    assert sorted(set(module.functions) - planned - {"exists", "missing"}) == []
