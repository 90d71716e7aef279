"""Data-driven runner cases: Salt's compiled chunks in, Salt's results out (tests/cases/runner/*.yaml).

Each case holds the low chunks real Salt 3007 compiled from its ``files`` and the results real Salt
returned when running them (regenerate with ``regen_oracle_cases.py``). The runner must give the same
tags, results, comments, changes (pids aside) and ``__run_num__`` order. ``saline_differs`` records
the few deliberate differences (with the reason); ``unchecked`` results depend on this host or chance.
"""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml
from saline.loader import Context
from saline.states.engine.runner import run_chunks

CASES = pathlib.Path(__file__).resolve().parents[2] / "cases" / "runner"
TIME = re.compile(r"^\d\d:\d\d:\d\d(\.\d{6})?$")
TRACEBACK = "An exception occurred in this state: Traceback"


def _cases() -> list[pathlib.Path]:
    return sorted(CASES.glob("*.yaml"))


def _normalise(result: dict) -> dict:
    out = {k: v for k, v in result.items() if k not in ("start_time", "duration")}
    changes = out.get("changes")
    if isinstance(changes, dict) and "pid" in changes:
        out["changes"] = {**changes, "pid": "<pid>"}
    return out


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_runner_matches_salt(path: pathlib.Path, tmp_path: pathlib.Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Salt recorded these cases with SHELL=/bin/bash; cmd's default shell (and its stderr) follows $SHELL.
    monkeypatch.setenv("SHELL", "/bin/bash")
    case = yaml.safe_load(path.read_text())
    ctx = Context({"id": "local", "cachedir": str(tmp_path), "test": bool(case.get("test"))})
    got = run_chunks(ctx, case["chunks"], test=bool(case.get("test")))
    expected = case["expected"]
    assert set(got) == set(expected)
    unchecked = case.get("unchecked") or {}
    differs = case.get("saline_differs") or {}
    for tag, want in expected.items():
        have = got[tag]
        if "start_time" in have:
            assert TIME.match(have["start_time"]), have["start_time"]
            assert isinstance(have["duration"], float)
        if tag in unchecked:
            continue
        want = {**want, **{k: v for k, v in (differs.get(tag) or {}).items() if k != "why"}}
        have = _normalise(have)
        if str(want.get("comment", "")).startswith(TRACEBACK):
            assert str(have["comment"]).startswith(TRACEBACK), have["comment"]
            want = {k: v for k, v in want.items() if k != "comment"}
            have = {k: v for k, v in have.items() if k != "comment"}
        assert have == want, tag
