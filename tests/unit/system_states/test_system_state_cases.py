"""Data-driven cases for the host, sysctl, ini, alternatives, timezone and locale states
(tests/cases/system_states/*.yaml), recorded from Salt 3007 with ``record_oracle.py``.

Each case runs four times (test=True, run, rerun, test=True) through the real state runner on files in
a temp dir; test=True runs must leave the files untouched. ``saline_differs`` overrides an expectation
where Saline deliberately differs from Salt (each with a ``why``).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
from typing import Any

import pytest
from saline.loader import Context
from saline.states.engine.runner import run_chunks
from saline.yamlload import safe_load

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import system_states_support as support

CASES = pathlib.Path(__file__).resolve().parents[2] / "cases" / "system_states"


def _netns_ok() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = "mount -t tmpfs none /tmp"  # in the private mount namespace only
    return subprocess.run(["unshare", "-nm", "sh", "-c", probe], capture_output=True,
                          check=False).returncode == 0


def _run(base: pathlib.Path, opts: dict[str, Any], case: dict[str, Any], test: bool) -> dict[str, Any]:
    mod, _, fun = case["state"].partition(".")
    chunk = {"state": mod, "fun": fun, "__id__": "case", "__sls__": "case", "__env__": "base", "order": 10000,
             **case["args"]}
    chunk.setdefault("name", "case")
    ctx_opts = {"id": "oracle", "file_client": "local", "cachedir": str(base / "cache"), "test": test,
                "file_roots": {"base": [str(base / "srv")]}, "user": "root", **opts}
    ctx = Context(ctx_opts, grains_loader=lambda: {"id": "oracle"}, pillar_loader=dict)
    (result,) = run_chunks(ctx, [chunk], test=test).values()
    return support.pick(result)


def run_case(raw: dict[str, Any], tmp_path: pathlib.Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Run a case's four phases with Saline; return the results and the files after (``{W}`` restored)."""
    work = tmp_path / "w"
    work.mkdir()
    fwd, back = {"{W}": str(work)}, {str(work): "{W}"}
    case = support.subst(raw, fwd)
    missing = [r for r in case.get("requires") or []
               if not (os.path.exists(r) if r.startswith("/") else shutil.which(r))]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    support.build_tree(work, case.get("tree"))
    opts = case.get("opts") or {}
    if case["state"].startswith("alternatives."):
        assert case.get("alternatives"), "alternatives cases list their group names (replayed in temp dirs)"
    alt_args = ""
    if case.get("alternatives"):
        # Salt has no directory options: recorded on the real alternatives dirs, replayed in temp dirs
        alt, admin = work / "alt", work / "admin"
        alt.mkdir(exist_ok=True)
        admin.mkdir(exist_ok=True)
        opts = {**opts, "alternatives.altdir": str(alt), "alternatives.admindir": str(admin)}
        alt_args = f"--altdir {alt} --admindir {admin}"
    if not (case.get("netns") or case.get("overlays")):
        for line in support.setup_script(case, alt_args):
            subprocess.run(line, shell=True, check=True, capture_output=True)
    if case.get("netns") or case.get("overlays"):
        if not _netns_ok():
            pytest.skip("needs unshare (private network and mount namespaces)")
        conf = support.write_config(tmp_path, opts, case)
        got = support.subst(support.run_phases_cli(support.saline_call(), conf, case), back)
        assert got.pop("_sysctl") == raw.get("after_sysctl", {})
    else:
        initial = support.snapshot(work)
        got = {"test": _run(tmp_path, opts, case, True)}
        assert support.snapshot(work) == initial, "test=True changed the files"
        got["run"] = _run(tmp_path, opts, case, False)
        got["rerun"] = _run(tmp_path, opts, case, False)
        after = support.snapshot(work)
        got["test_after"] = _run(tmp_path, opts, case, True)
        assert support.snapshot(work) == after, "test=True changed the files"
        got = support.subst(got, back)
    return got, support.subst(support.snapshot(work, case.get("snapshot_skip") or ()), back)


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_system_state_case(path: pathlib.Path, tmp_path: pathlib.Path) -> None:
    raw = safe_load(path.read_text())
    differs = raw.get("saline_differs") or {}
    expect = {p: {**raw["expect"][p], **(differs.get(p) or {})} for p in support.PHASES}
    got, after = run_case(raw, tmp_path)
    for phase in support.PHASES:
        assert got[phase] == expect[phase], phase
    assert after == differs.get("after", raw["after"])


def test_every_state_has_a_dry_run_case() -> None:
    """Each state of these modules has a case whose test=True run predicts a change (result None)."""
    from saline.states.registry import load_state_module

    planned = set()
    for path in CASES.glob("*.yaml"):
        raw = safe_load(path.read_text())
        test = {**raw["expect"]["test"], **((raw.get("saline_differs") or {}).get("test") or {})}
        if test["result"] is None:
            planned.add(raw["state"])
    wanted = set()
    for mod in ("host", "sysctl", "ini", "alternatives", "timezone", "locale"):
        module = load_state_module(mod)
        assert module is not None
        wanted |= {f"{mod}.{fun}" for fun in module.functions}
    assert sorted(wanted - planned) == []
