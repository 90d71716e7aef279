"""Data-driven cases for ssh_auth, ssh_known_hosts, cron and archive (tests/cases/{ssh,cron,archive}/).

Same format and harness as the file-state cases (see tests/unit/file_states/test_file_state_cases.py):
a starting tree, one state call, what Salt 3007 returned for test=True / run / rerun / test=True
again, and the tree afterwards; ``saline_differs`` overrides a phase where Saline deliberately
differs (with a ``why``). Recorded with ``record_cases.py``. Cron cases (``setup_cron``: the
starting crontab, or null for none) run as a fresh user ``CRONUSER`` whose crontab is shown in the trees
as ``CRONTAB``; they are skipped where the ``crontab`` command is missing.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import uuid

import pytest
from saline.yamlload import safe_load

sys.path.insert(0, str(pathlib.Path(__file__).parent))
sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "file_states"))
from archive_build import build as build_tree
from file_states_support import PHASES, run_state, snapshot, subst

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
    cron = "setup_cron" in case
    if cron and not shutil.which("crontab"):
        pytest.skip("crontab is not installed")
    work, srv = tmp_path / "w", tmp_path / "srv"
    for d in (work, srv, tmp_path / "pillar", tmp_path / "cache"):
        d.mkdir()
    build_tree(str(work), case.get("tree"))
    build_tree(str(srv), case.get("srv"))
    user = f"salcron{uuid.uuid4().hex[:8]}" if cron else None
    fwd = {"{W}": str(work), "{SRV}": str(srv), **({"CRONUSER": user} if user else {})}
    back = {str(work): "{W}", str(srv): "{SRV}", **({user: "CRONUSER"} if user else {})}
    args = subst(case["args"], fwd)
    differs = case.get("saline_differs") or {}
    expect = {phase: {**case["expect"][phase], **(differs.get(phase) or {})} for phase in PHASES}
    if user:
        subprocess.run(["useradd", "-M", "-d", str(tmp_path), user], check=True, capture_output=True)
        if case["setup_cron"] is not None:
            subprocess.run(["crontab", "-u", user, "-"], input=str(case["setup_cron"]), text=True, check=True)
    try:
        initial = state_of(str(work), user)
        got = {"test": subst(run_state(tmp_path, case["state"], args, {}, True), back)}
        assert state_of(str(work), user) == initial, "test=True changed something"
        got["run"] = subst(run_state(tmp_path, case["state"], args, {}, False), back)
        after = state_of(str(work), user)
        got["rerun"] = subst(run_state(tmp_path, case["state"], args, {}, False), back)
        after_rerun = state_of(str(work), user)
        got["test_after"] = subst(run_state(tmp_path, case["state"], args, {}, True), back)
        assert state_of(str(work), user) == after_rerun, "test=True changed something"
    finally:
        if user:
            subprocess.run(["crontab", "-u", user, "-r"], capture_output=True, check=False)
            subprocess.run(["userdel", user], capture_output=True, check=False)
    for phase in PHASES:
        assert got[phase] == expect[phase], phase
    assert subst(after, back) == differs.get("after", case["after"])
    assert subst(after_rerun, back) == differs.get("after_rerun", case.get("after_rerun", case["after"]))


def state_of(work: str, user: str | None) -> dict:
    """The tree, plus the user's crontab for cron cases."""
    tree = snapshot(work)
    if user:
        done = subprocess.run(["crontab", "-u", user, "-l"], capture_output=True, text=True, check=False)
        tree["CRONTAB"] = done.stdout if done.returncode == 0 else None
    return tree
