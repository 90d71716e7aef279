"""Data-driven cases for ssh_auth, ssh_known_hosts, cron and archive (tests/cases/{ssh,cron,archive}/).

Same format and harness as the file-state cases (see tests/unit/file_states/test_file_state_cases.py):
a starting tree, one state call, what Salt 3007 returned for test=True / run / rerun / test=True
again, and the tree afterwards; ``saline_differs`` overrides a phase where Saline deliberately
differs (with a ``why``). Recorded with ``record_cases.py``. Cases that need a crontab set
``needs: crontab`` and are skipped where the command is missing.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys

import pytest
from saline.yamlload import safe_load

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "file_states"))
from file_states_support import PHASES, build_tree, run_state, snapshot, subst

ROOT = pathlib.Path(__file__).resolve().parents[2] / "cases"
AREAS = ("ssh", "cron", "archive")


def _cases() -> list[pathlib.Path]:
    return sorted(p for area in AREAS for p in (ROOT / area).glob("*.yaml"))


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("path", _cases(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case(path: pathlib.Path, tmp_path: pathlib.Path, umask022: None) -> None:
    case = safe_load(path.read_text())
    if case.get("needs") and not shutil.which(case["needs"]):
        pytest.skip(f"{case['needs']} is not installed")
    work, srv = tmp_path / "w", tmp_path / "srv"
    for d in (work, srv, tmp_path / "pillar", tmp_path / "cache"):
        d.mkdir()
    build_tree(str(work), case.get("tree"))
    build_tree(str(srv), case.get("srv"))
    fwd = {"{W}": str(work), "{SRV}": str(srv)}
    back = {str(work): "{W}", str(srv): "{SRV}"}
    args = subst(case["args"], fwd)
    differs = case.get("saline_differs") or {}
    expect = {phase: {**case["expect"][phase], **(differs.get(phase) or {})} for phase in PHASES}
    setup = case.get("setup_cron")
    if setup is not None:
        _set_crontab(str(setup))
    try:
        initial = _state_of(str(work), case)
        got = {"test": subst(run_state(tmp_path, case["state"], args, {}, True), back)}
        assert _state_of(str(work), case) == initial, "test=True changed something"
        got["run"] = subst(run_state(tmp_path, case["state"], args, {}, False), back)
        after = _state_of(str(work), case)
        got["rerun"] = subst(run_state(tmp_path, case["state"], args, {}, False), back)
        after_rerun = _state_of(str(work), case)
        got["test_after"] = subst(run_state(tmp_path, case["state"], args, {}, True), back)
        assert _state_of(str(work), case) == after_rerun, "test=True changed something"
    finally:
        if setup is not None:
            _set_crontab(None)
    for phase in PHASES:
        assert got[phase] == expect[phase], phase
    assert subst(after, back) == differs.get("after", case["after"])
    assert subst(after_rerun, back) == differs.get("after_rerun", case.get("after_rerun", case["after"]))


def _state_of(work: str, case: dict) -> dict:
    """The tree, plus root's crontab for cron cases."""
    tree = snapshot(work)
    if "setup_cron" in case:
        import subprocess

        done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
        tree["CRONTAB"] = done.stdout if done.returncode == 0 else None
    return tree


def _set_crontab(text: str | None) -> None:
    import subprocess

    if text is None:
        subprocess.run(["crontab", "-r"], capture_output=True, check=False)
    else:
        subprocess.run(["crontab", "-"], input=text, text=True, check=True)
